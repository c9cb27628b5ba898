"""Arabic-aware normalisation with an offset map back to the original code points.

Pure functions, no Django. Matching happens in normalised text, spans are stored in the
original text (PRODUCT.md Offsets: code points, half-open, never a changed text), so every
normalised character carries the original range it came from.

What `normalise` does, in order:

1. Unicode NFC, one cluster at a time (a starter and the combining marks after it), so
   «ا» + U+0654 becomes «أ» and its range is the whole cluster.
2. Deletes tashkeel (fathatan … sukun, shadda, superscript alef U+0670, the hamza marks
   U+0654/U+0655 left over, Quranic marks) and tatweel U+0640.
3. Unifies letters: alef forms أ إ آ ٱ ٲ ٳ → ا; alef maqsura ى → ي; teh marbuta ة → ه;
   hamza carriers ؤ ئ → ء (so مسئولين and مسؤولين meet); the Persian/Urdu letters used in
   transliterated names ڤ → ف, ک → ك, ی → ي, گ → ك (and ہ ۃ ى-like forms, listed below).
4. Arabic-Indic (٠-٩) and Extended Arabic-Indic (۰-۹) digits → ASCII 0-9.
5. Lower-cases Latin and other cased letters (Veaux, VEAUX).

The map: normalised character `i` comes from `original[starts[i]:ends[i]]`. A deleted
character belongs to the character before it (a diacritic to its letter, a tatweel to the
letter it stretches): the previous character's end grows over it. So a match `[a, b)` of
the normalised text is `original[starts[a]:ends[b - 1]]`, which never ends between a letter
and its marks (never inside a grapheme cluster) and normalises back to the match.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

TATWEEL = "\u0640"

# Tashkeel and other marks deleted outright (a set of code points).
DELETED: frozenset[str] = frozenset(
    [chr(c) for c in range(0x064B, 0x0660)]  # fathatan … sukun, shadda, hamza marks, …
    + ["\u0670"]  # superscript (dagger) alef
    + [chr(c) for c in range(0x0610, 0x061B)]  # honorifics and Quranic marks above
    + [chr(c) for c in range(0x06D6, 0x06DD)]  # Quranic small high ligatures
    + [chr(c) for c in range(0x06DF, 0x06E5)]
    + ["\u06e7", "\u06e8", "\u06ea", "\u06eb", "\u06ec", "\u06ed"]
    + [TATWEEL]
)

# One character → one character.
LETTERS: dict[str, str] = {
    # alef forms
    "\u0623": "\u0627",  # أ
    "\u0625": "\u0627",  # إ
    "\u0622": "\u0627",  # آ
    "\u0671": "\u0627",  # ٱ alef wasla
    "\u0672": "\u0627",  # ٲ
    "\u0673": "\u0627",  # ٳ
    # alef maqsura, Farsi yeh and other yeh forms → ya
    "\u0649": "\u064a",  # ى
    "\u06cc": "\u064a",  # ی
    "\u06d0": "\u064a",  # ې
    # teh marbuta and heh forms → heh
    "\u0629": "\u0647",  # ة
    "\u06c1": "\u0647",  # ہ heh goal
    "\u06c3": "\u0647",  # ۃ teh marbuta goal
    "\u06d5": "\u0647",  # ە ae
    # hamza carriers → hamza
    "\u0624": "\u0621",  # ؤ
    "\u0626": "\u0621",  # ئ
    # Persian/Urdu letters in transliterated names
    "\u06a4": "\u0641",  # ڤ veh → feh
    "\u06a9": "\u0643",  # ک keheh → kaf
    "\u06af": "\u0643",  # گ gaf → kaf
    "\u06aa": "\u0643",  # ڪ swash kaf → kaf
}
LETTERS.update({chr(0x0660 + d): str(d) for d in range(10)})  # Arabic-Indic digits
LETTERS.update({chr(0x06F0 + d): str(d) for d in range(10)})  # Extended Arabic-Indic


def fold_char(char: str) -> str:
    """What one NFC character becomes: '' (deleted), its unified letter, or itself
    lower-cased (which may be more than one character, e.g. «İ»)."""
    if char in DELETED:
        return ""
    mapped = LETTERS.get(char)
    if mapped is not None:
        return mapped
    return char.lower() if char.isupper() else char


@dataclass(frozen=True)
class Normalised:
    """Normalised text plus, for each of its characters, the original range it came from."""

    text: str
    starts: Sequence[int]
    ends: Sequence[int]
    original_length: int
    # Every normalised character comes from one original character of its own (the fast
    # path): a match may then begin and end anywhere.
    one_to_one: bool = False

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """The original `[start, end)` of the normalised range `[start, end)` (non-empty)."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"range [{start}, {end}) is outside 0..{len(self.text)} or empty")
        return self.starts[start], self.ends[end - 1]

    def is_boundary(self, index: int) -> bool:
        """Whether a match may begin or end at `index`: not between two characters made
        from one original cluster (e.g. a cluster NFC could not compose)."""
        if self.one_to_one or index <= 0 or index >= len(self.text):
            return True
        return self.starts[index] != self.starts[index - 1]


