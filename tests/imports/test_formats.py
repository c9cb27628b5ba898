"""Every import format, from real files on disk, through the shared service."""

import json
import zipfile
from pathlib import Path

import pytest

from newsreview.accounts.models import User
from newsreview.annotations.models import AnnotationLayer, Change, Comment, Event, Span
from newsreview.documents.models import Document
from newsreview.imports.services import ImportOptions, import_path, preview
from newsreview.imports.sources import read_path

from .conftest import HEADLINE, HEADLINE_SPANS, arguments_of, row_counts, spans_of

SEED_FILE = Path(__file__).resolve().parents[2] / "newsreview/documents/seed/article-ar.txt"
DOCCANO_LABEL = {
    "id": 1,
    "text": HEADLINE,
    "label": [
        [0, 5, "PERS"],
        [28, 34, "GPE"],
        [36, 41, "GPE"],
        [43, 47, "MOVEMENT_TRANSPORT"],
        [65, 70, "GPE"],
    ],
}
DOCCANO_RELATIONS = {
    "id": 1,
    "text": HEADLINE,
    "entities": [
        {"id": 1, "label": "PERS", "start_offset": 0, "end_offset": 5},
        {"id": 4, "label": "GPE", "start_offset": 65, "end_offset": 70},
        {"id": 5, "label": "MOVEMENT_TRANSPORT", "start_offset": 43, "end_offset": 47},
    ],
    "relations": [
        {"id": 1, "from_id": 5, "to_id": 1, "type": "ARTIFACT"},
        {"id": 2, "from_id": 5, "to_id": 4, "type": "DESTINATION"},
    ],
}
LABEL_STUDIO = [
    {
        "id": 1,
        "data": {"text": HEADLINE, "doc": "000_f057059c50c62636", "layer": "gold"},
        "annotations": [
            {
                "id": 1,
                "ground_truth": True,
                "was_cancelled": False,
                "result": [
                    {
                        "id": "s1",
                        "from_name": "entity",
                        "to_name": "text",
                        "type": "labels",
                        "origin": "manual",
                        "value": {"start": 0, "end": 5, "text": "حموشي", "labels": ["PERS"]},
                    },
                    {
                        "id": "s4",
                        "from_name": "entity",
                        "to_name": "text",
                        "type": "labels",
                        "origin": "manual",
                        "value": {"start": 65, "end": 70, "text": "باريس", "labels": ["GPE"]},
                    },
                    {
                        "id": "s5",
                        "from_name": "event",
                        "to_name": "text",
                        "type": "labels",
                        "origin": "manual",
                        "value": {
                            "start": 43,
                            "end": 47,
                            "text": "رحلة",
                            "labels": ["MOVEMENT_TRANSPORT"],
                        },
                    },
                    {
                        "from_id": "s5",
                        "to_id": "s1",
                        "type": "relation",
                        "direction": "right",
                        "labels": ["ARTIFACT"],
                    },
                    {
                        "from_id": "s5",
                        "to_id": "s4",
                        "type": "relation",
                        "direction": "right",
                        "labels": ["DESTINATION"],
                    },
                ],
            }
        ],
        "predictions": [],
    }
]
BRAT_ANN = (
    "T1\tPERS 0 5\tحموشي\n"
    "T2\tGPE 28 34\tالمغرب\n"
    "T3\tGPE 36 41\tفرنسا\n"
    "T4\tGPE 65 70\tباريس\n"
    "T5\tMOVEMENT_TRANSPORT 43 47\tرحلة\n"
    "E1\tMOVEMENT_TRANSPORT:T5 ARTIFACT:T1 DESTINATION:T4\n"
)
CONLL = (
    "-DOCSTART- -X- O O\n\n"
    "حموشي\tB-PERS\nيعيد\tO\nالدفء\tO\nإلى\tO\nعلاقات\tO\nالمغرب\tB-GPE\nب\tO\n"
    "فرنسا\tB-GPE\nو\tO\nرحلة\tO\nقريبة\tO\nستأخذه\tO\nإلى\tO\nباريس\tB-GPE\n"
)
CONLL_NESTED = (
    "-DOCSTART- -X- O O\n\n"
    "نيكولا\tB-PERS\tO\nلورنر\tI-PERS\tO\n،\tO\tO\nالمدير\tB-OCC\tO\nالعام\tI-OCC\tO\n"
    "للأمن\tI-OCC\tO\nالداخلي\tI-OCC\tO\nب\tI-OCC\tO\nالجمهورية\tI-OCC\tB-GPE\n"
    "الفرنسية\tI-OCC\tI-GPE\n"
)


