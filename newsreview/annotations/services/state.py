"""State records: what the audit trail stores before and after a change, and what undo
and redo restore (only when the layer still holds exactly what they describe)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from newsreview.accounts.models import User
from newsreview.projects.models import EntityType, EventType, RoleType

from ..errors import AnnotationError
from ..models import AnnotationLayer, Argument, Event, Span
from .layers import State


def span_record(span: Span) -> dict[str, Any]:
    # Who made it and when travel too, so undoing a deletion restores the span as it was.
    return {
        **span.as_record(),
        "created_by": span.created_by_id,
        "created_at": span.created_at.isoformat() if span.created_at else None,
    }


def event_record(event: Event) -> dict[str, Any]:
    return {
        "id": event.pk,
        "trigger": event.trigger_id,
        "event_type": event.event_type_id,
        "attributes": event.attributes,
        "type": event.event_type.key,
        "created_at": event.created_at.isoformat() if event.created_at else None,
    }


def argument_record(argument: Argument) -> dict[str, Any]:
    return {
        "id": argument.pk,
        "event": argument.event_id,
        "role": argument.role_id,
        "span": argument.span_id,
        "role_key": argument.role.key,
    }


def state_of(
    spans: list[Span] = (), events: list[Event] = (), arguments: list[Argument] = ()
) -> State:
    return {
        "spans": [span_record(s) for s in spans],
        "events": [event_record(e) for e in events],
        "arguments": [argument_record(a) for a in arguments],
    }


def span_closure(span: Span) -> State:
    """The span plus everything that goes when it goes: its event and the arguments
    of that event, and every argument that points at the span."""
    if span.event_type_id is None:
        # An entity is no trigger: only arguments pointing at it (one query, not two).
        events = []
        arguments = list(Argument.objects.filter(span=span).select_related("role").order_by("id"))
    else:
        events = list(Event.objects.filter(trigger=span).select_related("event_type"))
        arguments = list(
            Argument.objects.filter(Q(span=span) | Q(event__trigger=span))
            .select_related("role")
            .order_by("id")
        )
    return state_of([span], events, arguments)


def apply_state(layer: AnnotationLayer, remove: State | None, add: State | None) -> None:
    """Replace the objects of `remove` by those of `add` (same id = updated in place)."""
    remove = remove or {}
    add = add or {}
    keep = {kind: {r["id"] for r in add.get(kind, [])} for kind in ("spans", "events", "arguments")}
    Argument.objects.filter(
        pk__in=[r["id"] for r in remove.get("arguments", []) if r["id"] not in keep["arguments"]],
        event__layer=layer,
    ).delete()
    Event.objects.filter(
        pk__in=[r["id"] for r in remove.get("events", []) if r["id"] not in keep["events"]],
        layer=layer,
    ).delete()
    Span.objects.filter(
        pk__in=[r["id"] for r in remove.get("spans", []) if r["id"] not in keep["spans"]],
        layer=layer,
    ).delete()
    creators = {r.get("created_by") for r in add.get("spans", [])} - {None}
    # A span's author may have been deleted since (created_by is SET_NULL).
    existing_users = set(User.objects.filter(pk__in=creators).values_list("pk", flat=True))
    for r in add.get("spans", []):
        defaults = {
            "start": r["start"],
            "end": r["end"],
            "text": r["text"],
            "entity_type_id": r["entity_type"],
            "event_type_id": r["event_type"],
        }
        if "origin" in r:
            defaults["origin"] = r["origin"]
        if "created_by" in r:
            defaults["created_by_id"] = (
                r["created_by"] if r["created_by"] in existing_users else None
            )
        _span, created = Span.objects.update_or_create(pk=r["id"], layer=layer, defaults=defaults)
        if created and r.get("created_at"):
            # auto_now_add stamps "now" on create; put the original time back.
            Span.objects.filter(pk=r["id"]).update(created_at=parse_datetime(r["created_at"]))
    for r in add.get("events", []):
        _event, created = Event.objects.update_or_create(
            pk=r["id"],
            layer=layer,
            defaults={
                "trigger_id": r["trigger"],
                "event_type_id": r["event_type"],
                "attributes": r.get("attributes") or {},
            },
        )
        if created and r.get("created_at"):
            Event.objects.filter(pk=r["id"]).update(created_at=parse_datetime(r["created_at"]))
    for r in add.get("arguments", []):
        Argument.objects.update_or_create(
            pk=r["id"],
            defaults={"event_id": r["event"], "role_id": r["role"], "span_id": r["span"]},
        )


def state_is_current(layer: AnnotationLayer, remove: State, add: State) -> bool:
    """Whether the layer still holds exactly the objects `remove` describes, and replaying
    would neither delete anything it does not describe nor overwrite an object that exists.

    On a layer several people edit (gold), a colleague may have changed or deleted those
    objects since, or linked a new argument to them: replaying then would silently undo
    their work (PRODUCT.md: concurrent edits never lose work)."""
    span_fields = ("start", "end", "entity_type", "event_type")
    current_spans = {
        s["id"]: s
        for s in Span.objects.filter(
            layer=layer, pk__in=[r["id"] for r in remove.get("spans", [])]
        ).values("id", *span_fields)
    }
    for r in remove.get("spans", []):
        found = current_spans.get(r["id"])
        if found is None or any(found[f] != r[f] for f in span_fields):
            return False
    current_events = {
        e["id"]: e
        for e in Event.objects.filter(
            layer=layer, pk__in=[r["id"] for r in remove.get("events", [])]
        ).values("id", "trigger", "event_type")
    }
    for r in remove.get("events", []):
        found = current_events.get(r["id"])
        if found is None or (found["trigger"], found["event_type"]) != (
            r["trigger"],
            r["event_type"],
        ):
            return False
    current_arguments = {
        a["id"]: a
        for a in Argument.objects.filter(
            event__layer=layer, pk__in=[r["id"] for r in remove.get("arguments", [])]
        ).values("id", "event", "role", "span")
    }
    for r in remove.get("arguments", []):
        found = current_arguments.get(r["id"])
        if found is None or (found["event"], found["role"], found["span"]) != (
            r["event"],
            r["role"],
            r["span"],
        ):
            return False
    # What the replay deletes must not take along anything it does not describe (the
    # cascade: a trigger's event, arguments pointing at a deleted span or event).
    kept = {kind: {r["id"] for r in add.get(kind, [])} for kind in ("spans", "events")}
    gone_spans = [r["id"] for r in remove.get("spans", []) if r["id"] not in kept["spans"]]
    gone_events = [r["id"] for r in remove.get("events", []) if r["id"] not in kept["events"]]
    described_events = {r["id"] for r in remove.get("events", [])}
    described_arguments = {r["id"] for r in remove.get("arguments", [])}
    if Event.objects.filter(trigger_id__in=gone_spans).exclude(pk__in=described_events).exists():
        return False
    if (
        Argument.objects.filter(Q(span_id__in=gone_spans) | Q(event_id__in=gone_events))
        .exclude(pk__in=described_arguments)
        .exists()
    ):
        return False
    # What the replay creates must point at rows that will exist: foreign keys are checked
    # only at commit (Django makes them deferrable), too late for a clean refusal.
    if not references_exist(layer, remove, add):
        return False
    # What the replay creates must not exist yet (ids are never reused).
    for kind, model in (("spans", Span), ("events", Event), ("arguments", Argument)):
        removed = {r["id"] for r in remove.get(kind, [])}
        new_ids = [r["id"] for r in add.get(kind, []) if r["id"] not in removed]
        if new_ids and model.objects.filter(pk__in=new_ids).exists():
            return False
    return True


def references_exist(layer: AnnotationLayer, remove: State, add: State) -> bool:
    removed_spans = {r["id"] for r in remove.get("spans", [])}
    removed_events = {r["id"] for r in remove.get("events", [])}
    added_spans = {r["id"] for r in add.get("spans", [])}
    added_events = {r["id"] for r in add.get("events", [])}
    span_ids = {r["trigger"] for r in add.get("events", [])} | {
        r["span"] for r in add.get("arguments", [])
    }
    event_ids = {r["event"] for r in add.get("arguments", [])}
    needed_spans = span_ids - added_spans
    needed_events = event_ids - added_events
    if needed_spans & removed_spans or needed_events & removed_events:
        return False
    if Span.objects.filter(layer=layer, pk__in=needed_spans).count() != len(needed_spans):
        return False
    if Event.objects.filter(layer=layer, pk__in=needed_events).count() != len(needed_events):
        return False
    entity_ids = {r["entity_type"] for r in add.get("spans", []) if r["entity_type"]}
    event_type_ids = {r["event_type"] for r in add.get("spans", []) if r["event_type"]} | {
        r["event_type"] for r in add.get("events", [])
    }
    role_ids = {r["role"] for r in add.get("arguments", [])}
    return (
        EntityType.objects.filter(pk__in=entity_ids).count() == len(entity_ids)
        and EventType.objects.filter(pk__in=event_type_ids).count() == len(event_type_ids)
        and RoleType.objects.filter(pk__in=role_ids).count() == len(role_ids)
    )


def replay(layer: AnnotationLayer, remove: State | None, add: State | None) -> None:
    conflict = AnnotationError(
        "undo_conflict",
        _("This step cannot be replayed: the annotations changed since. Nothing was changed."),
    )
    if not state_is_current(layer, remove or {}, add or {}):
        raise conflict
    try:
        with transaction.atomic():
            apply_state(layer, remove, add)
    except IntegrityError:
        raise conflict from None
