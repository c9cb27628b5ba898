"""Event frames (issue 12): each event of a layer as its type's roles in schema order,
filled or empty, with its attributes and what it still needs; and, for each entity, the
events it takes part in. Built from a fixed number of queries whatever the layer holds
(the workspace, the read-only document page and the curation page share it)."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext, ngettext

from newsreview.projects.models import AttributeType, EntityType, EventType, RoleType

from .events import completeness
from .models import AnnotationLayer, Argument, Event


@dataclass
class FrameArgument:
    id: int
    span_id: int
    text: str
    label_key: str
    label_name: str
    role: RoleType


@dataclass
class Slot:
    role: RoleType
    allowed: list[EntityType]
    arguments: list[FrameArgument] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.arguments

    @property
    def is_missing(self) -> bool:
        return self.role.is_required and not self.arguments

    @property
    def takes_more(self) -> bool:
        return self.role.is_multiple or not self.arguments


@dataclass
class AttributeView:
    attribute: AttributeType
    value: Any


@dataclass
class Frame:
    event_id: int
    trigger_id: int
    event_type: EventType
    trigger_text: str
    slots: list[Slot]
    orphans: list[FrameArgument]
    attributes: list[AttributeView]
    unknown_attributes: dict[str, Any]
    roles: list[RoleType]

    @property
    def missing(self) -> list[RoleType]:
        return [s.role for s in self.slots if s.is_missing]

    @property
    def is_complete(self) -> bool:
        return not self.missing and not self.orphans

    @property
    def all_arguments(self) -> list[FrameArgument]:
        """Every argument, by role in schema order, then those of roles the type lacks."""
        return [a for s in self.slots for a in s.arguments] + self.orphans

    @property
    def argument_count(self) -> int:
        return sum(len(s.arguments) for s in self.slots) + len(self.orphans)

    @property
    def argument_spans(self) -> str:
        """ "span-id:ROLE …" for the highlighting script (frame.js)."""
        parts = [f"{a.span_id}:{a.role.key}" for s in self.slots for a in s.arguments]
        parts += [f"{a.span_id}:{a.role.key}" for a in self.orphans]
        return " ".join(parts)


@dataclass
class Participation:
    """An event an entity takes part in, and as what."""

    trigger_id: int
    event_name: str
    trigger_text: str
    role_name: str


@dataclass
class Frames:
    by_trigger: dict[int, Frame]
    participation: dict[int, list[Participation]]  # entity span id → events
    attribute_types: list[AttributeType]

    @property
    def incomplete(self) -> int:
        return sum(not f.is_complete for f in self.by_trigger.values())


def build_frames(
    layer: AnnotationLayer | None,
    spans: dict[int, Any],
    names: dict[int, str],
    schema_id: int,
) -> Frames:
    """Frames of `layer`'s events. `spans` maps span id to a row with `text` and `label`
    (an EntityType or EventType); `names` maps id(label) to its display name."""
    if layer is None or not any(getattr(s, "event_type_id", None) for s in spans.values()):
        return Frames({}, {}, [])
    attribute_types = list(AttributeType.objects.filter(schema_id=schema_id))
    roles = {
        r.pk: r
        for r in RoleType.objects.filter(event_type__schema_id=schema_id).prefetch_related(
            Prefetch("allowed_entity_types", queryset=EntityType.objects.order_by("order", "key"))
        )
    }
    by_type: dict[int, list[RoleType]] = {}
    for role in roles.values():
        by_type.setdefault(role.event_type_id, []).append(role)
    arguments: dict[int, list[tuple[int, int, int]]] = {}
    for pk, event_id, role_id, span_id in (
        Argument.objects.filter(event__layer=layer)
        .order_by("span__start", "id")
        .values_list("pk", "event_id", "role_id", "span_id")
    ):
        arguments.setdefault(event_id, []).append((pk, role_id, span_id))
    frames: dict[int, Frame] = {}
    participation: dict[int, list[Participation]] = {}
    for event_id, trigger_id, type_id, attrs in (
        Event.objects.filter(layer=layer)
        .order_by("trigger__start", "id")
        .values_list("pk", "trigger_id", "event_type_id", "attributes")
    ):
        trigger = spans.get(trigger_id)
        if trigger is None:
            continue
        event_type = trigger.label
        own_roles = by_type.get(type_id, [])
        slots = {r.pk: Slot(r, list(r.allowed_entity_types.all())) for r in own_roles}
        orphans = []
        status = completeness(
            type_id, own_roles, [(a, r) for a, r, _s in arguments.get(event_id, [])]
        )
        for argument_id, role_id, span_id in arguments.get(event_id, []):
            entity = spans.get(span_id)
            if entity is None:
                continue
            view = FrameArgument(
                argument_id,
                span_id,
                entity.text,
                entity.label.key,
                names[id(entity.label)],
                roles[role_id],
            )
            if argument_id in status.orphaned:
                orphans.append(view)
            else:
                slots[role_id].arguments.append(view)
            participation.setdefault(span_id, []).append(
                Participation(trigger_id, names[id(event_type)], trigger.text, roles[role_id].name)
            )
        attrs = attrs or {}
        frames[trigger_id] = Frame(
            event_id=event_id,
            trigger_id=trigger_id,
            event_type=event_type,
            trigger_text=trigger.text,
            slots=[slots[r.pk] for r in own_roles],
            orphans=orphans,
            attributes=[AttributeView(a, attrs.get(a.key)) for a in attribute_types],
            unknown_attributes={
                k: v for k, v in attrs.items() if k not in {a.key for a in attribute_types}
            },
            roles=own_roles,
        )
    return Frames(frames, participation, attribute_types)


def render_placeholders(frames: list[Frame], selected_id: int | None) -> str:
    """The workspace's stand-ins for the frames it does not show (all but the focused one):
    what the text needs without the frame (the arguments to highlight, the question before
    deleting the trigger). Built here, not in a template loop: a layer may hold hundreds
    of events (bench/bench_frames.py). Every value is escaped."""
    esc = html.escape
    out = []
    for frame in frames:
        if frame.trigger_id == selected_id:
            continue
        question = ngettext(
            "Delete this %(type)s event and its %(n)s argument? The argument's own "
            "annotation stays in the text.",
            "Delete this %(type)s event and its %(n)s arguments? The arguments' own "
            "annotations stay in the text.",
            frame.argument_count,
        ) % {"type": frame.event_type.name, "n": frame.argument_count}
        out.append(
            f'<section class="frame" id="frame-{frame.trigger_id}" '
            f'data-frame-for="{frame.trigger_id}" data-event-args="{esc(frame.argument_spans)}" '
            f'data-lazy data-delete-confirm="{esc(question)}" hidden></section>'
        )
    return "".join(out)


def render_participation(participation: dict[int, list[Participation]], lang: str) -> str:
    """For each entity that fills a role: the events it takes part in, each a link to the
    event (shown when the entity is focused). Escaped, built here for the same reason."""
    esc = html.escape
    title = esc(gettext("Takes part in"))
    out = []
    for span_id, taking_part in participation.items():
        items = "".join(
            f'<li><a href="?span={p.trigger_id}" data-focus-span="{p.trigger_id}" '
            f'data-event-link="{p.trigger_id}">{esc(p.event_name)}: '
            f'<bdi lang="{esc(lang)}">{esc(p.trigger_text)}</bdi></a> — '
            f"{esc(gettext('as %(role)s') % {'role': p.role_name})}</li>"
            for p in taking_part
        )
        out.append(
            f'<section class="roles-of" data-roles-for="{span_id}" hidden>'
            f'<h3 class="side-panel__title">{title}</h3><ul>{items}</ul></section>'
        )
    return "".join(out)
