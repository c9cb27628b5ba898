"""Context builders for pages that show a document with one layer's spans."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from django.db.models import Case, Exists, OuterRef, Value, When
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from newsreview.documents.models import Document
from newsreview.projects.models import Assignment, EntityType, EventType, RoleType

from .frames import Frames, build_frames, render_participation, render_placeholders
from .models import AnnotationLayer, Span
from .rendering import (
    ListItem,
    SpanView,
    render_chunks,
    render_span_list,
    render_spans,
)

if TYPE_CHECKING:
    from newsreview.accounts.models import User


def span_views(spans: list[Span]) -> list[SpanView]:
    views = []
    for span in spans:
        label = span.label
        views.append(
            SpanView(
                id=span.pk,
                start=span.start,
                end=span.end,
                label=label.key,
                colour=label.colour,
                kind="trigger" if span.is_trigger else "entity",
                description=f"{label.name}: {span.text}",
            )
        )
    return views


def rendered_text(
    document: Document, spans: list[Span], selected_id: int | None = None
) -> SafeString:
    # render_spans escapes every piece of document text itself (rendering.py).
    return mark_safe(render_spans(document.text, span_views(spans), selected_id))  # noqa: S308


def layer_spans(layer: AnnotationLayer | None) -> list[Span]:
    if layer is None:
        return []
    return list(
        Span.objects.filter(layer=layer)
        .select_related("entity_type", "event_type")
        .order_by("start", "-end", "id")
    )


def document_view_context(*, document: Document, layer: AnnotationLayer | None) -> dict[str, Any]:
    """What the read-only document page needs: the text with the layer's spans."""
    spans = layer_spans(layer)
    frames = build_frames(
        layer,
        {s.pk: s for s in spans},
        {id(s.label): s.label.name for s in spans},
        document.project.schema_id,
    )
    return {
        "document": document,
        "project": document.project,
        "layer": layer,
        "spans": spans,
        "rendered_text": rendered_text(document, spans),
        **frame_context(frames, document.language),
    }


def frame_context(frames: Frames, lang: str, selected_id: int | None = None) -> dict[str, Any]:
    """The event frames' part of a page context (templates/annotations/_frames.html)."""
    listed = list(frames.by_trigger.values())
    return {
        "frames": listed,
        "incomplete_count": frames.incomplete,
        "attribute_types": frames.attribute_types,
        # render_* escape every value (frames.py).
        "frame_placeholders": mark_safe(render_placeholders(listed, selected_id)),  # noqa: S308
        "participation_html": mark_safe(  # noqa: S308
            render_participation(frames.participation, lang)
        ),
    }


def _list_flags(frame: Any) -> str:
    """What the side list says of an event beside its arguments: incomplete, realis."""
    if frame is None:
        return ""
    parts = [] if frame.is_complete else [gettext("incomplete")]
    parts += [f"{a.attribute.name}: {a.value}" for a in frame.attributes if a.value]
    return " · ".join(parts)


# --- the annotation workspace ------------------------------------------------------------


@dataclass(slots=True)
class SpanRow:
    """A span as the workspace needs it: read with values_list, not as a model instance,
    because a layer may hold thousands (bench/bench_annotate.py)."""

    pk: int
    start: int
    end: int
    text: str
    entity_type_id: int | None
    event_type_id: int | None
    label: EntityType | EventType | LabelRef

    @property
    def is_trigger(self) -> bool:
        return self.event_type_id is not None


class LabelRef(NamedTuple):
    """A label's fields read along with a span (the hot path reads no label instances)."""

    key: str
    colour: str
    name: str


@dataclass
class ArgumentView:
    id: int
    role: str
    span_text: str


@dataclass
class Candidate:
    """An entity the argument picker offers: its label, its text and a few words around
    it, because a news article names the same place or person many times."""

    pk: int
    label_key: str
    label_name: str
    text: str
    context: str


CONTEXT_CHARS = 24


def argument_candidates(
    text: str, trigger: SpanRow, spans: list[SpanRow], names: dict[int, str]
) -> list[Candidate]:
    """The layer's entity spans, nearest to the trigger first (an event's arguments are
    almost always in its sentence), each with the words around it on its own line."""
    entities = sorted(
        (s for s in spans if s.entity_type_id),
        key=lambda s: (max(s.start - trigger.end, trigger.start - s.end, 0), s.start),
    )
    return [
        Candidate(s.pk, s.label.key, names[id(s.label)], s.text, _context(text, s.start, s.end))
        for s in entities
    ]


