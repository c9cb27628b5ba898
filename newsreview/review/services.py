"""Review: the workflow from submitted layers to an approved gold layer, and the
reviewer's decisions on the candidates of a document (merge.py).

Every write goes through here or through annotations.services (gold edits, status
changes, comments): one transaction, the gold layer's version checked (two reviewers on
one document: the second gets "stale", a 409 and a fresh view), the audit trail written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from newsreview.accounts.models import User
from newsreview.annotations import services as annotate
from newsreview.annotations.errors import AnnotationError
from newsreview.annotations.models import GOLD, AnnotationLayer, Argument, Change, Event, Span
from newsreview.documents.models import Document
from newsreview.projects.models import EntityType, EventType, Project, RoleType
from newsreview.projects.permissions import REVIEW_ROLES, role_in

from . import merge as merging
from .models import Decision

Status = AnnotationLayer.Status
Kind = AnnotationLayer.Kind
# Annotator layers whose work is shown as candidates: submitted, or already reviewed.
FEEDING = (Status.DONE, Status.REVIEWED)
REJECT = "review.reject"


# --- who and when -----------------------------------------------------------------------


def require_reviewer(user: User | None, project: Project) -> None:
    """Refuse anyone but a reviewer or a manager of `project` (None: a command)."""
    if user is not None and role_in(user, project) not in REVIEW_ROLES:
        raise AnnotationError("forbidden", _("Only a reviewer or a manager can do this."))


def submitted_count(document: Document) -> int:
    return AnnotationLayer.objects.filter(
        document=document, kind=Kind.ANNOTATOR, status__in=FEEDING
    ).count()


def is_ready(document: Document) -> bool:
    """Ready for review: the project's required number of annotator layers submitted."""
    return submitted_count(document) >= document.project.annotators_per_document


def _not_ready(document: Document) -> AnnotationError:
    required = document.project.annotators_per_document
    done = submitted_count(document)
    return AnnotationError(
        "not_ready",
        ngettext(
            "Not ready for review: %(done)d of the %(required)d required annotator has "
            "submitted this document.",
            "Not ready for review: %(done)d of the %(required)d required annotators have "
            "submitted this document.",
            required,
        )
        % {"done": done, "required": required},
    )


def review_queue(project: Project) -> QuerySet[Document]:
    """Documents ready for review and not yet approved, the longest waiting first
    (by the time their last required layer was submitted)."""
    feeding = Q(layers__kind=Kind.ANNOTATOR, layers__status__in=FEEDING)
    gold_status = AnnotationLayer.objects.filter(
        document=OuterRef("pk"), kind=Kind.GOLD, owner__isnull=True
    ).values("status")[:1]
    return (
        Document.objects.filter(project=project)
        .annotate(
            submitted=Count("layers", filter=feeding, distinct=True),
            ready_at=Max("layers__updated_at", filter=feeding),
            gold_status=Subquery(gold_status),
        )
        .filter(submitted__gte=project.annotators_per_document)
        # Spelled out: NOT (NULL = 'reviewed') is NULL in SQL, which would drop documents
        # with no gold layer yet.
        .filter(Q(gold_status__isnull=True) | ~Q(gold_status=Status.REVIEWED))
        .order_by("ready_at", "pk")
    )


def next_to_review(project: Project, *, after: Document | None = None) -> Document | None:
    """The oldest ready document other than `after`."""
    queue = review_queue(project).only("id", "title", "project_id")
    if after is not None:
        queue = queue.exclude(pk=after.pk)
    return queue.first()


# --- reading the layers -----------------------------------------------------------------


@dataclass
class Layers:
    """The merge input of a document, read in a constant number of queries."""

    annotator_layers: list[AnnotationLayer]  # feeding annotator layers and pre-annotations
    gold: AnnotationLayer | None
    inputs: list[merging.LayerIn]
    gold_input: merging.LayerIn | None
    span_text: dict[int, str]  # span id → text, for every layer read
    # layer id → its spans, triggers included: (id, start, end, entity key, event key)
    rows: dict[int, list[tuple[int, int, int, str | None, str | None]]]


