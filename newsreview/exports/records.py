"""What every exporter reads: one `LayerRecord` per (document, layer), with its spans and
events in the deterministic order of FORMATS.md §0, fetched in batches so an export
runs in constant memory and a constant number of queries per batch.

The batches are read as plain tuples, no model instances (batches.py): an export of
10,000 documents builds hundreds of thousands of spans, and model instances would cost
most of the time (bench/bench_export.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from newsreview.annotations.models import AnnotationLayer
from newsreview.projects.models import Project


class ExportError(Exception):
    """Export refused before anything was written (FORMATS.md §0: validate, then write)."""

    def __init__(
        self,
        message: str,
        *,
        document: str | None = None,
        layer: str | None = None,
        span: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.document = document
        self.layer = layer
        self.span = span


# The record classes are not frozen: a frozen dataclass sets each field through
# object.__setattr__, which made building the spans of an export (200,000 for 10,000
# documents) cost four times as much (bench/bench_export.py). `unsafe_hash` keeps them
# hashable and comparable by value, as frozen ones were; nothing assigns to them.
@dataclass(slots=True, unsafe_hash=True)
class SpanRecord:
    id: str  # "e1", "e2" … in export order, unique within the record
    pk: int
    label: str
    start: int  # code points, [start, end)
    end: int
    text: str
    kind: str  # "entity" or "trigger"
    origin: str = ""  # Span.origin: "" for a hand-made span, "gazetteer", "mentions"


@dataclass(slots=True, unsafe_hash=True)
class ArgumentRecord:
    role: str
    entity: SpanRecord


@dataclass(slots=True, unsafe_hash=True)
class EventRecord:
    id: str  # "v1", "v2" … by trigger start
    pk: int
    type: str
    trigger: SpanRecord
    arguments: list[ArgumentRecord]
    attributes: dict[str, Any]


@dataclass(slots=True, unsafe_hash=True)
class CommentRecord:
    author: str | None
    text: str
    span: SpanRecord | None
    created_at: str


@dataclass
class LayerRecord:
    document_id: str  # Document.export_id
    document_pk: int
    title: str
    text: str
    language: str
    direction: str
    source_url: str
    published_on: str | None
    metadata: dict[str, Any]
    project: str
    schema_version: int
    layer: str  # "gold", a username, or a pre-annotation layer's name
    layer_kind: str
    annotator: str | None
    status: str
    entities: list[SpanRecord] = field(default_factory=list)  # entity spans only
    triggers: list[SpanRecord] = field(default_factory=list)
    events: list[EventRecord] = field(default_factory=list)
    comments: list[CommentRecord] = field(default_factory=list)
    # Arguments left out: their role is not one of their event's type (issue 12).
    orphaned_arguments: int = 0

    @property
    def all_spans(self) -> list[SpanRecord]:
        """Entities then triggers, each sorted (start, -end, label)."""
        return self.entities + self.triggers

    @property
    def spans_in_text_order(self) -> list[SpanRecord]:
        """Entities and triggers together, sorted (start, -end, label): FORMATS.md §0."""
        return sorted(self.all_spans, key=lambda s: (s.start, -s.end, s.label, s.kind))


# --- which layers ------------------------------------------------------------------------


def layers_queryset(
    project: Project, layer: str = "gold", statuses: list[str] | None = None
) -> QuerySet[AnnotationLayer]:
    """The layers an export covers: `gold`, one username, `all`, or a layer name."""
    layers = AnnotationLayer.objects.filter(document__project=project)
    if layer == "gold":
        layers = layers.filter(kind=AnnotationLayer.Kind.GOLD)
    elif layer != "all":
        layers = layers.filter(Q(owner__username=layer) | Q(owner=None, name=layer))
    if statuses:
        layers = layers.filter(status__in=statuses)
    return layers.order_by("document_id", "kind", "owner__username", "name", "id")


def layer_choices(project: Project) -> list[str]:
    """Every value `--layer` accepts for `project` besides gold and all: the usernames of
    its annotators (members or layer owners) and the names of pre-annotation layers."""
    from newsreview.accounts.models import User
    from newsreview.projects.models import Membership

    owners = set(
        User.objects.filter(layers__document__project=project)
        .values_list("username", flat=True)
        .distinct()
    )
    members = set(
        Membership.objects.filter(project=project, role=Membership.Role.ANNOTATOR).values_list(
            "user__username", flat=True
        )
    )
    named = set(
        AnnotationLayer.objects.filter(document__project=project, owner=None)
        .exclude(kind=AnnotationLayer.Kind.GOLD)
        .values_list("name", flat=True)
        .distinct()
    )
    return sorted((owners | members | named) - {"gold", "all", ""})
