"""Arabic-aware whole-word matching in normalised text, answered in original offsets.

Pure functions, no Django. The rules (issue 13, FORMATS.md §10 span conventions):

* comparison is on normalised text (normalise.py), so حمّوشي, حموشي and حموشى meet;
* whole words only: the character before and after a match is not a word character,
  except for proclitics glued in front;
* the proclitics و ف, then ب ك ل, then the article ال, in that order and each optional,
  may precede the match and stay **outside** it (بفرنسا → فرنسا, وبالمغرب → مغرب when
  the needle is مغرب);
* «لل» (ل + the article with its alef dropped): a needle starting with ال matches the
  second ل onwards (وللمغرب → لمغرب for المغرب; FORMATS.md: «للأمن» → «لأمن»);
* a match never crosses a line break.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from itertools import product

from .normalise import Normalised, normalise, normalise_text

ARTICLE = "ال"
LAM = "ل"
# What may precede a match inside its word: [و ف]? [ب ك ل]? (ال)?, or [و ف]? لل (ل + the
# article whose alef is dropped), matched against the normalised prefix.
PROCLITICS = re.compile(r"[وف]?(?:[بكل]?(?:ال)?|لل)")
# Before the second ل of «لل»: nothing, or و / ف.
LAM_LAM_PREFIX = re.compile(r"[وف]?")
MAX_PREFIX = 4  # the longest prefix: و + ب + ال
PROCLITIC_FIRST = frozenset("وفبكلا")  # what PROCLITICS or «لل» can start with
# The same rules as sets, for the gazetteer's word-by-word look (a set lookup, not a
# regex, per word): the non-empty prefixes PROCLITICS allows, and what may precede the
# second ل of «لل» (its first ل, after و or ف or nothing).
PREFIXES = frozenset(
    "".join(letters)
    for length in range(1, MAX_PREFIX + 1)
    for letters in product(sorted(PROCLITIC_FIRST), repeat=length)
    if PROCLITICS.fullmatch("".join(letters))
)
LAM_LAM_PREFIXES = frozenset({LAM, "و" + LAM, "ف" + LAM})


def is_word_char(char: str) -> bool:
    """Letters, digits and combining marks belong to a word; tatweel is deleted by
    normalisation, so it never reaches this test."""
    return char.isalnum() or unicodedata.category(char).startswith("M")


@dataclass(frozen=True, order=True)
class Match:
    """A match in original code points, half-open; `text` is the original slice."""

    start: int
    end: int
    text: str


def _word_start(norm: str, index: int) -> int:
    """Start of the word `norm[index]` belongs to, looking back at most MAX_PREFIX + 1
    characters (a longer run is no proclitic sequence anyway)."""
    start = index
    limit = max(0, index - MAX_PREFIX - 1)
    while start > limit and is_word_char(norm[start - 1]):
        start -= 1
    return start


def _prefix_ok(norm: str, at: int, *, lam_lam: bool) -> bool:
    """Whether a match may start at `at`: at a word start, or after allowed proclitics."""
    if at == 0 or not is_word_char(norm[at - 1]):
        return not lam_lam
    start = _word_start(norm, at)
    if start > 0 and is_word_char(norm[start - 1]):
        return False  # the word goes on further back than any proclitic sequence
    prefix = norm[start:at]
    if lam_lam:
        # `at` is the second ل of «لل»; what precedes the first ل may be و or ف only.
        return prefix.endswith(LAM) and LAM_LAM_PREFIX.fullmatch(prefix[:-1]) is not None
    return PROCLITICS.fullmatch(prefix) is not None


def _end_ok(norm: str, end: int) -> bool:
    return end == len(norm) or not is_word_char(norm[end])


def _occurrences(haystack: str, needle: str) -> Iterator[int]:
    index = haystack.find(needle)
    while index != -1:
        yield index
        index = haystack.find(needle, index + 1)


def find_mentions(text: str, needle: str, *, normalised: Normalised | None = None) -> list[Match]:
    """Every whole-word occurrence of `needle` in `text` under the rules above, in
    original offsets, sorted, without duplicates. `normalised` is `normalise(text)` when
    the caller already has it."""
    norm_needle = normalise_text(needle).strip()
    if not norm_needle or "\n" in norm_needle:
        return []
    doc = normalised or normalise(text)
    found: set[tuple[int, int]] = set()
    variants = [(norm_needle, False)]
    if norm_needle.startswith(ARTICLE) and len(norm_needle) > len(ARTICLE):
        variants.append((LAM + norm_needle[len(ARTICLE) :], True))
    for variant, lam_lam in variants:
        for at in _occurrences(doc.text, variant):
            end = at + len(variant)
            if lam_lam and (at == 0 or doc.text[at - 1] != LAM):
                continue
            if not (doc.is_boundary(at) and doc.is_boundary(end)):
                continue
            if not _end_ok(doc.text, end) or not _prefix_ok(doc.text, at, lam_lam=lam_lam):
                continue
            start, stop = doc.to_original(at, end)
            if "\n" in text[start:stop]:
                continue
            found.add((start, stop))
    return [Match(s, e, text[s:e]) for s, e in sorted(found)]


# --- gazetteer ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Compiled:
    """A gazetteer ready for matching: normalised entry text → label key, the longest
    entry in words (how far a lookup reaches), and the first words of the entries (a word
    that starts none is skipped at once)."""

    entries: Mapping[str, str]
    max_words: int
    first_words: frozenset[str] = frozenset()


def compile_gazetteer(entries: Iterable[tuple[str, str]], *, normalised: bool = False) -> Compiled:
    """Normalise `(text, label)` pairs (unless `normalised` says the texts already are, as
    GazetteerEntry.normalised is); the first label seen for a text wins (callers pass
    the preferred first)."""
    table: dict[str, str] = {}
    max_words = 1
    for text, label in entries:
        key = text if normalised else " ".join(normalise_text(text).split())
        if not key or key in table:
            continue
        table[key] = label
        max_words = max(max_words, key.count(" ") + 1)
    return Compiled(table, max_words, frozenset(_first_word(key) for key in table))


def _first_word(key: str) -> str:
    """The leading run of word characters of `key` (what a document word is compared with)."""
    end = 0
    while end < len(key) and is_word_char(key[end]):
        end += 1
    return key[:end]


@dataclass(frozen=True, order=True)
class Suggestion:
    start: int
    end: int
    text: str
    label: str


def _word_bounds(norm: str) -> list[tuple[int, int]]:
    """The runs of word characters of `norm` (is_word_char), as (start, end)."""
    return [match.span() for match in _word_run().finditer(norm)]


@cache
def _word_run() -> re.Pattern[str]:
    """A run of is_word_char characters as one regex, so a document's words are found at
    C speed: `[^\\W_]` is exactly str.isalnum; the combining marks (category M) are
    listed by scanning Unicode once per process (a third of a second)."""
    ranges: list[list[int]] = []
    for point in range(0x110000):
        if unicodedata.category(chr(point)).startswith("M"):
            if ranges and ranges[-1][1] == point - 1:
                ranges[-1][1] = point
            else:
                ranges.append([point, point])
    marks = "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )
    return re.compile(f"(?:[^\\W_]|[{marks}])+")


def find_gazetteer_matches(
    text: str, gazetteer: Compiled, *, normalised: Normalised | None = None
) -> list[Suggestion]:
    """Gazetteer entries found in `text` with the same rules as find_mentions: whole
    words, proclitics outside, «لل», never across a line break. At each place the longest
    entry wins, and matches do not overlap one another (left to right)."""
    if not gazetteer.entries:
        return []
    doc = normalised or normalise(text)
    norm = doc.text
    words = _word_bounds(norm)
    out: list[Suggestion] = []
    taken_until = -1
    for index, (word_start, word_end) in enumerate(words):
        # Candidate starts: the word itself, then after each proclitic prefix it has.
        starts: list[tuple[int, bool]] = [(word_start, False)]
        # Every proclitic sequence starts with one of these: most words need no look.
        prefixes = norm[word_start] in PROCLITIC_FIRST
        for length in range(1, MAX_PREFIX + 1 if prefixes else 1):
            at = word_start + length
            if at >= words[index][1]:
                break
            prefix = norm[word_start:at]
            if prefix in PREFIXES:
                starts.append((at, False))
            if prefix in LAM_LAM_PREFIXES and norm[at] == LAM:
                starts.append((at, True))
        best: tuple[int, int, str] | None = None
        first_words = gazetteer.first_words
        for at, lam_lam in starts:
            if at < taken_until or not doc.is_boundary(at):
                continue
            first = norm[at:word_end]
            if first_words and ("ا" + first if lam_lam else first) not in first_words:
                continue
            for last in range(index, min(index + gazetteer.max_words, len(words))):
                end = words[last][1]
                piece = norm[at:end]
                if "\n" in piece:
                    break
                key = " ".join(piece.split())
                if lam_lam:
                    key = "ا" + key
                label = gazetteer.entries.get(key)
                longer = best is None or end - at > best[1] - best[0]
                if label is not None and doc.is_boundary(end) and longer:
                    best = (at, end, label)
        if best is None:
            continue
        at, end, label = best
        start, stop = doc.to_original(at, end)
        if "\n" in text[start:stop]:
            continue
        out.append(Suggestion(start, stop, text[start:stop], label))
        taken_until = end
    return out
