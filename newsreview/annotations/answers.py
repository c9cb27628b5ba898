"""The workspace's small answers (issue 14: answer only what changed): after a new,
relabelled, moved or deleted entity span, only the text chunks it touches, its side-list
row, the count and the version travel back, at a cost that does not grow with the layer
(bench/bench_annotate.py). The full answer is context.annotate_context."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

from newsreview.documents.models import Document
from newsreview.projects.models import EntityType, EventType

from .context import LabelRef, SpanRow, span_view
from .models import AnnotationLayer, Span
from .rendering import ListItem, chunk_bounds, chunks_touching, render_chunk, render_span_list

# The hot path's read, hand-written: compiling ORM queries cost more CPU than the database
# spent answering them (bench/bench_annotate.py). One statement, one round trip: the
# layer's span count and the first span at or after the chunks (one row), joined to the
# touched chunks' spans with their labels' fields (none: one row of NULLs). Names come
# from the models.
_SPAN, _ENTITY, _EVENT = (m._meta.db_table for m in (Span, EntityType, EventType))
_CHUNK_SQL = (
    "SELECT c.total, c.following, "  # noqa: S608
    's.id, s.start, s."end", s.text, s.entity_type_id, s.event_type_id, '
    "s.e_key, s.e_colour, s.e_en, s.e_ar, s.v_key, s.v_colour, s.v_en, s.v_ar "
    f"FROM (SELECT (SELECT COUNT(*) FROM {_SPAN} WHERE layer_id = %s) AS total, "
    f"(SELECT id FROM {_SPAN} WHERE layer_id = %s AND start >= %s "
    'ORDER BY start, "end" DESC, id LIMIT 1) AS following) c '
    'LEFT JOIN (SELECT s.id, s.start, s."end", s.text, s.entity_type_id, '
    "s.event_type_id, e.key AS e_key, e.colour AS e_colour, e.name_en AS e_en, "
    "e.name_ar AS e_ar, v.key AS v_key, v.colour AS v_colour, v.name_en AS v_en, "
    f"v.name_ar AS v_ar FROM {_SPAN} s LEFT JOIN {_ENTITY} e ON e.id = s.entity_type_id "
    f"LEFT JOIN {_EVENT} v ON v.id = s.event_type_id "
    'WHERE s.layer_id = %s AND s.start < %s AND s."end" > %s) s ON 1 = 1 '
    'ORDER BY s.start, s."end" DESC, s.id'
)


def _chunk_read(layer_id: int, lo: int, hi: int) -> tuple[list[tuple], int, int | None]:
    """The spans of `layer_id` overlapping [lo, hi) with their labels' fields, in text
    order, as tuples; the layer's number of spans; the first span (in text order) at or
    after `hi`."""
    with connection.cursor() as cursor:
        cursor.execute(_CHUNK_SQL, [layer_id, layer_id, hi, layer_id, hi, lo])
        found = cursor.fetchall()
    count, following = found[0][:2]
    return [row[2:] for row in found if row[2] is not None], count, following


def span_added_context(
    *, document: Document, layer: AnnotationLayer, span: Span, read_only: bool = False
) -> dict[str, Any]:
    """The answer to a new span, the hot path of the workspace: only the text chunks the
    span touches, its side-list row (placed before the span that follows it), the count
    and the new version. Its cost does not grow with the layer (bench/bench_annotate.py)."""
    return span_changed_context(
        document=document,
        layer=layer,
        span_id=span.pk,
        ranges=[(span.start, span.end)],
        present=True,
        is_new=True,
        read_only=read_only,
    )


def span_changed_context(
    *,
    document: Document,
    layer: AnnotationLayer,
    span_id: int,
    ranges: list[tuple[int, int]],
    present: bool,
    is_new: bool = False,
    read_only: bool = False,
) -> dict[str, Any]:
    """The answer to a change of one entity span (issue 14: answer only what changed):
    the text chunks of `ranges` (where the span was and where it is now) re-rendered, its
    side-list row removed and, if it is still `present`, put back at its place in text
    order, the count and the new version. The caller takes the full answer whenever more
    than that may change (triggers, arguments, comments, the layer's status)."""
    text = document.text
    bounds = chunk_bounds(text)
    touched = sorted({i for start, end in ranges for i in chunks_touching(bounds, start, end)})
    lo, hi = bounds[touched[0]][0], bounds[touched[-1]][1]
    # The few spans of the touched chunks, with their labels' fields in the same query, as
    # tuples: model instances cost more than the rest of this answer (bench_annotate).
    arabic = (get_language() or "").startswith("ar")
    chunk_rows, span_count, following = _chunk_read(layer.pk, lo, hi)
    rows = [
        SpanRow(
            pk,
            start,
            end,
            span_text,
            entity_id,
            event_id,
            LabelRef(
                entity_key or event_key,
                entity_colour or event_colour,
                (entity_ar or event_ar) if arabic else (entity_en or event_en),
            ),
        )
        for (
            pk,
            start,
            end,
            span_text,
            entity_id,
            event_id,
            entity_key,
            entity_colour,
            entity_en,
            entity_ar,
            event_key,
            event_colour,
            event_en,
            event_ar,
        ) in chunk_rows
    ]
    views = [span_view(r, r.label.name) for r in rows]
    selected = span_id if present else None
    chunks = "".join(render_chunk(text, bounds, i, views, selected, oob=True) for i in touched)
    context = {
        "document": document,
        "project": document.project,
        "layer": layer,
        "version": layer.version,
        "chunks": mark_safe(chunks),  # noqa: S308  (render_chunk escapes every value)
        "removed_item": None if is_new else span_id,
    }
    context["span_count"] = span_count
    row = next((r for r in rows if r.pk == span_id), None) if present else None
    if row is None:
        return context
    item = render_span_list(
        [ListItem(row.pk, row.label.name, row.label.colour, row.text, row.is_trigger)],
        lang=document.language,
        picker_text=None if read_only else gettext("Arguments…"),
        selected_id=row.pk,
    )
    # The row goes before the span that follows it in text order: usually one of the
    # touched chunks' spans; otherwise the first span after those chunks.
    key = (row.start, -row.end, row.pk)
    later = [r.pk for r in rows if (r.start, -r.end, r.pk) > key]
    after = later[0] if later else following
    context["item"] = mark_safe(item)  # noqa: S308  (render_span_list escapes every value)
    context["item_target"] = f"beforebegin:#item-{after}" if after else "beforeend:#span-list"
    return context
