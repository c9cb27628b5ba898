"""The dashboard page (issue 11): progress, throughput and agreement of a project, for
its reviewers and managers. A GET that changes nothing; its figures come from
`dashboard.dashboard_figures` (cached until the project changes)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language_bidi
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from newsreview.core.http import HtmxHttpRequest
from newsreview.projects.permissions import REVIEW_ROLES, project_for

from .charts import column_chart, score_bars
from .dashboard import Figures, dashboard_figures


def review_url(slug: str, document_id: int) -> str:
    """The curation page of a document (issue 10). Its URL name may not exist yet in
    this branch: then the path it will have."""
    try:
        return reverse("review:document-review", args=[slug, document_id])
    except NoReverseMatch:
        return f"/projects/{slug}/documents/{document_id}/review/"


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _label_rows(figures: Figures) -> list[dict[str, Any]]:
    exact = figures.team["exact"]["per_label"]
    overlap = figures.team["overlap"]["per_label"]
    return [
        {
            "label": label,
            "exact": exact[label],
            "overlap": overlap.get(label, {}),
        }
        for label in sorted(exact)
    ]


def _charts(figures: Figures, rows: list[dict[str, Any]]) -> dict[str, str]:
    rtl = get_language_bidi()
    # ISO dates inside the charts: the Arabic short format carries bidi marks that an
    # SVG text drawn left to right scrambles; the table below uses the local format.
    days = [(d.day.isoformat(), d.spans) for d in figures.days]
    documents = [(d.day.isoformat(), d.documents) for d in figures.days]
    # The chart builders escape every text they write (charts.py).
    return {
        "spans_chart": mark_safe(  # noqa: S308
            column_chart(days, title=_("Spans created per day"), rtl=rtl)
        ),
        "documents_chart": mark_safe(  # noqa: S308
            column_chart(
                documents,
                title=_("Documents submitted per day"),
                rtl=rtl,
                css_class="chart-bar chart-bar--alt",
            )
        ),
        "labels_chart": mark_safe(  # noqa: S308
            score_bars(
                [(r["label"], (r["exact"].get("f1"), r["overlap"].get("f1"))) for r in rows],
                title=_("F1 per label between annotators"),
                series=(_("exact F1"), _("overlap F1")),
                rtl=rtl,
            )
        ),
    }


@require_GET
@login_required
def dashboard(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    project = project_for(request.user, slug, REVIEW_ROLES)
    date_from = _date(request.GET.get("date_from", ""))
    date_to = _date(request.GET.get("date_to", ""))
    figures = dashboard_figures(project, date_from=date_from, date_to=date_to)
    rows = _label_rows(figures)
    lowest = [
        {"score": score, "url": review_url(project.slug, score.document_id)}
        for score in figures.lowest
    ]
    return render(
        request,
        "agreement/dashboard.html",
        {
            "project": project,
            "figures": figures,
            "project_bars": [figures.project_bar],
            "label_rows": rows,
            "lowest": lowest,
            "date_from": date_from,
            "date_to": date_to,
            **_charts(figures, rows),
        },
    )
