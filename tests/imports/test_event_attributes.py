"""Event attributes at import (issue 12): values the schema allows are imported; an unknown
attribute or value is refused naming its file, line and field, and nothing of the batch is
saved. The schema file carries attributes both ways (export_schema, --schema)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from newsreview.annotations.models import Event
from newsreview.imports.services import ImportOptions, import_path
from newsreview.projects.models import AttributeType, LabelSchema
from newsreview.projects.services import install_schema_document, schema_document

from .conftest import HEADLINE, row_counts

pytestmark = pytest.mark.django_db


def record(attributes: dict, title: str = "a") -> dict:
    return {
        "format": "newsreview/1",
        "document": {"id": title, "title": title, "text": HEADLINE},
        "project": "news",
        "layer": "gold",
        "annotator": None,
        "status": "in_progress",
        "entities": [
            {"id": "e1", "label": "PERS", "start": 0, "end": 5, "text": "حموشي"},
            {"id": "e4", "label": "GPE", "start": 65, "end": 70, "text": "باريس"},
        ],
        "events": [
            {
                "id": "v1",
                "type": "MOVEMENT_TRANSPORT",
                "trigger": {"start": 43, "end": 47, "text": "رحلة"},
                "arguments": [
                    {"role": "ARTIFACT", "entity": "e1"},
                    {"role": "DESTINATION", "entity": "e4"},
                ],
                "attributes": attributes,
            }
        ],
    }


def run(project, path):
    return import_path(project=project, path=path, options=ImportOptions(format="jsonl"))


def test_jsonl_realis_the_schema_allows_is_imported(project, write):
    path = write("events.jsonl", [record({"realis": "planned", "note": "مؤجلة"})])
    result = run(project, path)
    assert result.saved, result.error_report()
    assert Event.objects.get().attributes == {"note": "مؤجلة", "realis": "planned"}


def test_jsonl_unknown_realis_value_is_refused_with_line_and_field_and_nothing_saved(
    project, write
):
    path = write(
        "events.jsonl", [record({"realis": "planned"}, "a"), record({"realis": "future"}, "b")]
    )
    before = row_counts()
    result = run(project, path)
    assert not result.saved
    (error,) = result.errors
    message = str(error)
    assert "events.jsonl, line 2" in message
    assert "events[0].attributes.realis" in message
    assert "“future” is not a value of the attribute “realis”" in message
    assert row_counts() == before


def test_jsonl_unknown_attribute_is_refused_and_nothing_saved(project, write):
    path = write("events.jsonl", [record({"modality": "asserted"})])
    before = row_counts()
    result = run(project, path)
    assert not result.saved
    assert "events[0].attributes.modality" in str(result.errors[0])
    assert "no event attribute “modality”" in str(result.errors[0])
    assert row_counts() == before


def test_brat_attribute_line_with_a_value_the_schema_lacks_is_refused(project, write, tmp_path):
    write("brat/a.txt", HEADLINE)
    write(
        "brat/a.ann",
        "T1\tPERS 0 5\tحموشي\nT2\tMOVEMENT_TRANSPORT 43 47\tرحلة\n"
        "E1\tMOVEMENT_TRANSPORT:T2 ARTIFACT:T1\nA1\trealis E1 Other\n",
    )
    before = row_counts()
    result = import_path(
        project=project, path=tmp_path / "brat", options=ImportOptions(format="brat")
    )
    assert not result.saved
    message = str(result.errors[0])
    assert "brat/a." in message and ".ann line 4, A1" in message
    assert "Other" in message
    assert row_counts() == before


def test_brat_attribute_line_the_schema_allows_is_imported(project, write, tmp_path):
    write("brat/a.txt", HEADLINE)
    write(
        "brat/a.ann",
        "T1\tPERS 0 5\tحموشي\nT2\tMOVEMENT_TRANSPORT 43 47\tرحلة\n"
        "E1\tMOVEMENT_TRANSPORT:T2 ARTIFACT:T1\nA1\trealis E1 planned\n",
    )
    result = import_path(
        project=project, path=tmp_path / "brat", options=ImportOptions(format="brat")
    )
    assert result.saved, result.error_report()
    assert Event.objects.get().attributes == {"realis": "planned"}


# --- the schema file --------------------------------------------------------------------------


def test_export_schema_writes_attributes_and_required_roles(project):
    out = io.StringIO()
    call_command("export_schema", "--project", project.slug, stdout=out)
    document = json.loads(out.getvalue())
    assert {
        "key": "realis",
        "name_ar": "الواقعية",
        "name_en": "Realis",
        "values": [
            "actual",
            "planned",
            "negated",
            "hypothetical",
        ],
    } in document["attributes"]
    meet = next(e for e in document["events"] if e["key"] == "CONTACT_MEET")
    assert [(r["key"], r["required"]) for r in meet["roles"]] == [
        ("PARTICIPANT", True),
        ("PLACE", False),
        ("TIME", False),
    ]


def test_schema_document_with_attributes_round_trips_under_another_name(default_schema):
    document = schema_document(default_schema)
    document["name"] = "copy"
    copy = install_schema_document(document)
    assert schema_document(copy) == document
    assert AttributeType.objects.get(schema=copy, key="realis").values[1] == "planned"


def test_schema_file_from_before_attributes_is_still_read(default_schema):
    document = schema_document(default_schema)
    del document["attributes"]
    assert install_schema_document(document) == default_schema  # the same schema, reused
    document["name"] = "older"
    older = install_schema_document(document)
    assert not AttributeType.objects.filter(schema=older).exists()


def test_schema_file_with_a_bad_attribute_value_creates_nothing(default_schema):
    document = schema_document(default_schema)
    document["name"] = "bad"
    document["attributes"] = [{"key": "realis", "name_en": "R", "name_ar": "R", "values": ["A b"]}]
    with pytest.raises(Exception, match="Values use a-z"):
        install_schema_document(document)
    assert not LabelSchema.objects.filter(name="bad").exists()
