"""Reading the layers of a document as merge input (merge.py), in a constant number of
queries: the whole document for the curation page, or a window of whole disagreement
groups for a decision (its cost then independent of the layers' size)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection

from newsreview.annotations.models import AnnotationLayer, Event, Span
from newsreview.core import rows as model_rows
from newsreview.documents.models import Document
from newsreview.projects.models import EntityType, EventType

from . import merge as merging

Status = AnnotationLayer.Status
Kind = AnnotationLayer.Kind
# Annotator layers whose work is shown as candidates: submitted, or already reviewed.
FEEDING = (Status.DONE, Status.REVIEWED)

Row = tuple[int, int, int, "str | None", "str | None"]


@dataclass
class Layers:
    """The merge input of a document (or of a window of it)."""

    annotator_layers: list[AnnotationLayer]  # feeding annotator layers and pre-annotations
    gold: AnnotationLayer | None
    inputs: list[merging.LayerIn]
    gold_input: merging.LayerIn | None
    span_text: dict[int, str]  # span id → text, for every layer read
    # layer id → its spans, triggers included: (id, start, end, entity key, event key)
    rows: dict[int, list[Row]]
    window: tuple[int, int] | None = None  # None: the whole document
    has_events: bool = field(default=False)  # some layer read has an event (in the window)


def feeding_layers(document: Document) -> list[AnnotationLayer]:
    """Submitted (or reviewed) annotator layers, pre-annotation layers and gold, with their
    owners: one query, hand-written as _span_rows is (every decision reads them)."""
    layer, user = AnnotationLayer, AnnotationLayer.owner.field.related_model
    feeding = ", ".join(["%s"] * len(FEEDING))
    sql = (
        f"SELECT {model_rows.columns(layer, 'l')}, {model_rows.columns(user, 'u')} "  # noqa: S608 (names from the models)
        f"FROM {layer._meta.db_table} l LEFT JOIN {user._meta.db_table} u ON u.id = l.owner_id "
        f"WHERE l.document_id = %s AND ((l.kind = %s AND l.status IN ({feeding})) "
        "OR l.kind = %s OR l.kind = %s) "
        "ORDER BY l.kind, u.username, l.name, l.id"
    )
    params = [document.pk, Kind.ANNOTATOR, *FEEDING, Kind.PREANNOTATION, Kind.GOLD]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    width = model_rows.width(layer)
    layers = []
    for row in found:
        item = model_rows.instance(layer, row[:width])
        item.owner = model_rows.instance(user, row[width:]) if item.owner_id is not None else None
        layers.append(item)
    return layers


def _content(
    ids: list[int], window: tuple[int, int] | None
) -> tuple[dict[int, list[Row]], dict[int, str], dict[int, list[merging.EventIn]]]:
    """The spans (one query) and events with their arguments (one more, only when a
    trigger was read) of the layers `ids`, as tuples (values_list, no model instances)."""
    rows: dict[int, list[Row]] = {i: [] for i in ids}
    span_text: dict[int, str] = {}
    triggers = False
    for pk, layer_id, start, end, text, entity, event in _span_rows(ids, window):
        span_text[pk] = text
        rows[layer_id].append((pk, start, end, entity, event))
        triggers = triggers or event is not None
    events: dict[int, list[merging.EventIn]] = {i: [] for i in ids}
    if not triggers:
        return rows, span_text, events
    # Events by their trigger (in the window), arguments wherever they are: one joined
    # query, a row per argument (or one with nulls for an event without any).
    event_query = Event.objects.filter(layer_id__in=ids)
    if window is not None:
        lo, hi = window
        event_query = event_query.filter(trigger__start__lt=hi, trigger__end__gt=lo)
    found: dict[int, tuple] = {}
    arguments: dict[int, list[merging.ArgumentIn]] = {}
    for (
        pk,
        layer_id,
        start,
        end,
        key,
        attributes,
        role,
        a_start,
        a_end,
        a_label,
    ) in event_query.values_list(
        "pk",
        "layer_id",
        "trigger__start",
        "trigger__end",
        "event_type__key",
        "attributes",
        "arguments__role__key",
        "arguments__span__start",
        "arguments__span__end",
        "arguments__span__entity_type__key",
    ).order_by("pk", "arguments__id"):
        found.setdefault(pk, (layer_id, start, end, key, attributes))
        if role is not None and a_label is not None:
            arguments.setdefault(pk, []).append(merging.ArgumentIn(role, a_start, a_end, a_label))
    for pk, (layer_id, start, end, key, attributes) in found.items():
        events[layer_id].append(
            merging.EventIn(
                pk,
                start,
                end,
                key,
                tuple(arguments.get(pk, ())),
                merging.attributes_key(attributes or {}),
            )
        )
    return rows, span_text, events


def _span_rows(ids: list[int], window: tuple[int, int] | None) -> list[tuple]:
    """(id, layer id, start, end, text, entity key, event key) of the spans of layers
    `ids` (overlapping `window`), in Span's order. Hand-written SQL: every decision on
    the curation page reads these, and compiling the ORM query cost more CPU than the
    database spent on it (bench/bench_review.py)."""
    if not ids:
        return []
    span, entity, event = (m._meta.db_table for m in (Span, EntityType, EventType))
    where = f"s.layer_id IN ({', '.join(['%s'] * len(ids))})"
    params: list[int] = list(ids)
    if window is not None:
        where += ' AND s.start < %s AND s."end" > %s'
        params += [window[1], window[0]]
    sql = (
        f'SELECT s.id, s.layer_id, s.start, s."end", s.text, e.key, v.key FROM {span} s '  # noqa: S608 (names from the models)
        f"LEFT JOIN {entity} e ON e.id = s.entity_type_id "
        f"LEFT JOIN {event} v ON v.id = s.event_type_id "
        f'WHERE {where} ORDER BY s.start, s."end" DESC, s.id'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _layer_in(
    layer: AnnotationLayer, rows: dict[int, list[Row]], events: dict[int, list[merging.EventIn]]
) -> merging.LayerIn:
    return merging.LayerIn(
        name=layer.layer_name,
        kind=merging.PREANNOTATION if layer.kind == Kind.PREANNOTATION else merging.ANNOTATOR,
        spans=tuple(
            merging.SpanIn(pk, start, end, entity)
            for pk, start, end, entity, _event in rows[layer.pk]
            if entity is not None
        ),
        events=tuple(events[layer.pk]),
    )


def read_layers(
    document: Document,
    *,
    gold: AnnotationLayer | None = None,
    window: tuple[int, int] | None = None,
    layers: list[AnnotationLayer] | None = None,
) -> Layers:
    """The feeding layers and gold of `document` as merge input: two queries (three when
    there are events) whatever the number of spans. With `window=(lo, hi)` only what
    overlaps it (the spans, and the events by their triggers, arguments included
    wherever they are): a window that covers whole groups (read_around) gives the same
    groups there as the whole. `layers`: feeding_layers(document), when the caller has
    read them already."""
    if layers is None:
        layers = feeding_layers(document)
    if gold is None:
        gold = next((layer for layer in layers if layer.kind == Kind.GOLD), None)
    others = [layer for layer in layers if layer.kind != Kind.GOLD]
    ids = [layer.pk for layer in others] + ([gold.pk] if gold else [])
    rows, span_text, events = _content(ids, window)
    return Layers(
        annotator_layers=others,
        gold=gold,
        inputs=[_layer_in(layer, rows, events) for layer in others],
        gold_input=_layer_in(gold, rows, events) if gold else None,
        span_text=span_text,
        rows=rows,
        window=window,
        has_events=any(events.values()),
    )


def reread_gold(layers: Layers) -> Layers:
    """`layers` with gold read again in the same window (after a decision wrote to it):
    one query (two with events)."""
    gold = layers.gold
    if gold is None:
        return layers
    rows, span_text, events = _content([gold.pk], layers.window)
    return Layers(
        annotator_layers=layers.annotator_layers,
        gold=gold,
        inputs=layers.inputs,
        gold_input=_layer_in(gold, rows, events),
        span_text={**layers.span_text, **span_text},
        rows={**layers.rows, gold.pk: rows[gold.pk]},
        window=layers.window,
        has_events=layers.has_events or bool(events[gold.pk]),
    )


def with_gold_span(layers: Layers, pk: int, start: int, end: int, label: str) -> Layers:
    """`layers` after a new gold entity span, without reading gold again."""
    gold = layers.gold
    if gold is None or layers.gold_input is None:
        return layers
    rows = {**layers.rows, gold.pk: [*layers.rows[gold.pk], (pk, start, end, label, None)]}
    gold_input = layers.gold_input._replace(
        spans=(*layers.gold_input.spans, merging.SpanIn(pk, start, end, label))
    )
    return Layers(
        annotator_layers=layers.annotator_layers,
        gold=gold,
        inputs=layers.inputs,
        gold_input=gold_input,
        span_text=layers.span_text,
        rows=rows,
        window=layers.window,
        has_events=layers.has_events,
    )


def _extent(layers: Layers) -> tuple[int, int] | None:
    starts = [row[1] for rows in layers.rows.values() for row in rows]
    if not starts:
        return None
    return min(starts), max(row[2] for rows in layers.rows.values() for row in rows)


def read_around(
    document: Document,
    start: int,
    end: int,
    *,
    gold: AnnotationLayer | None = None,
    snap: Callable[[int, int], tuple[int, int]] | None = None,
) -> Layers:
    """The layers in a window around [start, end) that holds whole disagreement groups
    (they are made of overlapping spans): read, and widened and read again only while a
    span read crosses the window's edge, which is rare. `snap` widens a window further
    (the curation page's text chunks, so whole chunks can be rendered)."""
    lo, hi = snap(start, end) if snap else (start, end)
    feeding = None
    while True:
        layers = read_layers(document, gold=gold, window=(lo, hi), layers=feeding)
        feeding = [*layers.annotator_layers, *([layers.gold] if layers.gold else [])]
        extent = _extent(layers)
        if extent is None or (lo <= extent[0] and extent[1] <= hi):
            return layers
        lo, hi = min(lo, extent[0]), max(hi, extent[1])
        if snap:
            lo, hi = snap(lo, hi)


def offsets_of(item_id: str) -> tuple[int, int] | None:
    """The offsets a candidate id ("e:START:END:LABEL", "v:START:END:…") or a group id
    ("g:KIND:START:END:…") carries; None for a malformed id."""
    parts = item_id.split(":")
    numbers = parts[2:4] if item_id.startswith("g:") else parts[1:3]
    if len(numbers) != 2 or not all(n.isdigit() and len(n) < 10 for n in numbers):
        return None
    start, end = int(numbers[0]), int(numbers[1])
    return (start, end) if start < end else None
