"""A span's origin (an accepted gazetteer suggestion, label all mentions) travels in the
newsreview JSONL export and comes back on import; hand-made spans export as before."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from newsreview.annotations import services
from newsreview.annotations.models import Span
from tests.imports.test_roundtrip import empty_the_database, export

pytestmark = pytest.mark.django_db


def test_origin_round_trips_through_jsonl(seed_document, annotator, tmp_path):
    text = seed_document.text
    layer = services.get_or_create_layer(document=seed_document, user=annotator)
    paris = text.index("باريس")
    meet = text.index("لقاء", text.index("لقاء") + 1)
    hammouchi = text.index("حموشي")
    services.add_span(layer=layer, start=hammouchi, end=hammouchi + 5, label="PERS", by=annotator)
    services.add_spans(
        layer=layer, items=[(paris, paris + 5, "GPE")], by=annotator, origin="gazetteer"
    )
    services.add_spans(
        layer=layer, items=[(meet, meet + 4, "CONTACT_MEET")], by=annotator, origin="mentions"
    )
    first = export(tmp_path, "first.jsonl", "jsonl")
    (record,) = [json.loads(line) for line in first.read_text("utf-8").splitlines()]
    by_text = {e["text"]: e for e in record["entities"]}
    assert by_text["باريس"]["origin"] == "gazetteer"
    assert "origin" not in by_text["حموشي"]
    assert record["events"][0]["trigger"]["origin"] == "mentions"

    empty_the_database()
    call_command("import_documents", str(first), "--project", "news", "--create-project")
    assert dict(Span.objects.values_list("text", "origin")) == {
        "حموشي": "",
        "باريس": "gazetteer",
        "لقاء": "mentions",
    }
    second = export(tmp_path, "second.jsonl", "jsonl")
    assert second.read_bytes() == first.read_bytes()


def test_an_origin_that_is_not_a_string_is_refused_with_its_field(project, tmp_path):
    line = {
        "format": "newsreview/1",
        "document": {"id": "d1", "title": "t", "text": "حموشي"},
        "layer": "gold",
        "entities": [{"id": "e1", "label": "PERS", "start": 0, "end": 5, "origin": 7}],
        "events": [],
    }
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(line, ensure_ascii=False) + "\n", "utf-8")
    with pytest.raises(Exception) as error:
        call_command("import_documents", str(path), "--project", "news", "--format", "jsonl")
    assert "origin" in str(error.value)
    assert not Span.objects.exists()
