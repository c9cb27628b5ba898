"""Every change to annotations goes through these functions: views, admin, importers and
commands call them. Each validates its input, runs in one transaction, checks the
layer's version (optimistic locking) when the caller saw one, and writes the audit trail.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from newsreview.accounts.models import User
from newsreview.documents.models import Document
from newsreview.projects.models import EntityType, EventType, RoleType
from newsreview.projects.permissions import REVIEW_ROLES, role_in

from .errors import AnnotationError
from .models import GOLD, AnnotationLayer, Argument, Change, Comment, Event, Span
from .offsets import trim_whitespace

Label = EntityType | EventType
State = dict[str, list[dict[str, Any]]]

# Actions the annotator may undo (layer status changes and comments are not).
UNDOABLE = (
    "span.add",
    "span.add_batch",
    "span.delete",
    "span.update",
    "argument.add",
    "argument.delete",
    # issue 12 (annotations/events.py)
    "argument.update",
    "event.attributes",
)


# --- layers ---------------------------------------------------------------------------


def get_or_create_layer(*, document: Document, user: User) -> AnnotationLayer:
    """The annotator's own layer on `document`, created on first write."""
    layer, _created = AnnotationLayer.objects.get_or_create(
        document=document, owner=user, defaults={"kind": AnnotationLayer.Kind.ANNOTATOR}
    )
    return layer


def get_or_create_named_layer(
    *, document: Document, name: str, kind: str = AnnotationLayer.Kind.PREANNOTATION
) -> AnnotationLayer:
    """A layer with no owner: the gold layer (`name='gold'`) or a pre-annotation layer."""
    if name == GOLD:
        kind = AnnotationLayer.Kind.GOLD
    layer, _created = AnnotationLayer.objects.get_or_create(
        document=document, owner=None, name=name, defaults={"kind": kind}
    )
    return layer


def check_version(*, layer: AnnotationLayer, version: int | None) -> None:
    """Refuse a page that saw another version of `layer` (optimistic locking). Views call it
    before looking anything up, so a stale tab gets the conflict and a fresh view rather
    than "not found" for an annotation another tab deleted; _lock checks again, locked."""
    if version is not None and layer.version != version:
        raise AnnotationError(
            "stale",
            _(
                "This document changed since you opened it (in another tab or by a colleague). "
                "The page now shows the current annotations; please redo your last action."
            ),
        )


def _lock(layer: AnnotationLayer, version: int | None, *, editing: bool = False) -> AnnotationLayer:
    """The layer, locked for this transaction; refuses a stale version and, for edits of
    annotations, a layer already marked done or reviewed (a reviewer may be reading it)."""
    locked = (
        AnnotationLayer.objects.select_for_update(of=("self",))
        .select_related("document__project__schema", "owner")
        .get(pk=layer.pk)
    )
    check_version(layer=locked, version=version)
    if editing and locked.status in (
        AnnotationLayer.Status.DONE,
        AnnotationLayer.Status.REVIEWED,
    ):
        raise AnnotationError(
            "layer_closed",
            _("This document is marked %(status)s; reopen it before changing annotations.")
            % {"status": locked.get_status_display()},
        )
    return locked


def _bump(layer: AnnotationLayer) -> None:
    layer.version += 1
    fields = ["version", "updated_at"]
    if layer.status == AnnotationLayer.Status.NEW:
        layer.status = AnnotationLayer.Status.IN_PROGRESS
        fields.append("status")
    layer.save(update_fields=fields)


def _record(
    layer: AnnotationLayer, by: User | None, action: str, before: Any, after: Any
) -> Change:
    if action in UNDOABLE and by is not None:
        # A new action ends the redo chain, as in every editor.
        Change.objects.filter(layer=layer, user=by, is_redoable=True).update(is_redoable=False)
    return Change.objects.create(
        document_id=layer.document_id,
        layer=layer,
        user=by,
        action=action,
        before=before,
        after=after,
    )


# --- labels and validation ------------------------------------------------------------


def resolve_label(layer: AnnotationLayer, key: str) -> Label:
    """The entity or event type `key` of the layer's project schema."""
    schema_id = layer.document.project.schema_id
    entity = EntityType.objects.filter(schema_id=schema_id, key=key).first()
    if entity is not None:
        return entity
    event = EventType.objects.filter(schema_id=schema_id, key=key).first()
    if event is not None:
        return event
    raise AnnotationError(
        "unknown_label", _("There is no label “%(key)s” in this project's schema.") % {"key": key}
    )


