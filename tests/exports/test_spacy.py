"""spaCy DocBin (FORMATS.md §6), read back with spaCy itself: texts, ents, span groups and
the events in user_data equal what is stored. The format is written without spaCy (spaCy
is a test dependency only): the payload is compared byte for byte with what spaCy's own
`DocBin` writes for the same docs, and its string hashes with spaCy's."""

from __future__ import annotations

import io
import json
import pickle
import subprocess
import sys
import zlib

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.lang.norm_exceptions import BASE_NORMS as SPACY_BASE_NORMS
from spacy.strings import get_string_id
from spacy.symbols import NAMES
from spacy.tokens import Doc, DocBin

from newsreview.annotations import services as annotate
from newsreview.annotations.models import Event, Span
from newsreview.documents.services import create_document
from newsreview.exports.formats import spacy_docbin
from newsreview.exports.formats.spacy_tables import BASE_NORMS
from newsreview.exports.formats.spacy_tables import NAMES as OUR_NAMES
from newsreview.exports.reading import iter_records
from newsreview.exports.records import (
    ArgumentRecord,
    EventRecord,
    ExportError,
    LayerRecord,
    SpanRecord,
)
from newsreview.exports.tokens import tokenise

from .conftest import HEADLINE, TRICKY, add, export_bytes
from .test_tokens import MIXED, make_mixed


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


# --- Written without spaCy, as spaCy writes it -------------------------------------------


def spacy_reference(records: list[LayerRecord]) -> bytes:
    """What this format wrote while it built the docs with spaCy: `Doc(vocab, words,
    spaces)`, `char_span` (strict) for ents and span groups, `DocBin.to_bytes()`.
    ExportError where a span does not align, as the writer."""
    vocab = spacy.blank("ar").vocab
    docbin = DocBin(store_user_data=True)
    for record in records:
        tokenised = tokenise(record, "split")
        words, spaces = spacy_docbin.words_and_spaces(tokenised)
        doc = Doc(vocab, words=words, spaces=spaces)
        assert doc.text == record.text

        def span(s, doc=doc):
            result = doc.char_span(s.start, s.end, label=s.label)
            if result is None:
                raise ExportError("does not align")
            return result

        flat = tokenised.entities.levels[0] if tokenised.entities.levels else []
        doc.ents = [span(s) for s in flat]
        doc.spans["sc"] = [span(s) for s in record.entities]
        doc.spans["triggers"] = [span(s) for s in record.triggers]
        doc.user_data["newsreview"] = {
            "doc": record.document_id,
            "layer": record.layer,
            "events": [
                {
                    "type": event.type,
                    "trigger": [event.trigger.start, event.trigger.end],
                    "arguments": [
                        {"role": a.role, "start": a.entity.start, "end": a.entity.end}
                        for a in event.arguments
                    ],
                }
                for event in record.events
            ],
        }
        docbin.add(doc)
    return docbin.to_bytes()


def ours(records: list[LayerRecord]) -> bytes:
    out = io.BytesIO()
    spacy_docbin.write(records, out, project=None, options={}, warn=lambda message: None)
    return out.getvalue()


def assert_same_payload(records: list[LayerRecord]) -> None:
    assert zlib.decompress(ours(records)) == zlib.decompress(spacy_reference(records))


# Lengths 0 to 17 (every tail length of the 8-byte blocks, and more than two blocks),
# astral characters, combining marks, tatweel, and strings that are spaCy symbols.
HASHED = [
    "", "a", "ab", "abc", "abcd", "abcde", "abcdef", "abcdefg", "abcdefgh", "abcdefghi",
    "abcdefghijklmnopq", "حموشي", "ڤـــو", "Cafe\u0301", "مُحَمَّد", "🇲🇦", "😀👍", " ", "\n",
    "\t", "\u00a0", "ORG", "X", "PERSON", "NOUN", "ORTH", "_", "org", "ÄÖ", "ب. م", "?",
]  # fmt: skip


@pytest.mark.parametrize("string", HASHED)
def test_string_ids_are_spacys_symbols_or_murmurhash64a(string):
    assert spacy_docbin.string_id(string) == get_string_id(string)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_string_ids_equal_spacys_for_any_text(string):
    assert spacy_docbin.string_id(string) == get_string_id(string)


def test_symbol_table_is_the_installed_spacys():
    assert tuple(NAMES) == OUR_NAMES


def test_base_norms_are_the_installed_spacys():
    assert SPACY_BASE_NORMS == BASE_NORMS


@pytest.mark.parametrize(
    "word", ["«", "»", "€", "--", "US$", "Frédéric", "ΣΟΣ", "İ", "حموشي", "ORG"]
)
def test_norms_are_the_norms_of_a_blank_arabic_vocab(word):
    assert spacy_docbin.norm(word) == spacy.blank("ar").vocab[word].norm_


def test_docbin_attrs_are_spacys_docbin_attrs():
    assert DocBin().attrs == [get_string_id(attr) for attr in spacy_docbin.ATTRS]


@pytest.mark.django_db
def test_docbin_payload_equals_spacys_for_the_export_fixtures(
    headline, seed_gold, tricky, mixed, project, reviewer
):
    # Labels and tokens that are spaCy symbols (ORG, X) as well.
    gold = annotate.get_or_create_named_layer(document=headline, name="gold")
    add(gold, "علاقات المغرب", "ORG", reviewer)
    add(gold, "المغرب بفرنسا", "LOC", reviewer)  # crosses the ORG: in sc, not in ents
    symbols = create_document(project=project, text="ORG X و NOUN", external_id="symbols")
    add(annotate.get_or_create_named_layer(document=symbols, name="gold"), "X", "ORG", reviewer)
    records = list(iter_records(project, "gold"))
    assert len(records) == 5
    assert_same_payload(records)


