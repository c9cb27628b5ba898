"""The "my jobs" pages: every job its owner started, with a progress bar htmx polls while
the job runs, its outcome, and the result's download once (and only once) complete.
Nobody sees another person's jobs (404)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from newsreview.core.http import HtmxHttpRequest

from .models import Job
from .services import fail_stale_jobs, read_progress, visible_jobs

STAGES = {
    "parse": _("Reading the file…"),
    "validate": _("Checking documents"),
    "write": _("Saving documents"),
    "export": _("Writing the export"),
    "mentions": _("Searching your documents"),
    "agreement": _("Computing agreement"),
}
SHOWN_JOBS = 50


def _with_progress(job: Job) -> Job:
    state = read_progress(job.pk) if job.status == Job.Status.RUNNING else None
    job.progress = state  # type: ignore[attr-defined]
    job.stage = STAGES.get((state or {}).get("stage", ""), "")  # type: ignore[attr-defined]
    return job


@require_GET
@login_required
def job_list(request: HtmxHttpRequest) -> HttpResponse:
    mine = visible_jobs(request.user)
    fail_stale_jobs(mine)
    jobs = [_with_progress(job) for job in mine[:SHOWN_JOBS]]
    template = "jobs/job_list.html"
    if request.htmx:
        template += "#job-table"
    polling = any(not job.is_finished for job in jobs)
    return render(request, template, {"jobs": jobs, "polling": polling})


@require_GET
@login_required
def job_detail(request: HtmxHttpRequest, job_id: int) -> HttpResponse:
    mine = visible_jobs(request.user)
    fail_stale_jobs(mine.filter(pk=job_id))
    job = _with_progress(get_object_or_404(mine, pk=job_id))
    template = "jobs/job_detail.html"
    if request.htmx:
        template += "#job-state"
    return render(request, template, {"job": job})


@require_GET
@login_required
def job_download(request: HtmxHttpRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(visible_jobs(request.user), pk=job_id)
    # A dashboard's or a mentions search's result is read by its own page, not downloaded.
    if not job.has_result or job.kind in (Job.Kind.AGREEMENT, Job.Kind.MENTIONS):
        raise Http404
    try:
        handle = default_storage.open(job.result_file, "rb")
    except OSError as missing:
        raise Http404 from missing
    return FileResponse(handle, as_attachment=True, filename=job.result_name)