def run(project, path, **options):
    return import_path(project=project, path=path, options=ImportOptions(**options))


def layer_of(document):
    return AnnotationLayer.objects.get(document=document)


# --- plain text -----------------------------------------------------------------------


@pytest.mark.django_db
def test_txt_import_keeps_the_whole_seed_article_as_text_and_its_first_line_as_title(
    project, tmp_path
):
    path = tmp_path / "article-ar.txt"
    path.write_bytes(SEED_FILE.read_bytes())
    result = run(project, path)
    assert result.saved, result.error_report()
    assert result.format == "txt"
    document = Document.objects.get(project=project)
    expected = SEED_FILE.read_bytes().decode("utf-8").replace("\r\n", "\n")
    assert document.text == expected
    assert document.title == expected.split("\n")[0]
    assert "حموشي يعيد الدفء" in document.title
    assert not AnnotationLayer.objects.exists()


@pytest.mark.django_db
def test_txt_import_turns_crlf_into_lf_and_changes_nothing_else(project, write):
    # Combining mark (e + U+0301), tatweel, trailing spaces: all kept as they are.
    raw = "  عنوان ڤـــو\r\nسطر Cafe\u0301 \r\nآخر\r\n"
    result = run(project, write("crlf.txt", raw))
    assert result.saved
    document = Document.objects.get()
    assert document.text == "  عنوان ڤـــو\nسطر Cafe\u0301 \nآخر\n"
    assert "\r" not in document.text
    assert document.title == "عنوان ڤـــو"


@pytest.mark.django_db
def test_txt_import_strips_a_utf8_bom_and_nothing_else(project, write):
    result = run(project, write("bom.txt", b"\xef\xbb\xbf" + "حموشي\n".encode()))
    assert result.saved
    assert Document.objects.get().text == "حموشي\n"


@pytest.mark.django_db
def test_txt_folder_import_creates_one_document_per_file(project, write, tmp_path):
    write("folder/a.txt", "الأول\nنص")
    write("folder/b.txt", "الثاني\nنص")
    write("folder/notes.md", "ignored")
    result = run(project, tmp_path / "folder", format="txt")
    assert result.saved, result.error_report()
    assert list(Document.objects.values_list("title", flat=True)) == ["الأول", "الثاني"]
    assert any("notes.md" in str(w) for w in result.warnings)


# --- simple JSON Lines ----------------------------------------------------------------


@pytest.mark.django_db
def test_simple_jsonl_import_reads_title_text_metadata_and_ids(project, write):
    path = write(
        "docs.jsonl",
        [
            {
                "title": "عنوان",
                "text": "نص أول\r\nسطر",
                "meta": {"source": "hespress"},
                "id": "hes-1",
                "source_url": "https://example.com/a",
                "published": "2023-12-15",
                "language": "ar",
            },
            {"text": "نص ثان", "metadata": {"n": 2}, "external_id": 7},
        ],
    )
    result = run(project, path)
    assert result.saved, result.error_report()
    assert result.format == "jsonl"
    first, second = Document.objects.order_by("id")
    assert (first.title, first.text, first.external_id) == ("عنوان", "نص أول\nسطر", "hes-1")
    assert first.metadata == {"source": "hespress"}
    assert str(first.published_on) == "2023-12-15"
    assert first.source_url == "https://example.com/a"
    assert (second.title, second.external_id, second.metadata) == ("نص ثان", "7", {"n": 2})


