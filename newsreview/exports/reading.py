"""Reading the database into records: the batches (whole documents, a constant number of
queries each) and the building of each `LayerRecord` from plain tuples. records.py holds
the record types and which layers an export takes; this module fills them."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import groupby
from operator import itemgetter
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Model, Q, QuerySet
from django.db.models.expressions import RawSQL

from newsreview.annotations.models import AnnotationLayer, Argument, Comment
from newsreview.projects.models import EntityType, EventType, Project, RoleType

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


@dataclass(slots=True)
class _Labels:
    """A schema's label keys and role keys by id, loaded once per export."""

    entity: dict[int, str]
    event: dict[int, str]
    role: dict[int, tuple[int, str]]  # id → (order, key)
    # id → its event type's id: an argument whose role is of another type than its event
    # (left by a type change, issue 12) fits no format and is left out, counted.
    role_event: dict[int, int] = field(default_factory=dict)

    @classmethod
    def load(cls, project: Project) -> _Labels:
        schema_id = project.schema_id
        roles = list(
            RoleType.objects.filter(event_type__schema_id=schema_id).values_list(
                "id", "order", "key", "event_type_id"
            )
        )
        return cls(
            entity=dict(EntityType.objects.filter(schema_id=schema_id).values_list("id", "key")),
            event=dict(EventType.objects.filter(schema_id=schema_id).values_list("id", "key")),
            role={pk: (order, key) for pk, order, key, _type in roles},
            role_event={pk: type_id for pk, _order, _key, type_id in roles},
        )


# A span as read: (start, -end, label, is_trigger, pk, end, text). Plain tuples sort
# fastest, and their first three fields are the export order of FORMATS.md §0.
RawSpan = tuple[int, int, str, bool, int, int, str, str]


def _raw(
    pk: int, start: int, end: int, text: str, label: str, is_trigger: bool, origin: str = ""
) -> RawSpan:
    return (start, -end, label, is_trigger, pk, end, text, origin)


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


KINDS = ("entity", "trigger")  # by RawSpan's is_trigger
_SPAN_IDS: list[str] = []


def _span_ids(count: int) -> list[str]:
    """The ids e1 … e<count> (at least): made once, not once per span of every record."""
    if len(_SPAN_IDS) < count:
        _SPAN_IDS.extend(f"e{n}" for n in range(len(_SPAN_IDS) + 1, count + 1))
    return _SPAN_IDS


def _assemble(
    *,
    project: Project,
    layer: dict[str, Any],
    spans: Iterable[RawSpan],
    events: Iterable[tuple[int, int, str, dict[str, Any]]],  # pk, trigger pk, type, attrs
    arguments: dict[int, list[tuple[int, int, str, int]]],  # event pk → (pk, order, key, span)
    comments: Iterable[tuple[str | None, str, int | None, str]],  # author, text, span, at
    orphaned_arguments: int = 0,
) -> LayerRecord:
    """The one place where a record is put together (both read paths end here)."""
    text = layer["text"]
    ordered = sorted(spans)
    for start, _neg_end, _label, _is_trigger, pk, end, span_text, _origin in ordered:
        if text[start:end] != span_text:
            raise _mismatch(
                layer["document_id"], layer["layer"], _Located(pk=pk, start=start, end=end)
            )
    # Entities are numbered first, then triggers, each group in text order.
    entity_count = sum(1 for span in ordered if not span[3])
    if entity_count < len(ordered):
        ordered = [s for s in ordered if not s[3]] + [s for s in ordered if s[3]]
    ids = _span_ids(len(ordered))
    records = [
        SpanRecord(ids[n], pk, label, start, end, span_text, KINDS[is_trigger], origin)
        for n, (start, _neg_end, label, is_trigger, pk, end, span_text, origin) in enumerate(
            ordered
        )
    ]
    return LayerRecord(
        document_id=layer["document_id"],
        document_pk=layer["document_pk"],
        title=layer["title"],
        text=text,
        language=layer["language"],
        direction=layer["direction"],
        source_url=layer["source_url"],
        published_on=_iso(layer["published_on"]),
        metadata=canonical(layer["metadata"]) if layer["metadata"] is not None else {},
        project=project.slug,
        schema_version=project.schema.version,
        layer=layer["layer"],
        layer_kind=layer["kind"],
        annotator=layer["annotator"],
        status=layer["status"],
        entities=records[:entity_count],
        triggers=records[entity_count:],
        events=_event_records(events, arguments, records),
        comments=_comment_records(comments, records),
        orphaned_arguments=orphaned_arguments,
    )


