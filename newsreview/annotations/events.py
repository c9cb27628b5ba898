"""Events as frames (issue 12): the rules of an event as a whole, beyond linking one
argument (services.add_argument): its attributes (realis, a note) checked against the
schema, an argument moved to another role, what a change of event type keeps and what it
leaves flagged, and whether an event is complete.

Writes follow services.py: one transaction, the layer locked and its version checked, the
audit trail written (and undoable: services.UNDOABLE lists these actions), version bumped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from newsreview.accounts.models import User
from newsreview.projects.models import NOTE_MAX, AttributeType, EventType, RoleType

from .errors import AnnotationError
from .models import AnnotationLayer, Argument, Event
from .services import check_role_allows, close_write, lock_layer, state_of

# --- attributes -------------------------------------------------------------------------


def attribute_problem(definitions: dict[str, list[str]], name: Any, value: Any) -> str | None:
    """Why `name: value` is not an attribute the schema allows (None when it is).
    `definitions` maps each attribute key to its allowed values (empty: free text).
    Shared by the services and the importers, so both refuse with the same words."""
    if not isinstance(name, str) or name not in definitions:
        known = ", ".join(sorted(definitions)) or _("none")
        return _(
            "There is no event attribute “%(name)s” in this project's schema (known: %(known)s)."
        ) % {
            "name": name,
            "known": known,
        }
    allowed = definitions[name]
    if allowed:
        if value not in allowed:
            return _(
                "“%(value)s” is not a value of the attribute “%(name)s” (allowed: %(allowed)s)."
            ) % {
                "value": value,
                "name": name,
                "allowed": ", ".join(allowed),
            }
        return None
    if not isinstance(value, str) or not value.strip():
        return _("The attribute “%(name)s” takes a text.") % {"name": name}
    if len(value) > NOTE_MAX:
        return _("The attribute “%(name)s” is limited to %(n)s characters.") % {
            "name": name,
            "n": NOTE_MAX,
        }
    return None


def attribute_definitions(schema_id: int) -> dict[str, list[str]]:
    return dict(AttributeType.objects.filter(schema_id=schema_id).values_list("key", "values"))


def _event_in(layer: AnnotationLayer, event: Event | int) -> Event:
    event_id = event.pk if isinstance(event, Event) else event
    found = Event.objects.select_related("event_type").filter(pk=event_id, layer=layer).first()
    if found is None:
        raise AnnotationError("not_found", _("That event no longer exists."))
    return found


@transaction.atomic
def set_event_attribute(
    *,
    layer: AnnotationLayer,
    event: Event | int,
    name: str,
    value: str | None,
    by: User | None,
    version: int | None = None,
) -> Event:
    """Set the attribute `name` of `event` (realis: planned, a note…), or clear it when
    `value` is None or empty. The value must be one the schema allows."""
    layer = lock_layer(layer, version, editing=True)
    event = _event_in(layer, event)
    definitions = attribute_definitions(layer.document.project.schema_id)
    if isinstance(value, str) and definitions.get(name) == []:
        value = value.strip()  # a note: surrounding white space is not part of it
    clearing = value is None or value == ""
    problem = attribute_problem(definitions, name, "" if clearing else value)
    if problem and (name not in definitions or not clearing):
        raise AnnotationError("bad_attribute", problem)
    before = state_of(events=[event])
    attributes = dict(event.attributes or {})
    if clearing:
        if name not in attributes:
            raise AnnotationError(
                "unchanged", _("This event has no “%(name)s” yet.") % {"name": name}
            )
        del attributes[name]
    else:
        if attributes.get(name) == value:
            raise AnnotationError(
                "unchanged", _("The attribute “%(name)s” already has this value.") % {"name": name}
            )
        attributes[name] = value
    event.attributes = dict(sorted(attributes.items()))
    event.save(update_fields=["attributes"])
    close_write(layer, by, "event.attributes", before, state_of(events=[event]))
    return event


# --- arguments ----------------------------------------------------------------------------


@transaction.atomic
def change_argument_role(
    *,
    layer: AnnotationLayer,
    argument: Argument | int,
    role: RoleType | str,
    by: User | None,
    version: int | None = None,
) -> Argument:
    """Move an argument to another role of its event's type: a mistaken role, or one the
    event's previous type had (flagged since the type changed)."""
    layer = lock_layer(layer, version, editing=True)
    argument_id = argument.pk if isinstance(argument, Argument) else argument
    argument = (
        Argument.objects.select_related("role", "event__event_type", "span__entity_type")
        .filter(pk=argument_id, event__layer=layer)
        .first()
    )
    if argument is None:
        raise AnnotationError("not_found", _("That argument no longer exists."))
    event = argument.event
    key = role.key if isinstance(role, RoleType) else role
    new_role = RoleType.objects.filter(event_type_id=event.event_type_id, key=key).first()
    if new_role is None or (isinstance(role, RoleType) and role.pk != new_role.pk):
        raise AnnotationError(
            "unknown_role",
            _("The event “%(type)s” has no role “%(role)s”.")
            % {"type": event.event_type.key, "role": key},
        )
    if new_role.pk == argument.role_id:
        raise AnnotationError("unchanged", _("The argument already has this role."))
    check_role_allows(new_role, argument.span.entity_type)
    others = Argument.objects.filter(event=event, role=new_role).exclude(pk=argument.pk)
    if others.filter(span_id=argument.span_id).exists():
        raise AnnotationError("duplicate", _("This argument is already linked."))
    if not new_role.is_multiple and others.exists():
        raise AnnotationError(
            "role_taken",
            _("The role “%(role)s” (%(key)s) takes one argument and already has one.")
            % {"role": new_role.name, "key": new_role.key},
        )
    before = state_of(arguments=[argument])
    argument.role = new_role
    argument.save(update_fields=["role"])
    close_write(layer, by, "argument.update", before, state_of(arguments=[argument]))
    return argument


