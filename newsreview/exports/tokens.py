"""Tokens, sentences and flat/nested IOB2 tags for the token-based formats (FORMATS.md §4,
used by CoNLL, spaCy DocBin and Hugging Face datasets).

* Tokens are spaCy `blank("ar")` tokens (made by `ar_tokenizer`, the same tokenizer
  without spaCy), further split at every span boundary that falls inside a token
  (`بفرنسا` with the span `فرنسا` → `ب` + `فرنسا`). They never contain
  whitespace: whitespace only separates them, so joining the tokens with the original
  gaps gives the text back exactly.
* Sentences end after a `.`, `؟`, `!` or `?` token and at newlines, never inside a span.
* Flat selection: outermost spans, longest first then leftmost; a span that overlaps an
  already chosen span without nesting in it is dropped (and reported by the caller).
  Nested spans go to deeper levels (the `--nested` columns).

Offsets are code points, `[start, end)`, as everywhere (FORMATS.md §0). Nothing here
touches the database: callers hand in `LayerRecord`s.
"""

from __future__ import annotations

import dataclasses
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import TYPE_CHECKING, Any

from . import ar_tokenizer

if TYPE_CHECKING:  # a pure module: no Django import at run time (STYLE.md §2)
    from .records import LayerRecord, SpanRecord

SENTENCE_END = frozenset({".", "؟", "!", "?"})
_BREAK_CHARS = re.compile(r"[\n.؟!?]")
ALIGN_CHOICES = ("split", "expand")

# Whitespace-free runs: spaCy's tokenizer cuts the text at whitespace (str.isspace) and
# tokenises each run on its own, so tokenising every distinct run once and remembering
# the result gives spaCy's tokens at a fraction of the cost (measured: about 10× faster on
# the seed article). The one difference is wanted: spaCy's multi-word exceptions (such
# as «ب. م») would make a token containing a space; here they are split at the space.
_ANY_SPACE = re.compile(r"\s")
_OTHER_SPACE = re.compile(r"[^\S \n]")  # whitespace other than space and newline
_MEMO_LIMIT = 200_000

_memo: dict[str, tuple[tuple[int, int], ...]] = {}


def _run_tokens(run: str) -> tuple[tuple[int, int], ...]:
    pieces = _memo.get(run)
    if pieces is None:
        if len(_memo) >= _MEMO_LIMIT:
            _memo.clear()  # keep memory bounded on a long-lived server
        # spaCy's blank-ar tokens, from its tokenizer ported to plain Python: spaCy itself
        # is not in the runtime install (issue 14).
        pieces = tuple(ar_tokenizer.tokenize(run))
        _memo[run] = pieces
    return pieces


def word_tokens(text: str) -> list[tuple[int, int]]:
    """spaCy blank-ar tokens of `text` as `(start, end)` code point offsets, whitespace
    tokens left out."""
    starts, ends = word_bounds(text)
    return list(zip(starts, ends))  # noqa: B905


def _runs(text: str) -> tuple[list[int], list[tuple[tuple[int, int], ...]]]:
    """The whitespace-free runs of `text`: where each starts, and its tokens relative to
    that start."""
    # Runs are cut at every single whitespace character (an empty run between two of them
    # has no token), with C-level splits and sums: the per-token Python work is what an
    # export spends its time on. Only runs never seen before reach the tokenizer.
    if _OTHER_SPACE.search(text) is None:
        runs = text.replace("\n", " ").split(" ")
    else:
        runs = _ANY_SPACE.split(text)
    offsets = list(accumulate(map((1).__add__, map(len, runs)), initial=0))
    pieces = list(map(_memo.get, runs))
    if None in pieces:
        for i, piece in enumerate(pieces):
            if piece is None:
                pieces[i] = _run_tokens(runs[i])
    return offsets, pieces


def word_bounds(text: str) -> tuple[list[int], list[int]]:
    """`word_tokens` as two sorted lists, the starts and the ends."""
    offsets, pieces = _runs(text)
    starts = [o + a for o, piece in zip(offsets, pieces) for a, _b in piece]  # noqa: B905
    ends = [o + b for o, piece in zip(offsets, pieces) for _a, b in piece]  # noqa: B905
    return starts, ends


