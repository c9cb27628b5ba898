"""Project and schema operations shared by the admin, commands and views."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from newsreview.accounts.models import User

from . import default_schema as default
from .models import (
    RESERVED_SHORTCUTS,
    AttributeType,
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
                    "is_required": role_key in default.REQUIRED_ROLES.get(key, ()),
                },
            )
            if created:
                role.allowed_entity_types.set([entities[k] for k in allowed])
    for order, (key, ar, en, values) in enumerate(default.ATTRIBUTES):
        AttributeType.objects.get_or_create(
            schema=schema,
            key=key,
            defaults={"name_ar": ar, "name_en": en, "values": values, "order": order},
        )
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
    previous = Membership.objects.filter(project=project, user=user).values_list("role", flat=True)
    before = previous.first()
    membership, created = Membership.objects.update_or_create(
        project=project, user=user, defaults={"role": role}
    )
    if before != role:
        _log_membership(
            by,
            membership,
            ADDITION if created else CHANGE,
            f"{user.username}: {before or '—'} → {role} in {project.slug}",
        )
    return membership


def _log_membership(by: User, membership: Membership, flag: int, message: str) -> None:
    """Who gave or took a role, in Django's admin log (read-only in the admin): the
    annotation audit (`Change`) is per document, a membership is per project."""
    LogEntry.objects.log_actions(
        by.pk,
        Membership.objects.filter(pk=membership.pk),
        flag,
        change_message=message,
        single_object=True,
    )


@transaction.atomic
def remove_member(*, project: Project, user: User, by: User) -> None:
    if not Project.objects.managed_by(by).filter(pk=project.pk).exists():
        raise ProjectError("forbidden", _("Only this project's managers can remove members."))
    if user == by and not by.is_superuser:
        raise ProjectError("self", _("You cannot remove yourself from the project."))
    membership = Membership.objects.filter(project=project, user=user).first()
    if membership is None:
        return
    _log_membership(
        by, membership, DELETION, f"{user.username}: {membership.role} → — in {project.slug}"
    )
    membership.delete()


def schema_document(schema: LabelSchema) -> dict[str, Any]:
    """`schema` in the FORMATS.md §10 shape (entities, then events with their roles): what
    export_schema writes and install_schema_document reads back."""
    entities = [
        {
            "key": e.key,
            "name_ar": e.name_ar,
            "name_en": e.name_en,
            "shortcut": e.shortcut,
            "colour": e.colour,
        }
        for e in schema.entity_types.order_by("order", "key")
    ]
    events = []
    for event_type in schema.event_types.order_by("order", "key").prefetch_related(
        "roles__allowed_entity_types"
    ):
        roles = []
        for role in event_type.roles.all():
            allowed = sorted(role.allowed_entity_types.all(), key=lambda t: (t.order, t.key))
            roles.append(
                {
                    "key": role.key,
                    "name_ar": role.name_ar,
                    "name_en": role.name_en,
                    "allowed": [t.key for t in allowed],
                    "multiple": role.is_multiple,
                    "required": role.is_required,
                }
            )
        events.append(
            {
                "key": event_type.key,
                "name_ar": event_type.name_ar,
                "name_en": event_type.name_en,
                "shortcut": event_type.shortcut,
                "colour": event_type.colour,
                "roles": roles,
            }
        )
    attributes = [
        {"key": a.key, "name_ar": a.name_ar, "name_en": a.name_en, "values": list(a.values)}
        for a in schema.attributes.order_by("order", "key")
    ]
    return {
        "version": schema.version,
        "name": schema.name,
        "entities": entities,
        "events": events,
        "attributes": attributes,
    }


@transaction.atomic
def install_schema_document(document: Any) -> LabelSchema:
    """The schema a §10 JSON document describes (`export_schema`, the jsonl bundle's
    `schema.json`), so an export restores into an empty database with its own labels.
    A schema of that name that already exists is reused when it has the same labels and
    refused when it differs; a malformed document changes nothing."""
    if not isinstance(document, dict) or not isinstance(document.get("name"), str):
        raise ProjectError("bad_schema", _("A schema file is an object with a “name”."))
    name = document["name"]
    existing = LabelSchema.objects.filter(name=name).first()
    if existing is not None:
        current = schema_document(existing)
        if "attributes" not in document:
            # A file from before event attributes (issue 12) says nothing about them.
            del current["attributes"]
        if current != _comparable(document):
            raise ProjectError(
                "schema_differs",
                _("A different schema named “%(name)s” already exists.") % {"name": name},
            )
        return existing
    try:
        schema = LabelSchema(name=name, version=document.get("version", 1))
        schema.full_clean()
        schema.save()
        entities = {}
        for order, item in enumerate(_items(document, "entities")):
            entities[item.get("key")] = _label(EntityType, schema, item, order)
        for order, item in enumerate(_items(document, "events")):
            event_type = _label(EventType, schema, item, order)
            for role_order, role in enumerate(_items(item, "roles")):
                allowed = role.get("allowed", [])
                unknown = (
                    [k for k in allowed if k not in entities]
                    if isinstance(allowed, list)
                    else ["?"]
                )
                if unknown:
                    raise ProjectError(
                        "bad_schema",
                        _("Role %(role)s of %(event)s allows unknown entity types: %(keys)s")
                        % {
                            "role": role.get("key"),
                            "event": item.get("key"),
                            "keys": ", ".join(map(str, unknown)),
                        },
                    )
                role_type = RoleType(
                    event_type=event_type,
                    key=role.get("key"),
                    name_ar=role.get("name_ar", ""),
                    name_en=role.get("name_en", ""),
                    is_required=bool(role.get("required", False)),
                    is_multiple=bool(role.get("multiple", False)),
                    order=role_order,
                )
                role_type.full_clean(exclude=["allowed_entity_types"])
                role_type.save()
                role_type.allowed_entity_types.set([entities[k] for k in allowed])
        # Event attributes (issue 12); files written before them have none.
        for order, item in enumerate(_items(document, "attributes")):
            attribute = AttributeType(
                schema=schema,
                key=item.get("key"),
                name_ar=item.get("name_ar", ""),
                name_en=item.get("name_en", ""),
                values=item.get("values", []),
                order=order,
            )
            attribute.full_clean()
            attribute.save()
    except ValidationError as error:
        raise ProjectError("bad_schema", "; ".join(error.messages)) from None
    problems = validate_schema(schema)
    if problems:
        raise ProjectError("bad_schema", " ".join(problems))
    return schema


def _comparable(document: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": document.get("version", 1),
        "name": document.get("name"),
        "entities": document.get("entities", []),
        "events": document.get("events", []),
        **({"attributes": document["attributes"]} if "attributes" in document else {}),
    }


def _items(document: dict[str, Any], key: str) -> list[dict[str, Any]]:
    items = document.get(key, [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ProjectError("bad_schema", _("“%(key)s” must be a list of objects.") % {"key": key})
    return items


def _label(
    model: type[EntityType] | type[EventType], schema: LabelSchema, item: dict[str, Any], order: int
) -> Any:
    label = model(
        schema=schema,
        key=item.get("key"),
        name_ar=item.get("name_ar", ""),
        name_en=item.get("name_en", ""),
        shortcut=item.get("shortcut") or "",
        colour=item.get("colour", ""),
        order=order,
    )
    label.full_clean()
    label.save()
    return label
