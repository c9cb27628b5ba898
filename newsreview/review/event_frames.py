"""Candidate events as frames on the curation page (issue 10): the events of one trigger
group (merge.Group of kind event) side by side, slot by slot (trigger, type, each role
in schema order, each attribute), every value with the layers that proposed it, so the
reviewer sees who proposed which argument for each role and where the layers differ.
Built from the merge (no query of its own beyond the schema's roles and attributes,
read once per page and only when there are event groups)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext

from . import merge as merging
from .copying import Labels

TRIGGER, TYPE, ROLE, ATTRIBUTE = "trigger", "type", "role", "attribute"


@dataclass
class FrameValue:
    text: str  # readable: "باريس (Geo-political entity)", or "—" for nothing
    supporters: list[str]  # layer names, merge order
    is_empty: bool = False


@dataclass
class FrameSlot:
    key: str  # role or attribute key; "trigger" / "type" for those
    kind: str  # TRIGGER, TYPE, ROLE or ATTRIBUTE
    name: str  # shown: translated, or the schema's name in the page's language
    values: list[FrameValue]

    @property
    def differs(self) -> bool:
        return len(self.values) > 1


@dataclass
class EventFrame:
    trigger: str  # the group's text
    slots: list[FrameSlot]
    missing: list[str]  # annotator layers that proposed no event here

    @property
    def differing(self) -> int:
        return sum(1 for s in self.slots if s.differs)


def _value(value: str) -> str:
    """An attribute's stored JSON value, readable."""
    try:
        loaded = json.loads(value)
    except ValueError:
        return value
    return loaded if isinstance(loaded, str) else json.dumps(loaded, ensure_ascii=False)


def event_frame(
    group: merging.Group, text: str, labels: Labels, name_of: Callable[[str], str]
) -> EventFrame:
    """The frame of an event group: one slot per aspect, each with its distinct values
    and who proposed them (a layer that proposed an event without that role: "—")."""
    members: list[merging.EventCandidate] = group.candidates
    nothing = "—"

    def slot(key: str, kind: str, name: str, value_of: Callable) -> FrameSlot:
        values: dict[str, list[str]] = {}
        for c in members:
            values.setdefault(value_of(c), []).extend(c.supporters)
        return FrameSlot(
            key,
            kind,
            name,
            [FrameValue(v, s, is_empty=v == nothing) for v, s in values.items()],
        )

    slots = [
        slot(TRIGGER, TRIGGER, gettext("Trigger"), lambda c: text[c.start : c.end]),
        slot(TYPE, TYPE, gettext("Event type"), lambda c: name_of(c.type)),
    ]
    roles = {(c.type, a.role) for c in members for a in c.arguments}
    if roles:
        schema_roles = labels.roles
        order: dict[str, tuple[int, str, str]] = {}
        for event_type, role in roles:
            found = schema_roles.get((event_type, role))
            rank = (found.order, role, found.name) if found else (10**6, role, role)
            order[role] = min(order.get(role, rank), rank)
        for role in sorted(order, key=lambda r: order[r][:2]):
            slots.append(
                slot(
                    role,
                    ROLE,
                    order[role][2],
                    lambda c, r=role: (
                        "; ".join(
                            f"{text[a.start : a.end]} ({name_of(a.label)})"
                            for a in c.arguments
                            if a.role == r
                        )
                        or nothing
                    ),
                )
            )
    keys = sorted({k for c in members for k, _v in c.attributes})
    if keys:
        schema_attributes = labels.attributes
        for key in keys:
            found = schema_attributes.get(key)
            slots.append(
                slot(
                    key,
                    ATTRIBUTE,
                    found.name if found else key,
                    lambda c, k=key: next((_value(v) for a, v in c.attributes if a == k), nothing),
                )
            )
    return EventFrame(trigger=text[group.start : group.end], slots=slots, missing=group.missing)