def _event_records(
    events: Iterable[tuple[int, int, str, dict[str, Any]]],
    arguments: dict[int, list[tuple[int, int, str, int]]],
    spans: list[SpanRecord],
) -> list[EventRecord]:
    """Events by trigger (start, end, pk), numbered v1…, each with its arguments by role
    (order, key) then span (start, -end) and pk."""
    by_pk = {span.pk: span for span in spans}
    event_records = []
    by_trigger = sorted(events, key=lambda e: (by_pk[e[1]].start, by_pk[e[1]].end, e[0]))
    for number, (pk, trigger_pk, type_key, attributes) in enumerate(by_trigger, start=1):
        args = sorted(
            arguments.get(pk, ()),
            key=lambda a: (a[1], a[2], by_pk[a[3]].start, -by_pk[a[3]].end, a[0]),
        )
        event_records.append(
            EventRecord(
                id=f"v{number}",
                pk=pk,
                type=type_key,
                trigger=by_pk[trigger_pk],
                arguments=[ArgumentRecord(role=a[2], entity=by_pk[a[3]]) for a in args],
                attributes=canonical(attributes or {}),
            )
        )
    return event_records


def _comment_records(
    comments: Iterable[tuple[str | None, str, int | None, str]], spans: list[SpanRecord]
) -> list[CommentRecord]:
    by_pk = {span.pk: span for span in spans}
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
    """One record from a layer whose spans, events and comments are prefetched (or not:
    this path is for single layers; `iter_records` is the fast one)."""
    document = layer.document
    spans = [
        _raw(s.pk, s.start, s.end, s.text, s.label_key, s.is_trigger, s.origin)
        for s in layer.spans.all()
    ]
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
    return _assemble(
        project=project,
        layer={
            "document_id": document.export_id,
            "document_pk": document.pk,
            "title": document.title,
            "text": document.text,
            "language": document.language,
            "direction": document.direction,
            "source_url": document.source_url,
            "published_on": document.published_on,
            "metadata": document.metadata,
            "layer": layer.layer_name,
            "kind": layer.kind,
            "annotator": layer.owner.username if layer.owner_id else None,
            "status": layer.status,
        },
        spans=spans,
        events=events,
        arguments=arguments,
        comments=comments,
        orphaned_arguments=orphaned,
    )


_LAYER_FIELDS = (
    "id",
    "kind",
    "name",
    "status",
    "owner__username",
    "document_id",
    "document__external_id",
    "document__checksum",
    "document__title",
    "document__text",
    "document__language",
    "document__direction",
    "document__source_url",
    "document__published_on",
    "document__metadata",
)


def _any(ids: list[int]) -> tuple[str, list[Any]]:
    """The SQL `IN ids` and its parameters. On PostgreSQL it is `= ANY(%s::bigint[])` with
    the ids as one text parameter: with `__in` (or a list parameter) Django prepares and
    the driver splices each of the 500 ids of a batch, which took a fifth of an export's
    time. (A subquery instead of the ids is no better: the planner then hashes the whole
    span table.)"""
    if connection.vendor == "postgresql":
        return "= ANY(%s::bigint[])", ["{" + ",".join(map(str, ids)) + "}"]
    return f"IN ({', '.join(['%s'] * len(ids))})", list(ids)


def _among(model: type[Model], field: str, ids: list[int]) -> Q | RawSQL:
    """The filter `field IN ids` for a queryset (see `_any`)."""
    if connection.vendor != "postgresql":
        return Q(**{f"{field}__in": ids})
    sql, params = _any(ids)
    column = model._meta.get_field(field).column
    quote = connection.ops.quote_name
    # Only names from the model's metadata go into the SQL; the ids are a parameter.
    return RawSQL(  # noqa: S611
        f"{quote(model._meta.db_table)}.{quote(column)} {sql}", params, output_field=BooleanField()
    )


