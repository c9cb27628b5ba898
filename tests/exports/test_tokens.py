"""Tokens, sentences and span levels for the token formats (FORMATS.md §4), checked against
spaCy's own blank-ar tokenizer and on records read from the database."""

from __future__ import annotations

import re

import pytest
import spacy

from newsreview.annotations import services as annotate
from newsreview.documents.services import create_document
from newsreview.exports.left_out import problems
from newsreview.exports.reading import iter_records
from newsreview.exports.records import SpanRecord
from newsreview.exports.tokens import (
    select_levels,
    split_at,
    tokenise,
    word_tokens,
)

from .conftest import HEADLINE, TRICKY, add

# An emoji before every span, tatweel, Latin with a combining mark, diacritics, digits,
# clitics glued to names, an Arabic question mark and CRLF line ends in the input.
MIXED = (
    "😀 وصل فريديريك ڤـــو (Frédéric Veaux) بفرنسا يومي 14 و15 دجنبر.\r\n"
    "التقى Cafe\u0301 و مُحَمَّد بالرباط؟ نعم!\r\n"
)


def make_mixed(project, reviewer):
    """MIXED in a gold layer: five entity spans (one inside a word), a DATE with digits,
    and a MOVEMENT_TRANSPORT event with two arguments."""
    document = create_document(project=project, text=MIXED, external_id="mixed")
    gold = annotate.get_or_create_named_layer(document=document, name="gold")
    veaux = add(gold, "فريديريك ڤـــو", "PERS", reviewer)
    add(gold, "Frédéric Veaux", "PERS", reviewer)
    france = add(gold, "فرنسا", "GPE", reviewer)
    add(gold, "14 و15 دجنبر", "DATE", reviewer)
    add(gold, "Cafe\u0301", "PERS", reviewer)
    add(gold, "مُحَمَّد", "PERS", reviewer)
    add(gold, "الرباط", "GPE", reviewer)
    trip = add(gold, "وصل", "MOVEMENT_TRANSPORT", reviewer)
    annotate.add_argument(layer=gold, event=trip.event, role="ARTIFACT", span=veaux, by=reviewer)
    annotate.add_argument(
        layer=gold, event=trip.event, role="DESTINATION", span=france, by=reviewer
    )
    return document


@pytest.fixture
def mixed(project, reviewer):
    return make_mixed(project, reviewer)


def token_offsets(text: str, tokens: list[str]) -> list[tuple[int, int]]:
    """Where each token lies in `text`, checking that only whitespace separates them and
    that nothing else is left over: joining the tokens with the original gaps gives the
    text back exactly."""
    offsets = []
    position = 0
    for token in tokens:
        assert token and not any(c.isspace() for c in token), repr(token)
        start = position
        while start < len(text) and text[start].isspace():
            start += 1
        assert text.startswith(token, start), (token, text[start : start + 20])
        offsets.append((start, start + len(token)))
        position = start + len(token)
    assert text[position:].strip() == ""
    return offsets


def stored_text(document) -> str:
    document.refresh_from_db()
    return document.text


def span_record(start: int, end: int, label: str, text: str = "") -> SpanRecord:
    return SpanRecord(
        id="e", pk=start * 1000 + end, label=label, start=start, end=end, text=text, kind="entity"
    )


@pytest.mark.parametrize("name", ["headline", "tricky", "mixed", "seed"])
def test_word_tokens_are_spacy_blank_ar_tokens_without_the_whitespace_ones(name, seed_text):
    text = {"headline": HEADLINE, "tricky": TRICKY, "mixed": MIXED, "seed": seed_text}[name]
    doc = spacy.blank("ar").make_doc(text)
    expected = [(t.idx, t.idx + len(t.text)) for t in doc if not t.is_space]
    assert word_tokens(text) == expected


def test_word_tokens_never_contain_whitespace_even_for_spacy_multiword_exceptions():
    # blank("ar") has the exception «ب. م», a single spaCy token containing a space.
    text = "ولد سنة 500 ب. م  في\tمكة\u00a0و\u2003المدينة\n\nثم"
    assert any(" " in t.text for t in spacy.blank("ar").make_doc(text) if not t.is_space)
    words = [text[s:e] for s, e in word_tokens(text)]
    assert token_offsets(text, words)
    assert "ب." in words and "م" in words


