"""The dashboard's figures as a background job (issue 14): computing agreement over a
large project takes seconds, so a cold dashboard starts this job and polls it instead of
blocking the request.

The figures go to the cache under the key of the state the job started from. The cache
is shared by every process (settings.CACHES: a table in the database by default), so the
web server that answers the next poll finds them there, whichever process ran the job."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _
from django_tasks import task

from newsreview.jobs.models import Job
from newsreview.jobs.services import Progress, finish_job, run_job

from .dashboard import compute_figures, keep_figures


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@task()
def dashboard_figures_job(job_id: int) -> None:
    run_job(job_id, _compute)


def _compute(job: Job, progress: Progress) -> None:
    figures = compute_figures(
        job.project,
        date_from=_date(job.params.get("date_from")),
        date_to=_date(job.params.get("date_to")),
        progress=lambda done, total: progress("agreement", done, total),
    )
    keep_figures(job.params["key"], figures)
    finish_job(
        job,
        message=_("Agreement over %(n)s documents computed.") % {"n": figures.documents},
        link=job.params.get("url", ""),
    )
