"""Span writes: add one, add many at once (one audit entry), relabel or move, delete."""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from newsreview.accounts.models import User
from newsreview.core import writes
from newsreview.projects.models import EntityType, EventType

from ..errors import AnnotationError
from ..models import AnnotationLayer, Argument, Event, Span
from .checks import (
    check_duplicate,
    check_label,
    check_offsets,
    check_role_allows,
    check_single_line,
    check_trimmed,
    duplicate_error,
    resolve_label,
    resolve_new_label,
    span_of,
)
from .layers import Label, close_write, lock_layer
from .state import span_closure, state_of


@transaction.atomic
def add_span(
    *,
    layer: AnnotationLayer,
    start: int,
    end: int,
    label: Label | str,
    by: User | None,
    version: int | None = None,
    text: str | None = None,
) -> Span:
    """Label `text[start:end]` of the layer's document. `text` is what the caller saw:
    the server never trusts it, it only compares it with the stored text.
    An event type label also creates the event whose trigger the span is."""
    layer = lock_layer(layer, version, editing=True)
    duplicate = None  # not known yet
    if isinstance(label, str) and type(start) is int and type(end) is int:
        label, duplicate = resolve_new_label(layer, label, start, end)
    elif isinstance(label, str):
        label = resolve_label(layer, label)
    check_label(layer, label)
    document_text = layer.document.text
    check_offsets(document_text, start, end)
    check_single_line(document_text, start, end)
    if text is not None and document_text[start:end] != text:
        raise AnnotationError(
            "text_mismatch",
            _("The selected text does not match the document. Reload the page and select again."),
        )
    if duplicate is None:
        check_duplicate(layer, start, end, label)
    elif duplicate:
        raise duplicate_error(label)
    is_event = isinstance(label, EventType)
    span = _insert_span(layer, start, end, document_text[start:end], label, by, is_event)
    events = [Event.objects.create(layer=layer, trigger=span, event_type=label)] if is_event else []
    close_write(layer, by, "span.add", None, state_of([span], events))
    return span


def _insert_span(
    layer: AnnotationLayer,
    start: int,
    end: int,
    text: str,
    label: Label,
    by: User | None,
    is_event: bool,
) -> Span:
    # Span.objects.create, by hand (core/writes.py): the hot path of the workspace.
    now = timezone.now()
    values = {
        "layer": layer.pk,
        "start": start,
        "end": end,
        "entity_type": None if is_event else label.pk,
        "event_type": label.pk if is_event else None,
        "text": text,
        "created_by": by.pk if by is not None else None,
        "created_at": now,
        "origin": "",
    }
    span = Span(
        id=writes.insert(Span, values),
        layer=layer,
        start=start,
        end=end,
        entity_type=None if is_event else label,
        event_type=label if is_event else None,
        text=text,
        created_by=by,
        created_at=now,
        origin="",
    )
    span._state.adding = False
    span._state.db = DEFAULT_DB_ALIAS
    return span


@transaction.atomic
def add_spans(
    *,
    layer: AnnotationLayer,
    items: list[tuple[int, int, Label | str]],
    by: User | None,
    version: int | None = None,
    origin: str = "",
) -> list[Span]:
    """Label several `(start, end, label)` ranges of the layer's document at once (label
    all mentions, accepted gazetteer suggestions), each checked as add_span checks one.
    Ranges that already carry their label are skipped; the rest are written with one
    audit entry (`span.add_batch`), so one undo removes them all and one redo brings
    them back. `origin` records where they came from (Span.origin)."""
    layer = lock_layer(layer, version, editing=True)
    document_text = layer.document.text
    labels: dict[str, Label] = {}
    wanted: dict[tuple[int, int, str], Label] = {}
    for start, end, given in items:
        label = given
        if isinstance(given, str):
            label = labels.get(given) or resolve_label(layer, given)
            labels[given] = label
        check_label(layer, label)
        check_offsets(document_text, start, end)
        check_single_line(document_text, start, end)
        wanted[(start, end, label.key)] = label
    existing = {
        (start, end, entity or event)
        for start, end, entity, event in Span.objects.filter(layer=layer).values_list(
            "start", "end", "entity_type__key", "event_type__key"
        )
    }
    new = [(key, label) for key, label in sorted(wanted.items()) if key not in existing]
    if not new:
        raise AnnotationError("nothing_to_add", _("Every one of these is labelled already."))
    spans = Span.objects.bulk_create(
        Span(
            layer=layer,
            start=start,
            end=end,
            text=document_text[start:end],
            created_by=by,
            entity_type=None if isinstance(label, EventType) else label,
            event_type=label if isinstance(label, EventType) else None,
            origin=origin,
        )
        for (start, end, _key), label in new
    )
    events = Event.objects.bulk_create(
        Event(layer=layer, trigger=span, event_type=span.event_type)
        for span in spans
        if span.event_type is not None
    )
    close_write(layer, by, "span.add_batch", None, state_of(spans, events))
    return spans


@transaction.atomic
def update_span(
    *,
    layer: AnnotationLayer,
    span: Span | int,
    by: User | None,
    version: int | None = None,
    label: Label | str | None = None,
    start: int | None = None,
    end: int | None = None,
) -> Span:
    """Relabel a span and/or move its edges. A trigger stays a trigger (its event keeps its
    arguments when the new event type has the same roles) and an entity stays an entity."""
    layer = lock_layer(layer, version, editing=True)
    span = span_of(layer, span)
    before = span_closure(span)
    new_label = (
        span.label
        if label is None
        else (resolve_label(layer, label) if isinstance(label, str) else label)
    )
    check_label(layer, new_label)
    if isinstance(new_label, EventType) != span.is_trigger:
        raise AnnotationError(
            "kind_change",
            _(
                "An entity cannot become an event trigger or the reverse; delete it and label "
                "the text again."
            ),
        )
    new_start = span.start if start is None else start
    new_end = span.end if end is None else end
    document_text = layer.document.text
    check_offsets(document_text, new_start, new_end)
    if (new_start, new_end) != (span.start, span.end):
        check_trimmed(document_text, new_start, new_end)
    check_single_line(document_text, new_start, new_end)
    check_duplicate(layer, new_start, new_end, new_label, exclude=span.pk)
    if isinstance(new_label, EntityType):
        for argument in Argument.objects.filter(span=span).select_related("role"):
            check_role_allows(argument.role, new_label)
        span.entity_type = new_label
    else:
        event = span.event
        if event.event_type_id != new_label.pk:
            # issue 12: arguments the new type has no place for stay, flagged (events.py).
            from ..events import retype_arguments

            retype_arguments(event, new_label)
            event.event_type = new_label
            event.save(update_fields=["event_type"])
        span.event_type = new_label
    span.start, span.end = new_start, new_end
    span.text = document_text[new_start:new_end]
    span.save()
    close_write(layer, by, "span.update", before, span_closure(span))
    return span


@transaction.atomic
def delete_span(
    *, layer: AnnotationLayer, span: Span | int, by: User | None, version: int | None = None
) -> None:
    """Delete a span, its event if it is a trigger, and the arguments that use it."""
    layer = lock_layer(layer, version, editing=True)
    span = span_of(layer, span)
    before = span_closure(span)
    span.delete()
    close_write(layer, by, "span.delete", before, None)