def _check_label(layer: AnnotationLayer, label: Label) -> None:
    if label.schema_id != layer.document.project.schema_id:
        raise AnnotationError(
            "unknown_label",
            _("The label “%(key)s” is not part of this project's schema.") % {"key": label.key},
        )


def _check_offsets(text: str, start: Any, end: Any) -> None:
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end)):
        raise AnnotationError("bad_offsets", _("Offsets must be whole numbers."))
    if start < 0 or end > len(text):
        raise AnnotationError(
            "out_of_range",
            _("The span [%(start)s, %(end)s) lies outside the text (0 to %(length)s).")
            % {"start": start, "end": end, "length": len(text)},
        )
    if start >= end:
        raise AnnotationError("empty_span", _("A span must cover at least one character."))
    if text[start:end].strip() == "":
        raise AnnotationError("empty_span", _("A span cannot cover only white space."))


def _check_trimmed(text: str, start: int, end: int) -> None:
    # Span creation trims white space off the selection (views.span_create); a moved edge
    # must not bring it back. Only moved offsets are checked: imported spans stay valid.
    if trim_whitespace(text, start, end) != (start, end):
        raise AnnotationError(
            "untrimmed", _("A span cannot start or end with white space; move the edge past it.")
        )


def _check_single_line(text: str, start: int, end: int) -> None:
    # An annotator's span never crosses a line break: headline and paragraphs are separate,
    # and a stray drag across paragraphs must not become an entity. Imported data may
    # carry such spans; exporters keep them whole (FORMATS.md §4).
    if "\n" in text[start:end]:
        raise AnnotationError(
            "crosses_line", _("A span cannot cross a line break; select within one paragraph.")
        )


def _check_duplicate(
    layer: AnnotationLayer, start: int, end: int, label: Label, exclude: int | None = None
) -> None:
    field = "entity_type" if isinstance(label, EntityType) else "event_type"
    duplicates = Span.objects.filter(layer=layer, start=start, end=end, **{field: label})
    if exclude is not None:
        duplicates = duplicates.exclude(pk=exclude)
    if duplicates.exists():
        raise AnnotationError(
            "duplicate",
            _("This text already has the label “%(name)s” (%(key)s).")
            % {"name": label.name, "key": label.key},
        )


def _span_of(layer: AnnotationLayer, span: Span | int) -> Span:
    span_id = span.pk if isinstance(span, Span) else span
    try:
        return Span.objects.select_related("entity_type", "event_type").get(pk=span_id, layer=layer)
    except Span.DoesNotExist:
        raise AnnotationError(
            "not_found", _("That annotation no longer exists; the page has been refreshed.")
        ) from None


# --- state records (audit before/after, and what undo/redo restore) -----------------------


def _span_record(span: Span) -> dict[str, Any]:
    # Who made it and when travel too, so undoing a deletion restores the span as it was.
    return {
        **span.as_record(),
        "created_by": span.created_by_id,
        "created_at": span.created_at.isoformat() if span.created_at else None,
    }


def _event_record(event: Event) -> dict[str, Any]:
    return {
        "id": event.pk,
        "trigger": event.trigger_id,
        "event_type": event.event_type_id,
        "attributes": event.attributes,
        "type": event.event_type.key,
        "created_at": event.created_at.isoformat() if event.created_at else None,
    }


def _argument_record(argument: Argument) -> dict[str, Any]:
    return {
        "id": argument.pk,
        "event": argument.event_id,
        "role": argument.role_id,
        "span": argument.span_id,
        "role_key": argument.role.key,
    }


def _state(
    spans: list[Span] = (), events: list[Event] = (), arguments: list[Argument] = ()
) -> State:
    return {
        "spans": [_span_record(s) for s in spans],
        "events": [_event_record(e) for e in events],
        "arguments": [_argument_record(a) for a in arguments],
    }


def _span_closure(span: Span) -> State:
    """The span plus everything that goes when it goes: its event and the arguments
    of that event, and every argument that points at the span."""
    events = list(Event.objects.filter(trigger=span).select_related("event_type"))
    arguments = list(
        Argument.objects.filter(Q(span=span) | Q(event__trigger=span))
        .select_related("role")
        .order_by("id")
    )
    return _state([span], events, arguments)


def _apply_state(layer: AnnotationLayer, remove: State | None, add: State | None) -> None:
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


