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

import heapq
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import combinations
from typing import Any, NamedTuple

from django.db.models import DateField, Q, QuerySet
from django.db.models.functions import Cast, Coalesce

from newsreview.annotations.models import AnnotationLayer, Argument, Span
from newsreview.documents.models import Document
from newsreview.exports.tokens import boundary_tokens, flat_tags, word_tokens
from newsreview.projects.models import EntityType, EventType, Project, RoleType

from .metrics import LayerData, PairAgreement

GOLD = "gold"
CHUNK = 500
SUBMITTED = (AnnotationLayer.Status.DONE, AnnotationLayer.Status.REVIEWED)


class TagSpan(NamedTuple):
    """A span as the shared tokeniser reads it (`start`, `end`, `label`, `kind`)."""

    start: int
    end: int
    label: str
    kind: str


@dataclass(slots=True)
class LayerView:
    """One participating layer of one document."""

    name: str  # the annotator's username, or "gold"
    data: LayerData
    cuts: list[TagSpan]  # every span (entities and triggers): where tokens are split
    tag_spans: list[TagSpan]  # the entity spans the BIO tags come from


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
    document_ids: Sequence[int], labels: tuple[dict[int, str], dict[int, str], dict[int, str]]
) -> dict[int, list[LayerView]]:
    """Per document id, its participating layers with their spans and arguments: three
    queries for the whole chunk."""
    entity_keys, event_keys, role_keys = labels
    layers: dict[int, tuple[int, str]] = {}
    for pk, document_id, kind, username in (
        AnnotationLayer.objects.filter(document_id__in=document_ids)
        .filter(_participating())
        .order_by()
        .values_list("pk", "document_id", "kind", "owner__username")
    ):
        layers[pk] = (document_id, GOLD if kind == AnnotationLayer.Kind.GOLD else username)
    data: dict[int, LayerView] = {
        pk: LayerView(name, LayerData(), [], []) for pk, (_d, name) in layers.items()
    }
    offsets: dict[int, tuple[int, int]] = {}
    for pk, layer_id, start, end, entity_id, event_id in (
        Span.objects.filter(layer_id__in=list(layers))
        .order_by()
        .values_list("pk", "layer_id", "start", "end", "entity_type_id", "event_type_id")
    ):
        view = data[layer_id]
        offsets[pk] = (start, end)
        if entity_id is not None:
            span = TagSpan(start, end, entity_keys.get(entity_id, "?"), "entity")
            view.data.entities.append((start, end, span.label))
            view.tag_spans.append(span)
        else:
            span = TagSpan(start, end, event_keys.get(event_id, "?"), "trigger")
            view.data.triggers.append((start, end, span.label))
        view.cuts.append(span)
    for layer_id, trigger_id, type_id, role_id, span_id in (
        Argument.objects.filter(event__layer_id__in=list(layers))
        .order_by()
        .values_list("event__layer_id", "event__trigger_id", "event__event_type_id", "role_id",
                     "span_id")
    ):  # fmt: skip
        trigger, argument = offsets.get(trigger_id), offsets.get(span_id)
        if trigger is None or argument is None:
            continue
        data[layer_id].data.arguments.append(
            (*trigger, event_keys.get(type_id, "?"), role_keys.get(role_id, "?"), *argument)
        )
    by_document: dict[int, list[LayerView]] = {}
    for pk, (document_id, _name) in layers.items():
        by_document.setdefault(document_id, []).append(data[pk])
    return by_document


def _pair_tags(
    text: str, words: list[tuple[int, int]], a: LayerView, b: LayerView
) -> tuple[list[str], list[str]]:
    """BIO tags of both layers over the same tokens: the CoNLL export's tokens, split at
    every span boundary of either layer (FORMATS.md §4, through exports.tokens)."""
    tokens = boundary_tokens(text, a.cuts + b.cuts, words)
    starts = [start for start, _end in tokens]
    ends = [end for _start, end in tokens]
    return flat_tags(starts, ends, a.tag_spans), flat_tags(starts, ends, b.tag_spans)


def document_pairs(
    text: str, views: list[LayerView]
) -> Iterator[tuple[tuple[str, str], PairAgreement]]:
    """Every pair of participating layers of one document, each as a one-document
    PairAgreement keyed like `agreement --json`."""
    if len(views) < 2:
        return
    words = word_tokens(text)
    for first, second in combinations(views, 2):
        key = pair_key(first.name, second.name)
        a, b = (first, second) if key[0] == first.name else (second, first)
        pair = PairAgreement()
        pair.add_document(a.data, b.data, _pair_tags(text, words, a, b))
        yield key, pair


def _chunks(ids: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def compute_agreement(
    project: Project,
    *,
    documents: Iterable[int] | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    lowest: int = 10,
    chunk_size: int = CHUNK,
) -> ProjectAgreement:
    """Agreement over the project (or the documents and dates given), streamed in chunks.
    `lowest`: how many documents with the lowest agreement between annotators to keep."""
    labels = _labels(project)
    queryset = documents_in(project, documents=documents, date_from=date_from, date_to=date_to)
    # Only documents that have two participating layers can contribute a pair.
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
    worst: list[tuple[float, float, int, int, str]] = []  # a max-heap of the lowest, negated
    for chunk in _chunks(ids, chunk_size):
        by_document = _chunk_layers(chunk, labels)
        texts = (
            Document.objects.filter(pk__in=chunk).order_by("pk").values_list("pk", "text", "title")
        )
        for document_id, text, title in texts:
            views = by_document.get(document_id, [])
            if not views:
                continue
            result.documents += 1
            exact_scores, overlap_scores = [], []
            for key, pair in document_pairs(text, views):
                total = result.pairs.get(key)
                if total is None:
                    total = result.pairs[key] = PairAgreement()
                total.add(pair)
                if GOLD not in key:
                    exact = pair.exact.total.scores()["f1"]
                    overlap = pair.overlap.total.scores()["f1"]
                    if exact is not None and overlap is not None:
                        exact_scores.append(exact)
                        overlap_scores.append(overlap)
            if exact_scores and lowest > 0:
                mean = sum(exact_scores) / len(exact_scores)
                mean_overlap = sum(overlap_scores) / len(overlap_scores)
                item = (-mean, -mean_overlap, -document_id, len(exact_scores), title)
                if len(worst) < lowest:
                    heapq.heappush(worst, item)
                else:
                    heapq.heappushpop(worst, item)
    result.lowest = [
        DocumentScore(-document_id, title, -mean, -mean_overlap, pairs)
        for mean, mean_overlap, document_id, pairs, title in sorted(worst, reverse=True)
    ]
    return result


def document_agreement(document: Document) -> dict[str, Any]:
    """The figures of one document (the curation page shows them): `{"a|b": {...}}` with
    the same shape as `agreement --json`, over the same participating layers."""
    project = document.project
    views = _chunk_layers([document.pk], _labels(project)).get(document.pk, [])
    pairs = dict(document_pairs(document.text, views))
    return {f"{a}|{b}": pairs[(a, b)].result() for a, b in sorted(pairs)}