# The spans of a batch's layers, each row already a sort key: (layer id, is trigger,
# start, -end, label, pk, end, text, origin). Sorting these plain tuples gives each
# layer's spans in export order (entities, then triggers, each by start, -end, label)
# with no tuple made in Python; the database orders them first so that the sort is one
# pass. Labels are joined here, as `Span.label_key` finds them.
_SPANS = """
    SELECT s.layer_id, s.event_type_id IS NOT NULL, s.start, -s."end",
           COALESCE(et.key, vt.key), s.id, s."end", s.text, s.origin
    FROM annotations_span s
    LEFT JOIN projects_entitytype et ON et.id = s.entity_type_id
    LEFT JOIN projects_eventtype vt ON vt.id = s.event_type_id
    WHERE s.layer_id {among} ORDER BY 1, 2, 3, 4"""
_EVENTS = """
    SELECT id, layer_id, trigger_id, event_type_id, attributes
    FROM annotations_event WHERE layer_id {among}"""


def _rows(sql: str, params: list[Any]) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


_first = itemgetter(0)


def _spans_by_layer(chunk: list[int]) -> dict[int, list[tuple]]:
    among, params = _any(chunk)
    rows = _rows(_SPANS.format(among=among), params)
    # Exact export order (labels compared as Python compares them, whatever the
    # database's collation), in one pass over rows the database has nearly ordered.
    rows.sort()
    return {layer_id: list(group) for layer_id, group in groupby(rows, _first)}


def _json(value: Any) -> Any:
    """A JSON column as `JSONField` reads it (Django has jsonb loaded as text)."""
    if value == "{}":
        return {}  # most events' attributes: no decoding, nothing to sort
    return json.loads(value) if isinstance(value, str) else value


def _read_batch(
    layers: QuerySet[AnnotationLayer], project: Project, labels: _Labels
) -> Iterator[LayerRecord]:
    """Five queries for the batch `layers` (the export's layers of a range of
    documents), whatever its size."""
    rows = list(layers.values_list(*_LAYER_FIELDS))
    chunk = [row[0] for row in rows]
    spans = _spans_by_layer(chunk)
    events: dict[int, list[tuple[int, int, str, dict[str, Any]]]] = defaultdict(list)
    event_types: dict[int, tuple[int, int]] = {}  # event id → (layer id, event type id)
    among, params = _any(chunk)
    for pk, layer_id, trigger_id, type_id, attributes in _rows(_EVENTS.format(among=among), params):
        events[layer_id].append((pk, trigger_id, labels.event[type_id], _json(attributes)))
        event_types[pk] = (layer_id, type_id)
    arguments: dict[int, list[tuple[int, int, str, int]]] = defaultdict(list)
    orphaned: dict[int, int] = defaultdict(int)  # by layer id
    # By the ids of the events just read, not by joining events again: an index lookup.
    rows_of_arguments = (
        Argument.objects.filter(_among(Argument, "event", list(event_types)))
        .order_by()
        .values_list("id", "event_id", "role_id", "span_id")
        if event_types
        else ()
    )
    for pk, event_id, role_id, span_id in rows_of_arguments:
        layer_id, event_type_id = event_types[event_id]
        if labels.role_event.get(role_id) != event_type_id:
            orphaned[layer_id] += 1
            continue
        order, key = labels.role[role_id]
        arguments[event_id].append((pk, order, key, span_id))
    comments: dict[int, list[tuple[str | None, str, int | None, str]]] = defaultdict(list)
    for layer_id, author, body, span_id, created_at in (
        Comment.objects.filter(_among(Comment, "layer", chunk))
        .order_by("created_at", "id")
        .values_list("layer_id", "author__username", "text", "span_id", "created_at")
    ):
        comments[layer_id].append((author, body, span_id, created_at.isoformat()))
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
    ) in rows:
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
            events=_event_records(layer_events, arguments, records) if layer_events else [],
            comments=_comment_records(layer_comments, records) if layer_comments else [],
            orphaned_arguments=orphaned.get(layer_id, 0),
        )


def _batches(document_ids: list[int], batch_size: int) -> Iterator[tuple[int, int]]:
    """(first, last) document id of each batch of about `batch_size` layers, in order;
    `document_ids` has one entry per layer, sorted. A document's layers stay together."""
    start = 0
    while start < len(document_ids):
        end = min(start + batch_size, len(document_ids))
        while end < len(document_ids) and document_ids[end] == document_ids[end - 1]:
            end += 1
        yield document_ids[start], document_ids[end - 1]
        start = end


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
    labels = _Labels.load(project)
    project.schema  # noqa: B018  (loaded once here, not inside the loop)
    for first, last in _batches(document_ids, max(1, batch_size)):
        yield from _read_batch(
            layers.filter(document_id__gte=first, document_id__lte=last), project, labels
        )


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
