"""newsreview JSON Lines (FORMATS.md §1): complete, deterministic, UTF-8 without BOM."""

import json

import pytest

from newsreview.exports.formats.jsonl import FORMAT_VERSION

from .conftest import export_bytes, find


@pytest.mark.django_db
def test_jsonl_line_has_every_field_of_the_document_layer_spans_events_and_comments(
    seed_gold, project
):
    data, warnings = export_bytes(project, "jsonl")
    (line,) = data.decode("utf-8").splitlines()
    record = json.loads(line)
    assert warnings == []
    assert list(record) == [
        "format", "document", "project", "schema_version", "layer", "layer_kind",
        "annotator", "status", "entities", "events", "comments",
    ]  # fmt: skip
    assert record["format"] == FORMAT_VERSION
    assert record["document"] == {
        "id": "seed",
        "title": seed_gold.title,
        "text": seed_gold.text,
        "language": "ar",
        "direction": "rtl",
        "source_url": "",
        "published_on": None,
        "metadata": {},
    }
    assert (record["project"], record["schema_version"]) == ("news", 1)
    assert (record["layer"], record["layer_kind"], record["annotator"], record["status"]) == (
        "gold", "gold", None, "reviewed",
    )  # fmt: skip
    occ = next(e for e in record["entities"] if e["label"] == "OCC")
    assert (occ["start"], occ["end"]) == find(seed_gold.text, "المدير العام للأمن الوطني")
    (event,) = record["events"]
    trigger_start, trigger_end = find(seed_gold.text, "لقاء", 1)
    assert event["trigger"] == {"id": "e7", "start": trigger_start, "end": trigger_end,
                                "text": "لقاء"}  # fmt: skip
    ids = {e["id"]: e["text"] for e in record["entities"]}
    assert [(a["role"], ids[a["entity"]]) for a in event["arguments"]] == [
        ("PARTICIPANT", "عبد اللطيف حموشي"),
        ("PARTICIPANT", "فريديريك ڤـــو"),
    ]
    assert event["attributes"] == {}
    assert [(c["author"], c["text"], c["span"]) for c in record["comments"]] == [
        ("reviewer", 'OCC يضم ORG, "متداخل"', occ["id"]),
        ("reviewer", "تعليق عام", None),
    ]
    assert all(c["created_at"] for c in record["comments"])


@pytest.mark.django_db
def test_jsonl_matches_the_formats_example_for_the_headline(headline, project):
    record = json.loads(export_bytes(project, "jsonl")[0])
    assert [(e["id"], e["label"], e["start"], e["end"], e["text"]) for e in record["entities"]] == [
        ("e1", "PERS", 0, 5, "حموشي"),
        ("e2", "GPE", 28, 34, "المغرب"),
        ("e3", "GPE", 36, 41, "فرنسا"),
        ("e4", "GPE", 65, 70, "باريس"),
    ]
    assert record["events"] == [
        {
            "id": "v1",
            "type": "MOVEMENT_TRANSPORT",
            "trigger": {"id": "e5", "start": 43, "end": 47, "text": "رحلة"},
            "arguments": [
                {"role": "ARTIFACT", "entity": "e1"},
                {"role": "DESTINATION", "entity": "e4"},
            ],
            "attributes": {},
        }
    ]


@pytest.mark.django_db
def test_jsonl_is_utf8_without_bom_and_keeps_arabic_unescaped(headline, project):
    data = export_bytes(project, "jsonl")[0]
    assert not data.startswith(b"\xef\xbb\xbf")
    assert "حموشي".encode() in data and b"\\u" not in data
    assert data.endswith(b"\n") and data.count(b"\n") == 1


@pytest.mark.django_db
def test_jsonl_keeps_emoji_combining_marks_and_tatweel_with_code_point_offsets(tricky, project):
    record = json.loads(export_bytes(project, "jsonl")[0])
    text = record["document"]["text"]
    assert text == tricky.text and text.startswith("🇲🇦 😀")
    for entity in record["entities"]:
        assert text[entity["start"] : entity["end"]] == entity["text"]
    assert {"Cafe\u0301 التقى", "ڤـــو", "مُحَمَّد"} <= {e["text"] for e in record["entities"]}