def _context(text: str, start: int, end: int) -> str:
    before = text[max(0, start - CONTEXT_CHARS) : start].rsplit("\n", 1)[-1]
    after = text[end : end + CONTEXT_CHARS].split("\n", 1)[0]
    # Cut at word edges so the snippet does not begin or end mid-word; the start of the
    # text or of a line, and its end, are word edges already.
    first = start - len(before)
    if first > 0 and text[first - 1] != "\n" and " " in before:
        before = before.split(" ", 1)[1]
    last = end + len(after)
    if last < len(text) and text[last] != "\n" and " " in after:
        after = after.rsplit(" ", 1)[0]
    return f"…{before}[{text[start:end]}]{after}…"


def own_layer(user: User, document: Document) -> AnnotationLayer | None:
    """The user's own layer on `document`, through the permission-scoped queryset.
    Reading never creates it (services.get_or_create_layer does, on the first write)."""
    return AnnotationLayer.objects.editable_by(user).filter(document=document, owner=user).first()


def _queue(document: Document, user: User) -> tuple[int | None, int | None]:
    """Previous and next document of the project that `user` may open (the queue is
    ordered by id; in an assigned-mode project an annotator's are their assigned ones)."""
    siblings = Document.objects.visible_to(user).filter(project_id=document.project_id)
    previous = siblings.filter(pk__lt=document.pk).order_by("-pk").values_list("pk", flat=True)
    following = siblings.filter(pk__gt=document.pk).order_by("pk").values_list("pk", flat=True)
    return previous.first(), following.first()


def next_to_do(document: Document, user: User) -> int | None:
    """The next document of the queue `user` has not finished (no layer of theirs marked
    done or reviewed), after this one and then from the start; None when all are.
    Documents assigned to `user` come first (issue 11: "next to do" follows the
    assignment); in an assigned-mode project they are the only ones an annotator sees."""
    finished = AnnotationLayer.objects.filter(
        owner=user,
        status__in=[AnnotationLayer.Status.DONE, AnnotationLayer.Status.REVIEWED],
        document__project_id=document.project_id,
    ).values("document_id")
    mine = Assignment.objects.filter(document=OuterRef("pk"), annotator=user)
    # One query: assigned before unassigned, then the documents after this one first,
    # then those before it.
    wrapped = Case(When(pk__gt=document.pk, then=Value(0)), default=Value(1))
    unassigned = Case(When(Exists(mine), then=Value(0)), default=Value(1))
    return (
        Document.objects.visible_to(user)
        .filter(project_id=document.project_id)
        .exclude(pk=document.pk)
        .exclude(pk__in=finished)
        .order_by(unassigned, wrapped, "pk")
        .values_list("pk", flat=True)
        .first()
    )


def _span_rows(
    layer: AnnotationLayer | None,
    entities: dict[int, EntityType],
    events: dict[int, EventType],
    window: tuple[int, int] | None = None,
) -> list[SpanRow]:
    if layer is None:
        return []
    rows = Span.objects.filter(layer=layer).order_by("start", "-end", "id")
    if window is not None:
        rows = rows.filter(start__lt=window[1], end__gt=window[0])
    return [
        SpanRow(
            pk,
            start,
            end,
            text,
            entity_id,
            event_id,
            entities[entity_id] if entity_id is not None else events[event_id],
        )
        for pk, start, end, text, entity_id, event_id in rows.values_list(
            "pk", "start", "end", "text", "entity_type_id", "event_type_id"
        )
    ]


def span_view(row: SpanRow, label_name: str) -> SpanView:
    return SpanView(
        id=row.pk,
        start=row.start,
        end=row.end,
        label=row.label.key,
        colour=row.label.colour,
        kind="trigger" if row.is_trigger else "entity",
        description=f"{label_name}: {row.text}",
    )