# --- spans ----------------------------------------------------------------------------


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
    layer = _lock(layer, version, editing=True)
    label = resolve_label(layer, label) if isinstance(label, str) else label
    _check_label(layer, label)
    document_text = layer.document.text
    _check_offsets(document_text, start, end)
    _check_single_line(document_text, start, end)
    if text is not None and document_text[start:end] != text:
        raise AnnotationError(
            "text_mismatch",
            _("The selected text does not match the document. Reload the page and select again."),
        )
    _check_duplicate(layer, start, end, label)
    is_event = isinstance(label, EventType)
    span = Span.objects.create(
        layer=layer,
        start=start,
        end=end,
        text=document_text[start:end],
        created_by=by,
        entity_type=None if is_event else label,
        event_type=label if is_event else None,
    )
    events = [Event.objects.create(layer=layer, trigger=span, event_type=label)] if is_event else []
    _record(layer, by, "span.add", None, _state([span], events))
    _bump(layer)
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
    layer = _lock(layer, version, editing=True)
    document_text = layer.document.text
    labels: dict[str, Label] = {}
    wanted: dict[tuple[int, int, str], Label] = {}
    for start, end, given in items:
        label = given
        if isinstance(given, str):
            label = labels.get(given) or resolve_label(layer, given)
            labels[given] = label
        _check_label(layer, label)
        _check_offsets(document_text, start, end)
        _check_single_line(document_text, start, end)
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
    _record(layer, by, "span.add_batch", None, _state(spans, events))
    _bump(layer)
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
    layer = _lock(layer, version, editing=True)
    span = _span_of(layer, span)
    before = _span_closure(span)
    new_label = (
        span.label
        if label is None
        else (resolve_label(layer, label) if isinstance(label, str) else label)
    )
    _check_label(layer, new_label)
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
    _check_offsets(document_text, new_start, new_end)
    if (new_start, new_end) != (span.start, span.end):
        _check_trimmed(document_text, new_start, new_end)
    _check_single_line(document_text, new_start, new_end)
    _check_duplicate(layer, new_start, new_end, new_label, exclude=span.pk)
    if isinstance(new_label, EntityType):
        for argument in Argument.objects.filter(span=span).select_related("role"):
            _check_role_allows(argument.role, new_label)
        span.entity_type = new_label
    else:
        event = span.event
        if event.event_type_id != new_label.pk:
            # issue 12: arguments the new type has no place for stay, flagged (events.py).
            from .events import retype_arguments

            retype_arguments(event, new_label)
            event.event_type = new_label
            event.save(update_fields=["event_type"])
        span.event_type = new_label
    span.start, span.end = new_start, new_end
    span.text = document_text[new_start:new_end]
    span.save()
    _record(layer, by, "span.update", before, _span_closure(span))
    _bump(layer)
    return span


@transaction.atomic
def delete_span(
    *, layer: AnnotationLayer, span: Span | int, by: User | None, version: int | None = None
) -> None:
    """Delete a span, its event if it is a trigger, and the arguments that use it."""
    layer = _lock(layer, version, editing=True)
    span = _span_of(layer, span)
    before = _span_closure(span)
    span.delete()
    _record(layer, by, "span.delete", before, None)
    _bump(layer)


# --- events and arguments -------------------------------------------------------------


def _check_role_allows(role: RoleType, entity_type: EntityType) -> None:
    allowed = list(role.allowed_entity_types.all())
    if allowed and entity_type not in allowed:
        raise AnnotationError(
            "role_not_allowed",
            # Display names for the annotator, keys for the files importers read.
            _("The role “%(role)s” (%(role_key)s) accepts %(allowed)s, not “%(name)s” (%(key)s).")
            % {
                "role": role.name,
                "role_key": role.key,
                "name": entity_type.name,
                "key": entity_type.key,
                "allowed": ", ".join(f"{t.name} ({t.key})" for t in allowed),
            },
        )