def test_split_at_cuts_tokens_only_at_inner_boundaries():
    assert split_at([(0, 6), (7, 10)], [0, 1, 6, 8, 10]) == [(0, 1), (1, 6), (7, 8), (8, 10)]
    assert split_at([(0, 6)], []) == [(0, 6)]


@pytest.mark.django_db
def test_span_boundary_inside_a_token_splits_it_and_text_rejoins_exactly(headline, project):
    (record,) = iter_records(project, "gold")
    tokenised = tokenise(record)
    assert tokenised.words[5:9] == ["المغرب", "ب", "فرنسا", "و"]
    assert token_offsets(record.text, tokenised.words) == list(
        zip(tokenised.starts, tokenised.ends, strict=True)
    )


@pytest.mark.django_db
def test_crlf_input_is_stored_with_newlines_and_tokens_rejoin_to_it(mixed, tricky, project):
    for record in iter_records(project, "gold"):
        assert "\r" not in record.text
        tokenised = tokenise(record)
        token_offsets(record.text, tokenised.words)
        # Every span starts and ends on token boundaries (split alignment).
        for span in record.all_spans:
            assert span.start in tokenised.starts and span.end in tokenised.ends


@pytest.mark.django_db
def test_sentences_end_after_final_punctuation_and_at_newlines(mixed, project):
    (record,) = iter_records(project, "gold")
    tokenised = tokenise(record)
    sentences = [[tokenised.words[i] for i in s] for s in tokenised.sentences]
    assert [s[-1] for s in sentences] == [".", "؟", "!"]
    assert sentences[1][0] == "التقى"


@pytest.mark.django_db
def test_sentence_break_never_falls_inside_a_span(project, reviewer):
    text = "زار السيد ج . بوش المغرب.\nثم عاد إلى\nواشنطن العاصمة."
    document = create_document(project=project, text=text, external_id="breaks")
    gold = annotate.get_or_create_named_layer(document=document, name="gold")
    add(gold, "ج . بوش", "PERS", reviewer)
    add(gold, "إلى\nواشنطن", "GPE", reviewer)
    (record,) = iter_records(project, "gold")
    tokenised = tokenise(record)
    sentences = [" ".join(tokenised.words[i] for i in s) for s in tokenised.sentences]
    assert sentences == ["زار السيد ج . بوش المغرب .", "ثم عاد إلى واشنطن العاصمة ."]


def test_flat_selection_takes_longest_first_then_leftmost_and_drops_crossing_spans():
    occ = span_record(10, 40, "OCC")
    org = span_record(20, 40, "ORG")  # nested in OCC
    gpe = span_record(30, 40, "GPE")  # nested in ORG
    left = span_record(50, 60, "PERS")
    right = span_record(55, 65, "PERS")  # same length, crosses `left`: dropped
    selection = select_levels([gpe, right, org, left, occ])
    assert selection.levels == [[occ, left], [org], [gpe]]
    assert selection.dropped == [right]
    assert selection.nested == [org, gpe]


def test_same_range_with_two_labels_nests_one_level_deeper():
    gpe = span_record(0, 6, "GPE")
    org = span_record(0, 6, "ORG")
    assert select_levels([org, gpe]).levels == [[gpe], [org]]


@pytest.mark.django_db
def test_expand_widens_spans_to_whole_tokens_and_reports_merges(project, reviewer):
    text = "علاقات المغرب بفرنسا الجزائرتونس"
    document = create_document(project=project, text=text, external_id="expand")
    gold = annotate.get_or_create_named_layer(document=document, name="gold")
    add(gold, "فرنسا", "GPE", reviewer)
    add(gold, "الجزائر", "GPE", reviewer)
    add(gold, "تونس", "GPE", reviewer)
    (record,) = iter_records(project, "gold")
    tokenised = tokenise(record, "expand")
    assert tokenised.words == ["علاقات", "المغرب", "بفرنسا", "الجزائرتونس"]
    assert tokenised.entity_columns() == [["O", "O", "B-GPE", "B-GPE"]]
    (message,) = problems(tokenised, fmt="conll", nested=False, triggers=False)
    assert message.startswith("document expand, layer gold: 1 span(s) merged")
    assert "GPE [28, 32) «تونس»" in message