def read_layers(
    document: Document,
    *,
    gold: AnnotationLayer | None = None,
    window: tuple[int, int] | None = None,
) -> Layers:
    """The feeding layers and gold of `document` as merge input: four queries whatever
    the number of spans. With `window=(lo, hi)` only what overlaps it (the spans, and
    the events by their triggers, arguments included wherever they are): a window that
    covers whole groups (component_window) gives the same groups there as the whole."""
    layers = list(
        AnnotationLayer.objects.filter(document=document)
        .filter(
            Q(kind=Kind.ANNOTATOR, status__in=FEEDING)
            | Q(kind=Kind.PREANNOTATION)
            | Q(kind=Kind.GOLD)
        )
        .select_related("owner")
        .order_by("kind", "owner__username", "name", "pk")
    )
    if gold is None:
        gold = next((layer for layer in layers if layer.kind == Kind.GOLD), None)
    others = [layer for layer in layers if layer.kind != Kind.GOLD]
    ids = [layer.pk for layer in others] + ([gold.pk] if gold else [])
    span_query = Span.objects.filter(layer_id__in=ids)
    event_query = Event.objects.filter(layer_id__in=ids)
    argument_query = Argument.objects.filter(event__layer_id__in=ids)
    if window is not None:
        lo, hi = window
        span_query = span_query.filter(start__lt=hi, end__gt=lo)
        event_query = event_query.filter(trigger__start__lt=hi, trigger__end__gt=lo)
        argument_query = argument_query.filter(
            event__trigger__start__lt=hi, event__trigger__end__gt=lo
        )
    spans: dict[int, list[merging.SpanIn]] = {i: [] for i in ids}
    span_text: dict[int, str] = {}
    span_rows = span_query.values_list(
        "pk", "layer_id", "start", "end", "text", "entity_type__key", "event_type__key"
    )
    rows: dict[int, list[tuple[int, int, int, str | None, str | None]]] = {i: [] for i in ids}
    for pk, layer_id, start, end, text, entity, event in span_rows:
        span_text[pk] = text
        rows[layer_id].append((pk, start, end, entity, event))
        if entity is not None:
            spans[layer_id].append(merging.SpanIn(pk, start, end, entity))
    arguments: dict[int, list[merging.ArgumentIn]] = {}
    for event_id, role, start, end, label in argument_query.values_list(
        "event_id", "role__key", "span__start", "span__end", "span__entity_type__key"
    ):
        if label is not None:
            arguments.setdefault(event_id, []).append(merging.ArgumentIn(role, start, end, label))
    events: dict[int, list[merging.EventIn]] = {i: [] for i in ids}
    event_rows = Event.objects.filter(layer_id__in=ids).values_list(
        "pk", "layer_id", "trigger__start", "trigger__end", "event_type__key", "attributes"
    )
    for pk, layer_id, start, end, key, attributes in event_rows:
        events[layer_id].append(
            merging.EventIn(
                pk,
                start,
                end,
                key,
                tuple(arguments.get(pk, ())),
                merging.attributes_key(attributes or {}),
            )
        )

    def layer_in(layer: AnnotationLayer) -> merging.LayerIn:
        return merging.LayerIn(
            name=layer.layer_name,
            kind=merging.PREANNOTATION if layer.kind == Kind.PREANNOTATION else merging.ANNOTATOR,
            spans=tuple(spans[layer.pk]),
            events=tuple(events[layer.pk]),
        )

    return Layers(
        annotator_layers=others,
        gold=gold,
        inputs=[layer_in(layer) for layer in others],
        gold_input=layer_in(gold) if gold else None,
        span_text=span_text,
        rows=rows,
    )


def component_window(document: Document, start: int, end: int) -> tuple[int, int]:
    """[start, end) widened until no span of the document's layers crosses its edges, so
    it holds whole disagreement groups (they are made of overlapping spans)."""
    lo, hi = start, end
    spans = Span.objects.filter(layer__document=document)
    while True:
        found = spans.filter(start__lt=hi, end__gt=lo).aggregate(lo=Min("start"), hi=Max("end"))
        new_lo = min(lo, found["lo"] if found["lo"] is not None else lo)
        new_hi = max(hi, found["hi"] if found["hi"] is not None else hi)
        if (new_lo, new_hi) == (lo, hi):
            return lo, hi
        lo, hi = new_lo, new_hi


