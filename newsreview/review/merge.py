"""Merge several layers of one document into candidates and disagreement groups.

Pure Python (no Django): the curation page, the review services and the benchmark all
call it with plain tuples read from the database.

* A **candidate** is one (start, end, label) entity span, or one event (trigger offsets,
  type, arguments, attributes), with the layers that proposed it identically (its
  supporters).
* A candidate every annotator layer proposed is **agreed** (the project may pre-accept
  those into gold). Pre-annotation layers are shown but never needed for agreement.
* The other candidates form **groups**: candidates whose offsets overlap (for events, the
  triggers' offsets), transitively, in document order. Each group says why it is one:
  a layer proposed nothing there (missing), the same text got different labels (label),
  the same label covers different text (boundary), a span sits inside another with a
  different label in one layer and not the other (nesting); for events also type,
  arguments and attributes, compared slot by slot.
"""

from __future__ import annotations

import bisect
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

ENTITY, EVENT = "entity", "event"
MISSING, LABEL, BOUNDARY, NESTING = "missing", "label", "boundary", "nesting"
TYPE, ARGUMENTS, ATTRIBUTES = "type", "arguments", "attributes"
ANNOTATOR, PREANNOTATION = "annotator", "pre"


# --- input ------------------------------------------------------------------------------
# Named tuples, not dataclasses: a page reads thousands of them and a tuple is built
# several times faster (bench/bench_review.py).


class SpanIn(NamedTuple):
    """An entity span of a layer (triggers come in through their events)."""

    id: int
    start: int
    end: int
    label: str


class ArgumentIn(NamedTuple):
    role: str
    start: int
    end: int
    label: str


class EventIn(NamedTuple):
    id: int
    start: int  # the trigger's offsets
    end: int
    type: str
    arguments: tuple[ArgumentIn, ...] = ()
    attributes: tuple[tuple[str, str], ...] = ()  # (name, JSON value), see attributes_key


class LayerIn(NamedTuple):
    name: str
    kind: str = ANNOTATOR  # or PREANNOTATION (gold is passed to `decide`, never merged)
    spans: tuple[SpanIn, ...] = ()
    events: tuple[EventIn, ...] = ()


def event_signature(event: EventIn) -> tuple:
    """What makes two events the same candidate: trigger offsets, type, the set of
    arguments (order and repeats ignored), attributes."""
    arguments = tuple(
        sorted(set(event.arguments), key=lambda a: (a.role, a.start, -a.end, a.label))
    )
    return (event.start, event.end, event.type, arguments, event.attributes)


def attributes_key(attributes: dict) -> tuple[tuple[str, str], ...]:
    """An event's attributes as a comparable tuple (values as canonical JSON)."""
    return tuple(
        sorted(
            (str(k), json.dumps(v, sort_keys=True, ensure_ascii=False))
            for k, v in attributes.items()
        )
    )


# --- output -----------------------------------------------------------------------------


@dataclass
class Candidate:
    """One entity span proposed identically by `supporters` (layer names, input order)."""

    start: int
    end: int
    label: str
    supporters: list[str] = field(default_factory=list)
    span_ids: dict[str, int] = field(default_factory=dict)  # layer name → span id
    preannotated: bool = False  # some supporter is a pre-annotation layer
    kind: str = ENTITY
    id: str = field(default="", compare=False)  # set from the offsets and label

    def __post_init__(self) -> None:
        # Plain attributes, not properties: a page asks for them thousands of times.
        self.id = f"e:{self.start}:{self.end}:{self.label}"

    @property
    def sort_key(self) -> tuple:
        return (self.start, -self.end, self.label)


@dataclass
class EventCandidate:
    """One event (trigger offsets, type, arguments, attributes) proposed identically."""

    start: int
    end: int
    type: str
    arguments: tuple[ArgumentIn, ...]
    attributes: tuple[tuple[str, str], ...]
    supporters: list[str] = field(default_factory=list)
    event_ids: dict[str, int] = field(default_factory=dict)
    preannotated: bool = False
    kind: str = EVENT
    _id: str | None = field(default=None, repr=False, compare=False)

    @property
    def label(self) -> str:
        return self.type

    @property
    def signature(self) -> tuple:
        return (self.start, self.end, self.type, self.arguments, self.attributes)

    @property
    def id(self) -> str:
        if self._id is None:
            digest = hashlib.blake2s(repr(self.signature).encode("utf-8"), digest_size=5)
            self._id = f"v:{self.start}:{self.end}:{self.type}:{digest.hexdigest()}"
        return self._id

    @property
    def sort_key(self) -> tuple:
        return (self.start, -self.end, self.type, self.arguments, self.attributes)


@dataclass
class SlotValue:
    value: str  # readable: a label, "start-end LABEL" pieces, or attribute pairs
    supporters: list[str]


@dataclass
class Slot:
    """One aspect of the events of a group, with what each layer put there."""

    name: str  # TYPE, ATTRIBUTES, or a role key
    kind: str  # TYPE, ATTRIBUTES or "role"
    values: list[SlotValue]

    @property
    def differs(self) -> bool:
        return len(self.values) > 1