def retype_arguments(event: Event, new_type: EventType) -> None:
    """Point `event`'s arguments at the roles of `new_type` (its type is changing). An
    argument whose role the new type has, with an entity type it accepts and room for
    it, moves to that role; any other keeps its old role and is flagged (is_orphaned):
    shown in the frame until the annotator removes or re-roles it, never dropped."""
    roles = {r.key: r for r in new_type.roles.prefetch_related("allowed_entity_types")}
    taken: set[int] = set()
    for argument in event.arguments.select_related("role", "span__entity_type").order_by("id"):
        role = roles.get(argument.role.key)
        if role is None:
            continue
        allowed = list(role.allowed_entity_types.all())
        if allowed and argument.span.entity_type not in allowed:
            continue
        if not role.is_multiple and role.pk in taken:
            continue
        taken.add(role.pk)
        argument.role = role
        argument.save(update_fields=["role"])


# --- completeness -------------------------------------------------------------------------


@dataclass
class Completeness:
    """What an event still needs: its required roles that are empty, and its arguments
    whose role its type does not have (left by a change of type)."""

    missing: list[RoleType] = field(default_factory=list)
    orphaned: list[int] = field(default_factory=list)  # argument ids

    @property
    def is_complete(self) -> bool:
        return not self.missing and not self.orphaned


def completeness(
    event_type_id: int,
    roles: Iterable[RoleType],
    arguments: Iterable[tuple[int, int]],
) -> Completeness:
    """The completeness of an event of type `event_type_id`, from its type's `roles` and
    its `arguments` as (argument id, role id): plain data, no query."""
    own = {r.pk: r for r in roles if r.event_type_id == event_type_id}
    result = Completeness()
    filled: set[int] = set()
    for argument_id, role_id in arguments:
        if role_id in own:
            filled.add(role_id)
        else:
            result.orphaned.append(argument_id)
    result.missing = [r for r in own.values() if r.is_required and r.pk not in filled]
    return result


def incomplete_events_q() -> Q:
    """Events with an empty required role or an argument of a role their type lacks: a
    filter for querysets of Event (the admin, the layer bar count)."""
    empty_required = RoleType.objects.filter(
        event_type=OuterRef("event_type"), is_required=True
    ).exclude(arguments__event=OuterRef("pk"))
    orphaned = Argument.objects.filter(event=OuterRef("pk")).exclude(
        role__event_type=OuterRef("event_type")
    )
    return Q(Exists(empty_required)) | Q(Exists(orphaned))


def incomplete_count(layer: AnnotationLayer | None) -> int:
    if layer is None:
        return 0
    return Event.objects.filter(layer=layer).filter(incomplete_events_q()).count()