def annotate_context(
    *,
    document: Document,
    layer: AnnotationLayer | None,
    user: User,
    selected_id: int | None = None,
    picker_id: int | None = None,
    picker_role: str = "",
    read_only: bool = False,
) -> dict[str, Any]:
    """Everything the annotate page and its fragments show. The number of queries does
    not grow with the number of spans (tests/annotations/test_views.py checks it)."""
    project = document.project
    entity_types = list(EntityType.objects.filter(schema_id=project.schema_id))
    event_types = list(EventType.objects.filter(schema_id=project.schema_id))
    spans = _span_rows(layer, {t.pk: t for t in entity_types}, {t.pk: t for t in event_types})
    by_id = {s.pk: s for s in spans}
    if selected_id not in by_id:
        selected_id = None
    names = {id(t): t.name for t in (*entity_types, *event_types)}
    frames = build_frames(layer, by_id, names, project.schema_id)
    # The side list and the picker show each event's arguments as its frame has them.
    arguments = {
        trigger_id: [ArgumentView(a.id, a.role.name, a.text) for a in frame.all_arguments]
        for trigger_id, frame in frames.by_trigger.items()
    }
    span_list = render_span_list(
        [
            ListItem(
                id=s.pk,
                label_name=names[id(s.label)],
                colour=s.label.colour,
                text=s.text,
                is_trigger=s.is_trigger,
                arguments=tuple((a.role, a.span_text) for a in arguments.get(s.pk, ())),
                flags=_list_flags(frames.by_trigger.get(s.pk)),
                is_incomplete=s.pk in frames.by_trigger and not frames.by_trigger[s.pk].is_complete,
            )
            for s in spans
        ],
        lang=document.language,
        picker_text=None if read_only else gettext("Arguments…"),
        selected_id=selected_id,
    )
    views = [span_view(s, names[id(s.label)]) for s in spans]
    previous_id, next_id = _queue(document, user)
    done = AnnotationLayer.objects.filter(
        document__project_id=project.pk,
        owner=user,
        status__in=[AnnotationLayer.Status.DONE, AnnotationLayer.Status.REVIEWED],
    ).count()
    total = Document.objects.visible_to(user).filter(project_id=project.pk).count()
    picker = None
    if picker_id is not None and picker_id in by_id and by_id[picker_id].is_trigger:
        trigger = by_id[picker_id]
        picker = {
            "role": picker_role,
            "trigger": trigger,
            "arguments": arguments.get(picker_id, []),
            "roles": list(
                RoleType.objects.filter(event_type_id=trigger.event_type_id).prefetch_related(
                    "allowed_entity_types"
                )
            ),
            "entities": argument_candidates(document.text, trigger, spans, names),
        }
    return {
        "document": document,
        "project": project,
        "layer": layer,
        "version": layer.version if layer is not None else 0,
        "status": layer.status if layer is not None else AnnotationLayer.Status.NEW,
        "read_only": read_only,
        "span_count": len(spans),
        "span_list": mark_safe(span_list),  # noqa: S308  (render_span_list escapes every value)
        "selected": by_id.get(selected_id) if selected_id else None,
        # render_spans escapes every piece of document text itself (rendering.py).
        "rendered_text": mark_safe(render_chunks(document.text, views, selected_id)),  # noqa: S308
        "entity_types": entity_types,
        "event_types": event_types,
        "previous_id": previous_id,
        "next_id": next_id,
        "next_to_do_id": next_to_do(document, user),
        "progress": {"done": done, "total": total},
        "picker": picker,
        **frame_context(frames, document.language, selected_id),
        "selected_frame": frames.by_trigger.get(selected_id) if selected_id else None,
    }


def frame_only_context(
    *, document: Document, layer: AnnotationLayer | None, trigger_id: int, read_only: bool
) -> dict[str, Any] | None:
    """What templates/annotations/_frame.html needs for the event `trigger_id` starts (None
    if the layer has no such event)."""
    project = document.project
    entity_types = list(EntityType.objects.filter(schema_id=project.schema_id))
    event_types = list(EventType.objects.filter(schema_id=project.schema_id))
    spans = _span_rows(layer, {t.pk: t for t in entity_types}, {t.pk: t for t in event_types})
    names = {id(t): t.name for t in (*entity_types, *event_types)}
    frames = build_frames(layer, {s.pk: s for s in spans}, names, project.schema_id)
    frame = frames.by_trigger.get(trigger_id)
    if frame is None:
        return None
    return {
        "document": document,
        "project": project,
        "layer": layer,
        "version": layer.version if layer is not None else 0,
        "read_only": read_only,
        "frame": frame,
        "selected_frame": frame,
    }