@dataclass
class Group:
    """Candidates that disagree with each other over one stretch of text."""

    kind: str  # ENTITY or EVENT
    candidates: list  # Candidate or EventCandidate, most supported first
    reasons: set[str]
    missing: list[str]  # annotator layers that proposed nothing here
    slots: list[Slot] = field(default_factory=list)  # events only

    start: int = field(default=0, compare=False)  # set from the candidates
    end: int = field(default=0, compare=False)
    id: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        # Computed once (a group's candidates never change after the merge), as plain
        # attributes: a page asks for them thousands of times.
        self.start = min(c.start for c in self.candidates)
        self.end = max(c.end for c in self.candidates)
        digest = hashlib.blake2s(
            "|".join(sorted(c.id for c in self.candidates)).encode("utf-8"), digest_size=5
        ).hexdigest()
        self.id = f"g:{self.kind}:{self.start}:{self.end}:{digest}"


@dataclass
class Merge:
    annotators: list[str]  # annotator layer names (agreement needs all of them)
    layers: list[str]  # every merged layer's name, input order
    entities: list[Candidate]  # every entity candidate, document order
    events: list[EventCandidate]
    agreed: list  # candidates every annotator proposed (entities, then events), doc order
    groups: list[Group]  # document order

    def candidate(self, candidate_id: str) -> Candidate | EventCandidate | None:
        for c in (*self.entities, *self.events):
            if c.id == candidate_id:
                return c
        return None

    def group(self, group_id: str) -> Group | None:
        for g in self.groups:
            if g.id == group_id:
                return g
        return None


def _overlaps(a, b) -> bool:
    return a.start < b.end and b.start < a.end


def _nests(a, b) -> bool:
    """One strictly inside the other (offsets differ)."""
    if (a.start, a.end) == (b.start, b.end):
        return False
    return (a.start <= b.start and b.end <= a.end) or (b.start <= a.start and a.end <= b.end)


def _components(items: list) -> list[list]:
    """Connected components of the overlap graph; `items` sorted by start (sweep)."""
    components: list[list] = []
    current: list = []
    reach = -1
    for item in sorted(items, key=lambda c: c.sort_key):
        if current and item.start < reach:
            current.append(item)
            reach = max(reach, item.end)
        else:
            if current:
                components.append(current)
            current, reach = [item], item.end
    if current:
        components.append(current)
    return components


def _by_support(candidates: list) -> list:
    return sorted(candidates, key=lambda c: (-len(c.supporters), c.sort_key))


def _entity_reasons(members: list[Candidate], agreed: list[Candidate]) -> set[str]:
    reasons: set[str] = set()
    for i, a in enumerate(members):
        for b in members[i + 1 :]:
            if not _overlaps(a, b):
                continue
            if (a.start, a.end) == (b.start, b.end):
                reasons.add(LABEL)
            elif a.label == b.label:
                reasons.add(BOUNDARY)
            elif _nests(a, b):
                reasons.add(NESTING)
            else:
                reasons.add(BOUNDARY)
        for b in agreed:
            if _overlaps(a, b) and _nests(a, b) and a.label != b.label:
                reasons.add(NESTING)
    return reasons


def _arg_text(argument: ArgumentIn) -> str:
    return f"{argument.label} [{argument.start}, {argument.end})"


def _event_slots(members: list[EventCandidate]) -> list[Slot]:
    def slot(name: str, kind: str, value_of) -> Slot:
        values: dict[str, list[str]] = {}
        for c in members:
            values.setdefault(value_of(c), []).extend(c.supporters)
        return Slot(name, kind, [SlotValue(v, s) for v, s in values.items()])

    slots = [slot(TYPE, TYPE, lambda c: c.type)]
    roles = sorted({a.role for c in members for a in c.arguments})
    for role in roles:
        slots.append(
            slot(
                role,
                "role",
                lambda c, r=role: (
                    ", ".join(_arg_text(a) for a in c.arguments if a.role == r) or "—"
                ),
            )
        )
    slots.append(
        slot(
            ATTRIBUTES,
            ATTRIBUTES,
            lambda c: ", ".join(f"{k}={v}" for k, v in c.attributes) or "—",
        )
    )
    return slots


def _event_reasons(members: list[EventCandidate], slots: list[Slot]) -> set[str]:
    reasons: set[str] = set()
    if len({(c.start, c.end) for c in members}) > 1:
        reasons.add(BOUNDARY)
    for s in slots:
        if s.differs:
            reasons.add(s.kind if s.kind != "role" else ARGUMENTS)
    return reasons