@pytest.mark.django_db
def test_problems_name_the_document_count_and_spans(seed_gold, project):
    (record,) = iter_records(project, "gold")
    tokenised = tokenise(record)
    (nested,) = problems(tokenised, fmt="conll", nested=False, triggers=False)
    assert nested.startswith("document seed, layer gold: 1 span(s) nested")
    assert "ORG" in nested and "«لأمن الوطني»" in nested
    assert problems(tokenised, fmt="conll", nested=True, triggers=True) == []


BOUNDARY_TEXTS = [
    "حموشي يعيد الدفء إلى علاقات المغرب بفرنسا ورحلة قريبة ستأخذه إلى باريس",
    "🇲🇦 😀 عاجل: Cafe\u0301 التقى حموشي بـ ڤـــو في باريس\nوقال مُحَمَّد 👍 في الرباط ١٤ و15",
    "",
    "   ",
    "  «للأمن الوطني»،\tو(Frédéric Veaux)  ١٤-١٥ دجنبر.\n\nبفرنسا؟ نعم!\n",
]


@pytest.mark.parametrize("seed", range(100))
def test_boundary_tokens_equal_word_tokens_split_at_every_boundary(seed):
    """BoundaryTokens (what CoNLL and agreement κ both use) keeps the word tokens and the
    inner cuts apart; its tokens, counts and index ranges equal those of the word tokens
    split at the span boundaries."""
    import random
    from types import SimpleNamespace

    from newsreview.exports.tokens import BoundaryTokens, split_at, token_range, word_tokens

    rng = random.Random(seed)
    text = BOUNDARY_TEXTS[seed % len(BOUNDARY_TEXTS)]
    spans = []
    for _ in range(rng.randint(0, 12) if len(text) > 1 else 0):
        start = rng.randrange(0, len(text) - 1)
        spans.append(SimpleNamespace(start=start, end=rng.randint(start + 1, len(text))))
    cuts = {s.start for s in spans} | {s.end for s in spans}
    expected = split_at(word_tokens(text), cuts)
    tokens = BoundaryTokens(text, spans)
    assert tokens.tokens() == expected
    assert tokens.count == len(expected)
    starts, ends = [a for a, _b in expected], [b for _a, b in expected]
    for span in spans:
        assert tokens.token_range(span.start, span.end) == token_range(
            starts, ends, span.start, span.end
        )


@pytest.mark.parametrize("seed", range(100))
def test_span_tokens_are_boundary_tokens_seen_from_the_spans(seed, seed_text):
    """SpanTokens (agreement κ) counts the tokens BoundaryTokens (the CoNLL export) makes,
    and names the same tokens inside each span, by where they start, in order; also for
    empty spans and spans starting or ending in whitespace or inside a word."""
    import random
    from types import SimpleNamespace

    from newsreview.exports.span_tokens import SpanTokens
    from newsreview.exports.tokens import BoundaryTokens

    rng = random.Random(seed)
    texts = [*BOUNDARY_TEXTS, seed_text]
    text = texts[seed % len(texts)]
    spans = []
    for _ in range(rng.randint(0, 30) if len(text) > 1 else 0):
        start = rng.randrange(0, len(text) - 1)
        end = start if rng.random() < 0.1 else rng.randint(start + 1, min(len(text), start + 40))
        spans.append(SimpleNamespace(start=start, end=end))
    runs = [m.span() for m in re.finditer(r"\S+", text)]  # whole runs: the usual spans
    for start, end in rng.sample(runs, min(len(runs), rng.randint(0, 10))):
        spans.append(SimpleNamespace(start=start, end=end))
    expected = BoundaryTokens(text, spans)
    starts = [a for a, _b in expected.tokens()]
    sparse = SpanTokens(text, spans)
    assert sparse.count == expected.count
    for span in spans:
        wanted = [starts[i] for i in expected.token_range(span.start, span.end)]
        assert sparse.token_keys(span.start, span.end) == wanted


def test_word_count_is_the_number_of_word_tokens_also_for_runs_never_seen():
    from newsreview.exports import tokens

    tokens._memo.clear()  # the first text's runs are all new to the tokenizer
    for text in [*BOUNDARY_TEXTS, MIXED, TRICKY, HEADLINE]:
        assert tokens.word_count(text) == len(word_tokens(text))
