"""The gold layer's events as frames on the curation page (issues 10 and 12): the same
read-only frames as the document page (templates/annotations/_frames.html, built by
annotations.frames), so both pages show events the same way. A constant number of
queries: build_frames' own, and, after a decision (whose read covers only a window of
the text), one for the gold spans the events use (triggers and argument spans)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from newsreview.annotations.context import SpanRow, frame_context
from newsreview.annotations.frames import Frames, build_frames
from newsreview.annotations.models import AnnotationLayer, Argument, Span
from newsreview.documents.models import Document
from newsreview.projects.models import EntityType, EventType

from .services import Layers


def _rows_read(
    layers: Layers, gold: AnnotationLayer, entities: dict[str, Any], events: dict[str, Any]
) -> dict[int, SpanRow]:
    """Gold's spans from what the page already read (read_layers, the whole text)."""
    rows = {}
    for pk, start, end, entity, event in layers.rows.get(gold.pk, []):
        label = entities[entity] if entity is not None else events[event]
        rows[pk] = SpanRow(
            pk,
            start,
            end,
            layers.span_text[pk],
            label.pk if entity is not None else None,
            label.pk if event is not None else None,
            label,
        )
    return rows


def _rows_used(
    gold: AnnotationLayer, entities: dict[int, Any], events: dict[int, Any]
) -> dict[int, SpanRow]:
    """Gold's triggers and argument spans, read for the purpose: one query."""
    used = Span.objects.filter(layer=gold).filter(
        Q(event_type__isnull=False)
        | Q(pk__in=Argument.objects.filter(event__layer=gold).values("span_id"))
    )
    return {
        pk: SpanRow(
            pk,
            start,
            end,
            text,
            entity_id,
            event_id,
            entities[entity_id] if entity_id is not None else events[event_id],
        )
        for pk, start, end, text, entity_id, event_id in used.values_list(
            "pk", "start", "end", "text", "entity_type_id", "event_type_id"
        )
    }


def gold_frames_context(
    document: Document,
    gold: AnnotationLayer | None,
    entity_types: list[EntityType],
    event_types: list[EventType],
    *,
    layers: Layers | None = None,
) -> dict[str, Any]:
    """What templates/review/_gold_frames.html needs: the frames of gold's events, how
    many are incomplete, and per argument entity the events it takes part in. `layers`:
    the whole document's layers when the caller read them (no span query then)."""
    if gold is None:
        return frame_context(Frames({}, {}, []), document.language)
    if layers is not None:
        spans = _rows_read(
            layers, gold, {t.key: t for t in entity_types}, {t.key: t for t in event_types}
        )
    else:
        spans = _rows_used(gold, {t.pk: t for t in entity_types}, {t.pk: t for t in event_types})
    names = {id(t): t.name for t in (*entity_types, *event_types)}
    frames = build_frames(gold, spans, names, document.project.schema_id)
    return frame_context(frames, document.language)
