"""What every exporter reads: one `LayerRecord` per (document, layer), with its spans and
events in the deterministic order of FORMATS.md §0, fetched in batches so an export
runs in constant memory and a constant number of queries per batch."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch

from newsreview.annotations.models import AnnotationLayer, Argument, Comment, Event, Span
from newsreview.projects.models import Project


class ExportError(Exception):
    """Export refused before anything was written (FORMATS.md §0: validate, then write)."""


@dataclass(frozen=True)
class SpanRecord:
    id: str  # "e1", "e2" … in export order, unique within the record
    pk: int
    label: str
    start: int  # code points, [start, end)
    end: int
    text: str
    kind: str  # "entity" or "trigger"


@dataclass(frozen=True)
class ArgumentRecord:
    role: str
    entity: SpanRecord


@dataclass(frozen=True)
class EventRecord:
    id: str  # "v1", "v2" … by trigger start
    pk: int
    type: str
    trigger: SpanRecord
    arguments: list[ArgumentRecord]
    attributes: dict[str, Any]


@dataclass(frozen=True)
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

    @property
    def all_spans(self) -> list[SpanRecord]:
        """Entities then triggers, each sorted (start, -end, label)."""
        return self.entities + self.triggers


def _sort_key(span: Span) -> tuple[int, int, str]:
    return (span.start, -span.end, span.label_key)


def layers_queryset(project: Project, layer: str = "gold", statuses: list[str] | None = None):
    """The layers an export covers: `gold`, one username, `all`, or a layer name."""
    layers = AnnotationLayer.objects.filter(document__project=project)
    if layer == "gold":
        layers = layers.filter(kind=AnnotationLayer.Kind.GOLD)
    elif layer != "all":
        layers = layers.filter(owner__username=layer) | layers.filter(owner=None, name=layer)
    if statuses:
        layers = layers.filter(status__in=statuses)
    return layers.order_by("document_id", "kind", "owner__username", "name", "id")


def build_record(layer: AnnotationLayer, project: Project) -> LayerRecord:
    """One record from a layer whose spans, events and comments are prefetched."""
    document = layer.document
    spans = sorted(layer.spans.all(), key=_sort_key)
    records: dict[int, SpanRecord] = {}
    entities, triggers = [], []
    for span in spans:
        if document.text[span.start : span.end] != span.text:
            raise ExportError(
                f"document {document.export_id}, layer {layer.layer_name}, span {span.pk}: "
                f"the stored text no longer matches offsets [{span.start}, {span.end})"
            )
        (triggers if span.is_trigger else entities).append(span)
    for number, span in enumerate(entities + triggers, start=1):
        records[span.pk] = SpanRecord(
            id=f"e{number}",
            pk=span.pk,
            label=span.label_key,
            start=span.start,
            end=span.end,
            text=span.text,
            kind="trigger" if span.is_trigger else "entity",
        )
    events = sorted(layer.events.all(), key=lambda e: (e.trigger.start, e.trigger.end, e.pk))
    event_records = []
    for number, event in enumerate(events, start=1):
        arguments = sorted(
            event.arguments.all(),
            key=lambda a: (a.role.order, a.role.key, a.span.start, -a.span.end, a.pk),
        )
        event_records.append(
            EventRecord(
                id=f"v{number}",
                pk=event.pk,
                type=event.event_type.key,
                trigger=records[event.trigger_id],
                arguments=[
                    ArgumentRecord(role=a.role.key, entity=records[a.span_id]) for a in arguments
                ],
                attributes=dict(event.attributes or {}),
            )
        )
    comments = [
        CommentRecord(
            author=c.author.username if c.author else None,
            text=c.text,
            span=records.get(c.span_id) if c.span_id else None,
            created_at=c.created_at.isoformat(),
        )
        for c in layer.comments.all()
    ]
    return LayerRecord(
        document_id=document.export_id,
        document_pk=document.pk,
        title=document.title,
        text=document.text,
        language=document.language,
        direction=document.direction,
        source_url=document.source_url,
        published_on=document.published_on.isoformat() if document.published_on else None,
        metadata=document.metadata,
        project=project.slug,
        schema_version=project.schema.version,
        layer=layer.layer_name,
        layer_kind=layer.kind,
        annotator=layer.owner.username if layer.owner_id else None,
        status=layer.status,
        entities=[records[s.pk] for s in entities],
        triggers=[records[s.pk] for s in triggers],
        events=event_records,
        comments=comments,
    )


def iter_records(
    project: Project,
    layer: str = "gold",
    statuses: list[str] | None = None,
    batch_size: int = 200,
) -> Iterator[LayerRecord]:
    """Stream the export's records in order, `batch_size` layers at a time."""
    ids = list(layers_queryset(project, layer, statuses).values_list("id", flat=True))
    spans = Span.objects.select_related("entity_type", "event_type")
    for offset in range(0, len(ids), batch_size):
        chunk = ids[offset : offset + batch_size]
        batch = (
            AnnotationLayer.objects.filter(id__in=chunk)
            .select_related("document", "owner")
            .prefetch_related(
                Prefetch("spans", queryset=spans),
                Prefetch(
                    "events",
                    queryset=Event.objects.select_related("event_type", "trigger").prefetch_related(
                        Prefetch(
                            "arguments", queryset=Argument.objects.select_related("role", "span")
                        )
                    ),
                ),
                Prefetch("comments", queryset=Comment.objects.select_related("author")),
            )
        )
        by_id = {layer_obj.pk: layer_obj for layer_obj in batch}
        for layer_id in chunk:
            yield build_record(by_id[layer_id], project)


def label_order(project: Project) -> dict[str, list[str]]:
    """Entity and event keys in schema order (for label lists, configs, ClassLabels)."""
    schema = project.schema
    return {
        "entities": list(
            schema.entity_types.order_by("order", "key").values_list("key", flat=True)
        ),
        "events": list(schema.event_types.order_by("order", "key").values_list("key", flat=True)),
    }


def roles_by_event(project: Project) -> dict[str, list[dict[str, Any]]]:
    """Each event type's roles: key, allowed entity keys, multiple (for configs)."""
    result: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event_type in project.schema.event_types.prefetch_related(
        "roles__allowed_entity_types"
    ).order_by("order", "key"):
        result[event_type.key] = [
            {
                "key": r.key,
                "allowed": sorted(t.key for t in r.allowed_entity_types.all()),
                "multiple": r.is_multiple,
                "required": r.is_required,
            }
            for r in event_type.roles.all()
        ]
    return dict(result)
