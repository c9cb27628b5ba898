"""What the curation page shows: the text once with the gold layer and the candidates
over it, the disagreement groups, the agreed candidates, the workflow state, the
timeline and the comments. The number of queries does not grow with the spans
(tests/review/test_views.py checks it)."""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_lazy

from newsreview.annotations.models import AnnotationLayer, Comment
from newsreview.annotations.rendering import (
    SpanView,
    chunk_bounds,
    chunks_touching,
    render_chunk,
    render_spans,
)
from newsreview.documents.models import Document

from . import merge as merging
from . import services
from .agreement import agreement_rows
from .copying import Labels
from .event_frames import EventFrame, event_frame
from .frames import gold_frames_context
from .html import render_agreed, render_groups
from .models import Transition

if TYPE_CHECKING:
    from newsreview.accounts.models import User

REASONS = {
    merging.MISSING: gettext_lazy("missing in a layer"),
    merging.LABEL: gettext_lazy("different labels"),
    merging.BOUNDARY: gettext_lazy("different boundaries"),
    merging.NESTING: gettext_lazy("nested vs flat"),
    merging.TYPE: gettext_lazy("different event types"),
    merging.ARGUMENTS: gettext_lazy("different arguments"),
    merging.ATTRIBUTES: gettext_lazy("different attributes"),
}
STATES = {
    merging.OPEN: gettext_lazy("undecided"),
    merging.ACCEPTED: gettext_lazy("accepted"),
    merging.REJECTED: gettext_lazy("rejected"),
    merging.EDITED: gettext_lazy("edited in gold"),
}


@dataclass
class CandidateRow:
    id: str
    kind: str
    label: str
    label_name: str
    colour: str
    text: str
    supporters: list[str]
    support: str  # "2/2"
    preannotated: bool
    in_gold: bool
    arguments: list[str] = field(default_factory=list)  # "Destination → باريس"


@dataclass
class GroupRow:
    number: int
    id: str
    kind: str
    state: str
    state_name: str
    reasons: list[str]
    missing: list[str]
    start: int
    end: int
    text: str
    candidates: list[CandidateRow]
    slots: list[merging.Slot]
    frame: EventFrame | None = None  # event groups: the candidates as one frame, per slot

    @property
    def is_open(self) -> bool:
        return self.state == merging.OPEN


@dataclass
class Built:
    """What one merge gives the page: side-panel rows and the text's span views."""

    groups: list[GroupRow]
    agreed: list[CandidateRow]  # empty when left for later (build's agreed_below)
    agreed_count: int
    views: list[SpanView]
    colour_of: Any
    name_of: Any


