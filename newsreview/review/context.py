"""What the curation page shows: the text once with the gold layer and the candidates
over it, the disagreement groups, the agreed candidates, the workflow state, the
timeline and the comments. The number of queries does not grow with the spans
(tests/review/test_views.py checks it)."""

from __future__ import annotations

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
    render_chunks,
    render_spans,
)
from newsreview.documents.models import Document
from newsreview.projects.models import EntityType, EventType

from . import merge as merging
from . import services
from .agreement import agreement_rows
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

    @property
    def is_open(self) -> bool:
        return self.state == merging.OPEN


def _labels(project) -> tuple[dict[str, EntityType], dict[str, EventType]]:
    entities = {t.key: t for t in EntityType.objects.filter(schema_id=project.schema_id)}
    events = {t.key: t for t in EventType.objects.filter(schema_id=project.schema_id)}
    return entities, events


@dataclass
class Built:
    """What one merge gives the page: side-panel rows and the text's span views."""

    groups: list[GroupRow]
    agreed: list[CandidateRow]
    views: list[SpanView]
    colour_of: Any
    name_of: Any
    entity_types: dict[str, EntityType] = field(default_factory=dict)
    event_types: dict[str, EventType] = field(default_factory=dict)


def build(document: Document, layers: services.Layers) -> Built:
    """Merge `layers`, decide each group and turn the result into rows and span views
    (the whole document, or a window of it: update_context)."""
    text = document.text
    gold = layers.gold
    result = merging.merge(layers.inputs)
    rejected = services.rejected_groups(document) if gold is not None else set()
    states = merging.decide(result, layers.gold_input, rejected)
    index = merging.GoldIndex.of(layers.gold_input)
    entities, events = _labels(document.project)
    names = {key: label.name for key, label in (*entities.items(), *events.items())}
    colours = {key: label.colour for key, label in (*entities.items(), *events.items())}

    def name_of(key: str) -> str:
        return names.get(key, key)

    def colour_of(key: str) -> str:
        return colours.get(key, "#cccccc")

    required = len(result.annotators)

    def candidate_row(c: merging.Candidate | merging.EventCandidate) -> CandidateRow:
        annotators = [s for s in c.supporters if s in result.annotators]
        arguments = []
        if c.kind == merging.EVENT:
            arguments = [f"{a.role} → {text[a.start : a.end]} ({a.label})" for a in c.arguments]
            arguments += [f"{k} = {v}" for k, v in c.attributes]
        return CandidateRow(
            id=c.id,
            kind=c.kind,
            label=c.label,
            label_name=name_of(c.label),
            colour=colour_of(c.label),
            text=text[c.start : c.end],
            supporters=list(c.supporters),
            support=f"{len(annotators)}/{required}",
            preannotated=c.preannotated,
            in_gold=index.holds(c),
            arguments=arguments,
        )

    state_names = {k: str(v) for k, v in STATES.items()}
    reason_names = {k: str(v) for k, v in REASONS.items()}
    group_rows = [
        GroupRow(
            number=n,
            id=g.id,
            kind=g.kind,
            state=states[g.id],
            state_name=state_names[states[g.id]],
            reasons=[reason_names[r] for r in sorted(g.reasons)],
            missing=g.missing,
            start=g.start,
            end=g.end,
            text=text[g.start : g.end],
            candidates=[candidate_row(c) for c in g.candidates],
            slots=g.slots,
        )
        for n, g in enumerate(result.groups, start=1)
    ]
    group_of = {c.id: g.id for g in result.groups for c in g.candidates}
    state_of = {g.id: states[g.id] for g in result.groups}

    # The text: gold spans (with their ids, as in the workspace) and every candidate gold
    # does not hold, each naming its proposers.
    supporters_of = {(c.start, c.end, c.label): c.supporters for c in result.entities}
    for c in result.events:
        supporters_of.setdefault((c.start, c.end, c.type), c.supporters)
    views: list[SpanView] = []
    gold_word = gettext("Gold")
    if gold is not None:
        for pk, start, end, entity, event in layers.rows[gold.pk]:
            key = entity or event
            users = supporters_of.get((start, end, key), [])
            views.append(
                SpanView(
                    id=pk,
                    start=start,
                    end=end,
                    label=key,
                    colour=colour_of(key),
                    kind="entity" if entity else "trigger",
                    description=f"{gold_word}: {name_of(key)}: {text[start:end]}",
                    classes="span--gold",
                    extra=(("data-users", " ".join(users)), ("data-layer", "gold")),
                )
            )
    fake_id = -1
    for c in (*result.entities, *result.events):
        if index.holds(c):
            continue
        group = group_of.get(c.id, "")
        views.append(
            SpanView(
                id=fake_id,
                start=c.start,
                end=c.end,
                label=c.label,
                colour=colour_of(c.label),
                kind="entity" if c.kind == merging.ENTITY else "trigger",
                description=f"{name_of(c.label)}: {text[c.start : c.end]} "
                f"({', '.join(c.supporters)})",
                classes="candidate"
                + (" candidate--open" if state_of.get(group) == merging.OPEN else "")
                + (" candidate--pre" if c.preannotated else ""),
                extra=(
                    ("data-candidate", c.id),
                    ("data-users", " ".join(c.supporters)),
                    ("data-group", group),
                ),
                is_stored=False,
                is_focusable=False,
            )
        )
        fake_id -= 1
    return Built(
        groups=group_rows,
        agreed=[candidate_row(c) for c in result.agreed],
        views=views,
        colour_of=colour_of,
        name_of=name_of,
        entity_types=entities,
        event_types=events,
    )


def update_context(*, document: Document, around: tuple[int, int]) -> dict[str, Any]:
    """The answer to a decision, its cost independent of the layers' size: the text
    chunks around `around` and the groups there, out of band, and the new version.
    The counter and the forms' versions follow in review.js."""
    text = document.text
    bounds = chunk_bounds(text)
    lo, hi = around
    while True:
        touched = chunks_touching(bounds, lo, hi)
        chunk_lo, chunk_hi = bounds[touched[0]][0], bounds[touched[-1]][1]
        wide = services.component_window(document, min(lo, chunk_lo), max(hi, chunk_hi))
        if wide == (lo, hi):
            break
        lo, hi = wide
    layers = services.read_layers(document, window=(lo, hi))
    built = build(document, layers)
    gold = layers.gold
    is_reviewed = gold is not None and gold.status == AnnotationLayer.Status.REVIEWED
    chunks = "".join(render_chunk(text, bounds, i, built.views, oob=True) for i in touched)
    groups = render_groups(
        built.groups, lang=document.language, current=None, is_reviewed=is_reviewed, oob=True
    )
    # Accepting an event (or an argument's entity) changes gold's frames: they follow out
    # of band whenever gold has events (read_layers reads them all, whatever the window).
    frames: dict[str, Any] = {"frames_oob": False}
    if layers.gold_input is not None and layers.gold_input.events:
        frames = {
            "frames_oob": True,
            **gold_frames_context(
                document,
                gold,
                list(built.entity_types.values()),
                list(built.event_types.values()),
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
    built = build(document, layers)
    group_rows, views = built.groups, built.views
    colour_of, name_of = built.colour_of, built.name_of
    entities, events = built.entity_types, built.event_types
    rendered = render_chunks(text, views)

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