def offsets_of(item_id: str) -> tuple[int, int] | None:
    """The offsets a candidate id ("e:START:END:LABEL", "v:START:END:…") or a group id
    ("g:KIND:START:END:…") carries; None for a malformed id."""
    parts = item_id.split(":")
    numbers = parts[2:4] if item_id.startswith("g:") else parts[1:3]
    if len(numbers) != 2 or not all(n.isdigit() and len(n) < 10 for n in numbers):
        return None
    start, end = int(numbers[0]), int(numbers[1])
    return (start, end) if start < end else None


def rejected_groups(document: Document) -> set[str]:
    return set(
        Decision.objects.filter(
            document=document, kind=Decision.Kind.REJECTED, is_undone=False
        ).values_list("group", flat=True)
    )


# --- copying candidates into gold -------------------------------------------------------


class Labels:
    """The project's labels by key, each kind read once per write and only if needed
    (accepting an entity reads no event types or roles)."""

    def __init__(self, project: Project) -> None:
        self.schema = project.schema_id
        self._entities: dict[str, EntityType] | None = None
        self._events: dict[str, EventType] | None = None
        self._roles: dict[tuple[str, str], RoleType] | None = None

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
) -> tuple[Span, bool]:
    """The gold span (start, end, key), created when missing; whether it was created."""
    label = labels.entity(key)
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


