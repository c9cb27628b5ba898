"""The dashboard page (issue 11): progress, throughput and agreement of a project, for
its reviewers and managers. A GET that changes nothing; its figures come from
`dashboard.dashboard_figures` (cached until the project changes)."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language_bidi
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from newsreview.core.http import HtmxHttpRequest, navigate
from newsreview.jobs.models import Job
from newsreview.jobs.services import fail_stale_jobs, read_progress, start_job, visible_jobs
from newsreview.projects.permissions import REVIEW_ROLES, project_for

from .charts import column_chart, score_bars
from .dashboard import Figures, cached_figures, figures_key
from .tasks import dashboard_figures_job


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


def _cold_figures(
    request: HtmxHttpRequest, project: Any, key: str, date_from: date | None, date_to: date | None
) -> tuple[Figures | None, Job]:
    """Figures not in the cache: a job computing them (started if none is running or
    waiting). A finished job of this state whose figures left the cache (culled, or the
    cache emptied) is not waited for: a new one computes them again."""
    mine = visible_jobs(request.user).filter(
        project=project, kind=Job.Kind.AGREEMENT, params__key=key
    )
    fail_stale_jobs(mine)
    job = mine.filter(status__in=[Job.Status.QUEUED, Job.Status.RUNNING]).first()
    if job is None:
        url = reverse("agreement:dashboard", args=[project.slug]) + _dates_query(date_from, date_to)
        job = start_job(
            user=request.user,
            project=project,
            kind=Job.Kind.AGREEMENT,
            title=project.name[:250],
            params={
                "key": key,
                "date_from": date_from.isoformat() if date_from else "",
                "date_to": date_to.isoformat() if date_to else "",
                "url": url,
            },
            task=dashboard_figures_job,
        )
        if job.status == Job.Status.DONE:  # the immediate backend (tests)
            return cached_figures(key), job
    return None, job


def _dates_query(date_from: date | None, date_to: date | None) -> str:
    query = urlencode(
        {k: v.isoformat() for k, v in (("date_from", date_from), ("date_to", date_to)) if v}
    )
    return f"?{query}" if query else ""


def _computing(request: HtmxHttpRequest, project: Any, job: Job) -> HttpResponse:
    state = read_progress(job.pk) if job.status == Job.Status.RUNNING else None
    context = {
        "project": project,
        "job": job,
        "progress": state,
        "poll_url": reverse("agreement:dashboard-job", args=[project.slug, job.pk]),
    }
    template = "agreement/computing.html"
    if request.htmx:
        template += "#computing"
    return render(request, template, context)


@require_GET
@login_required
def dashboard(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    project = project_for(request.user, slug, REVIEW_ROLES)
    date_from = _date(request.GET.get("date_from", ""))
    date_to = _date(request.GET.get("date_to", ""))
    key = figures_key(project, date_from=date_from, date_to=date_to)
    figures = cached_figures(key)
    if figures is None:
        # Cold: computing takes seconds on a large project; a background job does it
        # while the page shows its progress.
        figures, job = _cold_figures(request, project, key, date_from, date_to)
        if figures is None:
            return _computing(request, project, job)
    return _render_dashboard(request, project, figures, date_from, date_to)


@require_GET
@login_required
def dashboard_job(request: HtmxHttpRequest, slug: str, job_id: int) -> HttpResponse:
    """The progress of the dashboard's job (htmx polls it); once done, to the dashboard.
    Only its owner sees it (404)."""
    project = project_for(request.user, slug, REVIEW_ROLES)
    mine = visible_jobs(request.user).filter(project=project, kind=Job.Kind.AGREEMENT)
    fail_stale_jobs(mine.filter(pk=job_id))
    job = get_object_or_404(mine, pk=job_id)
    if job.status == Job.Status.DONE:
        return navigate(
            request, job.params.get("url") or reverse("agreement:dashboard", args=[slug])
        )
    return _computing(request, project, job)


def _render_dashboard(
    request: HtmxHttpRequest,
    project: Any,
    figures: Figures,
    date_from: date | None,
    date_to: date | None,
) -> HttpResponse:
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
