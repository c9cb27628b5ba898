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


# --- grapheme clusters and edge moves -------------------------------------------------------

THUMB = "👍🏽"  # thumbs up + skin-tone modifier U+1F3FD
FAMILY = "👨\u200d👩\u200d👧"  # a ZWJ sequence: 5 code points
HEART = "❤\ufe0f"  # a variation selector makes it an emoji
SCOTLAND = "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"  # tag sequence
SHADDA = "مُحَمَّد"  # letters with diacritics


@pytest.mark.parametrize(
    "clusters",
    [
        [FLAG, EMOJI, " ", "ح"],
        [FLAG, FLAG, "🇫🇷"],
        ["a", THUMB, "b"],
        ["ب", FAMILY, "ب"],
        [HEART, " ", SCOTLAND, "x"],
        ["c", "a", "f", "e\u0301", "t"],
        ["مُ", "حَ", "مَّ", "د"],
        # ZWJ forcing a joining form extends the letter before it (UAX #29 GB9), and the
        # next letter is not a pictograph, so it starts a new cluster.
        ["ب\u200d", "ب"],
        ["a", "\r\n", "b"],
    ],
    ids=[
        "flag",
        "flags",
        "skin tone",
        "zwj family",
        "emoji vs, tags",
        "e+acute",
        "diacritics",
        "arabic zwj",
        "crlf",
    ],
)
def test_grapheme_boundaries_keep_clusters_whole(clusters):
    from newsreview.annotations.offsets import grapheme_step, is_grapheme_boundary

    text = "".join(clusters)
    edges = [0]
    for cluster in clusters:
        edges.append(edges[-1] + len(cluster))
    assert [i for i in range(len(text) + 1) if is_grapheme_boundary(text, i)] == edges
    forward = [0]
    while forward[-1] < len(text):
        forward.append(grapheme_step(text, forward[-1], +1))
    backward = [len(text)]
    while backward[-1] > 0:
        backward.append(grapheme_step(text, backward[-1], -1))
    assert forward == edges == backward[::-1]


@pytest.mark.parametrize(
    ("text", "span", "edge", "expected"),
    [
        (f"{FLAG}{EMOJI}", (0, 3), "start+", f"{EMOJI}"),
        (f"{FLAG}{EMOJI}", (0, 3), "end-", FLAG),
        (f"x{THUMB}", (0, 1), "end+", f"x{THUMB}"),
        (f"x{THUMB}y", (0, 3), "end-", "x"),
        (f"{FAMILY}ب", (5, 6), "start-", f"{FAMILY}ب"),
        ("e\u0301te", (0, 2), "end+", "e\u0301t"),
        ("فرنسا ورحل", (0, 5), "end+", "فرنسا و"),
        ("بفرنسا و", (1, 6), "end-", "فرنس"),
        ("عبد  اللطيف", (5, 11), "start-", "د  اللطيف"),
        ("عبد اللطيف", (0, 10), "start+", "بد اللطيف"),
        ("عبد اللطيف", (2, 10), "start+", "اللطيف"),
        ("عبد اللطيف", (0, 4 + 1), "end-", "عبد"),
        # Only white space beyond the edge: nothing to move to, the span stays as it is.
        (" عبد", (1, 4), "start-", "عبد"),
        ("عبد \n", (0, 3), "end+", "عبد"),
    ],
)
def test_move_edge_steps_by_cluster_and_over_white_space(text, span, edge, expected):
    from newsreview.annotations.forms import move_edge

    start, end = move_edge(text, *span, edge)
    assert text[start:end] == expected