def _copy(
    gold: AnnotationLayer,
    candidate: merging.Candidate | merging.EventCandidate,
    labels: Labels,
    by: User | None,
) -> tuple[Span, annotate.State | None, annotate.State]:
    """Write `candidate` into gold: an entity span, or an event with its trigger and its
    arguments (their spans created in gold or linked to the gold spans already there).
    Returns the span and the before/after states for one audit row (undo reverts it whole)."""
    text = gold.document.text
    if candidate.kind == merging.ENTITY:
        span, created = _gold_entity(
            gold, text, labels, candidate.start, candidate.end, candidate.label, by
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
    import json

    return {k: json.loads(v) for k, v in candidate.attributes}


def _origin(candidate: merging.Candidate | merging.EventCandidate) -> dict[str, Any]:
    ids = candidate.span_ids if candidate.kind == merging.ENTITY else candidate.event_ids
    return {
        "layers": list(candidate.supporters),
        "ids": dict(ids),
        "kind": candidate.kind,
        "label": candidate.label,
        "start": candidate.start,
        "end": candidate.end,
    }


# --- starting, deciding, undoing --------------------------------------------------------


def _gold_for_review(document: Document, by: User | None, version: int | None) -> AnnotationLayer:
    """The document's gold layer, locked, after the permission, readiness and version
    checks every review write shares. The first review write starts the review."""
    require_reviewer(by, document.project)
    gold = annotate.get_or_create_named_layer(document=document, name=GOLD)
    gold = annotate.lock_layer(gold, version, editing=True)
    if gold.status == Status.NEW:
        if not is_ready(document):
            raise _not_ready(document)
        _preaccept(document, gold, by)
    return gold


def _preaccept(document: Document, gold: AnnotationLayer, by: User | None) -> None:
    """Copy every agreed candidate into gold (when the project says so) as one undoable
    step of the reviewer who started, and move gold to in progress."""
    project = document.project
    if project.preaccept_agreed:
        layers = read_layers(document, gold=gold)
        result = merging.merge(layers.inputs)
        index = merging.GoldIndex.of(layers.gold_input)
        labels = Labels.of(project)
        states: list[annotate.State] = []
        decisions: list[Decision] = []
        # Entities first, so an agreed event links to the agreed gold spans.
        for candidate in sorted(result.agreed, key=lambda c: c.kind != merging.ENTITY):
            if index.holds(candidate):
                continue
            if (
                candidate.kind == merging.ENTITY
                and Span.objects.filter(
                    layer=gold,
                    start=candidate.start,
                    end=candidate.end,
                    entity_type__key=candidate.label,
                ).exists()
            ):
                continue
            span, _before, after = _copy(gold, candidate, labels, by)
            states.append(after)
            decisions.append(
                Decision(
                    document=document,
                    kind=Decision.Kind.PREACCEPTED,
                    candidate=candidate.id,
                    origin=_origin(candidate),
                    span=span,
                    by=by,
                )
            )
        if states:
            merged: annotate.State = {"spans": [], "events": [], "arguments": []}
            for state in states:
                for key in merged:
                    merged[key] += state.get(key, [])
            change = annotate.record_change(gold, by, "span.add", None, merged)
            for decision in decisions:
                decision.change = change
            Decision.objects.bulk_create(decisions)
    annotate.bump_version(gold)  # new → in progress, and a new version


@transaction.atomic
def start_review(*, document: Document, by: User | None) -> AnnotationLayer:
    """Start reviewing a ready document: the gold layer is created, the agreed
    candidates pre-accepted. Idempotent: a started review is left as it is."""
    require_reviewer(by, document.project)
    gold = annotate.get_or_create_named_layer(document=document, name=GOLD)
    gold = annotate.lock_layer(gold, None)
    if gold.status != Status.NEW:
        return gold
    return _gold_for_review(document, by, None)


def _current(
    document: Document, gold: AnnotationLayer, item_id: str
) -> tuple[merging.Merge, Layers]:
    """The merge around the candidate or group `item_id` (whole groups, not the whole
    document: a decision costs the same however many spans the layers hold)."""
    offsets = offsets_of(item_id)
    if offsets is None:
        raise AnnotationError(
            "not_found", _("That disagreement no longer exists; the page has been refreshed.")
        )
    window = component_window(document, *offsets)
    layers = read_layers(document, gold=gold, window=window)
    return merging.merge(layers.inputs), layers


@transaction.atomic
def accept_candidate(
    *, document: Document, candidate: str, by: User | None, version: int | None = None
) -> Decision:
    """Copy one candidate into gold with its origin recorded (entity span, or event with
    its arguments). One undoable step."""
    gold = _gold_for_review(document, by, version)
    result, layers = _current(document, gold, candidate)
    found = result.candidate(candidate)
    if found is None:
        raise AnnotationError(
            "not_found", _("No annotator proposed that annotation; the page has been refreshed.")
        )
    if merging.GoldIndex.of(layers.gold_input).holds(found):
        raise AnnotationError("duplicate", _("The gold layer already has this annotation."))
    span, before, after = _copy(gold, found, Labels.of(document.project), by)
    change = annotate.record_change(
        gold, by, "span.update" if before else "span.add", before, after
    )
    group = next((g for g in result.groups if found in g.candidates), None)
    decision = Decision.objects.create(
        document=document,
        kind=Decision.Kind.ACCEPTED,
        group=group.id if group else "",
        candidate=found.id,
        origin=_origin(found),
        span=span,
        change=change,
        by=by,
    )
    annotate.bump_version(gold)
    return decision


def _gold_matches(group: merging.Group, gold: merging.LayerIn | None) -> list[int]:
    """Ids of the gold spans (entities, or the triggers of events) that are candidates of
    `group`: what rejecting the group takes out of gold."""
    if gold is None:
        return []
    if group.kind == merging.ENTITY:
        wanted = {(c.start, c.end, c.label) for c in group.candidates}
        return [s.id for s in gold.spans if (s.start, s.end, s.label) in wanted]
    wanted = {c.signature for c in group.candidates}
    events = [e.id for e in gold.events if merging.event_signature(e) in wanted]
    return list(Event.objects.filter(pk__in=events).values_list("trigger_id", flat=True))


@transaction.atomic
def reject_group(
    *, document: Document, group: str, by: User | None, version: int | None = None
) -> Decision:
    """None of the group's candidates goes into gold (any already there is removed).
    One undoable step."""
    gold = _gold_for_review(document, by, version)
    result, layers = _current(document, gold, group)
    found = result.group(group)
    if found is None:
        raise AnnotationError(
            "not_found", _("That disagreement no longer exists; the page has been refreshed.")
        )
    removed = Span.objects.filter(
        layer=gold, pk__in=_gold_matches(found, layers.gold_input)
    ).select_related("entity_type", "event_type")
    before: annotate.State | None = None
    for span in removed:
        closure = annotate.span_closure(span)
        before = before or {"spans": [], "events": [], "arguments": []}
        for key in before:
            seen = {r["id"] for r in before[key]}
            before[key] += [r for r in closure[key] if r["id"] not in seen]
    if before:
        Span.objects.filter(pk__in=[r["id"] for r in before["spans"]]).delete()
    change = annotate.record_change(gold, by, REJECT, before, {"group": found.id})
    decision = Decision.objects.create(
        document=document,
        kind=Decision.Kind.REJECTED,
        group=found.id,
        origin={"candidates": [c.id for c in found.candidates]},
        change=change,
        by=by,
    )
    annotate.bump_version(gold)
    return decision


@transaction.atomic
def undo_review(*, document: Document, by: User, version: int | None = None) -> Change:
    """Undo `by`'s last step on the gold layer: an acceptance, a rejection, the
    pre-acceptance or a direct gold edit."""
    require_reviewer(by, document.project)
    gold = AnnotationLayer.objects.filter(document=document, kind=Kind.GOLD).first()
    if gold is None:
        raise AnnotationError("nothing_to_undo", _("There is nothing to undo."))
    gold = annotate.lock_layer(gold, version, editing=True)
    last = (
        Change.objects.select_for_update()
        .filter(layer=gold, user=by, is_undone=False, action__in=(*annotate.UNDOABLE, REJECT))
        .order_by("-id")
        .first()
    )
    if last is None:
        raise AnnotationError("nothing_to_undo", _("There is nothing to undo."))
    if last.action == REJECT:
        if last.before:
            annotate.replay(gold, None, last.before)
        last.is_undone = True
        last.save(update_fields=["is_undone"])
        Change.objects.create(
            document_id=document.pk,
            layer=gold,
            user=by,
            action="undo",
            before=None,
            after=last.before,
        )
        annotate.bump_version(gold)
        undone = last
    else:
        undone = annotate.undo(layer=gold, by=by)
    Decision.objects.filter(change=undone).update(is_undone=True)
    return undone


# --- the workflow -----------------------------------------------------------------------


def open_groups(document: Document) -> int:
    """How many disagreement groups are still undecided."""
    layers = read_layers(document)
    result = merging.merge(layers.inputs)
    states = merging.decide(result, layers.gold_input, rejected_groups(document))
    return sum(1 for state in states.values() if state == merging.OPEN)


@transaction.atomic
def approve_document(
    *, document: Document, by: User | None, version: int | None = None
) -> AnnotationLayer:
    """The gold layer becomes reviewed, and so do the annotator layers that fed it.
    Refused while the document is not ready or a disagreement is undecided."""
    require_reviewer(by, document.project)
    gold = annotate.get_or_create_named_layer(document=document, name=GOLD)
    locked = annotate.lock_layer(gold, version)
    if locked.status == Status.REVIEWED:
        raise AnnotationError("bad_transition", _("This document is already reviewed."))
    if not is_ready(document):
        raise _not_ready(document)
    if locked.status == Status.NEW:
        locked = _gold_for_review(document, by, None)
    undecided = open_groups(document)
    if undecided:
        raise AnnotationError(
            "undecided",
            ngettext(
                "%(n)d disagreement is still undecided: accept or reject it first.",
                "%(n)d disagreements are still undecided: accept or reject them first.",
                undecided,
            )
            % {"n": undecided},
        )
    annotate.set_layer_status(layer=locked, status=Status.REVIEWED, by=by)
    for layer in AnnotationLayer.objects.filter(
        document=document, kind=Kind.ANNOTATOR, status=Status.DONE
    ):
        annotate.set_layer_status(layer=layer, status=Status.REVIEWED, by=by)
    locked.refresh_from_db()
    return locked


@transaction.atomic
def reopen_document(
    *, document: Document, by: User | None, comment: str = "", version: int | None = None
) -> AnnotationLayer:
    """Take a reviewed document back to review: gold in progress again, the annotator
    layers it was built from back to submitted."""
    require_reviewer(by, document.project)
    gold = AnnotationLayer.objects.filter(document=document, kind=Kind.GOLD).first()
    if gold is None or gold.status != Status.REVIEWED:
        raise AnnotationError("bad_transition", _("Only a reviewed document can be reopened."))
    annotate.set_layer_status(
        layer=gold, status=Status.IN_PROGRESS, by=by, comment=comment, version=version
    )
    for layer in AnnotationLayer.objects.filter(
        document=document, kind=Kind.ANNOTATOR, status=Status.REVIEWED
    ):
        annotate.set_layer_status(layer=layer, status=Status.DONE, by=by)
    gold.refresh_from_db()
    return gold


@transaction.atomic
def request_changes(
    *, layer: AnnotationLayer, by: User | None, comment: str, version: int | None = None
) -> AnnotationLayer:
    """Send a submitted annotator layer back with a comment; its annotator edits again
    and resubmits."""
    require_reviewer(by, layer.document.project)
    return annotate.set_layer_status(
        layer=layer, status=Status.CHANGES_REQUESTED, by=by, comment=comment, version=version
    )