def build(
    document: Document,
    layers: services.Layers,
    labels: Labels | None = None,
    result: merging.Merge | None = None,
    agreed_below: int | None = None,
    only_group: str | None = None,
) -> Built:
    """Merge `layers`, decide each group and turn the result into rows and span views
    (the whole document, or a window of it: update_context). Plain loops over tuples,
    each label's name and colour looked up once (bench/bench_review.py). `result`: the
    merge of `layers.inputs` when the caller has it (a decision changes gold only).
    `agreed_below`: build the agreed rows only when there are fewer (the page loads a
    long agreed list when it is opened). `only_group`: the one side-panel row a decision
    answers with (the text's views are built for every candidate still)."""
    text = document.text
    gold = layers.gold
    labels = labels or Labels.of(document.project)
    result = result or merging.merge(layers.inputs)
    rejected = services.rejected_groups(document) if gold is not None else set()
    states = merging.decide(result, layers.gold_input, rejected)
    index = merging.GoldIndex.of(layers.gold_input)
    looked: dict[str, tuple[str, str]] = {}

    def look(key: str) -> tuple[str, str]:
        found = looked.get(key)
        if found is None:
            label = labels.get(key)
            found = looked[key] = (label.name, label.colour) if label else (key, "#cccccc")
        return found

    def name_of(key: str) -> str:
        return look(key)[0]

    def colour_of(key: str) -> str:
        return look(key)[1]

    required = len(result.annotators)
    annotators = set(result.annotators)

    def candidate_row(c: merging.Candidate | merging.EventCandidate) -> CandidateRow:
        name, colour = look(c.label)
        arguments = []
        if c.kind == merging.EVENT:
            arguments = [
                f"{name_of(a.role)} → {text[a.start : a.end]} ({name_of(a.label)})"
                for a in c.arguments
            ]
            arguments += [f"{k} = {v}" for k, v in c.attributes]
        return CandidateRow(
            id=c.id,
            kind=c.kind,
            label=c.label,
            label_name=name,
            colour=colour,
            text=text[c.start : c.end],
            supporters=c.supporters,
            support=f"{sum(1 for s in c.supporters if s in annotators)}/{required}",
            preannotated=c.preannotated,
            in_gold=index.holds(c),
            arguments=arguments,
        )

    state_names = {k: str(v) for k, v in STATES.items()}
    reason_names = {k: str(v) for k, v in REASONS.items()}
    group_rows = []
    group_of: dict[str, str] = {}
    for n, g in enumerate(result.groups, start=1):
        state = states[g.id]
        for c in g.candidates:
            group_of[c.id] = g.id
        if only_group is not None and g.id != only_group:
            continue
        group_rows.append(
            GroupRow(
                number=n,
                id=g.id,
                kind=g.kind,
                state=state,
                state_name=state_names[state],
                reasons=[reason_names[r] for r in sorted(g.reasons)],
                missing=g.missing,
                start=g.start,
                end=g.end,
                text=text[g.start : g.end],
                candidates=[candidate_row(c) for c in g.candidates],
                slots=g.slots,
                frame=event_frame(g, text, labels, name_of) if g.kind == merging.EVENT else None,
            )
        )

    # The text: gold spans (with their ids, as in the workspace) and every candidate gold
    # does not hold, each naming its proposers.
    supporters_of = {(c.start, c.end, c.label): c.supporters for c in result.entities}
    for c in result.events:
        supporters_of.setdefault((c.start, c.end, c.type), c.supporters)
    views: list[SpanView] = []
    gold_word = gettext("Gold")
    if gold is not None:
        gold_extra = ("data-layer", "gold")
        for pk, start, end, entity, event in layers.rows[gold.pk]:
            key = entity or event
            name, colour = look(key)
            users = supporters_of.get((start, end, key), ())
            views.append(
                SpanView(
                    pk,
                    start,
                    end,
                    key,
                    colour,
                    "entity" if entity else "trigger",
                    f"{gold_word}: {name}: {text[start:end]}",
                    "span--gold",
                    (("data-users", " ".join(users)), gold_extra),
                )
            )
    fake_id = -1
    for c in (*result.entities, *result.events):
        if index.holds(c):
            continue
        group = group_of.get(c.id, "")
        name, colour = look(c.label)
        classes = "candidate"
        if states.get(group) == merging.OPEN:
            classes += " candidate--open"
        if c.preannotated:
            classes += " candidate--pre"
        users = ", ".join(c.supporters)
        views.append(
            SpanView(
                fake_id,
                c.start,
                c.end,
                c.label,
                colour,
                "entity" if c.kind == merging.ENTITY else "trigger",
                f"{name}: {text[c.start : c.end]} ({users})",
                classes,
                (
                    ("data-candidate", c.id),
                    ("data-users", " ".join(c.supporters)),
                    ("data-group", group),
                ),
                False,
                False,
            )
        )
        fake_id -= 1
    return Built(
        groups=group_rows,
        agreed=[candidate_row(c) for c in result.agreed]
        if agreed_below is None or len(result.agreed) < agreed_below
        else [],
        agreed_count=len(result.agreed),
        views=views,
        colour_of=colour_of,
        name_of=name_of,
    )


