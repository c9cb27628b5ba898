"""doccano JSONL (FORMATS.md §2): UTF-16 offsets, entities + relations or label triples."""

import io
import json

import chardet
import pytest
from chardet import UniversalDetector

from newsreview.annotations.offsets import utf16_converter

from .conftest import HEADLINE, export_bytes, find

SPANS_EXAMPLE = (
    '{"id": 1, "text": "' + HEADLINE + '", "label": [[0, 5, "PERS"], [28, 34, "GPE"], '
    '[36, 41, "GPE"], [43, 47, "MOVEMENT_TRANSPORT"], [65, 70, "GPE"]]'
)


@pytest.mark.django_db
def test_doccano_spans_mode_writes_the_formats_example_line(headline, project):
    data, warnings = export_bytes(project, "doccano", doccano_mode="spans")
    line = data.decode("utf-8").rstrip("\n")
    # The example, then the extra keys doccano keeps as metadata.
    assert line == SPANS_EXAMPLE + ', "doc": "000_f057059c50c62636", "layer": "gold"}'
    assert warnings == [
        "document 000_f057059c50c62636, layer gold: 2 event argument(s) left out "
        "(--doccano-mode spans has no relations)"
    ]


@pytest.mark.django_db
def test_doccano_events_mode_is_the_default_and_relations_point_at_same_line_ids(headline, project):
    example = json.loads(export_bytes(project, "doccano")[0])
    assert example["id"] == 1 and example["text"] == HEADLINE
    by_id = {e["id"]: e for e in example["entities"]}
    assert by_id[1] == {"id": 1, "label": "PERS", "start_offset": 0, "end_offset": 5}
    assert by_id[4] == {"id": 4, "label": "GPE", "start_offset": 65, "end_offset": 70}
    assert by_id[5] == {"id": 5, "label": "MOVEMENT_TRANSPORT", "start_offset": 43,
                        "end_offset": 47}  # fmt: skip
    assert example["relations"] == [
        {"id": 1, "from_id": 5, "to_id": 1, "type": "ARTIFACT"},
        {"id": 2, "from_id": 5, "to_id": 4, "type": "DESTINATION"},
    ]
    assert "label" not in example


@pytest.mark.django_db
def test_doccano_offsets_count_utf16_code_units_after_an_emoji(tricky, project):
    example = json.loads(export_bytes(project, "doccano")[0])
    text = example["text"]
    utf16 = text.encode("utf-16-le")
    for entity in example["entities"]:
        start, end = entity["start_offset"], entity["end_offset"]
        # What doccano's browser annotator sees: a slice of the UTF-16 string.
        covered = utf16[2 * start : 2 * end].decode("utf-16-le")
        assert covered in {"Cafe\u0301 التقى", "التقى", "باريس", "ڤـــو", "مُحَمَّد", "الرباط"}
    paris = next(e for e in example["entities"] if e["label"] == "GPE")
    cp_start, _ = find(tricky.text, "باريس")
    # 🇲🇦 is two astral code points, 😀 one: three extra code units before the span.
    assert paris["start_offset"] == cp_start + 3


def test_utf16_converter_matches_the_formats_formula_on_astral_and_bmp_text():
    for text in ("حموشي 😀 باريس 🇲🇦", "Cafe\u0301 ڤـــو", "𝐀a😀"):
        convert = utf16_converter(text)
        for cp in range(len(text) + 1):
            assert convert(cp) == len(text[:cp].encode("utf-16-le")) // 2


@pytest.mark.django_db
def test_doccano_lines_have_doccanos_documented_shape(seed_gold, tricky, project):
    """doccano's sequence-labelling import: `text` plus `label` as [start, end, label]
    triples; with relations: `entities` with id/label/start_offset/end_offset and
    `relations` with id/from_id/to_id/type."""
    spans = [json.loads(x) for x in export_bytes(project, "doccano", "all",
                                                 doccano_mode="spans")[0].splitlines()]  # fmt: skip
    for example in spans:
        assert isinstance(example["text"], str)
        for triple in example["label"]:
            start, end, label = triple
            assert isinstance(start, int) and isinstance(end, int) and start < end
            assert label.isupper()
    events = [json.loads(x) for x in export_bytes(project, "doccano", "all")[0].splitlines()]
    assert [e["id"] for e in events] == [1, 2, 3]
    for example in events:
        ids = {e["id"] for e in example["entities"]}
        assert all(set(e) == {"id", "label", "start_offset", "end_offset"}
                   for e in example["entities"])  # fmt: skip
        for relation in example["relations"]:
            assert set(relation) == {"id", "from_id", "to_id", "type"}
            assert {relation["from_id"], relation["to_id"]} <= ids


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["doccano", "labelstudio"])
def test_doccano_and_label_studio_say_the_comments_they_cannot_carry(seed_gold, project, fmt):
    comments = seed_gold.layers.get(kind="gold").comments.count()
    assert comments == 2
    _data, warnings = export_bytes(project, fmt)
    assert warnings == [
        f"2 comment(s) or event attribute(s) in 1 document(s) (seed) are not in {fmt}: "
        "use jsonl (or brat for span comments)"
    ]


