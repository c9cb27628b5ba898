"""The dashboard's figures as a background job (issue 14): computing agreement over a
large project takes seconds, so a cold dashboard starts this job and polls it instead of
blocking the request.

The figures go to the cache under the key of the state the job started from, and, since
the cache may be local to each process (the worker's is not the web server's), to the
job's result file as well, which the dashboard reads into its own cache. The file is a
pickle, like any cached value: written only by our worker into our own storage, never
from user input."""

from __future__ import annotations

import io
import pickle
from datetime import date

from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from django_tasks import task

from newsreview.jobs.models import Job
from newsreview.jobs.services import Progress, finish_job, run_job

from .dashboard import Figures, compute_figures, keep_figures

RESULT_NAME = "figures.pickle"


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
        result=io.BytesIO(pickle.dumps(figures)),
        result_name=RESULT_NAME,
    )


def job_figures(job: Job) -> Figures | None:
    """A finished job's figures (into this process's cache too), or None."""
    if not job.has_result:
        return None
    try:
        with default_storage.open(job.result_file, "rb") as handle:
            figures = pickle.loads(handle.read())  # noqa: S301 (our worker's own file)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
        return None
    if not isinstance(figures, Figures):
        return None
    keep_figures(job.params["key"], figures)
    return figures
