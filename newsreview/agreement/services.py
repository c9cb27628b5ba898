"""Agreement figures of a project, a filter of it, or one document (issue 11).

Which layers take part: every annotator layer that is submitted (stored status "done",
`AnnotationLayer.Status.DONE`) or reviewed, and the gold layer once someone worked on it
(status other than "not started"). Pairs are every two annotators who both have such a
layer on the same document (`"a|b"`, usernames sorted, `a` the reference) and each
annotator with gold (`"a|gold"`, the annotator the reference). A pair that shares no
document is absent.

The project is read in chunks of documents with `values_list` (never whole model rows),
and only counters are kept between chunks, so memory stays flat however large the
project (bench/bench_agreement.py: 10,000 documents × 3 annotators × 20 spans).
"""

from __future__ import annotations

import gc
import heapq
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from itertools import combinations, groupby, repeat
from typing import Any, NamedTuple, TypeVar

from django.db.models import BooleanField, DateField, ExpressionWrapper, Q, QuerySet
from django.db.models.functions import Cast, Coalesce

from newsreview.annotations.models import AnnotationLayer, Argument, Span
from newsreview.core.read_ahead import read_ahead
from newsreview.documents.models import Document
from newsreview.exports.span_tokens import SpanTokens
from newsreview.projects.models import EntityType, EventType, Project, RoleType

from .metrics import Counts, LayerData, PairAgreement

GOLD = "gold"
_T = TypeVar("_T")
CHUNK = 500
SUBMITTED = (AnnotationLayer.Status.DONE, AnnotationLayer.Status.REVIEWED)


class _Offsets(NamedTuple):
    start: int
    end: int
    label: str


class EntitySpan(_Offsets):
    """An entity span: a `(start, end, label)` tuple, as the metrics compare them, which
    the shared tokeniser also reads (`start`, `end`, `label`, `kind`)."""

    __slots__ = ()
    kind = "entity"


class TriggerSpan(_Offsets):
    """An event trigger: `(start, end, event type)`."""

    __slots__ = ()
    kind = "trigger"


# The span type by "is a trigger", for tuple.__new__: no Python call per span.
_SPAN_TYPE = {False: EntitySpan, True: TriggerSpan}


@dataclass(slots=True)
class LayerView:
    """One participating layer of one document."""

    name: str  # the annotator's username, or "gold"
    data: LayerData  # entities (EntitySpan), triggers (TriggerSpan), argument triples

    @property
    def cuts(self) -> list[_Offsets]:
        """Every span (entities and triggers): where tokens are split."""
        return self.data.entities + self.data.triggers


def pair_key(a: str, b: str) -> tuple[str, str]:
    """Usernames sorted, gold always second."""
    if a == GOLD or (b != GOLD and b < a):
        return b, a
    return a, b


@dataclass
class DocumentScore:
    """A document's agreement between annotators, for the "lowest agreement" list."""

    document_id: int
    title: str
    exact_f1: float
    overlap_f1: float
    pairs: int


@dataclass
class ProjectAgreement:
    """The figures of a project (or a filter of it)."""

    pairs: dict[tuple[str, str], PairAgreement] = field(default_factory=dict)
    lowest: list[DocumentScore] = field(default_factory=list)
    documents: int = 0  # documents read (with at least one participating layer)

    def as_json(self) -> dict[str, Any]:
        """`agreement --json`: `{"a|b": {...}}`, keys sorted."""
        return {f"{a}|{b}": self.pairs[(a, b)].result() for a, b in sorted(self.pairs)}

    def annotators(self) -> list[str]:
        return sorted({name for pair in self.pairs for name in pair if name != GOLD})

    def between_annotators(self) -> PairAgreement:
        """All annotator pairs summed (gold left out): per-label agreement of the team."""
        total = PairAgreement()
        for (a, b), pair in self.pairs.items():
            if GOLD not in (a, b):
                total.add(pair)
        return total


def _labels(project: Project) -> tuple[dict[int, str], dict[int, str], dict[int, str]]:
    schema_id = project.schema_id
    return (
        dict(EntityType.objects.filter(schema_id=schema_id).values_list("pk", "key")),
        dict(EventType.objects.filter(schema_id=schema_id).values_list("pk", "key")),
        dict(RoleType.objects.filter(event_type__schema_id=schema_id).values_list("pk", "key")),
    )


