"""spaCy DocBin (FORMATS.md §6), read back with spaCy itself: texts, ents, span groups and
the events in user_data equal what is stored."""

from __future__ import annotations

import json

import pytest
import spacy
from spacy.tokens import DocBin

from newsreview.annotations import services as annotate
from newsreview.annotations.models import Event, Span
from newsreview.documents.services import create_document

from .conftest import add, export_bytes
from .test_tokens import make_mixed


@pytest.fixture
def mixed(project, reviewer):
    return make_mixed(project, reviewer)


def plain(value):
    """spaCy's DocBin reader gives msgpack arrays back as tuples: compare as JSON."""
    return json.loads(json.dumps(value))


def read_docs(data: bytes) -> list:
    return list(DocBin().from_bytes(data).get_docs(spacy.blank("ar").vocab))


def stored(document, kind: str) -> list[tuple[str, int, int, str]]:
    """(label, start, end, text) of the gold layer's entity or trigger spans."""
    spans = Span.objects.filter(
        layer__document=document,
        layer__kind="gold",
        **{"event_type__isnull" if kind == "entity" else "entity_type__isnull": True},
    )
    return sorted((s.label_key, s.start, s.end, s.text) for s in spans)


def as_tuples(spans) -> list[tuple[str, int, int, str]]:
    return sorted((s.label_, s.start_char, s.end_char, s.text) for s in spans)


def stored_events(document) -> list[dict]:
    events = []
    for event in Event.objects.filter(layer__document=document, layer__kind="gold").order_by(
        "trigger__start"
    ):
        arguments = sorted(
            ({"role": a.role.key, "start": a.span.start, "end": a.span.end}
             for a in event.arguments.all()),
            key=lambda a: (a["role"], a["start"]),
        )  # fmt: skip
        events.append(
            {
                "type": event.event_type.key,
                "trigger": [event.trigger.start, event.trigger.end],
                "arguments": arguments,
            }
        )
    return events


@pytest.mark.django_db
def test_docbin_round_trip_gives_back_texts_ents_spans_and_events(
    headline, seed_gold, tricky, mixed, project, tmp_path
):
    data, warnings = export_bytes(project, "spacy")
    path = tmp_path / "gold.spacy"
    path.write_bytes(data)
    docs = list(DocBin().from_disk(path).get_docs(spacy.blank("ar").vocab))
    sources = [headline, seed_gold, tricky, mixed]
    assert len(docs) == len(sources)
    for doc, document in zip(docs, sources, strict=True):
        document.refresh_from_db()
        assert doc.text == document.text
        assert as_tuples(doc.spans["sc"]) == stored(document, "entity")
        assert as_tuples(doc.spans["triggers"]) == stored(document, "trigger")
        user_data = plain(doc.user_data["newsreview"])
        assert user_data["doc"] == document.export_id and user_data["layer"] == "gold"
        for event in user_data["events"]:
            event["arguments"].sort(key=lambda a: (a["role"], a["start"]))
        assert user_data["events"] == stored_events(document)
        assert not [t for t in doc if not t.is_space and any(c.isspace() for c in t.text)]
    # Nested spans are in spans["sc"] only; ents hold the outermost ones.
    seed_doc = docs[1]
    assert ("ORG", "لأمن الوطني") in {(s.label_, s.text) for s in seed_doc.spans["sc"]}
    assert ("ORG", "لأمن الوطني") not in {(e.label_, e.text) for e in seed_doc.ents}
    assert ("OCC", "المدير العام للأمن الوطني") in {(e.label_, e.text) for e in seed_doc.ents}
    assert warnings == []


@pytest.mark.django_db
def test_docbin_ents_on_the_headline_are_the_flat_selection(headline, project):
    (doc,) = read_docs(export_bytes(project, "spacy")[0])
    assert [(e.label_, e.text) for e in doc.ents] == [
        ("PERS", "حموشي"), ("GPE", "المغرب"), ("GPE", "فرنسا"), ("GPE", "باريس"),
    ]  # fmt: skip
    assert [t.text for t in doc][5:9] == ["المغرب", "ب", "فرنسا", "و"]
    assert plain(doc.user_data["newsreview"]["events"]) == [
        {
            "type": "MOVEMENT_TRANSPORT",
            "trigger": [43, 47],
            "arguments": [
                {"role": "ARTIFACT", "start": 0, "end": 5},
                {"role": "DESTINATION", "start": 65, "end": 70},
            ],
        }
    ]


@pytest.mark.django_db
def test_docbin_keeps_crossing_spans_in_sc_and_warns_they_are_not_ents(headline, project, reviewer):
    gold = annotate.get_or_create_named_layer(document=headline, name="gold")
    add(gold, "علاقات المغرب", "ORG", reviewer)
    add(gold, "المغرب بفرنسا", "LOC", reviewer)
    data, warnings = export_bytes(project, "spacy")
    (doc,) = read_docs(data)
    assert ("LOC", "المغرب بفرنسا") in {(s.label_, s.text) for s in doc.spans["sc"]}
    assert "LOC" not in {e.label_ for e in doc.ents}
    (warning,) = warnings
    assert warning.startswith("document 000_f057059c50c62636, layer gold: 1 span(s) not in")
    assert "LOC [28, 41)" in warning


@pytest.mark.django_db
def test_docbin_aligns_spans_with_whitespace_at_their_edges(project, reviewer):
    text = "زار  باريس \nثم\tالرباط"
    document = create_document(project=project, text=text, external_id="spaces")
    gold = annotate.get_or_create_named_layer(document=document, name="gold")
    add(gold, " باريس ", "GPE", reviewer)  # starts on the second of two spaces, ends on one
    add(gold, "\tالرباط", "GPE", reviewer)
    (doc,) = read_docs(export_bytes(project, "spacy")[0])
    assert doc.text == text
    assert as_tuples(doc.spans["sc"]) == [("GPE", 4, 11, " باريس "), ("GPE", 14, 21, "\tالرباط")]
