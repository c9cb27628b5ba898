"""The database side of an export: each batch of layers (whole documents) read in a
constant number of queries into plain rows, and the next batch read ahead while the
current one is written. reading.py builds the records from what this module reads.

Rows are read as tuples, never model instances: an export of 10,000 documents has
hundreds of thousands of spans (bench/bench_export.py)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from typing import Any, TypeVar

from django.db import connection
from django.db.models import BooleanField, Model, Q, QuerySet
from django.db.models.expressions import RawSQL

from newsreview.annotations.models import AnnotationLayer, Comment
from newsreview.core.read_ahead import read_ahead as core_read_ahead
from newsreview.projects.models import EventType, Project, RoleType

_T = TypeVar("_T")


@dataclass(slots=True)
class Labels:
    """A schema's event type and role keys by id, loaded once per export (span labels
    come joined with the spans)."""

    event: dict[int, str]
    role: dict[int, tuple[int, str]]  # id → (order, key)
    # id → its event type's id: an argument whose role is of another type than its event
    # (left by a type change, issue 12) fits no format and is left out, counted.
    role_event: dict[int, int]

    @classmethod
    def load(cls, project: Project) -> Labels:
        schema_id = project.schema_id
        roles = list(
            RoleType.objects.filter(event_type__schema_id=schema_id).values_list(
                "id", "order", "key", "event_type_id"
            )
        )
        return cls(
            event=dict(EventType.objects.filter(schema_id=schema_id).values_list("id", "key")),
            role={pk: (order, key) for pk, order, key, _type in roles},
            role_event={pk: type_id for pk, _order, _key, type_id in roles},
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
    SELECT layer_id, id, trigger_id, event_type_id, attributes
    FROM annotations_event WHERE layer_id {among}"""
# Not joined with their spans (for the order by offsets): the planner then hashes the
# whole span table for each batch. The order is made from the records (reading.py).
_ARGUMENTS = """
    SELECT event_id, id, role_id, span_id FROM annotations_argument WHERE event_id {among}"""


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


@dataclass(slots=True)
class Batch:
    """What the database holds for a batch's layers, grouped by layer id."""

    layers: list[tuple]  # _LAYER_FIELDS, in export order
    spans: dict[int, list[tuple]]  # sorted rows of _SPANS
    events: dict[int, list[tuple[int, int, str, Any]]]  # pk, trigger pk, type key, attributes
    arguments: dict[int, list[tuple[int, int, str, int]]]  # event pk → (pk, order, key, span)
    orphaned: dict[int, int]  # arguments left out (their role is not their event's type)
    comments: dict[int, list[tuple[str | None, str, int | None, str]]]


def read_batch(layers: QuerySet[AnnotationLayer], labels: Labels) -> Batch:
    """Five queries for the batch `layers` (the export's layers of a range of
    documents), whatever its size."""
    rows = list(layers.values_list(*_LAYER_FIELDS))
    chunk = [row[0] for row in rows]
    spans = _spans_by_layer(chunk)
    events: dict[int, list[tuple[int, int, str, Any]]] = defaultdict(list)
    event_types: dict[int, tuple[int, int]] = {}  # event id → (layer id, event type id)
    among, params = _any(chunk)
    for layer_id, pk, trigger_id, type_id, attributes in _rows(_EVENTS.format(among=among), params):
        events[layer_id].append((pk, trigger_id, labels.event[type_id], _json(attributes)))
        event_types[pk] = (layer_id, type_id)
    arguments: dict[int, list[tuple[int, int, str, int]]] = defaultdict(list)
    orphaned: dict[int, int] = defaultdict(int)  # by layer id
    # By the ids of the events just read, not by joining events again: an index lookup.
    rows_of_arguments: list[tuple] = []
    if event_types:
        among, params = _any(list(event_types))
        rows_of_arguments = _rows(_ARGUMENTS.format(among=among), params)
    for event_id, pk, role_id, span_id in rows_of_arguments:
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
    return Batch(rows, spans, events, arguments, orphaned, comments)


def batches(document_ids: list[int], batch_size: int) -> Iterator[tuple[int, int]]:
    """(first, last) document id of each batch of about `batch_size` layers, in order;
    `document_ids` has one entry per layer, sorted. A document's layers stay together."""
    start = 0
    while start < len(document_ids):
        end = min(start + batch_size, len(document_ids))
        while end < len(document_ids) and document_ids[end] == document_ids[end - 1]:
            end += 1
        yield document_ids[start], document_ids[end - 1]
        start = end


def read_ahead(read: Callable[[_T], Batch], keys: list[_T]) -> Iterator[Batch]:
    """`read(key)` for each key, the next batch read while this one is written
    (core.read_ahead)."""
    return core_read_ahead(read, keys, name="export-read")