def word_count(text: str) -> int:
    """`len(word_tokens(text))`, without making the tokens (agreement's κ needs only how
    many there are outside its spans)."""
    # str.split() cuts at the characters _runs cuts at (str.isspace, which `\s` follows
    # too) and leaves out the empty runs, which hold no token.
    runs = text.split()
    pieces = list(map(_memo.get, runs))
    if None in pieces:  # only the runs never seen before reach the tokenizer
        for i, piece in enumerate(pieces):
            if piece is None:
                pieces[i] = _run_tokens(runs[i])
    return sum(map(len, pieces))


def split_at(tokens: Sequence[tuple[int, int]], cuts: Iterable[int]) -> list[tuple[int, int]]:
    """`tokens` cut at every offset of `cuts` that falls strictly inside one."""
    result = list(tokens)
    if not result:
        return result
    starts = [start for start, _end in result]
    # From the last cut backwards, so earlier indices stay valid as tokens are inserted.
    for cut in sorted(set(cuts), reverse=True):
        i = bisect_right(starts, cut) - 1
        if i < 0:
            continue
        start, end = result[i]
        if start < cut < end:
            result[i : i + 1] = [(start, cut), (cut, end)]
            starts.insert(i + 1, cut)
    return result


class BoundaryTokens:
    """The tokens of FORMATS.md §4 (split alignment): spaCy blank-ar tokens of `text`, cut
    at every start and end of `spans` that falls strictly inside a token.

    The CoNLL export tokenises here (through `boundary_tokens`); the agreement figures
    (token-level κ) count the same tokens through `span_tokens.SpanTokens`, made by the
    same run tokeniser (tests/exports/test_tokens.py compares the two). Kept as the
    whitespace-free runs (their offsets, their tokens and how many tokens come before
    each) plus the sorted inner cuts: a cut inside a token adds one start and one end,
    so counts and index ranges follow by bisection."""

    __slots__ = ("offsets", "pieces", "before", "inner", "count")

    def __init__(self, text: str, spans: Iterable[Any]) -> None:
        self.offsets, self.pieces = _runs(text)
        self.before = list(accumulate(map(len, self.pieces), initial=0))
        cuts = sorted({s.start for s in spans} | {s.end for s in spans})
        self.inner: list[int] = []
        for cut in cuts:
            r = bisect_right(self.offsets, cut) - 1
            if r < 0 or r >= len(self.pieces):
                continue
            relative = cut - self.offsets[r]
            if any(a < relative < b for a, b in self.pieces[r]):
                self.inner.append(cut)
        self.count = self.before[-1] + len(self.inner)

    def tokens(self) -> list[tuple[int, int]]:
        """Every token, `(start, end)` in text order."""
        pairs = zip(self.offsets, self.pieces)  # noqa: B905
        starts = [o + a for o, piece in pairs for a, _b in piece]
        pairs = zip(self.offsets, self.pieces)  # noqa: B905
        ends = [o + b for o, piece in pairs for _a, b in piece]
        if self.inner:
            starts = sorted(starts + self.inner)
            ends = sorted(ends + self.inner)
        return list(zip(starts, ends))  # noqa: B905

    def _words_starting_before(self, position: int) -> int:
        r = bisect_right(self.offsets, position) - 1
        if r < 0:
            return 0
        if r >= len(self.pieces):
            return self.before[-1]
        relative = position - self.offsets[r]
        count = self.before[r]
        for a, _b in self.pieces[r]:
            if a >= relative:
                break
            count += 1
        return count

    def _words_ending_by(self, position: int) -> int:
        r = bisect_right(self.offsets, position) - 1
        if r < 0:
            return 0
        if r >= len(self.pieces):
            return self.before[-1]
        relative = position - self.offsets[r]
        count = self.before[r]
        for _a, b in self.pieces[r]:
            if b > relative:
                break
            count += 1
        return count

    def token_range(self, start: int, end: int) -> range:
        """Indices of the tokens lying inside `[start, end)` (as `token_range` over
        `tokens()`)."""
        first = self._words_starting_before(start) + bisect_left(self.inner, start)
        last = self._words_ending_by(end) + bisect_right(self.inner, end)
        return range(first, max(first, last))

    def flat_tags(self, spans: Iterable[Any]) -> dict[int, str]:
        """The flat IOB2 column (the default CoNLL file's tag column: the outermost spans
        as `select_levels` chooses them), as its tags other than O by token index."""
        levels = select_levels(spans).levels
        return _sparse_tags(levels[0] if levels else [], self.token_range)


