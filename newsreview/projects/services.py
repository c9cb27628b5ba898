"""Project and schema operations shared by the admin, commands and views."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from newsreview.accounts.models import User

from . import default_schema as default
from .models import (
    RESERVED_SHORTCUTS,
    EntityType,
    EventType,
    LabelSchema,
    Membership,
    Project,
    RoleType,
)


class ProjectError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@transaction.atomic
def install_default_schema(*, name: str = default.DEFAULT_SCHEMA_NAME) -> LabelSchema:
    """Create (or complete) the default Arabic-news schema; safe to run again."""
    schema, _created = LabelSchema.objects.get_or_create(
        name=name, defaults={"version": 1, "description": "FORMATS.md §10"}
    )
    entities: dict[str, EntityType] = {}
    for order, (key, ar, en, shortcut, colour) in enumerate(default.ENTITIES):
        entities[key], _c = EntityType.objects.get_or_create(
            schema=schema,
            key=key,
            defaults={
                "name_ar": ar,
                "name_en": en,
                "shortcut": shortcut,
                "colour": colour,
                "order": order,
            },
        )
    for order, (key, ar, en, shortcut, colour, roles) in enumerate(default.EVENTS):
        event_type, _c = EventType.objects.get_or_create(
            schema=schema,
            key=key,
            defaults={
                "name_ar": ar,
                "name_en": en,
                "shortcut": shortcut,
                "colour": colour,
                "order": order,
            },
        )
        for role_order, (role_key, allowed) in enumerate(roles):
            role_ar, role_en = default.ROLE_NAMES[role_key]
            role, created = RoleType.objects.get_or_create(
                event_type=event_type,
                key=role_key,
                defaults={
                    "name_ar": role_ar,
                    "name_en": role_en,
                    "order": role_order,
                    "is_multiple": role_key in default.MULTIPLE_ROLES,
                },
            )
            if created:
                role.allowed_entity_types.set([entities[k] for k in allowed])
    return schema


def validate_schema(schema: LabelSchema) -> list[str]:
    """Problems that make a schema unusable in the annotate page (shortcut clashes,
    reserved keys). Empty when the schema is fine."""
    problems = []
    seen: dict[str, str] = {}
    labels = list(schema.entity_types.all()) + list(schema.event_types.all())
    for label in labels:
        if not label.shortcut:
            continue
        if label.shortcut in RESERVED_SHORTCUTS:
            problems.append(
                _("%(key)s uses the reserved key “%(s)s”.")
                % {"key": label.key, "s": label.shortcut}
            )
        if label.shortcut in seen:
            problems.append(
                _("%(a)s and %(b)s share the key “%(s)s”.")
                % {"a": seen[label.shortcut], "b": label.key, "s": label.shortcut}
            )
        seen[label.shortcut] = label.key
    keys = [label.key for label in labels]
    for key in sorted({k for k in keys if keys.count(k) > 1}):
        problems.append(_("%(key)s is both an entity type and an event type.") % {"key": key})
    return problems


@transaction.atomic
def add_member(*, project: Project, user: User, role: str, by: User) -> Membership:
    """Give `user` a role in `project` (or change it). Only the project's managers may."""
    if not Project.objects.managed_by(by).filter(pk=project.pk).exists():
        raise ProjectError("forbidden", _("Only this project's managers can add members."))
    if role not in Membership.Role.values:
        raise ProjectError("bad_role", _("Unknown role “%(role)s”.") % {"role": role})
    if not user.is_active:
        raise ProjectError("inactive", _("This account is deactivated."))
    membership, _created = Membership.objects.update_or_create(
        project=project, user=user, defaults={"role": role}
    )
    return membership


@transaction.atomic
def remove_member(*, project: Project, user: User, by: User) -> None:
    if not Project.objects.managed_by(by).filter(pk=project.pk).exists():
        raise ProjectError("forbidden", _("Only this project's managers can remove members."))
    if user == by and not by.is_superuser:
        raise ProjectError("self", _("You cannot remove yourself from the project."))
    Membership.objects.filter(project=project, user=user).delete()
