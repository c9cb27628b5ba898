"""Offsets: code points on the server, UTF-16 code units in the browser (PRODUCT.md Offsets).

Pure functions, no Django: convert at the edge and nowhere else.
"""

import re
import unicodedata
from collections.abc import Callable

import regex

TATWEEL = "\u0640"


def utf16_length(text: str) -> int:
    """Length of `text` in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def codepoint_to_utf16(text: str, cp: int) -> int:
    """UTF-16 offset of code point offset `cp` in `text`."""
    if not 0 <= cp <= len(text):
        raise ValueError(f"offset {cp} is outside the text (0..{len(text)})")
    return utf16_length(text[:cp])


def utf16_to_codepoint(text: str, u16: int) -> int:
    """Code point offset of UTF-16 offset `u16`; refuses an offset inside a surrogate pair."""
    if u16 < 0:
        raise ValueError(f"offset {u16} is negative")
    position = 0
    for index, char in enumerate(text):
        if position == u16:
            return index
        position += 2 if ord(char) > 0xFFFF else 1
        if position > u16:
            raise ValueError(f"offset {u16} falls inside the astral character at {index}")
    if position == u16:
        return len(text)
    raise ValueError(f"offset {u16} is outside the text (0..{position})")


def utf16_offsets_table(text: str) -> list[int]:
    """For every code point offset 0..len(text), its UTF-16 offset (for bulk conversion)."""
    table = [0] * (len(text) + 1)
    position = 0
    for index, char in enumerate(text):
        table[index] = position
        position += 2 if ord(char) > 0xFFFF else 1
    table[len(text)] = position
    return table


# An extended grapheme cluster (UAX #29), what a browser's grapheme segmenter (and so
# doccano with "Use graphemes" on) counts as one character: a flag, an emoji with its
# skin tone or ZWJ sequence, a letter with its combining marks, CR LF.
_GRAPHEME = regex.compile(r"\X")


def grapheme_offsets_table(text: str) -> list[int]:
    """The code point offset of every grapheme cluster boundary of `text`, in order: entry
    `g` is where grapheme offset `g` falls (the last entry is `len(text)`)."""
    table = [match.start() for match in _GRAPHEME.finditer(text)]
    table.append(len(text))
    return table


def _is_word_char(char: str) -> bool:
    # Letters, digits, combining marks (Arabic diacritics) and tatweel belong to a word.
    return char.isalnum() or char == TATWEEL or unicodedata.category(char).startswith("M")


def snap_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen `[start, end)` to whole words; surrounding spaces inside the selection are
    trimmed first so a double-click selection with a trailing space snaps cleanly."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start == end:
        return start, end
    while start > 0 and _is_word_char(text[start - 1]) and _is_word_char(text[start]):
        start -= 1
    while end < len(text) and _is_word_char(text[end]) and _is_word_char(text[end - 1]):
        end += 1
    return start, end


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def utf16_converter(text: str) -> Callable[[int], int]:
    """A function mapping a code-point offset of `text` to its UTF-16 offset. Text with no
    astral character (all Arabic) maps every offset to itself, at no cost."""
    astral = [m.start() for m in _ASTRAL.finditer(text)]
    if not astral:
        return lambda cp: cp

    def convert(cp: int) -> int:
        # Each astral character before `cp` takes two code units instead of one.
        return cp + sum(1 for position in astral if position < cp)

    return convert


# --- grapheme clusters (what a reader sees as one character) ---------------------------------

ZWJ = "\u200d"


def _extends(char: str) -> bool:
    """Whether `char` belongs to the cluster before it: combining marks (Arabic diacritics,
    e + U+0301), ZWJ, variation selectors, emoji skin-tone modifiers and tag characters."""
    cp = ord(char)
    return (
        unicodedata.category(char).startswith("M")
        or char == ZWJ
        or 0xFE00 <= cp <= 0xFE0F
        or 0xE0100 <= cp <= 0xE01EF
        or 0x1F3FB <= cp <= 0x1F3FF
        or 0xE0020 <= cp <= 0xE007F
    )


def _is_regional_indicator(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def _is_pictograph(char: str) -> bool:
    # Approximates Extended_Pictographic (UAX #29 GB11) without the Unicode data file.
    return unicodedata.category(char) == "So" or 0x1F000 <= ord(char) <= 0x1FAFF


def is_grapheme_boundary(text: str, position: int) -> bool:
    """Whether a span edge may sit at `position`: a pragmatic subset of UAX #29 that keeps
    flags (regional indicator pairs), emoji with modifiers, ZWJ sequences, tag sequences
    and letters with their marks whole. A break after a line end is always allowed."""
    if position <= 0 or position >= len(text):
        return True
    before, after = text[position - 1], text[position]
    if before == "\r" and after == "\n":
        return False
    if before in "\r\n" or after in "\r\n":
        return True
    if _extends(after):
        return False
    if before == ZWJ and _is_pictograph(after):
        return False
    if _is_regional_indicator(before) and _is_regional_indicator(after):
        # Flags pair up from the start of a run of regional indicators.
        run = 0
        while position - run - 1 >= 0 and _is_regional_indicator(text[position - run - 1]):
            run += 1
        return run % 2 == 0
    return True


def grapheme_step(text: str, position: int, step: int) -> int:
    """The nearest grapheme cluster boundary after (`step` = +1) or before (-1) `position`,
    clamped to the text."""
    position += step
    while 0 < position < len(text) and not is_grapheme_boundary(text, position):
        position += step
    return max(0, min(len(text), position))


def trim_whitespace(text: str, start: int, end: int) -> tuple[int, int]:
    """`[start, end)` without leading and trailing white space (a drag often catches one)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