# --- doccano --------------------------------------------------------------------------


@pytest.mark.django_db
def test_doccano_label_triples_example_becomes_spans_in_the_import_layer(project, write):
    result = run(project, write("doccano.jsonl", [DOCCANO_LABEL]))
    assert result.saved, result.error_report()
    assert result.format == "doccano"
    document = Document.objects.get()
    assert document.text == HEADLINE
    layer = layer_of(document)
    assert (layer.kind, layer.name, layer.owner) == ("pre", "import-doccano", None)
    assert [(s, e, label) for s, e, label, _t in spans_of(document)] == sorted(HEADLINE_SPANS)
    assert Event.objects.get().trigger.text == "رحلة"


@pytest.mark.django_db
def test_doccano_relations_from_an_event_trigger_become_event_arguments(project, write):
    result = run(project, write("doccano.jsonl", [DOCCANO_RELATIONS]), format="doccano")
    assert result.saved, result.error_report()
    document = Document.objects.get()
    assert arguments_of(document) == [
        ("MOVEMENT_TRANSPORT", "ARTIFACT", "حموشي"),
        ("MOVEMENT_TRANSPORT", "DESTINATION", "باريس"),
    ]
    change = Change.objects.get()
    assert change.action == "import"
    assert change.after["spans"] == 3 and change.after["arguments"] == 2


@pytest.mark.django_db
def test_doccano_utf16_offsets_after_an_emoji_become_code_points(project, write):
    text = "🇲🇦 خبر: حموشي في باريس 😀 ثم Cafe\u0301 ڤـــو"
    start = text.index("حموشي")
    u16 = len(text[:start].encode("utf-16-le")) // 2
    assert u16 != start  # the flag is two astral characters: four UTF-16 units
    late = text.index("ڤـــو")
    late16 = len(text[:late].encode("utf-16-le")) // 2
    record = {"text": text, "label": [[u16, u16 + 5, "PERS"], [late16, late16 + 5, "PERS"]]}
    result = run(project, write("emoji.jsonl", [record]), format="doccano")
    assert result.saved, result.error_report()
    spans = spans_of(Document.objects.get())
    assert spans == [(start, start + 5, "PERS", "حموشي"), (late, late + 5, "PERS", "ڤـــو")]


@pytest.mark.django_db
def test_doccano_offset_inside_an_emoji_is_refused(project, write):
    record = {"text": "😀 حموشي", "label": [[1, 4, "PERS"]]}
    before = row_counts()
    result = run(project, write("bad.jsonl", [record]), format="doccano")
    assert not result.saved
    assert "line 1" in str(result.errors[0]) and "label[0]" in str(result.errors[0])
    assert "UTF-16 offset 1 falls inside the astral character at 0" in str(result.errors[0])
    assert row_counts() == before


@pytest.mark.django_db
def test_doccano_relation_between_entities_is_skipped_with_a_warning(project, write):
    record = {
        "text": HEADLINE,
        "entities": [
            {"id": 1, "label": "PERS", "start_offset": 0, "end_offset": 5},
            {"id": 2, "label": "GPE", "start_offset": 65, "end_offset": 70},
        ],
        "relations": [{"id": 1, "from_id": 1, "to_id": 2, "type": "PLACE"}],
    }
    result = run(project, write("rel.jsonl", [record]), format="doccano")
    assert result.saved
    assert result.arguments == 0
    assert "relations[0]" in str(result.warnings[0])


# --- Label Studio ---------------------------------------------------------------------


@pytest.mark.django_db
def test_labelstudio_example_gives_spans_event_and_arguments(project, write):
    path = write("tasks.json", json.dumps(LABEL_STUDIO, ensure_ascii=False))
    result = run(project, path)
    assert result.saved, result.error_report()
    assert result.format == "labelstudio"
    document = Document.objects.get()
    assert document.external_id == "000_f057059c50c62636"
    assert spans_of(document) == [
        (0, 5, "PERS", "حموشي"),
        (43, 47, "MOVEMENT_TRANSPORT", "رحلة"),
        (65, 70, "GPE", "باريس"),
    ]
    assert arguments_of(document) == [
        ("MOVEMENT_TRANSPORT", "ARTIFACT", "حموشي"),
        ("MOVEMENT_TRANSPORT", "DESTINATION", "باريس"),
    ]
    assert layer_of(document).name == "import-labelstudio"


