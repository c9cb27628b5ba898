"""The tokens of FORMATS.md §4 (split alignment) as token-level κ needs them: how many the
text has in all, and which lie inside each span, without the offsets of every token.

These are `tokens.BoundaryTokens`'s tokens (the CoNLL export's), from the same code: the
whitespace-free runs tokenised by `tokens._run_tokens`, cut at every span boundary that
falls strictly inside a token (tests/exports/test_tokens.py compares the two). Only the
runs around the spans are looked at one by one; the rest of the text is only counted.
Tokens are named by where they start (the same token as the index `BoundaryTokens` gives
it: tokens never overlap and are never empty), so κ's sparse tags are keyed by offset.

A pure module, like `tokens`: callers hand in objects with `start` and `end` (and
`label` for the tags).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from typing import Any

from .tokens import _memo, _run_tokens, _sparse_tags, select_levels, word_count

_RUN = re.compile(r"\S+")  # a whitespace-free run (`\S` is `not str.isspace()`)
_RUN_REST = re.compile(r"\S*")


def _words_around(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The word tokens `(a, b)` with `a < end` and `b > start`: those sharing a character
    with `[start, end)`, or holding the character before and after `start` if empty."""
    run_start = start
    while run_start and not text[run_start - 1].isspace():
        run_start -= 1  # back to the start of the run holding `start`: runs are words
    stop = _RUN_REST.match(text, end).end()  # the end of the run holding `end`, if any
    found = []
    for match in _RUN.finditer(text, run_start, stop):
        offset = match.start()
        run = match.group()
        pieces = _memo.get(run)
        if pieces is None:
            pieces = _run_tokens(run)
        for a, b in pieces:
            a += offset
            b += offset
            if b > start and a < end:
                found.append((a, b))
    return found


class SpanTokens:
    """`BoundaryTokens(text, spans)` seen from the spans: `count` is its number of tokens,
    `token_keys(start, end)` the start offsets of its tokens inside one of `spans` (those
    of `token_range(start, end)`, in order). Only the word tokens touching a span are
    made; the others are counted."""

    __slots__ = ("count", "_words", "_inner", "_keys")

    def __init__(self, text: str, spans: Iterable[Any]) -> None:
        # Per distinct extent, the word tokens touching it: a boundary lies strictly
        # inside a token (a < cut < b) only if that token touches the extent, so each
        # boundary's token is among those of its span (an empty span too).
        self._words: dict[tuple[int, int], list[tuple[int, int]]] = {}
        inner: set[int] = set()
        length = len(text)
        for start, end in {(span.start, span.end) for span in spans}:
            if (
                start < end
                and (start == 0 or text[start - 1].isspace())
                and (end == length or (end < length and text[end].isspace()))
                and _memo.get(text[start:end]) == ((0, end - start),)
            ):
                # The usual span: exactly one whole run that is one token (the memo only
                # holds whitespace-free runs), so its boundaries cut nothing.
                self._words[(start, end)] = [(start, end)]
                continue
            words = _words_around(text, min(start, end), max(start, end))
            self._words[(start, end)] = words
            for a, b in words:
                if a < start < b:
                    inner.add(start)
                if a < end < b:
                    inner.add(end)
        self._inner = sorted(inner)
        self._keys: dict[tuple[int, int], list[int]] = {}
        self.count = word_count(text) + len(inner)

    def token_keys(self, start: int, end: int) -> list[int]:
        """Where the tokens inside `[start, end)` start; `(start, end)` must be one of the
        spans given (its boundaries are among the cuts)."""
        found = self._keys.get((start, end))
        if found is not None:
            return found
        found = []
        inner = self._inner
        for a, b in self._words[(start, end)]:
            first, last = bisect_right(inner, a), bisect_left(inner, b)
            if first == last:  # no cut inside this word token (nearly always)
                if start <= a and b <= end:
                    found.append(a)
                continue
            edges = [a, *inner[first:last], b]
            for piece_start, piece_end in zip(edges, edges[1:]):  # noqa: B905
                if start <= piece_start and piece_end <= end:
                    found.append(piece_start)
        self._keys[(start, end)] = found
        return found

    def flat_tags(self, spans: Iterable[Any]) -> dict[int, str]:
        """The flat IOB2 column (`BoundaryTokens.flat_tags`), its tags other than O keyed
        by where their token starts."""
        levels = select_levels(spans).levels
        return _sparse_tags(levels[0] if levels else [], self.token_keys)