def _clusters(text: str) -> list[tuple[int, int]]:
    """Runs of a starter (canonical combining class 0) followed by its non-starters;
    leading non-starters form a run of their own."""
    runs: list[tuple[int, int]] = []
    start = 0
    for index in range(1, len(text)):
        if unicodedata.combining(text[index]) == 0:
            runs.append((start, index))
            start = index
    if text:
        runs.append((start, len(text)))
    return runs


def normalise(text: str) -> Normalised:
    """Normalise `text` (see the module docstring) and keep the offset map."""
    if _is_simple(text):
        return _normalise_fast(text)
    return _normalise_clusters(text)


def _normalise_clusters(text: str, *, simple: bool = False) -> Normalised:
    """The reference implementation: one cluster (or, for `simple` text, one character) at
    a time. normalise() uses it whenever the fast path does not apply."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    runs = ((i, i + 1) for i in range(len(text))) if simple else _clusters(text)
    for run_start, run_end in runs:
        piece = text[run_start:run_end]
        if not simple:
            piece = unicodedata.normalize("NFC", piece)
        folded = "".join(fold_char(c) for c in piece)
        if not simple:
            # A deleted mark between a letter and another mark (i + hamza above + acute)
            # leaves a pair NFC composes: compose it now, so normalising is idempotent.
            folded = unicodedata.normalize("NFC", folded)
        if not folded:
            # A deleted mark or tatweel belongs to the character before: every normalised
            # character made from it (lower-casing may give two) now ends after it.
            last = len(ends) - 1
            while last >= 0 and starts[last] == starts[-1]:
                ends[last] = run_end
                last -= 1
            continue
        out.append(folded)
        starts.extend([run_start] * len(folded))
        ends.extend([run_end] * len(folded))
    return Normalised("".join(out), tuple(starts), tuple(ends), len(text))


_ASTRAL_RE = re.compile("[\U00010000-\U0010ffff]")
_DELETED_RE = re.compile("[" + "".join(sorted(DELETED)) + "]")
_FOLD: dict[str, str] = dict.fromkeys(DELETED, "") | LETTERS
_CHANGED_RE = re.compile("[" + "".join(sorted(_FOLD)) + "]")


@cache
def _not_simple() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Characters that keep a text off the fast path: combining marks that are not deleted
    (they need clusters), and characters whose lower case is not one character or not
    what fold_char gives (İ, titlecase letters, Σ whose lower case depends on context).
    Two patterns, for the Basic Multilingual Plane (a bitmap: fast) and beyond; built once
    per process by scanning Unicode (a fraction of a second)."""
    ranges: list[list[int]] = []
    for point in range(0x110000):
        char = chr(point)
        if char in _FOLD:
            continue
        lower = char.lower()
        if (
            (unicodedata.combining(char) and char not in DELETED)
            or (lower != char and (len(lower) != 1 or not char.isupper()))
            or char == "\u03a3"
        ):
            if ranges and ranges[-1][1] == point - 1:
                ranges[-1][1] = point
            else:
                ranges.append([point, point])

    def pattern(pairs: list[list[int]]) -> re.Pattern[str]:
        parts = (
            re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
            for a, b in pairs
        )
        return re.compile("[" + "".join(parts) + "]")

    bmp = [[a, min(b, 0xFFFF)] for a, b in ranges if a <= 0xFFFF]
    astral = [[max(a, 0x10000), b] for a, b in ranges if b > 0xFFFF]
    return pattern(bmp), pattern(astral)


def _fold_match(match: re.Match[str]) -> str:
    return _FOLD[match.group()]


