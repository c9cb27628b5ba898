"""Code points on the server, UTF-16 in the browser (PRODUCT.md Offsets), and word snapping."""

import pytest

from newsreview.annotations.offsets import (
    codepoint_to_utf16,
    snap_to_words,
    utf16_length,
    utf16_offsets_table,
    utf16_to_codepoint,
)

FLAG = "🇲🇦"  # two regional indicators: 2 code points, 4 UTF-16 units
EMOJI = "😀"  # 1 code point, 2 UTF-16 units
TEXTS = {
    "emoji before a span": f"{FLAG}{EMOJI} حموشي",
    "combining acute": "café e\u0301te حموشي",
    "tatweel": "فريديريك ڤـــو (Frédéric Veaux)",
    "diacritics": "مُحَمَّدٌ فِي بَارِيسَ",
    "mixed latin and digits": "صباح الجمعة 14 و15 دجنبر Nicolas Lerner",
    "astral inside text": f"قال {EMOJI} ثم {FLAG} باريس",
}


@pytest.mark.parametrize("text", TEXTS.values(), ids=TEXTS.keys())
def test_utf16_and_codepoint_offsets_round_trip_at_every_position(text):
    for cp in range(len(text) + 1):
        u16 = codepoint_to_utf16(text, cp)
        assert u16 == len(text[:cp].encode("utf-16-le")) // 2
        assert utf16_to_codepoint(text, u16) == cp
    assert utf16_offsets_table(text) == [codepoint_to_utf16(text, i) for i in range(len(text) + 1)]


@pytest.mark.parametrize(
    ("text", "word", "cp_start", "u16_start"),
    [
        (TEXTS["emoji before a span"], "حموشي", 4, 7),
        (TEXTS["astral inside text"], "باريس", 12, 15),
        (TEXTS["tatweel"], "ڤـــو", 9, 9),
        (TEXTS["combining acute"], "حموشي", 10, 10),
    ],
)
def test_utf16_offsets_of_a_word_convert_to_the_code_points_that_slice_it(
    text, word, cp_start, u16_start
):
    assert text[cp_start : cp_start + len(word)] == word
    assert codepoint_to_utf16(text, cp_start) == u16_start
    u16_end = u16_start + utf16_length(word)
    assert utf16_to_codepoint(text, u16_start) == cp_start
    assert utf16_to_codepoint(text, u16_end) == cp_start + len(word)


@pytest.mark.parametrize("u16", [1, 3, 5])
def test_utf16_offset_inside_a_surrogate_pair_is_refused(u16):
    text = f"{FLAG}{EMOJI} حموشي"  # units 0-1, 2-3 flag halves, 4-5 emoji
    with pytest.raises(ValueError, match="inside the astral character"):
        utf16_to_codepoint(text, u16)


@pytest.mark.parametrize("u16", [-1, 99])
def test_utf16_offset_outside_the_text_is_refused(u16):
    with pytest.raises(ValueError):
        utf16_to_codepoint(f"{EMOJI} حموشي", u16)


def test_codepoint_offset_outside_the_text_is_refused():
    with pytest.raises(ValueError):
        codepoint_to_utf16("حموشي", 6)


@pytest.mark.parametrize(
    ("text", "selected", "expected"),
    [
        ("علاقات المغرب بفرنسا ورحلة", "فرنس", "بفرنسا"),  # clitic: snapping takes the word
        ("السيد فريديريك ڤـــو (Frédéric", "ـــو", "ڤـــو"),  # tatweel belongs to the word
        ("في بَارِيسَ اليوم", "ارِ", "بَارِيسَ"),  # diacritics belong to the word
        ("café e\u0301te", "e", "e\u0301te"),  # a combining mark joins its base
        ("يوم 14 و15 دجنبر", "4 و1", "14 و15"),
        ("(Frédéric Veaux)", "déric Ve", "Frédéric Veaux"),  # punctuation stops it
    ],
)
def test_snap_to_words_widens_a_partial_selection_to_whole_words(text, selected, expected):
    start = text.index(selected)
    s, e = snap_to_words(text, start, start + len(selected))
    assert text[s:e] == expected


def test_snap_to_words_trims_spaces_caught_by_a_drag():
    text = "عبد اللطيف حموشي، المدير"
    start = text.index(" حموشي")
    s, e = snap_to_words(text, start, start + len(" حموشي، "))
    assert text[s:e] == "حموشي،"


def test_snap_to_words_keeps_an_all_space_selection_empty():
    assert snap_to_words("حموشي   باريس", 5, 8) == (8, 8)