def test_docbin_of_no_records_equals_spacys_empty_docbin():
    assert_same_payload([])


# Run in a fresh interpreter where importing spaCy, numpy, srsly or thinc fails, as in the
# runtime install: tokens (exports/ar_tokenizer.py) and the DocBin are made without them.
WITHOUT_SPACY = """
import importlib.abc, io, os, pickle, sys

class Blocked(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in {"spacy", "numpy", "srsly", "thinc"}:
            raise ImportError(f"{name} is not in the runtime install")

sys.meta_path.insert(0, Blocked())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsreview.settings")
import django
django.setup()
from newsreview.exports.formats import spacy_docbin
records = pickle.loads(sys.stdin.buffer.read())
out = io.BytesIO()
spacy_docbin.write(records, out, project=None, options={}, warn=print)
sys.stdout.buffer.write(out.getvalue())
"""


def test_docbin_is_written_without_spacy_or_numpy_installed():
    text = TRICKY.replace("\r\n", "\n") + HEADLINE + " (:-) °C. «عاجل»"
    start = text.index("حموشي")
    generated = [record_of(text, [(start, start + 5, "PERS", "entity")]), record_of("", [])]
    child = subprocess.run(
        [sys.executable, "-c", WITHOUT_SPACY],
        input=pickle.dumps(generated),
        capture_output=True,
        check=True,
    )
    assert child.stdout == ours(generated)
    assert zlib.decompress(child.stdout) == zlib.decompress(spacy_reference(generated))


def record_of(text: str, spans: list[tuple[int, int, str, str]]) -> LayerRecord:
    """A record with entity and trigger spans at the given offsets, and an event on the
    first trigger whose argument is the first entity."""
    made = [
        SpanRecord(id=f"e{i}", pk=i, label=label, start=start, end=end,
                   text=text[start:end], kind=kind)
        for i, (start, end, label, kind) in enumerate(spans)
    ]  # fmt: skip
    entities = [s for s in made if s.kind == "entity"]
    triggers = [s for s in made if s.kind == "trigger"]
    events = [
        EventRecord(id="v1", pk=1, type="MEET", trigger=triggers[0], attributes={},
                    arguments=[ArgumentRecord(role="ENTITY", entity=e) for e in entities[:1]])
    ] if triggers else []  # fmt: skip
    return LayerRecord(
        document_id="d", document_pk=1, title="", text=text, language="ar", direction="rtl",
        source_url="", published_on=None, metadata={}, project="p", schema_version=1,
        layer="gold", layer_kind="gold", annotator=None, status="done",
        entities=entities, triggers=triggers, events=events,
    )  # fmt: skip


PIECES = [
    "حموشي", "بفرنسا", "ال", "ڤـــو", "مُحَمَّد", "Cafe\u0301", "Frédéric", "VEAUX", "ORG", "X",
    "14", "١٤", "😀", "🇲🇦", ".", "؟", "!", "(", ")", "«", "»", ":", "-", "،", " ", " ", "  ",
    "\n", "\t", "\u00a0", "ب. م", "ق.م", "http://x.ma/a?b=1", "İ", "ΣΟΣ", "€", "—", "US$",
]  # fmt: skip
LABELS = ["PERS", "GPE", "ORG", "X", "NOUN", "Événement", "ORG_2"]


@st.composite
def records(draw):
    text = "".join(draw(st.lists(st.sampled_from(PIECES), max_size=14)))
    spans = []
    if text:
        for _ in range(draw(st.integers(0, 5))):
            start = draw(st.integers(0, len(text) - 1))
            end = draw(st.integers(start + 1, len(text)))
            kind = draw(st.sampled_from(["entity", "entity", "trigger"]))
            spans.append((start, end, draw(st.sampled_from(LABELS)), kind))
    return record_of(text, spans)


@settings(max_examples=200, deadline=None)
@given(st.lists(records(), max_size=3))
def test_docbin_payload_equals_spacys_for_any_text_and_spans(generated):
    try:
        expected = zlib.decompress(spacy_reference(generated))
    except ExportError:
        with pytest.raises(ExportError):
            ours(generated)
        return
    assert zlib.decompress(ours(generated)) == expected
    docs = list(DocBin().from_bytes(ours(generated)).get_docs(spacy.blank("ar").vocab))
    assert [doc.text for doc in docs] == [record.text for record in generated]


ASTRAL_AND_COMBINING = [
    ("ڤـــو", "PERS"), ("Cafe\u0301", "PERS"), ("مُحَمَّد", "PERS"), ("فرنسا", "GPE"),
    ("Frédéric Veaux", "PERS"), ("😀 عاجل", "X"),
]  # fmt: skip


def test_docbin_reads_back_tokens_and_ents_on_astral_and_combining_text():
    text = TRICKY.replace("\r\n", "\n") + HEADLINE + "\n" + MIXED.replace("\r\n", "\n")
    spans = []
    for needle, label in ASTRAL_AND_COMBINING:
        start = text.index(needle)
        spans.append((start, start + len(needle), label, "entity"))
    record = record_of(text, spans)
    (doc,) = DocBin().from_bytes(ours([record])).get_docs(spacy.blank("ar").vocab)
    assert doc.text == text
    expected = sorted((label, start, end) for start, end, label, _kind in spans)
    assert sorted((e.label_, e.start_char, e.end_char) for e in doc.ents) == expected
    assert [t.text for t in doc if not t.is_space] == [
        text[start:end] for start, end in zip(*_bounds(record), strict=True)
    ]
    assert [t.norm_ for t in doc] == [t.text.lower() for t in doc]


def _bounds(record: LayerRecord) -> tuple[list[int], list[int]]:
    tokenised = tokenise(record, "split")
    return tokenised.starts, tokenised.ends
