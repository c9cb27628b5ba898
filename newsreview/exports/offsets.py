"""Code points → UTF-16 code units, for the formats whose tools count the latter
(FORMATS.md §0: `u16 = len(text[:cp].encode("utf-16-le")) // 2`)."""

from __future__ import annotations

import re
from collections.abc import Callable

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
