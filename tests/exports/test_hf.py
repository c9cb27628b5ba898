"""Hugging Face datasets (FORMATS.md §7): the rows, dataset_info.json, and the files loaded
by `datasets.load_dataset("json", …)` offline, decoding to the stored entities."""

from __future__ import annotations

import json

import pytest
from seqeval.metrics.sequence_labeling import get_entities

from newsreview.annotations.models import Span
from newsreview.exports.formats.hf import label_names, side_files
from newsreview.exports.tokens import select_levels

from .conftest import export_bytes
from .test_tokens import make_mixed, token_offsets

HEADLINE_ROW = (
    '{"id": "000_f057059c50c62636:gold:0", "tokens": ["حموشي", "يعيد", "الدفء", "إلى", '
    '"علاقات", "المغرب", "ب", "فرنسا", "و", "رحلة", "قريبة", "ستأخذه", "إلى", "باريس"], '
    '"ner_tags": [1, 0, 0, 0, 0, 7, 0, 7, 0, 0, 0, 0, 0, 7]}\n'
)


@pytest.fixture
def mixed(project, reviewer):
    return make_mixed(project, reviewer)


@pytest.fixture
def offline_datasets(tmp_path, monkeypatch):
    """`datasets` with no network and every cache under tmp_path (never the home dir)."""
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "hf-cache"))
    import datasets

    monkeypatch.setattr(datasets.config, "HF_DATASETS_OFFLINE", True)
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "hf-cache")
    return datasets


def flat_stored(document) -> set[tuple[str, int, int]]:
    spans = Span.objects.filter(
        layer__document=document, layer__kind="gold", entity_type__isnull=False
    )
    records = [
        type("S", (), {"start": s.start, "end": s.end, "label": s.label_key, "kind": "entity"})
        for s in spans
    ]
    return {(s.label, s.start, s.end) for s in select_levels(records).levels[0]}


@pytest.mark.django_db
def test_hf_headline_row_is_the_formats_example(headline, project):
    data, _warnings = export_bytes(project, "hf")
    assert data.decode("utf-8") == HEADLINE_ROW


@pytest.mark.django_db
def test_hf_label_list_is_o_then_b_i_pairs_in_schema_order(project):
    names = label_names(project)
    assert names[:9] == [
        "O",
        "B-PERS",
        "I-PERS",
        "B-ORG",
        "I-ORG",
        "B-OCC",
        "I-OCC",
        "B-GPE",
        "I-GPE",
    ]
    assert len(names) == 1 + 2 * 14


@pytest.mark.django_db
def test_hf_dataset_info_is_read_by_datasets(project, tmp_path, offline_datasets):
    datasets = offline_datasets
    (tmp_path / "dataset_info.json").write_bytes(side_files(project, {})["dataset_info.json"])
    info = datasets.DatasetInfo.from_directory(str(tmp_path))
    expected = datasets.Features(
        {
            "id": datasets.Value("string"),
            "tokens": datasets.Sequence(datasets.Value("string")),
            "ner_tags": datasets.Sequence(datasets.ClassLabel(names=label_names(project))),
        }
    )
    assert info.features == expected


@pytest.mark.django_db
def test_hf_files_load_with_datasets_and_decode_to_the_stored_entities(
    headline, seed_gold, tricky, mixed, project, tmp_path, offline_datasets
):
    datasets = offline_datasets
    data, _warnings = export_bytes(project, "hf")
    (tmp_path / "gold.jsonl").write_bytes(data)
    (tmp_path / "dataset_info.json").write_bytes(side_files(project, {})["dataset_info.json"])
    info = json.loads((tmp_path / "dataset_info.json").read_text("utf-8"))
    features = datasets.Features.from_dict(info["features"])
    dataset = datasets.load_dataset(
        "json",
        data_files=str(tmp_path / "gold.jsonl"),
        features=features,
        split="train",
        cache_dir=str(tmp_path / "hf-cache"),
    )
    tag_names = dataset.features["ner_tags"].feature
    rows_by_document: dict[str, list[dict]] = {}
    for row in dataset:
        document_id, layer, number = row["id"].rsplit(":", 2)
        assert layer == "gold"
        rows = rows_by_document.setdefault(document_id, [])
        assert int(number) == len(rows)  # sentences numbered from 0, in order
        rows.append(row)
    sources = {d.export_id: d for d in (headline, seed_gold, tricky, mixed)}
    assert set(rows_by_document) == set(sources)
    for document_id, rows in rows_by_document.items():
        document = sources[document_id]
        document.refresh_from_db()
        tokens = [t for row in rows for t in row["tokens"]]
        tags = [tag_names.int2str(i) for row in rows for i in row["ner_tags"]]
        offsets = token_offsets(document.text, tokens)
        decoded = {
            (label, offsets[first][0], offsets[last][1])
            for label, first, last in get_entities(tags)
        }
        assert decoded == flat_stored(document)
    assert len(rows_by_document["mixed"]) == 3  # «.», «؟», «!»


@pytest.mark.django_db
def test_hf_show_labels_goes_to_warn_not_into_the_data(headline, project):
    data, warnings = export_bytes(project, "hf", show_labels=True)
    assert data.decode("utf-8") == HEADLINE_ROW
    assert warnings[0] == (
        "labels (--show-labels; ner_tags index this list): " + json.dumps(label_names(project))
    )
    assert "1 event(s) in 1 document(s)" in warnings[1]


@pytest.mark.django_db
def test_export_command_writes_the_rows_and_dataset_info_beside_them(headline, project, tmp_path):
    from django.core.management import call_command

    target = tmp_path / "gold.jsonl"
    call_command("export_annotations", "--project", "news", "--format", "hf", "-o", str(target))
    assert target.read_text("utf-8") == HEADLINE_ROW
    info = json.loads((tmp_path / "dataset_info.json").read_text("utf-8"))
    assert info["features"]["ner_tags"]["feature"]["names"] == label_names(project)