def boundary_tokens(text: str, spans: Iterable[Any]) -> list[tuple[int, int]]:
    """Every token of FORMATS.md §4 (split alignment); see BoundaryTokens."""
    return BoundaryTokens(text, list(spans)).tokens()


def token_range(starts: Sequence[int], ends: Sequence[int], start: int, end: int) -> range:
    """Indices of the tokens lying inside `[start, end)`."""
    first = bisect_left(starts, start)
    last = bisect_right(ends, end)
    return range(first, max(first, last))


def touching_range(starts: Sequence[int], ends: Sequence[int], start: int, end: int) -> range:
    """Indices of the tokens that share at least one character with `[start, end)`."""
    first = bisect_right(ends, start)
    last = bisect_left(starts, end)
    return range(first, max(first, last))


@dataclass(slots=True)
class Selection:
    """Spans sorted into nesting levels: `levels[0]` is the flat selection (outermost),
    `levels[1]` the spans nested one deep, and so on; within a level spans never
    overlap. `dropped` overlap a chosen span without nesting in it."""

    levels: list[list[SpanRecord]] = field(default_factory=list)
    dropped: list[SpanRecord] = field(default_factory=list)

    @property
    def nested(self) -> list[SpanRecord]:
        return [span for level in self.levels[1:] for span in level]


def select_levels(spans: Iterable[SpanRecord]) -> Selection:
    """Longest first, then leftmost (then label, for determinism): each span goes one
    level below the deepest chosen span containing it; a span crossing a chosen one
    (overlapping without either containing the other) is dropped."""
    spans = list(spans)
    ordered = sorted(spans, key=lambda s: (s.start, -s.end, s.label))
    if all(a.end <= b.start for a, b in zip(ordered, ordered[1:])):  # noqa: B905
        # No two spans overlap (the usual layer): all are outermost, nothing is dropped.
        # The same answer as below, without comparing every pair.
        return Selection(levels=[ordered] if ordered else [])
    selection = Selection()
    chosen: list[tuple[SpanRecord, int]] = []
    for span in sorted(spans, key=lambda s: (s.start - s.end, s.start, s.label, s.kind)):
        level = 0
        crossing = False
        for other, other_level in chosen:
            if other.start <= span.start and span.end <= other.end:
                level = max(level, other_level + 1)
            elif other.start < span.end and span.start < other.end:
                crossing = True
                break
        if crossing:
            selection.dropped.append(span)
            continue
        chosen.append((span, level))
        while len(selection.levels) <= level:
            selection.levels.append([])
        selection.levels[level].append(span)
    for level_spans in selection.levels:
        level_spans.sort(key=lambda s: (s.start, -s.end, s.label))
    selection.dropped.sort(key=lambda s: (s.start, -s.end, s.label))
    return selection


def iob2_sparse(
    starts: Sequence[int], ends: Sequence[int], spans: Iterable[SpanRecord]
) -> dict[int, str]:
    """The tags that are not O, by token index, for non-overlapping `spans` (one level)."""
    return _sparse_tags(spans, lambda start, end: token_range(starts, ends, start, end))


def _sparse_tags(spans: Iterable[Any], find: Callable[[int, int], Sequence[int]]) -> dict[int, str]:
    """IOB2 tags other than O by token (index, or `span_tokens`' start offset); `find`
    gives the tokens inside a span."""
    tags: dict[int, str] = {}
    for span in spans:
        inside = find(span.start, span.end)
        if not inside:
            continue
        tags[inside[0]] = f"B-{span.label}"
        inner = f"I-{span.label}"
        for i in inside[1:]:
            tags[i] = inner
    return tags


def iob2(starts: Sequence[int], ends: Sequence[int], spans: Iterable[SpanRecord]) -> list[str]:
    """IOB2 tags over the tokens for non-overlapping `spans` (one level)."""
    tags = ["O"] * len(starts)
    for i, tag in iob2_sparse(starts, ends, spans).items():
        tags[i] = tag
    return tags