@pytest.mark.django_db
def test_two_jsonl_exports_are_byte_identical(seed_gold, tricky, headline, project):
    assert export_bytes(project, "jsonl", "all")[0] == export_bytes(project, "jsonl", "all")[0]


@pytest.mark.django_db
def test_jsonl_orders_records_by_document_then_layer(seed_gold, tricky, project):
    lines = export_bytes(project, "jsonl", "all")[0].decode().splitlines()
    assert [(json.loads(x)["document"]["id"], json.loads(x)["layer"]) for x in lines] == [
        ("seed", "annotator1"),
        ("seed", "gold"),
        ("tricky", "gold"),
    ]


@pytest.mark.django_db
def test_jsonl_metadata_keys_are_sorted_at_every_depth_whatever_the_database_kept(
    seed_gold, project
):
    # jsonb (PostgreSQL) reorders keys, SQLite keeps them as written: sorting makes the
    # export of the same data the same bytes on both.
    # Keys of different lengths, because jsonb puts shorter keys first.
    seed_gold.metadata = {"zz": 1, "a": {"y": [{"dd": 1, "c": 2}], "bb": "ب"}, "mmm": None}
    seed_gold.save(update_fields=["metadata"])
    data, _warnings = export_bytes(project, "jsonl")
    line = data.decode("utf-8").splitlines()[0]
    assert '"metadata": {"a": {"bb": "ب", "y": [{"c": 2, "dd": 1}]}, "mmm": null, "zz": 1}' in line


def _record_with_every_kind_of_value():
    from newsreview.exports.records import (
        ArgumentRecord,
        CommentRecord,
        EventRecord,
        LayerRecord,
        SpanRecord,
    )

    text = 'قال "حموشي"\\ في\tباريس\nوالرباط \u0001 😀'
    person = SpanRecord("e1", 11, "PERS", 4, 11, text[4:11], "entity")
    paris = SpanRecord("e2", 12, "GPE", 15, 20, text[15:20], "entity", origin="gazetteer")
    slash = SpanRecord("e3", 13, "ORG", 11, 14, text[11:14], "entity", origin='m"x')
    said = SpanRecord("e4", 14, "CONTACT_MEET", 0, 3, "قال", "trigger", origin="mentions")
    return LayerRecord(
        document_id='doc "1"',
        document_pk=1,
        title="عنوان",
        text=text,
        language="ar",
        direction="rtl",
        source_url="",
        published_on="2024-01-02",
        # Keys that are also the record's own keys must not confuse the writer.
        metadata={"entities": [1, 2.5, None, True], "events": {"x": "\u2028"}},
        project="news",
        schema_version=3,
        layer="annotator1",
        layer_kind="annotator",
        annotator="annotator1",
        status="done",
        entities=[person, slash, paris],
        triggers=[said],
        events=[
            EventRecord(
                "v1",
                21,
                "CONTACT_MEET",
                said,
                [ArgumentRecord("PARTICIPANT", person)],
                {"events": ', "events": ', "polarity": "negative"},
            )
        ],
        comments=[CommentRecord("reviewer", 'تعليق "مهم"', paris, "2024-01-02T00:00:00+00:00")],
    )


def test_jsonl_fast_line_is_exactly_what_the_json_encoder_makes_of_the_record():
    from newsreview.exports.formats.jsonl import record_dict, record_line

    record = _record_with_every_kind_of_value()
    assert record_line(record) == json.dumps(record_dict(record), ensure_ascii=False)
    empty = _record_with_every_kind_of_value()
    empty.entities, empty.triggers, empty.events, empty.comments = [], [], [], []
    empty.metadata = {}
    assert record_line(empty) == json.dumps(record_dict(empty), ensure_ascii=False)


@pytest.mark.django_db
def test_jsonl_export_lines_are_what_the_json_encoder_makes_of_each_record(
    seed_gold, tricky, headline, project
):
    from newsreview.exports.formats.jsonl import record_dict
    from newsreview.exports.reading import iter_records

    data, _warnings = export_bytes(project, "jsonl", layer="all")
    expected = "".join(
        json.dumps(record_dict(record), ensure_ascii=False) + "\n"
        for record in iter_records(project, "all")
    )
    assert data.decode("utf-8") == expected
    assert len(expected.splitlines()) == 4
