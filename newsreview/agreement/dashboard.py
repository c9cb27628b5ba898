"""The dashboard's figures (issue 11), cached until the project's data changes.

Agreement over a whole project reads every span, so the figures are computed once and
kept in Django's cache under a key that names the state of the project: its layers
(count, latest change, sum of versions: every annotation write bumps a layer's version),
its assignments and its documents. Any write changes the key, so a stale figure is never
served; nothing has to remember to invalidate anything. The cache is shared by every
process (settings.CACHES, a database table by default) and the key is read from the
database, so a write made through any server is seen by all."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Max, Sum
from django.utils import timezone

from newsreview.annotations.models import AnnotationLayer
from newsreview.documents.models import Document
from newsreview.projects.models import Assignment, Project

from .metrics import PairAgreement
from .progress import Day, Progress, annotator_progress, project_progress, throughput
from .services import GOLD, DocumentScore, compute_agreement

CACHE_SECONDS = 24 * 3600
LOWEST = 10


@dataclass
class Figures:
    project_bar: Progress
    annotator_bars: list[Progress]
    days: list[Day]
    names: list[str]  # annotators, then gold when present: the matrix's rows and columns
    matrix: dict[str, dict[str, dict[str, Any]]]  # a → b → the pair's figures (a as reference)
    team: dict[str, Any]  # all annotator pairs summed (PairAgreement.result)
    lowest: list[DocumentScore]
    documents: int
    computed_at: Any = None
    pairs: dict[str, Any] = field(default_factory=dict)


def state_key(project: Project) -> str:
    """What the figures depend on, in three aggregate queries."""
    layers = AnnotationLayer.objects.filter(document__project=project).aggregate(
        n=Count("id"), last=Max("updated_at"), versions=Sum("version")
    )
    assignments = Assignment.objects.filter(document__project=project).aggregate(
        n=Count("id"), last=Max("id")
    )
    documents = Document.objects.filter(project=project).aggregate(n=Count("id"), last=Max("id"))
    raw = repr((sorted(layers.items()), sorted(assignments.items()), sorted(documents.items())))
    return hashlib.sha256(raw.encode()).hexdigest()[:24]


def _matrix(pairs: dict[tuple[str, str], PairAgreement], names: list[str]) -> dict:
    matrix: dict[str, dict[str, dict[str, Any]]] = {a: {} for a in names}
    for (a, b), pair in pairs.items():
        matrix[a][b] = pair.result()
        matrix[b][a] = pair.result(reverse=True)
    return matrix


def compute_figures(
    project: Project,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Figures:
    agreement = compute_agreement(
        project, date_from=date_from, date_to=date_to, lowest=LOWEST, progress=progress
    )
    names = agreement.annotators()
    if any(GOLD in pair for pair in agreement.pairs):
        names.append(GOLD)
    return Figures(
        project_bar=project_progress(project),
        annotator_bars=annotator_progress(project),
        days=throughput(project),
        names=names,
        matrix=_matrix(agreement.pairs, names),
        team=agreement.between_annotators().result(),
        lowest=agreement.lowest,
        documents=agreement.documents,
        computed_at=timezone.now(),
        pairs=agreement.as_json(),
    )


def figures_key(project: Project, *, date_from: date | None, date_to: date | None) -> str:
    """The cache key of the figures of the project's current state (and these dates)."""
    return (
        f"nr:dashboard:{project.pk}:{state_key(project)}:{timezone.localdate()}:"
        f"{date_from}:{date_to}"
    )


def cached_figures(key: str) -> Figures | None:
    return cache.get(key)


def keep_figures(key: str, figures: Figures) -> None:
    cache.set(key, figures, CACHE_SECONDS)


def dashboard_figures(
    project: Project, *, date_from: date | None = None, date_to: date | None = None
) -> Figures:
    """The figures from the cache when the project has not changed since, else fresh
    (computed here: the `agreement` command; the page computes them in a job, tasks.py)."""
    key = figures_key(project, date_from=date_from, date_to=date_to)
    figures = cached_figures(key)
    if figures is None:
        figures = compute_figures(project, date_from=date_from, date_to=date_to)
        keep_figures(key, figures)
    return figures
