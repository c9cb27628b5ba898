"""Arabic-aware whole-word matching: the seed article's mentions, proclitics left outside
the span, «لل», line breaks, and properties of every match."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsreview.arabic.matching import (
    compile_gazetteer,
    find_gazetteer_matches,
    find_mentions,
)
from newsreview.arabic.normalise import normalise_text


@pytest.fixture
def seed() -> str:
    from newsreview.documents.management.commands.load_demo import SEED

    return SEED.read_bytes().decode("utf-8")


def starts_of(text: str, word: str, *, skip: int = 0) -> list[int]:
    """Offsets of `word` in `text` (plain substring), each moved `skip` code points on."""
    found, at = [], text.find(word)
    while at != -1:
        found.append(at + skip)
        at = text.find(word, at + 1)
    return found


def test_every_mention_of_hammouchi_in_the_seed(seed):
    matches = find_mentions(seed, "حموشي")
    assert [m.start for m in matches] == starts_of(seed, "حموشي")
    assert len(matches) == 6
    assert {m.text for m in matches} == {"حموشي"}


@pytest.mark.parametrize("spelling", ["حمّوشي", "حَمُّوشِي", "حموشى", "حمـوشي"])
def test_other_spellings_of_hammouchi_find_the_same_mentions(seed, spelling):
    assert [m.start for m in find_mentions(seed, spelling)] == starts_of(seed, "حموشي")


def test_morocco_with_and_without_clitics():
    text = "علاقات المغرب بفرنسا\nزيارة بالمغرب وللمغرب ثم للمغرب، والمغربية لا"
    matches = find_mentions(text, "المغرب")
    texts = [(m.text, text[m.start - 1]) for m in matches]
    assert texts == [
        ("المغرب", " "),
        ("المغرب", "ب"),  # بالمغرب: ب stays outside
        ("لمغرب", "ل"),  # وللمغرب: the second ل onwards (FORMATS.md «لل»)
        ("لمغرب", "ل"),  # للمغرب
    ]  # المغربية is another word


def test_morocco_in_the_seed(seed):
    matches = find_mentions(seed, "المغرب")
    assert [m.start for m in matches] == [
        i for i in starts_of(seed, "المغرب") if not seed[i + 6].isalpha()
    ]
    assert len(matches) == 2


def test_france_and_bifrance_in_the_seed(seed):
    matches = find_mentions(seed, "فرنسا")
    assert [seed[m.start - 1 : m.end] for m in matches] == ["بفرنسا", "وفرنسا"]
    assert all(m.text == "فرنسا" for m in matches)


def test_security_and_lil_amn_in_the_seed(seed):
    matches = find_mentions(seed, "الأمن")
    full = [m for m in matches if m.text == "الأمن"]
    lam = [m for m in matches if m.text == "لأمن"]
    assert len(full) == 3 and len(lam) == 5
    for m in lam:
        assert seed[m.start - 1 : m.end] == "للأمن"  # the span starts at the second ل
    # الأمني / الأمنية / والأمني are other words
    assert all(not seed[m.end].isalpha() for m in matches)


def test_query_without_hamza_finds_security(seed):
    assert find_mentions(seed, "الامن") == find_mentions(seed, "الأمن")


def test_another_hamza_carrier_finds_the_officials(seed):
    matches = find_mentions(seed, "مسئولين")
    assert [m.text for m in matches] == ["مسؤولين", "مسؤولين"]


def test_tatweel_stays_inside_the_span(seed):
    (match,) = find_mentions(seed, "ڤو")
    assert match.text == "ڤـــو"


@pytest.mark.parametrize(
    ("text", "needle", "found"),
    [
        ("وحموشي قال", "حموشي", ["حموشي"]),
        ("فبحموشي", "حموشي", ["حموشي"]),
        ("وبالمغرب", "مغرب", ["مغرب"]),  # و + ب + ال outside
        ("كالمغرب", "المغرب", ["المغرب"]),
        ("أبحموشي", "حموشي", []),  # أ is no proclitic
        ("حموشيات", "حموشي", []),  # no suffix: whole words only
        ("ببحموشي", "حموشي", []),  # ب twice is no proclitic sequence
        ("والفرنسا", "فرنسا", ["فرنسا"]),
        ("Veaux, veaux", "VEAUX", ["Veaux", "veaux"]),
        ("عبد\nاللطيف", "عبد اللطيف", []),  # never across a line break
        ("عبد اللطيف", "عبد اللطيف", ["عبد اللطيف"]),
        ("😀حموشي", "حموشي", ["حموشي"]),
    ],
)
def test_whole_words_with_proclitics_outside(text, needle, found):
    assert [m.text for m in find_mentions(text, needle)] == found


def test_empty_or_multiline_needle_finds_nothing():
    assert find_mentions("حموشي", "ّ") == []
    assert find_mentions("عبد\nاللطيف", "عبد\nاللطيف") == []


# --- gazetteer ---------------------------------------------------------------------------


def test_gazetteer_finds_entries_with_the_same_rules(seed):
    gazetteer = compile_gazetteer(
        [("حمّوشي", "PERS"), ("عبد اللطيف حموشي", "PERS"), ("فرنسا", "GPE"), ("الأمن", "ORG")]
    )
    found = find_gazetteer_matches(seed, gazetteer)
    texts = [(s.text, s.label) for s in found]
    assert ("عبد اللطيف حموشي", "PERS") in texts  # the longest entry wins
    assert texts.count(("حموشي", "PERS")) == 4  # the two others are inside the full name
    assert [s.text for s in found if s.label == "GPE"] == ["فرنسا", "فرنسا"]
    assert [s.text for s in found if s.label == "ORG"].count("لأمن") == 5
    for s in found:
        assert seed[s.start : s.end] == s.text
        assert "\n" not in s.text


def test_gazetteer_entry_with_punctuation_inside_is_found():
    gazetteer = compile_gazetteer([("U.S", "GPE"), ("عبد اللطيف", "PERS")])
    text = "زار U.S أمس عبد  اللطيف"
    found = [(s.text, s.label) for s in find_gazetteer_matches(text, gazetteer)]
    assert found == [("U.S", "GPE"), ("عبد  اللطيف", "PERS")]  # white space collapsed


def test_gazetteer_first_label_wins_and_blank_entries_are_skipped():
    gazetteer = compile_gazetteer([("باريس", "GPE"), ("باريس", "LOC"), ("ّ", "PERS")])
    assert dict(gazetteer.entries) == {"باريس": "GPE"}


# --- properties ---------------------------------------------------------------------------

NAMES = st.sampled_from(["حموشي", "المغرب", "فرنسا", "ڤـــو", "Veaux", "الأمن"])
CLITICS = st.sampled_from(["", "و", "ف", "ب", "ك", "ل", "وب", "فل", "ال", "بال", "وال"])
NOISE = st.lists(
    st.sampled_from(list("حمشيالبفكو ،.\n") + ["\u0651", "\u064e", "\u0640", "😀", "e\u0301", "x"]),
    max_size=12,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(NOISE, CLITICS, NAMES), min_size=1, max_size=5), NAMES)
def test_every_match_is_a_whole_word_slice_that_normalises_to_the_needle(parts, needle):
    text = " ".join(f"{noise} {clitic}{name}" for noise, clitic, name in parts)
    target = normalise_text(needle)
    for match in find_mentions(text, needle):
        assert text[match.start : match.end] == match.text
        assert "\n" not in match.text
        got = normalise_text(match.text)
        assert got == target or (target.startswith("ال") and got == target[1:])
        after = text[match.end : match.end + 1]
        assert not (after.isalnum())


@settings(max_examples=300, deadline=None)
@given(NOISE, CLITICS, NAMES, NOISE)
def test_a_planted_name_is_found_exactly_with_its_clitics_outside(before, clitic, name, after):
    text = f"{before} {clitic}{name} {after}"
    at = len(before) + 1 + len(clitic)
    if clitic.endswith("ل") and name.startswith("ال"):
        return  # «لال» is no Arabic spelling
    found = [(m.start, m.end) for m in find_mentions(text, name)]
    assert (at, at + len(name)) in found


# --- the fast paths agree with the rules ---------------------------------------------------


def test_word_runs_hold_exactly_the_word_characters_at_every_code_point():
    from newsreview.arabic.matching import _word_run, is_word_char

    word_run = _word_run()
    wrong = [
        point
        for point in range(0x110000)
        if (word_run.fullmatch(chr(point)) is not None) != is_word_char(chr(point))
    ]
    assert wrong == []


def test_the_prefix_sets_are_the_proclitic_rules():
    from itertools import product

    from newsreview.arabic.matching import (
        LAM_LAM_PREFIX,
        LAM_LAM_PREFIXES,
        MAX_PREFIX,
        PREFIXES,
        PROCLITICS,
    )

    for length in range(1, MAX_PREFIX + 2):
        for letters in product("وفبكلام", repeat=length):
            prefix = "".join(letters)
            assert (prefix in PREFIXES) == (PROCLITICS.fullmatch(prefix) is not None), prefix
            lam_lam = prefix.endswith("ل") and LAM_LAM_PREFIX.fullmatch(prefix[:-1]) is not None
            assert (prefix in LAM_LAM_PREFIXES) == lam_lam, prefix
