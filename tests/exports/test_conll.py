"""CoNLL IOB2 (FORMATS.md §4): the documented examples byte for byte, and files read back by
real readers (seqeval, spaCy's CoNLL converter) giving the stored entities."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from seqeval.metrics.sequence_labeling import get_entities
from spacy.training.converters import conll_ner_to_docs

from newsreview.annotations import services as annotate
from newsreview.annotations.models import Span
from newsreview.documents.services import create_document
from newsreview.exports.records import ExportError
from newsreview.exports.tokens import select_levels

from .conftest import add, export_bytes, find
from .test_tokens import make_mixed, stored_text, token_offsets

HEADLINE_CONLL = """-DOCSTART- -X- O O

حموشي	B-PERS
يعيد	O
الدفء	O
إلى	O
علاقات	O
المغرب	B-GPE
ب	O
فرنسا	B-GPE
و	O
رحلة	O
قريبة	O
ستأخذه	O
إلى	O
باريس	B-GPE
"""

NESTED_PHRASE = "نيكولا لورنر، المدير العام للأمن الداخلي بالجمهورية الفرنسية"
NESTED_CONLL = """نيكولا	B-PERS	O
لورنر	I-PERS	O
،	O	O
المدير	B-OCC	O
العام	I-OCC	O
للأمن	I-OCC	O
الداخلي	I-OCC	O
ب	I-OCC	O
الجمهورية	I-OCC	B-GPE
الفرنسية	I-OCC	I-GPE
"""


@pytest.fixture
def mixed(project, reviewer):
    return make_mixed(project, reviewer)


def parse(data: bytes) -> list[list[list[list[str]]]]:
    """Documents → sentences → rows of cells, checking the delimiters on the way."""
    documents = []
    for chunk in data.decode("utf-8").split("-DOCSTART- -X- O O\n")[1:]:
        assert chunk.startswith("\n") and chunk.endswith("\n\n")
        sentences = chunk.strip("\n").split("\n\n")
        documents.append([[line.split("\t") for line in s.split("\n")] for s in sentences])
    return documents


def annotate_nested(document, reviewer, base: int = 0) -> None:
    """PERS «نيكولا لورنر», OCC «المدير العام … الفرنسية», GPE «الجمهورية الفرنسية»
    inside the OCC, found from `base` on."""
    gold = annotate.get_or_create_named_layer(document=document, name="gold")
    text = document.text
    for needle, label in (
        ("نيكولا لورنر", "PERS"),
        ("المدير العام للأمن الداخلي بالجمهورية الفرنسية", "OCC"),
        ("الجمهورية الفرنسية", "GPE"),
    ):
        start = text.index(needle, text.index("نيكولا", base))
        annotate.add_span(
            layer=gold, start=start, end=start + len(needle), label=label, by=reviewer, text=needle
        )


def flat_stored(document) -> set[tuple[str, int, int, str]]:
    """The gold layer's outermost entity spans, straight from the database."""
    spans = Span.objects.filter(
        layer__document=document, layer__kind="gold", entity_type__isnull=False
    )
    records = [
        type("S", (), {"start": s.start, "end": s.end, "label": s.label_key, "kind": "entity"})
        for s in spans
    ]
    top = select_levels(records).levels
    return {(s.label, s.start, s.end, document.text[s.start : s.end]) for s in top[0]}


@pytest.mark.django_db
def test_conll_headline_is_the_formats_example_byte_for_byte(headline, project):
    data, warnings = export_bytes(project, "conll")
    assert data.decode("utf-8") == HEADLINE_CONLL + "\n"  # each sentence ends with a blank line
    assert warnings == [
        "1 event(s) in 1 document(s) (000_f057059c50c62636) are not in conll: "
        "use --with-triggers for the triggers, jsonl for everything"
    ]


@pytest.mark.django_db
def test_conll_nested_is_the_formats_example(project, reviewer):
    document = create_document(project=project, text=NESTED_PHRASE, external_id="lerner")
    annotate_nested(document, reviewer)
    data, warnings = export_bytes(project, "conll", nested=True)
    assert data.decode("utf-8") == "-DOCSTART- -X- O O\n\n" + NESTED_CONLL + "\n"
    assert warnings == []


@pytest.mark.django_db
def test_conll_nested_rows_from_the_seed_article_match_the_formats_example(
    seed_document, reviewer, project
):
    annotate_nested(seed_document, reviewer)
    data, _warnings = export_bytes(project, "conll", nested=True)
    body = data.decode("utf-8")
    pers, occ = NESTED_CONLL.split("،\tO\tO\n")
    assert pers in body
    assert occ in body


@pytest.mark.django_db
def test_conll_default_has_two_columns_and_nested_pads_every_line_to_the_deepest(
    headline, seed_gold, project, reviewer
):
    # Three levels in the seed article: OCC ⊃ ORG «لأمن الوطني» ⊃ GPE «الوطني».
    gold = annotate.get_or_create_named_layer(document=seed_gold, name="gold")
    start, end = find(seed_gold.text, "لأمن الوطني")
    annotate.set_layer_status(layer=gold, status="in_progress", by=reviewer)
    annotate.add_span(layer=gold, start=end - 6, end=end, label="GPE", by=reviewer, text="الوطني")
    flat = parse(export_bytes(project, "conll")[0])
    assert {len(row) for doc in flat for sentence in doc for row in sentence} == {2}
    nested, warnings = export_bytes(project, "conll", nested=True, with_triggers=True)
    documents = parse(nested)
    assert {len(row) for doc in documents for sentence in doc for row in sentence} == {5}
    seed_rows = [row for sentence in documents[1] for row in sentence]
    assert seed_rows[0][0] == "بعد"
    assert ["ل", "I-OCC", "O", "O", "O"] in seed_rows
    assert ["لأمن", "I-OCC", "B-ORG", "O", "O"] in seed_rows
    assert ["الوطني", "I-OCC", "I-ORG", "B-GPE", "O"] in seed_rows
    # The headline has one level; padded with O before its trigger column.
    headline_rows = [row for sentence in documents[0] for row in sentence]
    assert ["رحلة", "O", "O", "O", "B-MOVEMENT_TRANSPORT"] in headline_rows
    assert ["باريس", "B-GPE", "O", "O", "O"] in headline_rows
    assert not [w for w in warnings if "span(s)" in w]