@transaction.atomic
def add_argument(
    *,
    layer: AnnotationLayer,
    event: Event | int,
    role: RoleType | str,
    span: Span | int,
    by: User | None,
    version: int | None = None,
) -> Argument:
    """Fill `role` of `event` with an entity span of the same layer."""
    layer = _lock(layer, version, editing=True)
    event_id = event.pk if isinstance(event, Event) else event
    try:
        event = Event.objects.select_related("event_type", "trigger").get(pk=event_id, layer=layer)
    except Event.DoesNotExist:
        raise AnnotationError("not_found", _("That event no longer exists.")) from None
    if isinstance(role, str):
        role_obj = event.event_type.roles.filter(key=role).first()
        if role_obj is None:
            raise AnnotationError(
                "unknown_role",
                _("The event “%(type)s” has no role “%(role)s”.")
                % {"type": event.event_type.key, "role": role},
            )
        role = role_obj
    elif role.event_type_id != event.event_type_id:
        raise AnnotationError(
            "unknown_role",
            _("The event “%(type)s” has no role “%(role)s”.")
            % {"type": event.event_type.key, "role": role.key},
        )
    span = _span_of(layer, span)
    if span.is_trigger:
        raise AnnotationError("not_entity", _("An argument must be an entity, not a trigger."))
    _check_role_allows(role, span.entity_type)
    if Argument.objects.filter(event=event, role=role, span=span).exists():
        raise AnnotationError("duplicate", _("This argument is already linked."))
    if not role.is_multiple and Argument.objects.filter(event=event, role=role).exists():
        raise AnnotationError(
            "role_taken",
            _("The role “%(role)s” (%(key)s) takes one argument and already has one.")
            % {"role": role.name, "key": role.key},
        )
    argument = Argument.objects.create(event=event, role=role, span=span)
    _record(layer, by, "argument.add", None, _state(arguments=[argument]))
    _bump(layer)
    return argument


@transaction.atomic
def delete_argument(
    *,
    layer: AnnotationLayer,
    argument: Argument | int,
    by: User | None,
    version: int | None = None,
) -> None:
    layer = _lock(layer, version, editing=True)
    argument_id = argument.pk if isinstance(argument, Argument) else argument
    try:
        argument = Argument.objects.select_related("role").get(pk=argument_id, event__layer=layer)
    except Argument.DoesNotExist:
        raise AnnotationError("not_found", _("That argument no longer exists.")) from None
    before = _state(arguments=[argument])
    argument.delete()
    _record(layer, by, "argument.delete", before, None)
    _bump(layer)


# --- undo / redo ----------------------------------------------------------------------


def _state_is_current(layer: AnnotationLayer, remove: State, add: State) -> bool:
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
    if not _references_exist(layer, remove, add):
        return False
    # What the replay creates must not exist yet (ids are never reused).
    for kind, model in (("spans", Span), ("events", Event), ("arguments", Argument)):
        removed = {r["id"] for r in remove.get(kind, [])}
        new_ids = [r["id"] for r in add.get(kind, []) if r["id"] not in removed]
        if new_ids and model.objects.filter(pk__in=new_ids).exists():
            return False
    return True


def _references_exist(layer: AnnotationLayer, remove: State, add: State) -> bool:
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


def _replay(layer: AnnotationLayer, remove: State | None, add: State | None) -> None:
    conflict = AnnotationError(
        "undo_conflict",
        _("This step cannot be replayed: the annotations changed since. Nothing was changed."),
    )
    if not _state_is_current(layer, remove or {}, add or {}):
        raise conflict
    try:
        with transaction.atomic():
            _apply_state(layer, remove, add)
    except IntegrityError:
        raise conflict from None


@transaction.atomic
def undo(*, layer: AnnotationLayer, by: User, version: int | None = None) -> Change:
    """Revert `by`'s most recent not yet undone change on the layer."""
    layer = _lock(layer, version, editing=True)
    change = (
        Change.objects.select_for_update()
        .filter(layer=layer, user=by, action__in=UNDOABLE, is_undone=False)
        .order_by("-id")
        .first()
    )
    if change is None:
        raise AnnotationError("nothing_to_undo", _("There is nothing to undo."))
    return _step(layer, change, by, undoing=True)


@transaction.atomic
def redo(*, layer: AnnotationLayer, by: User, version: int | None = None) -> Change:
    """Re-apply the change `by` undid most recently (undo pops newest first, so that is
    the oldest of the redoable ones)."""
    layer = _lock(layer, version, editing=True)
    change = (
        Change.objects.select_for_update()
        .filter(layer=layer, user=by, is_redoable=True)
        .order_by("id")
        .first()
    )
    if change is None:
        raise AnnotationError("nothing_to_redo", _("There is nothing to redo."))
    return _step(layer, change, by, undoing=False)


def _step(layer: AnnotationLayer, change: Change, by: User, *, undoing: bool) -> Change:
    """Move the layer one step back (undo) or forward (redo) over `change`, marking it
    and auditing the step itself."""
    before, after = (change.after, change.before) if undoing else (change.before, change.after)
    _replay(layer, before, after)
    change.is_undone = change.is_redoable = undoing
    change.save(update_fields=["is_undone", "is_redoable"])
    Change.objects.create(
        document_id=layer.document_id,
        layer=layer,
        user=by,
        action="undo" if undoing else "redo",
        before=before,
        after=after,
    )
    _bump(layer)
    return change


