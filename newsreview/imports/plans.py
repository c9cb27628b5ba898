"""What checking a batch makes of it: the plan of each document the writer carries out
(labels resolved to ids, offsets known good), the project's schema as the checks look
it up, and the summary the preview shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from newsreview.annotations.events import attribute_definitions
from newsreview.documents.models import Document
from newsreview.projects.models import EntityType, EventType, Project, RoleType

from .results import ImportResult


@dataclass(slots=True)
class PlannedLayer:
    """A checked layer: labels resolved to ids, offsets known good; keys tie spans,
    events, arguments and comments together until the rows have ids."""

    kind: str
    name: str
    owner: str | None
    status: str
    # (key, start, end, entity_type_id, event_type_id)
    spans: list[tuple[str, int, int, int | None, int | None]]
    arguments: list[tuple[str, str, int]]  # (trigger key, entity key, role id)
    attributes: dict[str, dict[str, Any]]
    comments: list[tuple[str, str | None, str | None, datetime | None]]
    # span key → Span.origin, only for spans that have one (most have none)
    origins: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class PlannedDocument:
    """An unsaved, checked Document and its layers; `source`/`where` locate it."""

    document: Document
    layers: list[PlannedLayer]
    source: str
    where: str = ""


@dataclass
class Schema:
    """The project's labels, looked up once per import (resolve_label's rules: an entity
    type key first, then an event type key)."""

    entities: dict[str, int]
    events: dict[str, int]
    roles: dict[tuple[int, str], tuple[int, frozenset[int], bool]]  # → id, allowed, multiple
    entity_keys: dict[int, str]
    event_keys: dict[int, str]
    attributes: dict[str, list[str]]  # event attribute key → allowed values (issue 12)

    @classmethod
    def of(cls, project: Project) -> Schema:
        entities = dict(
            EntityType.objects.filter(schema_id=project.schema_id).values_list("key", "id")
        )
        events = dict(
            EventType.objects.filter(schema_id=project.schema_id).values_list("key", "id")
        )
        allowed: dict[int, set[int]] = {}
        through = RoleType.allowed_entity_types.through
        for role_id, entity_id in through.objects.filter(
            roletype__event_type__schema_id=project.schema_id
        ).values_list("roletype_id", "entitytype_id"):
            allowed.setdefault(role_id, set()).add(entity_id)
        roles = {
            (event_type_id, key): (role_id, frozenset(allowed.get(role_id, ())), multiple)
            for role_id, event_type_id, key, multiple in RoleType.objects.filter(
                event_type__schema_id=project.schema_id
            ).values_list("id", "event_type_id", "key", "is_multiple")
        }
        return cls(
            entities=entities,
            events=events,
            roles=roles,
            entity_keys={v: k for k, v in entities.items()},
            event_keys={v: k for k, v in events.items()},
            attributes=attribute_definitions(project.schema_id),
        )


def summarise(result: ImportResult, planned: list[PlannedDocument], schema: Schema) -> None:
    result.documents = len(planned)
    result.titles = [p.document.title for p in planned[:20]]
    for document in planned:
        for layer in document.layers:
            result.layers += 1
            result.layer_names[layer.owner or layer.name] += 1
            result.spans += len(layer.spans)
            result.events += sum(1 for s in layer.spans if s[4] is not None)
            result.arguments += len(layer.arguments)
            result.comments += len(layer.comments)
            for _key, _start, _end, entity_id, event_id in layer.spans:
                label = (
                    schema.entity_keys[entity_id]
                    if entity_id is not None
                    else schema.event_keys[event_id]
                )
                result.labels[label] += 1