def merge(layers: Sequence[LayerIn]) -> Merge:
    """Candidates, agreement and disagreement groups of `layers` (see the module doc)."""
    annotators = [layer.name for layer in layers if layer.kind == ANNOTATOR]
    entities: dict[tuple, Candidate] = {}
    events: dict[tuple, EventCandidate] = {}
    for layer in layers:
        pre = layer.kind == PREANNOTATION
        for span in layer.spans:
            key = (span.start, span.end, span.label)
            c = entities.get(key)
            if c is None:  # (not setdefault: that builds a candidate for every span)
                c = entities[key] = Candidate(span.start, span.end, span.label)
            if layer.name not in c.span_ids:
                c.supporters.append(layer.name)
                c.span_ids[layer.name] = span.id
                c.preannotated = c.preannotated or pre
        for event in layer.events:
            key = event_signature(event)
            e = events.get(key)
            if e is None:
                e = events[key] = EventCandidate(*key)
            if layer.name not in e.event_ids:
                e.supporters.append(layer.name)
                e.event_ids[layer.name] = event.id
                e.preannotated = e.preannotated or pre

    required = set(annotators)
    needed = len(required)

    def is_agreed(c) -> bool:
        # Supporters are distinct layer names: counting the annotators among them is enough.
        return bool(needed) and sum(1 for s in c.supporters if s in required) == needed

    entity_list = sorted(entities.values(), key=lambda c: (c.start, -c.end, c.label))
    event_list = sorted(events.values(), key=lambda c: c.sort_key)
    agreed_entities, open_entities = [], []
    for c in entity_list:
        (agreed_entities if is_agreed(c) else open_entities).append(c)
    agreed_events, open_events = [], []
    for c in event_list:
        (agreed_events if is_agreed(c) else open_events).append(c)
    groups: list[Group] = []
    # Agreed spans near a group, found by bisection (a sweep, not all pairs: a layer may
    # hold thousands of spans, bench/bench_review.py).
    agreed_starts = [a.start for a in agreed_entities]
    longest = max((a.end - a.start for a in agreed_entities), default=0)
    for members in _components(open_entities):
        lo = min(m.start for m in members)
        hi = max(m.end for m in members)
        window = agreed_entities[
            bisect.bisect_left(agreed_starts, lo - longest) : bisect.bisect_left(agreed_starts, hi)
        ]
        near = [a for a in window if any(_overlaps(a, m) for m in members)]
        proposed = {s for c in members for s in c.supporters}
        missing = [n for n in annotators if n not in proposed]
        reasons = _entity_reasons(members, near)
        if missing or len(members) == 1:
            reasons.add(MISSING)
        groups.append(Group(ENTITY, _by_support(members), reasons, missing))
    for members in _components(open_events):
        proposed = {s for c in members for s in c.supporters}
        missing = [n for n in annotators if n not in proposed]
        slots = _event_slots(members)
        reasons = _event_reasons(members, slots)
        if missing or len(members) == 1:
            reasons.add(MISSING)
        groups.append(Group(EVENT, _by_support(members), reasons, missing, slots))
    groups.sort(key=lambda g: (g.start, -g.end, g.kind))
    agreed = sorted([*agreed_entities, *agreed_events], key=lambda c: (c.start, -c.end, c.kind))
    return Merge(
        annotators=annotators,
        layers=[layer.name for layer in layers],
        entities=entity_list,
        events=event_list,
        agreed=agreed,
        groups=groups,
    )


# --- decisions --------------------------------------------------------------------------

OPEN, ACCEPTED, REJECTED, EDITED = "open", "accepted", "rejected", "edited"


@dataclass
class GoldIndex:
    """What the gold layer holds, for deciding which groups are settled."""

    spans: set[tuple[int, int, str]]
    events: set[tuple]  # EventCandidate.signature of each gold event

    @classmethod
    def of(cls, gold: LayerIn | None) -> GoldIndex:
        if gold is None:
            return cls(set(), set())
        return cls(
            {(s.start, s.end, s.label) for s in gold.spans},
            {event_signature(e) for e in gold.events},
        )

    def holds(self, candidate: Candidate | EventCandidate) -> bool:
        if candidate.kind == ENTITY:
            return (candidate.start, candidate.end, candidate.label) in self.spans
        return candidate.signature in self.events


def decide(result: Merge, gold: LayerIn | None, rejected: Iterable[str] = ()) -> dict[str, str]:
    """Each group's state: accepted (gold holds one of its candidates), rejected (the
    reviewer rejected all of them: ids in `rejected`), edited (gold has something else
    there that no layer proposed: the reviewer wrote it by hand), else open."""
    index = GoldIndex.of(gold)
    rejected = set(rejected)
    proposed_spans = {(c.start, c.end, c.label) for c in result.entities}
    proposed_events = {c.signature for c in result.events}
    # Offsets of what the reviewer wrote by hand (gold entries no layer proposed).
    own_spans = [(s[0], s[1]) for s in index.spans if s not in proposed_spans]
    own_events = [(e[0], e[1]) for e in index.events if e not in proposed_events]
    states: dict[str, str] = {}
    for group in result.groups:
        if any(index.holds(c) for c in group.candidates):
            states[group.id] = ACCEPTED
        elif group.id in rejected:
            states[group.id] = REJECTED
        elif any(
            start < group.end and group.start < end
            for start, end in (own_spans if group.kind == ENTITY else own_events)
        ):
            states[group.id] = EDITED
        else:
            states[group.id] = OPEN
    return states