@pytest.mark.django_db
def test_conll_tokens_rejoined_with_the_original_whitespace_give_the_text_back(
    headline, seed_gold, tricky, mixed, project
):
    for layer, sources in [
        ("gold", (headline, seed_gold, tricky, mixed)),
        ("annotator1", (seed_gold,)),
    ]:
        documents = parse(export_bytes(project, "conll", layer=layer)[0])
        texts = [stored_text(d) for d in sources]
        assert len(documents) == len(texts)
        for document, text in zip(documents, texts, strict=True):
            token_offsets(text, [row[0] for sentence in document for row in sentence])


@pytest.mark.django_db
def test_conll_refuses_all_layers_because_a_record_cannot_say_whose_it_is(seed_gold, project):
    with pytest.raises(ExportError, match="CoNLL has no place for a layer name"):
        export_bytes(project, "conll", layer="all")


@pytest.mark.django_db
def test_conll_read_back_with_seqeval_gives_the_stored_entity_texts(
    headline, seed_gold, tricky, mixed, project
):
    data, _warnings = export_bytes(project, "conll")
    documents = parse(data)
    sources = [headline, seed_gold, tricky, mixed]
    for rows_by_sentence, document in zip(documents, sources, strict=True):
        text = stored_text(document)
        rows = [row for sentence in rows_by_sentence for row in sentence]
        offsets = token_offsets(text, [row[0] for row in rows])
        read = {
            (label, offsets[first][0], offsets[last][1], text[offsets[first][0] : offsets[last][1]])
            for label, first, last in get_entities([row[-1] for row in rows])
        }
        assert read == flat_stored(document)
    mixed_entities = {e[3] for e in flat_stored(mixed)}
    assert {"فريديريك ڤـــو", "Frédéric Veaux", "14 و15 دجنبر", "Cafe\u0301", "مُحَمَّد"} <= (
        mixed_entities
    )


@pytest.mark.django_db
def test_conll_is_read_by_spacys_conll_ner_converter(headline, seed_gold, tricky, mixed, project):
    data, _warnings = export_bytes(project, "conll")
    docs = list(conll_ner_to_docs(data.decode("utf-8"), no_print=True))
    sources = [headline, seed_gold, tricky, mixed]
    assert len(docs) == len(sources)
    for doc, document in zip(docs, sources, strict=True):
        expected = sorted(flat_stored(document), key=lambda e: e[1])
        # spaCy joins the tokens with single spaces: compare without whitespace.
        assert [(e.label_, "".join(e.text.split())) for e in doc.ents] == [
            (label, "".join(covered.split())) for label, _s, _e, covered in expected
        ]


@pytest.mark.django_db
def test_conll_drops_a_crossing_span_and_warns_with_count_and_document(headline, project, reviewer):
    gold = annotate.get_or_create_named_layer(document=headline, name="gold")
    add(gold, "علاقات المغرب", "ORG", reviewer)  # 13 characters, leftmost: kept
    add(gold, "المغرب بفرنسا", "LOC", reviewer)  # 13 characters, crosses it: dropped
    data, warnings = export_bytes(project, "conll")
    rows = [row for sentence in parse(data)[0] for row in sentence]
    assert ["علاقات", "B-ORG"] in rows and ["المغرب", "I-ORG"] in rows
    assert not any("LOC" in row[1] for row in rows)
    dropped = [w for w in warnings if "dropped" in w]
    assert dropped == [
        "document 000_f057059c50c62636, layer gold: 1 span(s) dropped from the conll tags "
        "(they overlap a longer span without nesting in it): LOC [28, 41) «المغرب بفرنسا»"
    ]
    nested = [w for w in warnings if "nested" in w]
    # المغرب is nested in the kept ORG; فرنسا only in the dropped LOC, so it stays flat.
    assert len(nested) == 1 and "1 span(s)" in nested[0] and "«المغرب»" in nested[0]
    assert ["فرنسا", "B-GPE"] in rows


@pytest.mark.django_db
def test_conll_align_expand_tags_whole_words(headline, project):
    data, _warnings = export_bytes(project, "conll", align="expand")
    rows = [row for sentence in parse(data)[0] for row in sentence]
    assert ["بفرنسا", "B-GPE"] in rows
    assert ["ورحلة", "O"] in rows
    assert len(rows) == 12


@pytest.mark.django_db
def test_export_command_writes_conll_with_its_flags(headline, project, tmp_path):
    target = tmp_path / "gold.conll"
    call_command(
        "export_annotations", "--project", "news", "--format", "conll", "--nested",
        "--with-triggers", "-o", str(target),
    )  # fmt: skip
    rows = [row for sentence in parse(target.read_bytes())[0] for row in sentence]
    assert ["رحلة", "O", "B-MOVEMENT_TRANSPORT"] in rows