def documents_in(
    project: Project,
    *,
    documents: Iterable[int] | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[Document]:
    """The project's documents, optionally only `documents` (ids) and those dated within
    `[date_from, date_to]` (publication date, else the day of import)."""
    queryset = Document.objects.filter(project=project)
    if documents is not None:
        queryset = queryset.filter(pk__in=list(documents))
    if date_from is not None or date_to is not None:
        queryset = queryset.annotate(day=Coalesce("published_on", Cast("created_at", DateField())))
        if date_from is not None:
            queryset = queryset.filter(day__gte=date_from)
        if date_to is not None:
            queryset = queryset.filter(day__lte=date_to)
    return queryset


def _participating() -> Q:
    return Q(kind=AnnotationLayer.Kind.ANNOTATOR, status__in=SUBMITTED) | Q(
        kind=AnnotationLayer.Kind.GOLD, owner__isnull=True
    ) & ~Q(status=AnnotationLayer.Status.NEW)


def _chunk_layers(
    chosen: QuerySet[AnnotationLayer],
    labels: tuple[dict[int, str], dict[int, str], dict[int, str]],
) -> dict[int, list[LayerView]]:
    """Per document id, the participating layers among `chosen` with their spans and
    arguments: three queries for the whole chunk. Spans and arguments are selected by
    subquery, not by a list of ids (a long IN list costs more to send than to run).

    Spans are the bulk (a chunk holds tens of thousands): they come ordered by layer and
    kind, are transposed and turned into tuples by C-level iterators, with no Python
    step per span, and each layer takes its slice."""
    entity_keys, event_keys, role_keys = labels
    chosen = chosen.filter(_participating())
    views: dict[int, LayerView] = {}
    by_document: dict[int, list[LayerView]] = {}
    for pk, document_id, kind, username in chosen.order_by().values_list(
        "pk", "document_id", "kind", "owner__username"
    ):
        view = views[pk] = LayerView(
            GOLD if kind == AnnotationLayer.Kind.GOLD else username, LayerData()
        )
        by_document.setdefault(document_id, []).append(view)
    rows = (
        Span.objects.filter(layer__in=chosen.values("pk"))
        .annotate(
            is_trigger=ExpressionWrapper(Q(entity_type__isnull=True), BooleanField()),
            type_id=Coalesce("entity_type_id", "event_type_id"),
        )
        .order_by("layer_id", "is_trigger", "start")
        .values_list("layer_id", "is_trigger", "start", "end", "type_id")
    )
    rows = list(rows)
    if rows:
        # Every span of the chunk made at once, then handed out by slicing (measured: a
        # fifth less than making each layer's spans from its group of rows).
        layer_ids, kinds, starts, ends, type_ids = zip(*rows, strict=True)
        names = {(False, pk): key for pk, key in entity_keys.items()}
        names.update({(True, pk): key for pk, key in event_keys.items()})
        span_labels = map(names.get, zip(kinds, type_ids), repeat("?"))  # noqa: B905
        spans = list(
            map(tuple.__new__, map(_SPAN_TYPE.__getitem__, kinds), zip(starts, ends, span_labels))  # noqa: B905
        )
        first = 0
        for (layer_id, is_trigger), group in groupby(zip(layer_ids, kinds)):  # noqa: B905
            last = first + len(list(group))
            view = views.get(layer_id)
            if view is not None:  # else a layer that changed status between the queries
                if is_trigger:
                    view.data.triggers = spans[first:last]
                else:
                    view.data.entities = spans[first:last]
            first = last
    for layer_id, *trigger, type_id, role_id, start, end in (
        Argument.objects.filter(event__layer__in=chosen.values("pk"))
        .order_by()
        .values_list("event__layer_id", "event__trigger__start", "event__trigger__end",
                     "event__event_type_id", "role_id", "span__start", "span__end")
    ):  # fmt: skip
        view = views.get(layer_id)
        if view is not None:
            view.data.arguments.append(
                (*trigger, event_keys.get(type_id, "?"), role_keys.get(role_id, "?"), start, end)
            )
    return by_document


def document_tags(text: str, views: list[LayerView]) -> tuple[int, list[dict[int, str]]]:
    """The document's tokens as the CoNLL export makes them (FORMATS.md §4, through
    `exports.span_tokens`: spaCy blank-ar tokens split at span boundaries), split at every
    span boundary of every participating layer, so all its pairs count the same tokens:
    how many there are, and each layer's flat BIO tags over them (those other than O, by
    where their token starts). The text is tokenised once, whatever the number of
    layers, and only around the spans: the rest is counted."""
    tokens = SpanTokens(text, [span for view in views for span in view.cuts])
    return tokens.count, [tokens.flat_tags(view.data.entities) for view in views]


def add_document_pairs(
    text: str, views: list[LayerView], pairs: dict[tuple[str, str], PairAgreement]
) -> list[tuple[tuple[str, str], Counts, Counts]]:
    """Add every pair of participating layers of one document to `pairs` (keyed like
    `agreement --json`); this document's exact and overlap counts per pair."""
    if len(views) < 2:
        return []
    count, tags = document_tags(text, views)
    added = []
    for (i, first), (j, second) in combinations(enumerate(views), 2):
        key = pair_key(first.name, second.name)
        if key[0] != first.name:
            (i, first), (j, second) = (j, second), (i, first)
        pair = pairs.get(key)
        if pair is None:
            pair = pairs[key] = PairAgreement()
        exact, overlap = pair.add_document(
            first.data, second.data, sparse=(count, tags[i], tags[j])
        )
        added.append((key, exact, overlap))
    return added


def _chunks(ids: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _read_ahead(
    read: Callable[[Sequence[int]], _T], chunks: list[Sequence[int]]
) -> Iterator[tuple[Sequence[int], _T]]:
    """Each chunk with what `read` gives for it, the next one read while the caller
    computes this one (core.read_ahead)."""
    return zip(chunks, read_ahead(read, chunks, name="agreement-read"), strict=True)


def compute_agreement(
    project: Project,
    *,
    documents: Iterable[int] | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    lowest: int = 10,
    chunk_size: int = CHUNK,
    progress: Callable[[int, int], None] | None = None,
) -> ProjectAgreement:
    """Agreement over the project (or the documents and dates given), streamed in chunks.
    `lowest`: how many documents with the lowest agreement between annotators to keep.
    `progress` hears (documents read, documents in all) after each chunk (the dashboard's
    background job reports it)."""
    labels = _labels(project)
    queryset = documents_in(project, documents=documents, date_from=date_from, date_to=date_to)
    filtered = documents is not None or date_from is not None or date_to is not None
    # Only documents that have a participating layer can contribute a pair.
    ids = list(
        queryset.filter(
            pk__in=AnnotationLayer.objects.filter(document__project=project)
            .filter(_participating())
            .values("document_id")
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    result = ProjectAgreement()
    read = 0
    if progress is not None:
        progress(0, len(ids))
    worst: list[tuple[float, float, int, int, str]] = []  # a max-heap of the lowest, negated

    def read_chunk(chunk: Sequence[int]) -> tuple[dict[int, list[LayerView]], list[tuple]]:
        # Each chunk is a range of ids (narrowed by the filter when there is one).
        in_range = Document.objects.filter(project=project, pk__gte=chunk[0], pk__lte=chunk[-1])
        if filtered:
            in_range = in_range.filter(pk__in=queryset.values("pk"))
        # The id range on the layers too, redundant as it is, lets PostgreSQL find them by
        # their document index instead of reading the whole layer table for each of the
        # three queries (EXPLAIN on the bench: a sequential scan of 30,000 layers each).
        layers = AnnotationLayer.objects.filter(
            document_id__gte=chunk[0], document_id__lte=chunk[-1]
        ).filter(document__in=in_range.values("pk"))
        by_document = _chunk_layers(layers, labels)
        return by_document, list(in_range.order_by("pk").values_list("pk", "text", "title"))

    with _cycle_collector_paused():
        for chunk, (by_document, texts) in _read_ahead(read_chunk, list(_chunks(ids, chunk_size))):
            _add_chunk(result, by_document, texts, worst, lowest)
            read += len(chunk)
            if progress is not None:
                progress(read, len(ids))
    result.lowest = [
        DocumentScore(-document_id, title, -mean, -mean_overlap, pairs)
        for mean, mean_overlap, document_id, pairs, title in sorted(worst, reverse=True)
    ]
    return result


def _add_chunk(
    result: ProjectAgreement,
    by_document: dict[int, list[LayerView]],
    texts: list[tuple[int, str, str]],
    worst: list[tuple[float, float, int, int, str]],
    lowest: int,
) -> None:
    """Add a chunk's documents to `result`, and those with the lowest agreement between
    annotators to `worst` (a max-heap of `lowest` items, negated)."""
    for document_id, text, title in texts:
        views = by_document.get(document_id, [])
        if not views:
            continue
        result.documents += 1
        added = add_document_pairs(text, views, result.pairs)
        if lowest <= 0:
            continue
        exact_scores, overlap_scores = [], []
        for key, exact_counts, overlap_counts in added:
            if GOLD not in key:
                exact = exact_counts.scores()["f1"]
                overlap = overlap_counts.scores()["f1"]
                if exact is not None and overlap is not None:
                    exact_scores.append(exact)
                    overlap_scores.append(overlap)
        if exact_scores:
            mean = sum(exact_scores) / len(exact_scores)
            mean_overlap = sum(overlap_scores) / len(overlap_scores)
            item = (-mean, -mean_overlap, -document_id, len(exact_scores), title)
            if len(worst) < lowest:
                heapq.heappush(worst, item)
            else:
                heapq.heappushpop(worst, item)


@contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """Python's cycle collector off while the chunks stream through, then back as it was.
    Each chunk's tens of thousands of span tuples live as long as the chunk, so the
    collector moves them to its oldest generation and then runs a full collection over
    everything the process holds about once a chunk (the bench: 16 full collections,
    about 1.3 s of CPU). Nothing here makes a reference cycle: reference counting frees
    each chunk. The switch is process-wide, so other threads' cycles wait meanwhile."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def document_agreement(document: Document) -> dict[str, Any]:
    """The figures of one document (the curation page shows them): `{"a|b": {...}}` with
    the same shape as `agreement --json`, over the same participating layers."""
    views = _chunk_layers(
        AnnotationLayer.objects.filter(document=document), _labels(document.project)
    ).get(document.pk, [])
    return views_agreement(document.text, views)


def views_agreement(text: str, views: list[LayerView]) -> dict[str, Any]:
    """The figures of one document's participating layers, already read (the curation
    page reads them for its merge and builds the views from them: no query here)."""
    pairs: dict[tuple[str, str], PairAgreement] = {}
    add_document_pairs(text, views, pairs)
    return {f"{a}|{b}": pairs[(a, b)].result() for a, b in sorted(pairs)}
