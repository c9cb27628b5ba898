"""Event arguments: link an entity span to a role of an event, and unlink it."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from newsreview.accounts.models import User
from newsreview.projects.models import RoleType

from ..errors import AnnotationError
from ..models import AnnotationLayer, Argument, Event, Span
from .checks import check_role_allows, span_of
from .layers import close_write, lock_layer
from .state import state_of


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
    layer = lock_layer(layer, version, editing=True)
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
    span = span_of(layer, span)
    if span.is_trigger:
        raise AnnotationError("not_entity", _("An argument must be an entity, not a trigger."))
    check_role_allows(role, span.entity_type)
    if Argument.objects.filter(event=event, role=role, span=span).exists():
        raise AnnotationError("duplicate", _("This argument is already linked."))
    if not role.is_multiple and Argument.objects.filter(event=event, role=role).exists():
        raise AnnotationError(
            "role_taken",
            _("The role “%(role)s” (%(key)s) takes one argument and already has one.")
            % {"role": role.name, "key": role.key},
        )
    argument = Argument.objects.create(event=event, role=role, span=span)
    close_write(layer, by, "argument.add", None, state_of(arguments=[argument]))
    return argument


@transaction.atomic
def delete_argument(
    *,
    layer: AnnotationLayer,
    argument: Argument | int,
    by: User | None,
    version: int | None = None,
) -> None:
    layer = lock_layer(layer, version, editing=True)
    argument_id = argument.pk if isinstance(argument, Argument) else argument
    try:
        argument = Argument.objects.select_related("role").get(pk=argument_id, event__layer=layer)
    except Argument.DoesNotExist:
        raise AnnotationError("not_found", _("That argument no longer exists.")) from None
    before = state_of(arguments=[argument])
    argument.delete()
    close_write(layer, by, "argument.delete", before, None)