# --- encoding: what doccano 1.8.4's JSONL(Relation) import makes of the file ----------


def doccano_guessed_encoding(data: bytes) -> str:
    """The encoding doccano 1.8.4 opens an uploaded file with when no encoding is given
    (its JSONL(Relation) import): chardet 4's guess on the whole file below
    io.DEFAULT_BUFFER_SIZE bytes, else chardet's UniversalDetector fed by that many bytes
    until it is sure, "utf-8" when it never is (data_import/pipeline/parsers.py)."""
    if len(data) < io.DEFAULT_BUFFER_SIZE:
        return chardet.detect(data).get("encoding") or "utf-8"
    detector = UniversalDetector()
    for start in range(0, len(data), io.DEFAULT_BUFFER_SIZE):
        detector.feed(data[start : start + io.DEFAULT_BUFFER_SIZE])
        if detector.done:
            return detector.result["encoding"] or "utf-8"
    return "utf-8"


def as_doccano_reads_it(data: bytes) -> list[str]:
    """The texts doccano stores: the file decoded with its guess, each line parsed."""
    decoded = data.decode(doccano_guessed_encoding(data), errors="replace")
    return [json.loads(line)["text"] for line in decoded.splitlines()]


def test_chardet_is_the_version_doccano_1_8_4_uses():
    assert chardet.__version__ == "4.0.0"


@pytest.mark.django_db
def test_doccano_events_file_with_an_emoji_document_is_ascii_and_parses_to_the_stored_text(
    headline, tricky, project
):
    data, _warnings = export_bytes(project, "doccano")
    assert data.isascii()
    lines = data.decode("ascii").splitlines()
    stored = [headline.text, tricky.text]
    assert [json.loads(line)["text"] for line in lines] == stored
    assert "😀" in stored[1] and "\\ud83d\\ude00" in lines[1]  # a surrogate-pair escape
    # Exactly what json.dumps(ensure_ascii=True) writes, and nothing else changed.
    assert lines == [json.dumps(json.loads(line)) for line in lines]


@pytest.mark.django_db
def test_doccano_spans_file_stays_plain_utf8(headline, tricky, project):
    data, _warnings = export_bytes(project, "doccano", doccano_mode="spans")
    assert not data.isascii()
    assert "😀".encode() in data and "حموشي".encode() in data
    assert [json.loads(x)["text"] for x in data.decode("utf-8").splitlines()] == [
        headline.text,
        tricky.text,
    ]


@pytest.mark.django_db
def test_chardet_4_reads_the_events_file_of_an_emoji_batch_as_its_text(headline, tricky, project):
    data, _warnings = export_bytes(project, "doccano")
    assert len(data) < io.DEFAULT_BUFFER_SIZE  # doccano's whole-file chardet.detect path
    assert doccano_guessed_encoding(data).lower() in {"ascii", "utf-8"}
    assert as_doccano_reads_it(data) == [headline.text, tricky.text]


@pytest.mark.django_db
def test_chardet_4_misreads_the_same_lines_written_as_plain_utf8(headline, tricky, project):
    """What the events file was before FORMATS.md §2's exception, and why it changed:
    one emoji and chardet 4 takes the whole UTF-8 file for another encoding."""
    data, _warnings = export_bytes(project, "doccano")
    utf8 = "".join(
        json.dumps(json.loads(line), ensure_ascii=False) + "\n"
        for line in data.decode("ascii").splitlines()
    ).encode("utf-8")
    assert doccano_guessed_encoding(utf8).lower() not in {"ascii", "utf-8"}
    garbled = as_doccano_reads_it(utf8)
    assert garbled[0] != headline.text and garbled[1] != tricky.text


@pytest.mark.django_db
def test_a_large_events_file_is_read_as_its_text_through_doccanos_incremental_detector(
    seed_gold, tricky, project
):
    data, _warnings = export_bytes(project, "doccano", "all")
    big = data * 4  # past io.DEFAULT_BUFFER_SIZE: doccano feeds chardet chunk by chunk
    assert len(big) > io.DEFAULT_BUFFER_SIZE and big.isascii()
    texts = as_doccano_reads_it(big)
    assert texts[:3] == [json.loads(x)["text"] for x in data.decode("ascii").splitlines()]
    assert tricky.text in texts and seed_gold.text in texts
