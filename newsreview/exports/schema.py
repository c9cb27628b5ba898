"""The label schema as JSON (FORMATS.md §10): `export_schema`, the jsonl bundle's
`schema.json` and the export page's schema download."""

from __future__ import annotations

import json
from typing import Any

from newsreview.projects.models import Project


def schema_document(project: Project) -> dict[str, Any]:
    """The project's schema in the §10 shape: entities, then events with their roles."""
    schema = project.schema
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
    return {"version": schema.version, "name": schema.name, "entities": entities, "events": events}


def schema_bytes(project: Project) -> bytes:
    """`schema_document` as UTF-8 JSON, indented for people, ending in a newline."""
    text = json.dumps(schema_document(project), ensure_ascii=False, indent=2)
    return (text + "\n").encode("utf-8")