def sentence_ranges(
    text: str, starts: Sequence[int], ends: Sequence[int], words: Sequence[str],
    spans: Iterable[SpanRecord],
) -> list[range]:  # fmt: skip
    """Token index ranges of the sentences: a break after a sentence-final punctuation
    token or at a gap holding a newline, unless a span covers both sides."""
    count = len(starts)
    if count == 0:
        return []
    # Candidate breaks (the index of the token before the break) come from the few
    # places in the text holding a newline or a sentence-final character, not from a
    # walk over every token.
    breaks = set()
    for match in _BREAK_CHARS.finditer(text):
        position = match.start()
        if match.group() == "\n":
            k = bisect_right(ends, position) - 1  # the last token before the newline
        else:
            k = bisect_left(starts, position)
            if k == count or starts[k] != position or words[k] not in SENTENCE_END:
                continue
        if 0 <= k < count - 1:
            breaks.add(k)
    if breaks:
        for span in spans:
            inside = touching_range(starts, ends, span.start, span.end)
            if len(inside) > 1:
                breaks.difference_update(range(inside[0], inside[-1]))
    sentences = []
    first = 0
    for k in sorted(breaks):
        sentences.append(range(first, k + 1))
        first = k + 1
    sentences.append(range(first, count))
    return sentences


@dataclass(slots=True)
class Tokenised:
    """One record as tokens, sentences and tag columns."""

    record: LayerRecord
    align: str
    starts: list[int]
    ends: list[int]
    words: list[str]
    sentences: list[range]
    entities: Selection  # over the (possibly widened) entity spans
    triggers: Selection
    entity_spans: list[SpanRecord]  # the spans the tags were made from (widened: expand)
    trigger_spans: list[SpanRecord]
    merged: list[SpanRecord] = field(default_factory=list)  # expand: now duplicates
    untokenised: list[SpanRecord] = field(default_factory=list)  # cover no token

    def entity_columns(self, depth: int | None = None) -> list[list[str]]:
        """IOB2 tags per level, outer to inner; `depth` columns (padded with O) if given."""
        levels = self.entities.levels or [[]]
        depth = len(levels) if depth is None else depth
        columns = [iob2(self.starts, self.ends, spans) for spans in levels[:depth]]
        while len(columns) < depth:
            columns.append(["O"] * len(self.starts))
        return columns

    def trigger_column(self) -> list[str]:
        return iob2(self.starts, self.ends, self.triggers.levels[0] if self.triggers.levels else [])


def _widen(
    spans: list[SpanRecord], starts: list[int], ends: list[int], text: str
) -> tuple[list[SpanRecord], list[SpanRecord], list[SpanRecord]]:
    """`--align expand`: each span widened to the whole tokens it touches. Returns the
    widened spans, those that became a duplicate of another (merged), and those touching
    no token."""
    widened: list[SpanRecord] = []
    merged: list[SpanRecord] = []
    untokenised: list[SpanRecord] = []
    seen: set[tuple[int, int, str]] = set()
    for span in spans:
        touched = touching_range(starts, ends, span.start, span.end)
        if not touched:
            untokenised.append(span)
            continue
        start, end = starts[touched[0]], ends[touched[-1]]
        if (start, end, span.label) in seen:
            merged.append(span)
            continue
        seen.add((start, end, span.label))
        widened.append(dataclasses.replace(span, start=start, end=end, text=text[start:end]))
    return widened, merged, untokenised


def tokenise(record: LayerRecord, align: str = "split") -> Tokenised:
    """Tokens, sentences and span levels of `record` (FORMATS.md §4)."""
    if align not in ALIGN_CHOICES:
        raise ValueError(f"align must be one of {', '.join(ALIGN_CHOICES)}, not {align!r}")
    text = record.text
    entities = list(record.entities)
    triggers = list(record.triggers)
    merged: list[SpanRecord] = []
    untokenised: list[SpanRecord] = []
    split = align == "split"
    tokens = boundary_tokens(text, entities + triggers) if split else word_tokens(text)
    starts: list[int]
    ends: list[int]
    starts, ends = (list(column) for column in zip(*tokens, strict=True)) if tokens else ([], [])
    if align == "expand":
        entities, merged_e, untok_e = _widen(entities, starts, ends, text)
        triggers, merged_t, untok_t = _widen(triggers, starts, ends, text)
        merged = merged_e + merged_t
        untokenised = untok_e + untok_t
    else:
        untokenised = [
            s for s in entities + triggers if not token_range(starts, ends, s.start, s.end)
        ]
    words = list(map(text.__getitem__, map(slice, starts, ends)))
    return Tokenised(
        record=record,
        align=align,
        starts=starts,
        ends=ends,
        words=words,
        sentences=sentence_ranges(text, starts, ends, words, entities + triggers),
        entities=select_levels(entities),
        triggers=select_levels(triggers),
        entity_spans=entities,
        trigger_spans=triggers,
        merged=merged,
        untokenised=untokenised,
    )
