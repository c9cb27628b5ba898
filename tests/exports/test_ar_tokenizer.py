"""The plain-Python Arabic tokenizer gives spaCy's blank-ar tokens (spaCy is a test
dependency only): same settings, same tokens on the seed article, the export fixtures,
every special case in context and generated text."""

from __future__ import annotations

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.attrs import ORTH

from newsreview.documents.management.commands.load_demo import SEED
from newsreview.exports import ar_tokenizer, ar_tokenizer_data

from .conftest import HEADLINE, TRICKY
from .test_tokens import MIXED

NLP = spacy.blank("ar")


def spacy_tokens(text: str) -> list[tuple[int, int]]:
    return [(t.idx, t.idx + len(t.text)) for t in NLP.tokenizer(text)]


def test_patterns_are_the_installed_spacys():
    tokenizer = NLP.tokenizer
    assert tokenizer.prefix_search.__self__.pattern == ar_tokenizer_data.PREFIXES
    assert tokenizer.suffix_search.__self__.pattern == ar_tokenizer_data.SUFFIXES
    assert tokenizer.infix_finditer.__self__.pattern == ar_tokenizer_data.INFIXES
    assert tokenizer.url_match.__self__.pattern == ar_tokenizer_data.URL_MATCH
    assert tokenizer.token_match is None  # not ported: blank ar has none


def test_special_cases_are_the_installed_spacys():
    spacy_rules = {
        string: tuple(token[ORTH] for token in tokens)
        for string, tokens in NLP.tokenizer.rules.items()
    }
    assert spacy_rules == ar_tokenizer_data.RULES


@pytest.mark.parametrize(
    "text",
    [HEADLINE, TRICKY, MIXED, SEED.read_text("utf-8")],
    ids=["headline", "tricky", "mixed", "seed"],
)
def test_tokens_are_spacys_on_the_fixture_texts(text):
    assert ar_tokenizer.tokenize(text) == spacy_tokens(text)


# Every special case alone and glued to punctuation, letters and digits on either side:
# the affix loop stops at a special case, and the matcher finds those it cannot see.
CONTEXTS = ["{}", "({})", "«{}»", "{}.", "{}،", "x{}", "{}x", "ب{}", "1{}", "{}:", '"{}"', "{}{}"]


@pytest.mark.parametrize("special", sorted(ar_tokenizer_data.RULES))
def test_tokens_are_spacys_around_every_special_case(special):
    for context in CONTEXTS:
        text = context.format(special, special)
        assert ar_tokenizer.tokenize(text) == spacy_tokens(text), text


PIECES = [
    *sorted(ar_tokenizer_data.RULES),
    "حموشي", "بفرنسا", "ال", "ڤـــو", "مُحَمَّد", "Cafe\u0301", "Frédéric", "VEAUX", "e.g", "U.S.",
    "14", "١٤", "3.5", "10km", "5$", "€5", "٪", "%", "😀", "🇲🇦", ".", "...", "…", "؟", "!", "?",
    "(", ")", "[", "]", "«", "»", '"', "'", "’", ":", ";", "-", "--", "—", "/", "\\", "،", "؛",
    "+", "=", "<", ">", "*", "^", "&", "@", "#", "_", "~", "°", "C", "ـ", " ", " ", "  ", "\n",
    "\t", "\u00a0", "http://x.ma/a?b=1", "www.hespress.com", "a@b.ma", "#وسم", "@user",
]  # fmt: skip


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=10).map("".join))
def test_tokens_are_spacys_on_generated_text(text):
    assert ar_tokenizer.tokenize(text) == spacy_tokens(text)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=30))
def test_tokens_are_spacys_on_any_text(text):
    assert ar_tokenizer.tokenize(text) == spacy_tokens(text)


# Found by comparing variants of the port: a prefix and a suffix that together are the
# whole run are both taken off in one step.
@pytest.mark.parametrize("text", ["(……", "(……)", "'s.", "«…»", "(:-)", "°C.)"])
def test_tokens_are_spacys_where_affixes_meet(text):
    assert ar_tokenizer.tokenize(text) == spacy_tokens(text)
