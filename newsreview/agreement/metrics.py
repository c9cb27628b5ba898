"""Inter-annotator agreement, as plain Python (no Django: STYLE.md §2, pure modules).

Two layers of one document are compared with the first as the reference:

* **Span F1**, exact (same start, end and label) and overlap (same label, overlapping
  offsets, matched one to one, largest overlap first). Precision is the share of the
  second layer's spans that are matched, recall the share of the reference's; swapping
  the layers swaps them, F1 stays (2·tp / (|a| + |b|)).
* **Token-level Cohen's κ** over two tag sequences of equal length (BIO tags made from
  the same tokens; `newsreview.agreement.services` makes them with the CoNLL tokeniser,
  splitting a document's tokens at the span boundaries of all its compared layers).
* **Events**: F1 on triggers `(start, end, type)` and on argument triples
  `(trigger start, trigger end, event type, role, argument start, argument end)`.

Counts add up over documents (micro-average): an accumulator takes one document at a
time and keeps only counters, so a project of any size streams through in constant
memory. Offsets are code points, `[start, end)`, as everywhere (PRODUCT.md).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

Span = tuple[int, int, str]  # (start, end, label)
ArgumentTriple = tuple[int, int, str, str, int, int]


@dataclass(slots=True)
class LayerData:
    """What agreement needs of one layer of one document."""

    entities: list[Span] = field(default_factory=list)
    triggers: list[Span] = field(default_factory=list)
    arguments: list[ArgumentTriple] = field(default_factory=list)


# --- precision, recall, F1 ---------------------------------------------------------------


@dataclass(slots=True)
class Counts:
    """Matched spans, and spans in the reference (`ref`) and in the other layer (`hyp`)."""

    tp: int = 0
    ref: int = 0
    hyp: int = 0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.ref += other.ref
        self.hyp += other.hyp

    def scores(self, *, reverse: bool = False) -> dict[str, float | None]:
        """Precision, recall and F1; None where nothing was there to compare (both layers
        empty). One side empty and the other not is 0, as scikit-learn and seqeval say."""
        ref, hyp = (self.hyp, self.ref) if reverse else (self.ref, self.hyp)
        if ref == 0 and hyp == 0:
            return {"precision": None, "recall": None, "f1": None}
        precision = self.tp / hyp if hyp else 0.0
        recall = self.tp / ref if ref else 0.0
        return {"precision": precision, "recall": recall, "f1": 2 * self.tp / (ref + hyp)}


@dataclass(slots=True)
class LabelledCounts:
    """Counts overall and per label (kept as three counters by label: adding a document
    is a few C-level counter updates, whatever its number of spans)."""

    tp: Counter[str] = field(default_factory=Counter)
    ref: Counter[str] = field(default_factory=Counter)
    hyp: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> Counts:
        return Counts(
            tp=sum(self.tp.values()), ref=sum(self.ref.values()), hyp=sum(self.hyp.values())
        )

    @property
    def labels(self) -> dict[str, Counts]:
        return {
            label: Counts(self.tp[label], self.ref[label], self.hyp[label])
            for label in self.ref.keys() | self.hyp.keys()
        }

    def add_spans(self, ref: Sequence[Span], hyp: Sequence[Span], matched: Iterable[str]) -> None:
        """Add one document: its reference and other spans and the labels of the matches."""
        self.ref.update([span[2] for span in ref])
        self.hyp.update([span[2] for span in hyp])
        self.tp.update(matched)

    def add(self, other: LabelledCounts) -> None:
        self.tp.update(other.tp)
        self.ref.update(other.ref)
        self.hyp.update(other.hyp)

    def result(self, *, reverse: bool = False) -> dict[str, Any]:
        """`{"precision", "recall", "f1", "per_label": {LABEL: {…, "support"}}}`; support is
        the number of reference spans of the label (the first layer, or the second when
        reversed)."""
        per_label = {}
        labels = self.labels
        for label in sorted(labels):
            counts = labels[label]
            per_label[label] = {
                **counts.scores(reverse=reverse),
                "support": counts.hyp if reverse else counts.ref,
            }
        return {**self.total.scores(reverse=reverse), "per_label": per_label}


def exact_matches(ref: Sequence[Span], hyp: Sequence[Span]) -> list[str]:
    """Labels of the spans present in both (as multisets: a layer has no duplicates, but
    a caller's data might)."""
    common = Counter(ref) & Counter(hyp)
    return [label for (_s, _e, label), n in sorted(common.items()) for _ in range(n)]


def overlap_matches(ref: Sequence[Span], hyp: Sequence[Span]) -> list[tuple[int, int]]:
    """One-to-one pairs `(ref index, hyp index)` of spans with the same label whose
    offsets overlap, the largest overlap first, so a span is never matched twice. Ties
    go to identical spans, then to the earlier reference span, then the earlier other.

    Identical spans are paired first, without a search: no pair can overlap either of
    them by more than their own length, and the tie rule gives them that length first.
    Only what remains (the disagreements, usually few) is compared pairwise."""
    pairs: list[tuple[int, int]] = []
    used_ref: set[int] = set()
    used_hyp: set[int] = set()
    position = {span: j for j, span in reversed(list(enumerate(hyp)))}
    for i, span in enumerate(ref):
        j = position.get(span)
        if j is not None and j not in used_hyp:
            used_ref.add(i)
            used_hyp.add(j)
            pairs.append((i, j))
    return _largest_overlaps(ref, hyp, pairs, used_ref, used_hyp)


def _largest_overlaps(
    ref: Sequence[Span],
    hyp: Sequence[Span],
    pairs: list[tuple[int, int]],
    used_ref: set[int],
    used_hyp: set[int],
) -> list[tuple[int, int]]:
    """`overlap_matches` after the identical spans (`pairs`, their indices used)."""
    by_label: dict[str, list[int]] = {}
    for j, (_s, _e, label) in enumerate(hyp):
        if j not in used_hyp:
            by_label.setdefault(label, []).append(j)
    candidates = []
    for i, (start, end, label) in enumerate(ref):
        if i in used_ref:
            continue
        for j in by_label.get(label, ()):
            other_start, other_end, _label = hyp[j]
            overlap = min(end, other_end) - max(start, other_start)
            if overlap > 0:
                candidates.append((-overlap, start, end, other_start, other_end, i, j))
    candidates.sort()
    for *_key, i, j in candidates:
        if i not in used_ref and j not in used_hyp:
            used_ref.add(i)
            used_hyp.add(j)
            pairs.append((i, j))
    return pairs


def matched_labels(ref: Sequence[Span], hyp: Sequence[Span]) -> tuple[list[str], list[str]]:
    """The labels of the exact matches and of the overlap matches of one document (as
    `exact_matches` and `overlap_matches` give them, in no particular order).

    A layer holds no two identical spans, so the exact matches are a set intersection,
    which is also the first stage of overlap matching; only the spans left over (the
    disagreements, usually few) are searched for overlaps. Repeats take the general
    path."""
    ref_set, hyp_set = set(ref), set(hyp)
    if len(ref_set) != len(ref) or len(hyp_set) != len(hyp):
        return exact_matches(ref, hyp), [ref[i][2] for i, _j in overlap_matches(ref, hyp)]
    common = ref_set & hyp_set
    exact = [span[2] for span in common]
    if len(common) == len(ref) or len(common) == len(hyp):
        return exact, exact  # one side all matched: nothing is left to overlap
    # In their original order: overlap_matches breaks ties by position.
    rest_ref = [span for span in ref if span not in common]
    rest_hyp = [span for span in hyp if span not in common]
    # No two of the rest are identical: straight to the search for overlaps.
    matches = _largest_overlaps(rest_ref, rest_hyp, [], set(), set())
    overlap = exact + [rest_ref[i][2] for i, _j in matches]
    return exact, overlap


def span_counts(ref: Sequence[Span], hyp: Sequence[Span]) -> tuple[LabelledCounts, LabelledCounts]:
    """Exact and overlap counts for one document."""
    exact_labels, overlap_labels = matched_labels(ref, hyp)
    exact = LabelledCounts()
    exact.add_spans(ref, hyp, exact_labels)
    overlap = LabelledCounts()
    overlap.add_spans(ref, hyp, overlap_labels)
    return exact, overlap


def tuple_counts(ref: Iterable[tuple], hyp: Iterable[tuple]) -> Counts:
    """Exact-match counts of two multisets of tuples (event triggers, argument triples)."""
    ref, hyp = list(ref), list(hyp)
    return Counts(tp=_common(ref, hyp), ref=len(ref), hyp=len(hyp))


def _common(ref: Sequence[tuple], hyp: Sequence[tuple]) -> int:
    """How many of the tuples are in both, as multisets (sets when nothing repeats)."""
    if not ref or not hyp:
        return 0
    ref_set, hyp_set = set(ref), set(hyp)
    if len(ref_set) == len(ref) and len(hyp_set) == len(hyp):
        return len(ref_set & hyp_set)
    return sum((Counter(ref) & Counter(hyp)).values())


# --- Cohen's kappa -----------------------------------------------------------------------


def confusion(tags_a: Sequence[str], tags_b: Sequence[str]) -> Counter[tuple[str, str]]:
    if len(tags_a) != len(tags_b):
        raise ValueError(f"tag sequences differ in length ({len(tags_a)} and {len(tags_b)})")
    return Counter(zip(tags_a, tags_b, strict=True))


def kappa(table: Counter[tuple[str, str]]) -> float | None:
    """Cohen's κ from a confusion table of (tag of a, tag of b) → count. None when it is
    undefined: no tokens, or both annotators used one and the same tag everywhere
    (chance agreement 1)."""
    n = sum(table.values())
    if n == 0:
        return None
    observed = sum(count for (a, b), count in table.items() if a == b) / n
    rows: Counter[str] = Counter()
    columns: Counter[str] = Counter()
    for (a, b), count in table.items():
        rows[a] += count
        columns[b] += count
    expected = sum(rows[tag] * columns[tag] for tag in rows) / (n * n)
    if expected >= 1:
        return None
    return (observed - expected) / (1 - expected)


def cohen_kappa(tags_a: Sequence[str], tags_b: Sequence[str]) -> float | None:
    return kappa(confusion(tags_a, tags_b))


def sparse_confusion(
    tokens: int, tags_a: dict[int, str], tags_b: dict[int, str], outside: str = "O"
) -> Counter[tuple[str, str]]:
    """The confusion table of two tag sequences of `tokens` tokens given as their tags
    other than `outside` by token index: the same table as `confusion` on the full
    sequences, without walking the tokens that are outside in both."""
    table: Counter[tuple[str, str]] = Counter()
    add_sparse_confusion(table, tokens, tags_a, tags_b, outside)
    return table


def add_sparse_confusion(
    table: Counter[tuple[str, str]],
    tokens: int,
    tags_a: dict[int, str],
    tags_b: dict[int, str],
    outside: str = "O",
) -> None:
    """Add `sparse_confusion(tokens, tags_a, tags_b)` to `table` (counted in C: no Python
    step per token)."""
    tagged = tags_a.keys() | tags_b.keys()
    # A set iterates in the same order twice while it is not changed.
    table.update(
        zip(map(tags_a.get, tagged, repeat(outside)), map(tags_b.get, tagged, repeat(outside)))  # noqa: B905
    )
    both_outside = tokens - len(tagged)
    if both_outside:
        table[(outside, outside)] += both_outside


# --- a pair of layers over many documents -------------------------------------------------


@dataclass(slots=True)
class PairAgreement:
    """Everything two layers agree on, summed over the documents they share."""

    exact: LabelledCounts = field(default_factory=LabelledCounts)
    overlap: LabelledCounts = field(default_factory=LabelledCounts)
    tokens: Counter[tuple[str, str]] = field(default_factory=Counter)
    triggers: Counts = field(default_factory=Counts)
    arguments: Counts = field(default_factory=Counts)
    documents: int = 0

    def add_document(
        self,
        a: LayerData,
        b: LayerData,
        tags: tuple[Sequence[str], Sequence[str]] | None = None,
        *,
        table: Counter[tuple[str, str]] | None = None,
        sparse: tuple[int, dict[int, str], dict[int, str]] | None = None,
    ) -> tuple[Counts, Counts]:
        """One shared document, `a` the reference; `tags` the two BIO tag sequences over
        the same tokens, `table` their confusion table, or `sparse` their token count and
        tags other than O by token index (none of them: κ leaves this document out).
        Returns this document's exact and overlap span counts."""
        ref, hyp = a.entities, b.entities
        exact, overlap = matched_labels(ref, hyp)
        ref_labels = [span[2] for span in ref]
        hyp_labels = [span[2] for span in hyp]
        for counts, matched in ((self.exact, exact), (self.overlap, overlap)):
            counts.ref.update(ref_labels)
            counts.hyp.update(hyp_labels)
            counts.tp.update(matched)
        if tags is not None:
            self.tokens.update(confusion(*tags))
        if table is not None:
            self.tokens.update(table)
        if sparse is not None:
            add_sparse_confusion(self.tokens, *sparse)
        triggers, arguments = self.triggers, self.arguments
        triggers.tp += _common(a.triggers, b.triggers)
        triggers.ref += len(a.triggers)
        triggers.hyp += len(b.triggers)
        arguments.tp += _common(a.arguments, b.arguments)
        arguments.ref += len(a.arguments)
        arguments.hyp += len(b.arguments)
        self.documents += 1
        return (
            Counts(len(exact), len(ref), len(hyp)),
            Counts(len(overlap), len(ref), len(hyp)),
        )

    def add(self, other: PairAgreement) -> None:
        self.exact.add(other.exact)
        self.overlap.add(other.overlap)
        self.tokens.update(other.tokens)
        self.triggers.add(other.triggers)
        self.arguments.add(other.arguments)
        self.documents += other.documents

    def result(self, *, reverse: bool = False) -> dict[str, Any]:
        """The figures (`agreement --json`'s value for the pair). `reverse` reads the pair
        the other way round (the second layer as reference): precision and recall swap."""
        tokens = self.tokens
        if reverse:
            tokens = Counter({(b, a): n for (a, b), n in tokens.items()})
        return {
            "exact": self.exact.result(reverse=reverse),
            "overlap": self.overlap.result(reverse=reverse),
            "token_kappa": kappa(tokens),
            "events": {
                "trigger": self.triggers.scores(reverse=reverse),
                "arguments": self.arguments.scores(reverse=reverse),
            },
            "documents": self.documents,
        }
