"""Review: the workflow from submitted layers to an approved gold layer, and the
reviewer's decisions on the candidates of a document (merge.py).

Every write goes through here or through annotations.services (gold edits, status
changes, comments): one transaction, the gold layer's version checked (two reviewers on
one document: the second gets "stale", a 409 and a fresh view), the audit trail written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from newsreview.accounts.models import User
from newsreview.annotations import services as annotate
from newsreview.annotations.errors import AnnotationError
from newsreview.annotations.models import GOLD, AnnotationLayer, Change, Event, Span
from newsreview.documents.models import Document
from newsreview.projects.models import Project
from newsreview.projects.permissions import REVIEW_ROLES, role_in

from . import copying, reading
from . import merge as merging
from .models import Decision

Status = AnnotationLayer.Status
Kind = AnnotationLayer.Kind
FEEDING = reading.FEEDING
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


# --- reading the layers (reading.py) ---------------------------------------------------

Layers = reading.Layers
read_layers = reading.read_layers
read_around = reading.read_around
reread_gold = reading.reread_gold
offsets_of = reading.offsets_of


def rejected_groups(document: Document) -> set[str]:
    return set(
        Decision.objects.filter(
            document=document, kind=Decision.Kind.REJECTED, is_undone=False
        ).values_list("group", flat=True)
    )


# --- copying candidates into gold (copying.py) -----------------------------------------

Labels = copying.Labels
_copy = copying.copy_candidate
_origin = copying.origin


# --- starting, deciding, undoing --------------------------------------------------------


def _gold_for_review(
    document: Document, by: User | None, version: int | None
) -> tuple[AnnotationLayer, bool]:
    """The document's gold layer, locked, after the permission, readiness and version
    checks every review write shares, and whether this write started the review (the
    first review write does)."""
    require_reviewer(by, document.project)
    gold = annotate.lock_named_layer(document=document, name=GOLD, version=version, editing=True)
    if gold.status != Status.NEW:
        return gold, False
    if not is_ready(document):
        raise _not_ready(document)
    _preaccept(document, gold, by)
    return gold, True


def _preaccept(document: Document, gold: AnnotationLayer, by: User | None) -> None:
    """Copy every agreed candidate into gold (when the project says so) as one undoable
    step of the reviewer who started, and move gold to in progress. The entities in one
    insert whatever their number (gold was read under its lock: what it lacks is known)."""
    project = document.project
    if project.preaccept_agreed:
        layers = read_layers(document, gold=gold)
        result = merging.merge(layers.inputs)
        index = merging.GoldIndex.of(layers.gold_input)
        labels = Labels.of(project)
        text = document.text
        todo = [c for c in result.agreed if not index.holds(c)]
        entities = [c for c in todo if c.kind == merging.ENTITY]
        for c in entities:
            if not 0 <= c.start < c.end <= len(text):
                raise AnnotationError("out_of_range", _("That annotation lies outside the text."))
        spans = Span.objects.bulk_create(
            Span(
                layer=gold,
                start=c.start,
                end=c.end,
                text=text[c.start : c.end],
                entity_type=labels.entity(c.label),
                created_by=by,
            )
            for c in entities
        )
        states: list[annotate.State] = [annotate.state_of(spans)]
        made = list(zip(entities, spans, strict=True))
        # Events after the entities, so an agreed event links to the agreed gold spans.
        for candidate in todo:
            if candidate.kind == merging.EVENT:
                span, _before, after = _copy(gold, candidate, labels, by)
                states.append(after)
                made.append((candidate, span))
        if made:
            merged: annotate.State = {"spans": [], "events": [], "arguments": []}
            for state in states:
                for key in merged:
                    merged[key] += state.get(key, [])
            change = annotate.record_change(gold, by, "span.add", None, merged)
            Decision.objects.bulk_create(
                Decision(
                    document=document,
                    kind=Decision.Kind.PREACCEPTED,
                    candidate=candidate.id,
                    origin=_origin(candidate),
                    span=span,
                    change=change,
                    by=by,
                )
                for candidate, span in made
            )
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
    return _gold_for_review(document, by, None)[0]


Snap = Callable[[int, int], tuple[int, int]]


@dataclass
class Outcome:
    """A decision and what the curation page needs to show it without reading the whole
    document again: the layers read around it (gold as after the write), the labels
    read, and whether the decision started the review (then the whole page changes)."""

    decision: Decision
    layers: Layers  # gold as it is after the decision
    labels: Labels
    started: bool
    group: merging.Group | None
    result: merging.Merge  # of the annotator layers in the window (a decision keeps it)


def _current(
    document: Document, gold: AnnotationLayer, item_id: str, snap: Snap | None
) -> tuple[merging.Merge, Layers]:
    """The merge around the candidate or group `item_id` (whole groups, not the whole
    document: a decision costs the same however many spans the layers hold)."""
    offsets = offsets_of(item_id)
    if offsets is None:
        raise AnnotationError(
            "not_found", _("That disagreement no longer exists; the page has been refreshed.")
        )
    layers = read_around(document, *offsets, gold=gold, snap=snap)
    return merging.merge(layers.inputs), layers


@transaction.atomic
def decide_accept(
    *,
    document: Document,
    candidate: str,
    by: User | None,
    version: int | None = None,
    snap: Snap | None = None,
) -> Outcome:
    """Copy one candidate into gold with its origin recorded (entity span, or event with
    its arguments). One undoable step. `snap` widens the window read (the page's chunks)."""
    gold, started = _gold_for_review(document, by, version)
    result, layers = _current(document, gold, candidate, snap)
    found = result.candidate(candidate)
    if found is None:
        raise AnnotationError(
            "not_found", _("No annotator proposed that annotation; the page has been refreshed.")
        )
    if merging.GoldIndex.of(layers.gold_input).holds(found):
        raise AnnotationError("duplicate", _("The gold layer already has this annotation."))
    labels = Labels.of(document.project)
    span, before, after = _copy(gold, found, labels, by, missing=True)
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
    if found.kind == merging.ENTITY:
        after_layers = reading.with_gold_span(layers, span.pk, found.start, found.end, found.label)
    else:
        after_layers = reading.reread_gold(layers)
    return Outcome(decision, after_layers, labels, started, group, result)


def accept_candidate(
    *, document: Document, candidate: str, by: User | None, version: int | None = None
) -> Decision:
    """decide_accept, for callers that need only the decision."""
    return decide_accept(document=document, candidate=candidate, by=by, version=version).decision


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
def decide_reject(
    *,
    document: Document,
    group: str,
    by: User | None,
    version: int | None = None,
    snap: Snap | None = None,
) -> Outcome:
    """None of the group's candidates goes into gold (any already there is removed).
    One undoable step."""
    gold, started = _gold_for_review(document, by, version)
    result, layers = _current(document, gold, group, snap)
    found = result.group(group)
    if found is None:
        raise AnnotationError(
            "not_found", _("That disagreement no longer exists; the page has been refreshed.")
        )
    matches = _gold_matches(found, layers.gold_input)
    before: annotate.State | None = None
    if matches:
        removed = Span.objects.filter(layer=gold, pk__in=matches).select_related(
            "entity_type", "event_type"
        )
        for span in removed:
            closure = annotate.span_closure(span)
            before = before or {"spans": [], "events": [], "arguments": []}
            for key in before:
                seen = {r["id"] for r in before[key]}
                before[key] += [r for r in closure[key] if r["id"] not in seen]
    if before:
        Span.objects.filter(pk__in=[r["id"] for r in before["spans"]]).delete()
    annotate.end_redo_chain(gold, by)  # a rejection is the review's own action
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
    after = reading.reread_gold(layers) if before else layers
    return Outcome(decision, after, Labels.of(document.project), started, found, result)


def reject_group(
    *, document: Document, group: str, by: User | None, version: int | None = None
) -> Decision:
    """decide_reject, for callers that need only the decision."""
    return decide_reject(document=document, group=group, by=by, version=version).decision


def _locked_gold(
    document: Document, by: User, version: int | None, nothing: str
) -> AnnotationLayer:
    require_reviewer(by, document.project)
    gold = AnnotationLayer.objects.filter(document=document, kind=Kind.GOLD).first()
    if gold is None:
        raise AnnotationError(*nothing)
    return annotate.lock_layer(gold, version, editing=True)


def _nothing(redo: bool) -> tuple[str, str]:
    if redo:
        return "nothing_to_redo", _("There is nothing to redo.")
    return "nothing_to_undo", _("There is nothing to undo.")


def _step_reject(gold: AnnotationLayer, change: Change, by: User, *, undoing: bool) -> None:
    """Undo or redo a rejection: the gold entries it removed come back (undo) or go
    again (redo), refused cleanly when a colleague changed them since (replay)."""
    if change.before:
        if undoing:
            annotate.replay(gold, None, change.before)
        else:
            annotate.replay(gold, change.before, None)
    change.is_undone = change.is_redoable = undoing
    change.save(update_fields=["is_undone", "is_redoable"])
    Change.objects.create(
        document_id=gold.document_id,
        layer=gold,
        user=by,
        action="undo" if undoing else "redo",
        before=change.after if undoing else change.before,
        after=change.before if undoing else change.after,
    )
    annotate.bump_version(gold)


@transaction.atomic
def undo_review(*, document: Document, by: User, version: int | None = None) -> Change:
    """Undo `by`'s last step on the gold layer: an acceptance, a rejection, the
    pre-acceptance or a direct gold edit. It can be redone (redo_review)."""
    gold = _locked_gold(document, by, version, _nothing(redo=False))
    last = (
        Change.objects.select_for_update()
        .filter(layer=gold, user=by, is_undone=False, action__in=(*annotate.UNDOABLE, REJECT))
        .order_by("-id")
        .first()
    )
    if last is None:
        raise AnnotationError(*_nothing(redo=False))
    if last.action == REJECT:
        _step_reject(gold, last, by, undoing=True)
        undone = last
    else:
        undone = annotate.undo(layer=gold, by=by)
    Decision.objects.filter(change=undone).update(is_undone=True)
    return undone


@transaction.atomic
def redo_review(*, document: Document, by: User, version: int | None = None) -> Change:
    """Redo the step `by` undid most recently (the audit trail says which: undo marks it
    redoable, any new decision or gold edit ends the chain). Refused, with nothing
    changed, when a colleague changed those annotations since."""
    gold = _locked_gold(document, by, version, _nothing(redo=True))
    step = (
        Change.objects.select_for_update()
        .filter(layer=gold, user=by, is_redoable=True)
        .order_by("id")
        .first()
    )
    if step is None:
        raise AnnotationError(*_nothing(redo=True))
    if step.action == REJECT:
        _step_reject(gold, step, by, undoing=False)
        redone = step
    else:
        redone = annotate.redo(layer=gold, by=by)
    Decision.objects.filter(change=redone).update(is_undone=False)
    return redone


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
        locked = _gold_for_review(document, by, None)[0]
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