# --- layer status and comments ----------------------------------------------------------


def _clean_comment(text: str | None) -> str:
    text = (text or "").strip()
    if not text:
        raise AnnotationError("empty_comment", _("A comment cannot be empty."))
    if len(text) > 10_000:
        raise AnnotationError("too_long", _("A comment is limited to 10,000 characters."))
    return text


@transaction.atomic
def set_layer_status(
    *,
    layer: AnnotationLayer,
    status: str,
    by: User | None,
    version: int | None = None,
    comment: str = "",
) -> AnnotationLayer:
    """Move a layer through the review workflow: not started → in progress → submitted
    (stored "done") → reviewed, or submitted → changes requested (a reviewer's comment
    says why) → submitted again. Marking reviewed, sending back and leaving "reviewed"
    are a reviewer's or a manager's moves; every move is in the audit trail."""
    layer = _lock(layer, version)
    Status = AnnotationLayer.Status
    if status not in Status.values:
        raise AnnotationError("bad_status", _("Unknown status “%(s)s”.") % {"s": status})
    # A reviewer's verdict stands until a reviewer takes it back (role_in gives a superuser
    # the manager role; by=None is an import or a command).
    reviewer_move = status in (Status.REVIEWED, Status.CHANGES_REQUESTED) or (
        layer.status == Status.REVIEWED
    )
    if (
        by is not None
        and status != layer.status
        and reviewer_move
        and role_in(by, layer.document.project) not in REVIEW_ROLES
    ):
        if layer.status == Status.REVIEWED:
            raise AnnotationError(
                "reviewed_locked",
                _("A reviewer has marked this layer reviewed; ask a reviewer to send it back."),
            )
        raise AnnotationError(
            "forbidden",
            _("Only a reviewer or a manager can mark a layer reviewed or send it back."),
        )
    if status == Status.CHANGES_REQUESTED:
        if layer.kind != AnnotationLayer.Kind.ANNOTATOR:
            raise AnnotationError(
                "bad_transition", _("Only an annotator's layer can be sent back for changes.")
            )
        if layer.status != Status.DONE:
            raise AnnotationError(
                "bad_transition",
                _("Only a submitted layer can be sent back; this one is “%(status)s”.")
                % {"status": layer.get_status_display()},
            )
        try:
            comment = _clean_comment(comment)
        except AnnotationError:
            raise AnnotationError(
                "comment_required",
                _("Say what should change: sending a layer back needs a comment."),
            ) from None
    elif comment:
        comment = _clean_comment(comment)
    before = {"status": layer.status}
    layer.status = status
    layer.version += 1
    layer.save(update_fields=["status", "version", "updated_at"])
    after: dict[str, Any] = {"status": status}
    if comment:
        after["comment"] = comment
        # The reason travels as a comment too, so the annotator sees it where they work.
        note = Comment.objects.create(layer=layer, author=by, text=comment)
        after["comment_id"] = note.pk
    _record(layer, by, "layer.status", before, after)
    return layer


@transaction.atomic
def add_comment(
    *, layer: AnnotationLayer, text: str, by: User, span: Span | int | None = None
) -> Comment:
    layer = _lock(layer, None)
    text = _clean_comment(text)
    span_obj = _span_of(layer, span) if span is not None else None
    comment = Comment.objects.create(layer=layer, span=span_obj, author=by, text=text)
    _record(
        layer, by, "comment.add", None, {"id": comment.pk, "span": comment.span_id, "text": text}
    )
    return comment


@transaction.atomic
def delete_comment(*, layer: AnnotationLayer, comment: Comment | int, by: User) -> None:
    """Remove a comment (moderation), keeping what it said in the audit trail."""
    layer = _lock(layer, None)
    pk = comment.pk if isinstance(comment, Comment) else comment
    found = Comment.objects.filter(layer=layer, pk=pk).select_related("author").first()
    if found is None:
        raise AnnotationError("not_found", _("That comment does not exist in this layer."))
    before = {
        "id": found.pk,
        "span": found.span_id,
        "text": found.text,
        "author": found.author.username if found.author_id else None,
    }
    found.delete()
    _record(layer, by, "comment.delete", before, None)
