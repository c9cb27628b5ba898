"""The curation page's per-document agreement (issues 10 and 11): exact and overlap F1
and token κ between every two submitted annotator layers and each of them with gold,
computed by the agreement module from the layers the page already read for its merge
(no query of its own, so the page's query count stays constant)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.core.cache import caches

from newsreview.agreement.services import (
    GOLD,
    EntitySpan,
    LayerData,
    LayerView,
    TriggerSpan,
    views_agreement,
)
from newsreview.annotations.models import AnnotationLayer
from newsreview.documents.models import Document

from . import services
from .merge import LayerIn

Kind = AnnotationLayer.Kind
CACHE_SECONDS = 60 * 60


@dataclass
class Score:
    f1: float | None
    precision: float | None
    recall: float | None


@dataclass
class AgreementRow:
    """One pair, the first the reference (usernames sorted, gold always second)."""

    first: str
    second: str  # a username, or "gold"
    exact: Score
    overlap: Score
    kappa: float | None

    @property
    def with_gold(self) -> bool:
        return self.second == GOLD

    @property
    def scores(self) -> list[Score]:
        return [self.exact, self.overlap]


def _participating(layers: services.Layers) -> list[AnnotationLayer]:
    """The layers agreement counts (agreement.services._participating): submitted or
    reviewed annotator layers (read_layers reads only those, and pre-annotations, which
    agreement leaves out) and gold once someone worked on it."""
    chosen = [layer for layer in layers.annotator_layers if layer.kind == Kind.ANNOTATOR]
    gold = layers.gold
    if gold is not None and gold.owner_id is None and gold.status != AnnotationLayer.Status.NEW:
        chosen.append(gold)
    return chosen


def layer_views(layers: services.Layers) -> list[LayerView]:
    """The agreement module's view of each participating layer, from the merge input."""
    inputs = {layer.pk: data for layer, data in _inputs(layers)}
    views = []
    for layer in _participating(layers):
        data = LayerData()
        for _id, start, end, entity, event in layers.rows[layer.pk]:
            if entity is not None:
                data.entities.append(EntitySpan(start, end, entity))
            else:
                data.triggers.append(TriggerSpan(start, end, event))
        for event in inputs[layer.pk].events:
            data.arguments.extend(
                (event.start, event.end, event.type, a.role, a.start, a.end)
                for a in event.arguments
            )
        name = GOLD if layer.kind == Kind.GOLD else layer.owner.username
        views.append(LayerView(name, data))
    return views


def _inputs(layers: services.Layers) -> Iterator[tuple[AnnotationLayer, LayerIn]]:
    """Each read layer with its merge input (same order: read_layers builds them so)."""
    yield from zip(layers.annotator_layers, layers.inputs, strict=True)
    if layers.gold is not None and layers.gold_input is not None:
        yield layers.gold, layers.gold_input


def agreement_rows(document: Document, layers: services.Layers) -> list[AgreementRow]:
    """The pairs of the document, annotator pairs first, then each annotator with gold."""
    # Token κ tokenises the whole text (hundreds of ms for 20,000 characters and 3,000
    # spans): kept in the cache under the participating layers' versions and statuses,
    # which every edit and transition bumps, so a stale figure is never shown.
    state = ",".join(f"{x.pk}.{x.version}.{x.status}" for x in _participating(layers))
    key = f"nr:review-agreement:{document.pk}:{state}"
    # The process's own cache (settings.CACHES["local"]): the shared one is a database
    # table, and this page keeps its query count fixed.
    local = caches["local"]
    figures = local.get(key)
    if figures is None:
        figures = views_agreement(document.text, layer_views(layers))
        local.set(key, figures, CACHE_SECONDS)
    rows = []
    for key, value in figures.items():
        first, second = key.split("|", 1)
        rows.append(
            AgreementRow(
                first=first,
                second=second,
                exact=Score(*(value["exact"][k] for k in ("f1", "precision", "recall"))),
                overlap=Score(*(value["overlap"][k] for k in ("f1", "precision", "recall"))),
                kappa=value["token_kappa"],
            )
        )
    rows.sort(key=lambda row: (row.with_gold, row.first, row.second))
    return rows
