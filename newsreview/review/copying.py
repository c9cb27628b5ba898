"""Copying a candidate (merge.py) into the gold layer: an entity span, or an event with
its trigger and arguments (their spans created in gold or linked to the gold spans
already there), with the before/after states of one audit row (undo reverts it whole)."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _

from newsreview.accounts.models import User
from newsreview.annotations import services as annotate
from newsreview.annotations.errors import AnnotationError
from newsreview.annotations.models import AnnotationLayer, Argument, Event, Span
from newsreview.projects.models import AttributeType, EntityType, EventType, Project, RoleType

from . import merge as merging


class Labels:
    """The project's labels by key, each kind read once per write and only if needed
    (accepting an entity reads no event types or roles)."""

    def __init__(self, project: Project) -> None:
        self.schema = project.schema_id
        self._entities: dict[str, EntityType] | None = None
        self._events: dict[str, EventType] | None = None
        self._roles: dict[tuple[str, str], RoleType] | None = None
        self._attributes: dict[str, AttributeType] | None = None

    @classmethod
    def of(cls, project: Project) -> Labels:
        return cls(project)

    @property
    def entities(self) -> dict[str, EntityType]:
        if self._entities is None:
            self._entities = {t.key: t for t in EntityType.objects.filter(schema_id=self.schema)}
        return self._entities

    @property
    def events(self) -> dict[str, EventType]:
        if self._events is None:
            self._events = {t.key: t for t in EventType.objects.filter(schema_id=self.schema)}
        return self._events

    @property
    def roles(self) -> dict[tuple[str, str], RoleType]:
        if self._roles is None:
            self._roles = {
                (r.event_type.key, r.key): r
                for r in RoleType.objects.filter(event_type__schema_id=self.schema).select_related(
                    "event_type"
                )
            }
        return self._roles

    @property
    def attributes(self) -> dict[str, AttributeType]:
        if self._attributes is None:
            self._attributes = {
                a.key: a for a in AttributeType.objects.filter(schema_id=self.schema)
            }
        return self._attributes

    def get(self, key: str) -> EntityType | EventType | None:
        """The label `key`, entity or event type (event types read only when needed)."""
        return self.entities.get(key) or self.events.get(key)

    def entity(self, key: str) -> EntityType:
        if key not in self.entities:
            raise AnnotationError(
                "unknown_label",
                _("There is no label “%(key)s” in this project's schema.") % {"key": key},
            )
        return self.entities[key]


def _gold_entity(
    gold: AnnotationLayer,
    text: str,
    labels: Labels,
    start: int,
    end: int,
    key: str,
    by: User | None,
    *,
    look: bool = True,
) -> tuple[Span, bool]:
    """The gold span (start, end, key), created when missing; whether it was created.
    `look=False`: the caller knows gold lacks it (read under the gold layer's lock)."""
    label = labels.entity(key)
    if look:
        found = Span.objects.filter(layer=gold, start=start, end=end, entity_type=label).first()
        if found is not None:
            return found, False
    if not 0 <= start < end <= len(text):
        raise AnnotationError("out_of_range", _("That annotation lies outside the text."))
    span = Span.objects.create(
        layer=gold,
        start=start,
        end=end,
        text=text[start:end],
        entity_type=label,
        created_by=by,
    )
    return span, True


def copy_candidate(
    gold: AnnotationLayer,
    candidate: merging.Candidate | merging.EventCandidate,
    labels: Labels,
    by: User | None,
    *,
    missing: bool = False,
) -> tuple[Span, annotate.State | None, annotate.State]:
    """Write `candidate` into gold: an entity span, or an event with its trigger and its
    arguments (their spans created in gold or linked to the gold spans already there).
    Returns the span and the before/after states for one audit row (undo reverts it whole).
    `missing`: the caller checked that gold lacks the entity (no look-up then)."""
    text = gold.document.text
    if candidate.kind == merging.ENTITY:
        span, created = _gold_entity(
            gold,
            text,
            labels,
            candidate.start,
            candidate.end,
            candidate.label,
            by,
            look=not missing,
        )
        if not created:
            raise AnnotationError("duplicate", _("The gold layer already has this annotation."))
        return span, None, annotate.state_of([span])
    if candidate.type not in labels.events:
        raise AnnotationError(
            "unknown_label",
            _("There is no label “%(key)s” in this project's schema.") % {"key": candidate.type},
        )
    event_type = labels.events[candidate.type]
    trigger = Span.objects.filter(
        layer=gold, start=candidate.start, end=candidate.end, event_type=event_type
    ).first()
    before = None
    new_spans: list[Span] = []
    if trigger is None:
        trigger = Span.objects.create(
            layer=gold,
            start=candidate.start,
            end=candidate.end,
            text=text[candidate.start : candidate.end],
            event_type=event_type,
            created_by=by,
        )
        new_spans.append(trigger)
        event = Event.objects.create(
            layer=gold,
            trigger=trigger,
            event_type=event_type,
            attributes=_attributes(candidate),
        )
    else:
        # Same trigger and type already in gold: it becomes this candidate (its arguments
        # and attributes replaced), one undoable step.
        before = annotate.span_closure(trigger)
        event = Event.objects.get(trigger=trigger)
        Argument.objects.filter(event=event).delete()
        event.attributes = _attributes(candidate)
        event.save(update_fields=["attributes"])
    arguments: list[Argument] = []
    for argument in candidate.arguments:
        role = labels.roles.get((candidate.type, argument.role))
        if role is None:
            raise AnnotationError(
                "unknown_role",
                _("The event “%(type)s” has no role “%(role)s”.")
                % {"type": candidate.type, "role": argument.role},
            )
        span, created = _gold_entity(
            gold, text, labels, argument.start, argument.end, argument.label, by
        )
        if created:
            new_spans.append(span)
        arguments.append(Argument.objects.create(event=event, role=role, span=span))
    if before is None:
        after = annotate.state_of(new_spans, [event], arguments)
    else:
        after = annotate.state_of([trigger, *new_spans], [event], arguments)
    return trigger, before, after


def _attributes(candidate: merging.EventCandidate) -> dict[str, Any]:
    return {k: json.loads(v) for k, v in candidate.attributes}


def origin(candidate: merging.Candidate | merging.EventCandidate) -> dict[str, Any]:
    ids = candidate.span_ids if candidate.kind == merging.ENTITY else candidate.event_ids
    return {
        "layers": list(candidate.supporters),
        "ids": dict(ids),
        "kind": candidate.kind,
        "label": candidate.label,
        "start": candidate.start,
        "end": candidate.end,
    }