def render_text(text: str, views: list[SpanView]) -> str:
    """The whole text as chunks, as rendering.render_chunks, each span handed only to the
    chunks it touches (bisection over chunk starts computed once: a page has thousands
    of spans)."""
    bounds = chunk_bounds(text)
    firsts = [lo for lo, _hi in bounds]
    per_chunk: list[list[SpanView]] = [[] for _ in bounds]
    length = len(text)
    for v in views:
        if 0 <= v.start < v.end <= length:
            first = max(0, bisect.bisect_right(firsts, v.start) - 1)
            last = max(first, bisect.bisect_left(firsts, v.end) - 1)
            for index in range(first, last + 1):
                per_chunk[index].append(v)
    return "".join(render_chunk(text, bounds, i, per_chunk[i]) for i in range(len(bounds)))


def chunk_snap(text: str) -> Callable[[int, int], tuple[int, int]]:
    """Widen [lo, hi) to whole text chunks (rendering.chunk_bounds): a decision's window
    then covers every span of the chunks it re-renders."""
    bounds = chunk_bounds(text)

    def snap(lo: int, hi: int) -> tuple[int, int]:
        touched = chunks_touching(bounds, lo, hi)
        return min(lo, bounds[touched[0]][0]), max(hi, bounds[touched[-1]][1])

    return snap


def update_context(*, document: Document, outcome: services.Outcome) -> dict[str, Any]:
    """The answer to a decision, its cost independent of the layers' size: the text
    chunks of the decided group and its row, out of band, and the new version, all from
    the window the decision read (gold as after the write, no second merge). The counter and
    the forms' versions follow in review.js."""
    text = document.text
    bounds = chunk_bounds(text)
    layers = outcome.layers
    group = outcome.group
    built = build(
        document, layers, outcome.labels, outcome.result, agreed_below=0, only_group=group.id
    )
    touched = chunks_touching(bounds, group.start, group.end)
    chunks = "".join(render_chunk(text, bounds, i, built.views, oob=True) for i in touched)
    rows = [g for g in built.groups if g.id == group.id]
    groups = render_groups(rows, lang=document.language, current=None, is_reviewed=False, oob=True)
    gold = layers.gold
    # Deciding an event (or rejecting entities that were arguments) changes gold's
    # frames: they follow out of band then, and only then.
    before = outcome.decision.change.before if outcome.decision.change else None
    frames: dict[str, Any] = {"frames_oob": False}
    if group.kind == merging.EVENT or (
        before and (before.get("events") or before.get("arguments"))
    ):
        frames = {
            "frames_oob": True,
            **gold_frames_context(
                document,
                gold,
                list(outcome.labels.entities.values()),
                list(outcome.labels.events.values()),
            ),
        }
    return {
        "document": document,
        "project": document.project,
        "version": gold.version if gold else 0,
        "chunks": mark_safe(chunks),  # noqa: S308  (render_chunk escapes every value)
        "groups_html": mark_safe(groups),  # noqa: S308  (html.py escapes every value)
        "oob": True,
        **frames,
    }


# Longer agreed lists are loaded when opened (agreed_context): most are never read.
AGREED_INLINE = 30


def agreed_context(*, document: Document) -> dict[str, Any]:
    """The agreed list alone (?part=agreed), for the page's closed agreed section."""
    layers = services.read_layers(document)
    built = build(document, layers)
    gold = layers.gold
    status = gold.status if gold else AnnotationLayer.Status.NEW
    can_accept = status not in (AnnotationLayer.Status.NEW, AnnotationLayer.Status.REVIEWED)
    html = render_agreed(built.agreed, lang=document.language, can_accept=can_accept)
    return {"agreed_html": mark_safe(html)}  # noqa: S308  (html.py escapes every value)