@pytest.mark.django_db
def test_labelstudio_predictions_are_read_when_there_is_no_annotation(project, write, annotator):
    task = {
        "data": {"text": HEADLINE},
        "predictions": [
            {
                "model_version": "v1",
                "result": [
                    {
                        "id": "a",
                        "type": "labels",
                        "from_name": "entity",
                        "to_name": "text",
                        "value": {"start": 65, "end": 70, "text": "باريس", "labels": ["GPE"]},
                    }
                ],
            }
        ],
    }
    path = write("pred.json", json.dumps([task], ensure_ascii=False))
    result = run(project, path, format="labelstudio", annotator="annotator1")
    assert result.saved, result.error_report()
    layer = AnnotationLayer.objects.get()
    assert (layer.kind, layer.owner) == ("annotator", annotator)
    assert spans_of(layer.document) == [(65, 70, "GPE", "باريس")]


# --- brat -----------------------------------------------------------------------------


def _brat_zip(path: Path, entries: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return path


@pytest.mark.django_db
def test_brat_zip_example_gives_spans_event_arguments_and_notes(project, tmp_path):
    ann = BRAT_ANN + "A1\trealis E1 planned\n#1\tAnnotatorNotes T1\tراجع الاسم\n"
    path = _brat_zip(
        tmp_path / "brat.zip",
        {
            "collection/doc1.txt": HEADLINE + "\n",
            "collection/doc1.ann": ann,
            "collection/annotation.conf": "[entities]\nPERS\n",
        },
    )
    result = run(project, path)
    assert result.saved, result.error_report()
    assert result.format == "brat"
    document = Document.objects.get()
    assert document.text == HEADLINE + "\n"
    assert [(s, e, label) for s, e, label, _t in spans_of(document)] == sorted(HEADLINE_SPANS)
    assert arguments_of(document) == [
        ("MOVEMENT_TRANSPORT", "ARTIFACT", "حموشي"),
        ("MOVEMENT_TRANSPORT", "DESTINATION", "باريس"),
    ]
    assert Event.objects.get().attributes == {"realis": "planned"}
    comment = Comment.objects.get()
    assert (comment.text, comment.span.text) == ("راجع الاسم", "حموشي")
    assert layer_of(document).name == "import-brat"


@pytest.mark.django_db
def test_brat_folder_strips_role_suffix_digits(project, write, tmp_path):
    text = "التقى حموشي وفو في الرباط"
    ann = (
        "T1\tCONTACT_MEET 0 5\tالتقى\nT2\tPERS 6 11\tحموشي\nT3\tPERS 13 15\tفو\n"
        "E1\tCONTACT_MEET:T1 PARTICIPANT:T2 PARTICIPANT2:T3\n"
    )
    write("brat/meet.txt", text)
    write("brat/meet.ann", ann)
    result = run(project, tmp_path / "brat", layer="brat-gold")
    assert result.saved, result.error_report()
    assert arguments_of(Document.objects.get()) == [
        ("CONTACT_MEET", "PARTICIPANT", "حموشي"),
        ("CONTACT_MEET", "PARTICIPANT", "فو"),
    ]
    assert AnnotationLayer.objects.get().name == "brat-gold"


@pytest.mark.django_db
def test_brat_discontinuous_span_is_refused_naming_the_ann_line(project, write, tmp_path):
    write("brat/a.txt", HEADLINE)
    write("brat/a.ann", "T1\tPERS 0 5\tحموشي\nT2\tGPE 28 30;31 34\tال مغرب\n")
    before = row_counts()
    result = run(project, tmp_path / "brat")
    assert not result.saved
    assert str(result.errors[0]) == (
        "brat/a.ann, .ann line 2, T2: discontinuous spans (START END;START END) are not supported"
    )
    assert row_counts() == before


# --- CoNLL ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_conll_rebuilds_text_with_single_spaces_and_spans_from_iob2(project, write):
    result = run(project, write("ner.conll", CONLL + "\n" + CONLL_NESTED))
    assert result.saved, result.error_report()
    assert result.format == "conll"
    first, second = Document.objects.order_by("id")
    assert first.text == "حموشي يعيد الدفء إلى علاقات المغرب ب فرنسا و رحلة قريبة ستأخذه إلى باريس"
    assert [(label, text) for _s, _e, label, text in spans_of(first)] == [
        ("PERS", "حموشي"),
        ("GPE", "المغرب"),
        ("GPE", "فرنسا"),
        ("GPE", "باريس"),
    ]
    # Every tag column is read: the nested file's outer OCC and inner GPE both come back.
    assert sorted((label, text) for _s, _e, label, text in spans_of(second)) == [
        ("GPE", "الجمهورية الفرنسية"),
        ("OCC", "المدير العام للأمن الداخلي ب الجمهورية الفرنسية"),
        ("PERS", "نيكولا لورنر"),
    ]


@pytest.mark.django_db
def test_conll_sentences_become_lines(project, write):
    result = run(project, write("s.conll", "حموشي\tB-PERS\n.\tO\n\nباريس\tB-GPE\n"))
    assert result.saved
    document = Document.objects.get()
    assert document.text == "حموشي .\nباريس"
    assert [(s, e) for s, e, _l, _t in spans_of(document)] == [(0, 5), (8, 13)]


@pytest.mark.django_db
def test_conll_bad_tag_is_refused_with_its_line(project, write):
    before = row_counts()
    result = run(project, write("bad.conll", "حموشي\tB-PERS\nيعيد\tE-PERS\n"))
    assert not result.saved
    assert "bad.conll, line 2, tag" in str(result.errors[0])
    assert row_counts() == before


# --- preview --------------------------------------------------------------------------


@pytest.mark.django_db
def test_preview_counts_spans_per_label_and_writes_nothing(project, write):
    path = write("doccano.jsonl", [DOCCANO_LABEL])
    before = row_counts()
    result = preview(project=project, files=read_path(path, 10**6), options=ImportOptions())
    assert result.ok and not result.saved
    assert result.documents == 1 and result.spans == 5 and result.events == 1
    assert result.labels == {"GPE": 3, "PERS": 1, "MOVEMENT_TRANSPORT": 1}
    assert result.layer_names == {"import-doccano": 1}
    assert row_counts() == before


@pytest.mark.django_db
def test_bulk_import_sets_primary_keys_on_this_database(project, write):
    """bulk_create returns ids on PostgreSQL and on SQLite ≥ 3.35 (RETURNING): events and
    arguments can only point at spans that got their ids."""
    result = run(project, write("doccano.jsonl", [DOCCANO_RELATIONS] * 3), format="doccano")
    assert result.saved
    assert Span.objects.count() == 9
    assert all(e.trigger.label_key == "MOVEMENT_TRANSPORT" for e in Event.objects.all())


@pytest.mark.django_db
def test_import_query_count_does_not_grow_with_the_documents(
    project, write, django_assert_max_num_queries
):
    record = {
        "text": HEADLINE,
        "label": [[0, 5, "PERS"], [28, 34, "GPE"], [43, 47, "MOVEMENT_TRANSPORT"]],
    }
    small = write("small.jsonl", [record] * 2)
    # 30 documents: their 90 spans (9 columns each) fit one INSERT on SQLite too (999
    # parameters a statement there).
    large = write("large.jsonl", [record] * 30)
    with django_assert_max_num_queries(30) as small_queries:
        assert run(project, small, format="doccano").saved
    with django_assert_max_num_queries(len(small_queries.captured_queries)):
        assert run(project, large, format="doccano").saved
    assert Document.objects.count() == 32


# --- JSON that is valid but cannot be stored -------------------------------------------

UNSTORABLE = [
    # (format, file content, field, message): JSON escapes get these past strict UTF-8.
    (
        "doccano",
        '{"text": "حموشي \\ud83d في باريس", "label": [[0, 5, "PERS"]]}',
        "text",
        "unpaired surrogate (\\ud83d) at position 6",
    ),
    ("jsonl", '{"title": "t", "text": "abc\\u0000"}', "text", "NUL character"),
    (
        "jsonl",
        '{"title": "t", "text": "abc", "meta": {"score": NaN}}',
        "",
        "NaN is not a number JSON allows",
    ),
    (
        "newsreview",
        '{"format": "newsreview/1", "document": {"id": "d", "text": "نص"},'
        ' "layer": "gold", "metadata": {"k": "a\\u0000"}}',
        "metadata.k",
        "NUL character",
    ),
    ("labelstudio", '[{"data": {"text": "نص \\udc00"}}]', "[0].data.text", "unpaired surrogate"),
    # Upper-case escapes, a low surrogate, deep in a list: the quick look at the line
    # before the walk through every string must not let these by.
    (
        "newsreview",
        '{"format": "newsreview/1", "document": {"id": "d", "text": "نص"},'
        ' "layer": "gold", "metadata": {"k": ["x", {"y": "\\uDFFF"}]}}',
        "metadata.k[1].y",
        "unpaired surrogate (\\udfff)",
    ),
    (
        "newsreview",
        '{"format": "newsreview/1", "document": {"id": "d", "text": "نص"},'
        ' "layer": "gold", "comments": [{"text": "\\\\\\u0000"}]}',
        "comments[0].text",
        "NUL character",
    ),
    (
        "labelstudio",
        '[{"data": {"text": "نص", "n": Infinity}}]',
        "",
        "Infinity is not a number JSON allows",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("format", "content", "field", "message"), UNSTORABLE)
def test_json_no_document_can_hold_is_refused_with_its_field_and_saves_nothing(
    project, write, format, content, field, message
):
    before = row_counts()
    suffix = "json" if format == "labelstudio" else "jsonl"
    result = run(project, write(f"bad.{suffix}", content + "\n"), format=format)
    assert not result.saved
    assert [(p.field, message in p.message) for p in result.errors] == [(field, True)]
    assert row_counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("record", "field", "message"),
    [
        ({"layer": "x" * 151}, "layer", "a layer name is limited to 150 characters"),
        (
            {"layer": "u" * 151, "layer_kind": "annotator", "annotator": "u" * 151},
            "annotator",
            "a user name is limited to 150 characters",
        ),
        (
            {"comments": [{"author": "bad user/!", "text": "hi"}]},
            "comments[0].author",
            "Enter a valid username",
        ),
    ],
)
def test_newsreview_layer_and_user_names_a_database_cannot_hold_are_refused(
    project, write, record, field, message
):
    line = {
        "format": "newsreview/1",
        "document": {"id": "d1", "text": "نص آخر"},
        "layer": "gold",
        "layer_kind": "gold",
        "status": "new",
        **record,
    }
    before = row_counts()
    result = run(project, write("bad.jsonl", [line]), format="newsreview")
    assert not result.saved
    assert [(p.field, message in p.message) for p in result.errors] == [(field, True)]
    assert row_counts() == before
    assert not User.objects.filter(username__startswith="u" * 10).exists()


@pytest.mark.django_db
def test_a_document_longer_than_the_limit_is_refused_with_its_length(project, write, settings):
    settings.NEWSREVIEW_MAX_DOCUMENT_CHARS = 1_000
    before = row_counts()
    result = run(project, write("long.txt", "خبر " * 300), format="txt")
    assert not result.saved
    (problem,) = result.errors
    assert "1,200 characters; a document is limited to 1,000" in problem.message
    assert row_counts() == before