def _normalise_fast(text: str) -> Normalised:
    """The same result as the reference for simple text (every character maps to at most
    one), mostly at C speed, with the map computed on demand from the deleted positions
    (a project-wide run normalises thousands of documents)."""
    # A regex touches only the characters that change (a few in a hundred in news text):
    # faster than str.translate, which looks every character up. Lower-casing the whole
    # string is safe: _is_simple let through only characters whose lower case is one
    # character, the one fold_char gives.
    normalised = _CHANGED_RE.sub(_fold_match, text).lower()
    deleted = [m.start() for m in _DELETED_RE.finditer(text)]
    if not deleted:
        return Normalised(
            normalised, range(len(text)), range(1, len(text) + 1), len(text), one_to_one=True
        )
    starts = _KeptStarts(deleted, len(text))
    return Normalised(normalised, starts, _KeptEnds(starts), len(text), one_to_one=True)


class _KeptStarts(Sequence[int]):
    """Original offset of each kept character, computed on demand from the sorted deleted
    positions (a few in a document): the i-th kept character is at i + the number of
    deleted positions before it. No list as long as the text is ever built."""

    def __init__(self, deleted: list[int], length: int) -> None:
        # kept_before[j]: how many kept characters precede the j-th deleted one.
        self.kept_before = [position - j for j, position in enumerate(deleted)]
        self.size = length - len(deleted)

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: int) -> int:  # type: ignore[override]
        if not isinstance(index, int):
            raise TypeError("index must be an int")
        if index < 0:
            index += self.size
        if not 0 <= index < self.size:
            raise IndexError(index)
        return index + bisect.bisect_right(self.kept_before, index)


class _KeptEnds(Sequence[int]):
    """Where each kept character ends: where the next kept one starts (only deleted
    characters lie between), the end of the text for the last one."""

    def __init__(self, starts: _KeptStarts) -> None:
        self.starts = starts
        self.length = starts.size + len(starts.kept_before)

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, index: int) -> int:  # type: ignore[override]
        if not isinstance(index, int):
            raise TypeError("index must be an int")
        if index < 0:
            index += len(self.starts)
        if not 0 <= index < len(self.starts):
            raise IndexError(index)
        if index + 1 == len(self.starts):
            return self.length
        return self.starts[index + 1]


def _is_simple(text: str) -> bool:
    """True when every character of `text` normalises to at most one character and no
    cluster needs composing: the text is NFC, its only combining marks are ones deleted
    anyway, and no letter lower-cases to two characters (İ)."""
    if not unicodedata.is_normalized("NFC", text):
        return False
    bmp, astral = _not_simple()
    if bmp.search(text):
        return False
    # One range is a fast test (a tenth of max(text), which builds a string per
    # character); the astral pattern, slow per character, runs only when it hits.
    return not (_ASTRAL_RE.search(text) and astral.search(text))


def normalise_text(text: str) -> str:
    """Only the normalised string (for search columns and gazetteer keys)."""
    return normalise(text).text


_FOLD_ITEMS = tuple(_FOLD.items())


def sql_twin(text: str) -> str:
    """What PostgreSQL's `nr_normalise(text)` (sql.py) gives, step for step: NFC of the
    whole text, delete DELETED, unify LETTERS, lower-case one character at a time. The
    import writes it into the search column so PostgreSQL need not compute it there
    (tests/arabic/test_sql.py compares the two). It differs from normalise_text on rare
    input (a deleted mark between a letter and a mark NFC would compose, «İ»), as the
    SQL function does."""
    text = unicodedata.normalize("NFC", text)
    # One str.replace per character present (a C scan each; a text holds a handful of
    # them): half the time of a regex with a callback per hit, for an import's every
    # document. Order does not matter: no replacement is itself replaced or deleted.
    for char, replacement in _FOLD_ITEMS:
        if char in text:
            text = text.replace(char, replacement)
    if "\u0130" in text:
        # PostgreSQL lower-cases one character to one (the C library's towlower): «İ» is
        # «i», where Python's full mapping gives two characters.
        text = text.replace("\u0130", "i")
    if "\u03a3" not in text:
        return text.lower()
    # Python lower-cases a final capital sigma to «ς» from its context; PostgreSQL
    # gives «σ» wherever it stands.
    return "".join(char.lower() for char in text)
