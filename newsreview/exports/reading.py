"""Reading the database into records: each `LayerRecord` built from the plain rows of a
batch (batches.py reads them, whole documents and a constant number of queries at a
time), or from one layer's model instances. records.py holds the record types and which
layers an export takes; this module fills them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from newsreview.annotations.models import AnnotationLayer
from newsreview.projects.models import Project

from .batches import Batch, Labels, batches, read_ahead, read_batch
from .records import (
    ArgumentRecord,
    CommentRecord,
    EventRecord,
    ExportError,
    LayerRecord,
    SpanRecord,
    layers_queryset,
)


@dataclass(frozen=True, slots=True)
class _Located:
    pk: int
    start: int
    end: int


def _mismatch(document: str, layer: str, span: Any) -> ExportError:
    return ExportError(
        f"document {document}, layer {layer}, span {span.pk}: the stored text no longer "
        f"matches offsets [{span.start}, {span.end})",
        document=document,
        layer=layer,
        span=span.pk,
    )


# --- building records ----------------------------------------------------------------------


def canonical(value: Any) -> Any:
    """`value` with every object's keys sorted. PostgreSQL's jsonb reorders keys and
    SQLite keeps them as written, so without this the same data would export differently
    on the two databases (FORMATS.md §0: two exports of the same data are identical)."""
    if isinstance(value, dict):
        return {key: canonical(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [canonical(item) for item in value]
    return value


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


KINDS = ("entity", "trigger")  # by a span row's is_trigger
_SPAN_IDS: list[str] = []


def _span_ids(count: int) -> list[str]:
    """The ids e1 … e<count> (at least): made once, not once per span of every record."""
    if len(_SPAN_IDS) < count:
        _SPAN_IDS.extend(f"e{n}" for n in range(len(_SPAN_IDS) + 1, count + 1))
    return _SPAN_IDS


_EVENT_IDS: list[str] = []


def _event_records(
    events: Iterable[tuple[int, int, str, dict[str, Any]]],
    arguments: dict[int, list[tuple[int, int, str, int]]],
    by_pk: dict[int, SpanRecord],
) -> list[EventRecord]:
    """Events by trigger (start, end, pk), numbered v1…, each with its arguments by role
    (order, key) then span (start, -end) and pk."""
    records = []
    by_trigger = sorted(events, key=lambda e: (by_pk[e[1]].start, by_pk[e[1]].end, e[0]))
    for number, (pk, trigger_pk, type_key, attributes) in enumerate(by_trigger):
        if number == len(_EVENT_IDS):
            _EVENT_IDS.append(f"v{number + 1}")
        args = arguments.get(pk, ())
        if len(args) > 1:
            args = sorted(
                args, key=lambda a: (a[1], a[2], by_pk[a[3]].start, -by_pk[a[3]].end, a[0])
            )
        records.append(
            EventRecord(
                _EVENT_IDS[number],
                pk,
                type_key,
                by_pk[trigger_pk],
                [ArgumentRecord(a[2], by_pk[a[3]]) for a in args],
                canonical(attributes) if attributes else {},
            )
        )
    return records


def _comment_records(
    comments: Iterable[tuple[str | None, str, int | None, str]], by_pk: dict[int, SpanRecord]
) -> list[CommentRecord]:
    return [
        CommentRecord(
            author=author,
            text=body,
            span=by_pk.get(span_pk) if span_pk is not None else None,
            created_at=created_at,
        )
        for author, body, span_pk, created_at in comments
    ]


def _export_id(pk: int, external_id: str, checksum: str) -> str:
    # Same rule as Document.export_id, on values instead of an instance.
    return external_id or f"{pk:03d}_{checksum[:16]}"


def build_record(layer: AnnotationLayer, project: Project) -> LayerRecord:
    """One record from a layer's model instances (prefetched or not): the rows
    batches.read_batch would read for it, built into a record by the same code. For
    single layers; `iter_records` is the fast path, and the tests hold it to this one."""
    document = layer.document
    spans = sorted(
        (layer.pk, s.is_trigger, s.start, -s.end, s.label_key, s.pk, s.end, s.text, s.origin)
        for s in layer.spans.all()
    )
    events = [(e.pk, e.trigger_id, e.event_type.key, e.attributes) for e in layer.events.all()]
    arguments: dict[int, list[tuple[int, int, str, int]]] = defaultdict(list)
    orphaned = 0
    for event in layer.events.all():
        for a in event.arguments.all():
            if a.role.event_type_id != event.event_type_id:
                orphaned += 1
                continue
            arguments[event.pk].append((a.pk, a.role.order, a.role.key, a.span_id))
    comments = [
        (c.author.username if c.author else None, c.text, c.span_id, c.created_at.isoformat())
        for c in layer.comments.all()
    ]
    row = (
        layer.pk,
        layer.kind,
        layer.name,
        layer.status,
        layer.owner.username if layer.owner_id else None,
        document.pk,
        document.external_id,
        document.checksum,
        document.title,
        document.text,
        document.language,
        document.direction,
        document.source_url,
        document.published_on,
        document.metadata,
    )  # batches._LAYER_FIELDS
    batch = Batch(
        layers=[row],
        spans={layer.pk: spans},
        events={layer.pk: events},
        arguments=arguments,
        orphaned={layer.pk: orphaned},
        comments={layer.pk: comments},
    )
    (record,) = _build_batch(batch, project)
    return record


def _build_batch(batch: Batch, project: Project) -> Iterator[LayerRecord]:
    """The records of a batch, in order, from its rows: the one place where a record is
    put together (build_record's rows come here too)."""
    spans, events, comments = batch.spans, batch.events, batch.comments
    slug, version = project.slug, project.schema.version
    for (
        layer_id,
        kind,
        name,
        status,
        owner,
        document_pk,
        external_id,
        checksum,
        title,
        text,
        language,
        direction,
        source_url,
        published_on,
        metadata,
    ) in batch.layers:
        document_id = _export_id(document_pk, external_id, checksum)
        layer_name = owner if owner is not None else (name or kind)  # AnnotationLayer.layer_name
        ordered = spans.pop(layer_id, ())
        for _layer, _trigger, start, _neg_end, _label, pk, end, span_text, _origin in ordered:
            if text[start:end] != span_text:
                raise _mismatch(document_id, layer_name, _Located(pk=pk, start=start, end=end))
        ids = _span_ids(len(ordered))
        records = [
            SpanRecord(ids[n], pk, label, start, end, span_text, KINDS[is_trigger], origin)
            for n, (_layer, is_trigger, start, _neg_end, label, pk, end, span_text, origin) in (
                enumerate(ordered)
            )
        ]
        entity_count = len(records)
        while entity_count and ordered[entity_count - 1][1]:
            entity_count -= 1
        layer_events = events.pop(layer_id, ())
        layer_comments = comments.pop(layer_id, ())
        by_pk = {span.pk: span for span in records} if layer_events or layer_comments else {}
        yield LayerRecord(
            document_id=document_id,
            document_pk=document_pk,
            title=title,
            text=text,
            language=language,
            direction=direction,
            source_url=source_url,
            published_on=_iso(published_on),
            metadata=canonical(metadata) if metadata is not None else {},
            project=slug,
            schema_version=version,
            layer=layer_name,
            layer_kind=kind,
            annotator=owner,
            status=status,
            entities=records[:entity_count],
            triggers=records[entity_count:],
            events=_event_records(layer_events, batch.arguments, by_pk) if layer_events else [],
            comments=_comment_records(layer_comments, by_pk) if layer_comments else [],
            orphaned_arguments=batch.orphaned.get(layer_id, 0),
        )


def iter_records(
    project: Project,
    layer: str = "gold",
    statuses: list[str] | None = None,
    batch_size: int = 500,
) -> Iterator[LayerRecord]:
    """Stream the export's records in order, about `batch_size` layers at a time (the
    layers of one document are read together). Raises ExportError at the first span
    whose stored text no longer matches its offsets."""
    layers = layers_queryset(project, layer, statuses)
    document_ids = list(layers.values_list("document_id", flat=True))
    labels = Labels.load(project)
    project.schema  # noqa: B018  (loaded once here, not inside the loop)

    def read(documents: tuple[int, int]) -> Batch:
        first, last = documents
        return read_batch(layers.filter(document_id__gte=first, document_id__lte=last), labels)

    for batch in read_ahead(read, list(batches(document_ids, max(1, batch_size)))):
        yield from _build_batch(batch, project)


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
                # Schema order, as the §10 schema file lists them.
                "allowed": [
                    t.key
                    for t in sorted(r.allowed_entity_types.all(), key=lambda t: (t.order, t.key))
                ],
                "multiple": r.is_multiple,
                "required": r.is_required,
            }
            for r in event_type.roles.all()
        ]
    return dict(result)