def review_context(
    *,
    document: Document,
    user: User,
    view: str = "merged",
    current: str | None = None,
    message: str = "",
) -> dict[str, Any]:
    project = document.project
    text = document.text
    layers = services.read_layers(document)
    gold = layers.gold
    labels = Labels.of(project)
    entities, events = labels.entities, labels.events  # the palette shows them all
    built = build(document, layers, labels, agreed_below=AGREED_INLINE)
    group_rows, views = built.groups, built.views
    colour_of, name_of = built.colour_of, built.name_of
    rendered = render_text(text, views)

    columns = None
    if view == "columns":
        columns = _columns(document, layers, colour_of, name_of)

    decided = sum(1 for g in group_rows if not g.is_open)
    agreed = built.agreed
    feeding = [
        layer for layer in layers.annotator_layers if layer.kind == AnnotationLayer.Kind.ANNOTATOR
    ]
    timeline = list(
        Transition.objects.filter(document=document)
        .select_related("user", "layer__owner")
        .order_by("id")
    )
    comments = list(
        Comment.objects.filter(layer__document=document)
        .select_related("author", "layer__owner", "span")
        .order_by("created_at", "id")
    )
    gold_status = gold.status if gold else AnnotationLayer.Status.NEW
    ready = len(feeding) >= project.annotators_per_document
    is_reviewed = gold_status == AnnotationLayer.Status.REVIEWED
    is_started = gold_status != AnnotationLayer.Status.NEW
    groups_html = render_groups(
        group_rows, lang=document.language, current=current, is_reviewed=is_reviewed
    )
    agreed_html = render_agreed(
        agreed, lang=document.language, can_accept=is_started and not is_reviewed
    )
    return {
        "document": document,
        "project": project,
        "gold": gold,
        "groups_html": mark_safe(groups_html),  # noqa: S308  (html.py escapes every value)
        "agreed_html": mark_safe(agreed_html),  # noqa: S308  (html.py escapes every value)
        "gold_status": gold_status,
        "version": gold.version if gold else 0,
        "is_started": is_started,
        "is_reviewed": is_reviewed,
        "is_ready": ready,
        "submitted": len(feeding),
        "required": project.annotators_per_document,
        "layers": feeding,
        "preannotation_layers": [
            layer
            for layer in layers.annotator_layers
            if layer.kind == AnnotationLayer.Kind.PREANNOTATION
        ],
        "groups": group_rows,
        "decided": decided,
        "total": len(group_rows),
        "agreed": agreed,
        "agreed_count": built.agreed_count,
        "agreed_lazy": built.agreed_count >= AGREED_INLINE,
        "current": current,
        "rendered_text": mark_safe(rendered),  # noqa: S308  (render_chunks escapes every value)
        "view": view,
        "columns": columns,
        "entity_types": list(entities.values()),
        "event_types": list(events.values()),
        "timeline": timeline,
        "comments": comments,
        "message": message,
        "next_id": _next_id(document),
        "agreement": agreement_rows(document, layers),
        **gold_frames_context(
            document, gold, list(entities.values()), list(events.values()), layers=layers
        ),
    }


def _next_id(document: Document) -> int | None:
    following = services.next_to_review(document.project, after=document)
    return following.pk if following else None


def _columns(document, layers: services.Layers, colour_of, name_of) -> dict[str, Any]:
    """Side by side: one column per annotator layer, gold last, each in RTL, one row per
    paragraph so the columns stay aligned."""
    text = document.text
    order = [*layers.annotator_layers, *([layers.gold] if layers.gold else [])]
    per_layer: list[list[SpanView]] = []
    for layer in order:
        views = []
        for pk, start, end, entity, event in layers.rows[layer.pk]:
            key = entity or event
            views.append(
                SpanView(
                    id=pk,
                    start=start,
                    end=end,
                    label=key,
                    colour=colour_of(key),
                    kind="entity" if entity else "trigger",
                    description=f"{layer.layer_name}: {name_of(key)}: {text[start:end]}",
                    extra=(("data-layer", layer.layer_name),),
                    is_stored=False,
                )
            )
        per_layer.append(views)
    rows = []
    for lo, hi in chunk_bounds(text):
        if not text[lo:hi].strip():
            continue
        rows.append(
            [
                mark_safe(render_spans(text, views, window=(lo, hi)))  # noqa: S308
                for views in per_layer
            ]
        )
    return {"names": [layer.layer_name for layer in order], "rows": rows}
