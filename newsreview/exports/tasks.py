"""An export as a background job (django-tasks; STYLE.md §9): the same service as the
download and the command; the complete file goes to the shared storage and is offered for
download from the job's page once whole (never half a file, FORMATS.md §0)."""

from __future__ import annotations

from django.http import QueryDict
from django.utils.translation import gettext as _
from django_tasks import task

from newsreview.jobs.models import Job
from newsreview.jobs.services import JobFailed, Progress, finish_job, run_job

from .forms import ExportForm
from .records import ExportError, LayerRecord
from .services import spooled_export

SHOWN_WARNINGS = 5


@task()
def export_project(job_id: int) -> None:
    run_job(job_id, _export)


def _export(job: Job, progress: Progress) -> None:
    form = ExportForm(QueryDict(job.params["query"]), project=job.project)
    if not form.is_valid():
        raise JobFailed(_("The export choices are not valid any more: %(e)s") % {"e": form.errors})
    export_format = form.cleaned_data["export_format"]
    layer = form.cleaned_data["layer"]
    warnings: list[str] = []

    def on_record(number: int, total: int, _record: LayerRecord) -> None:
        progress("export", number, total)

    try:
        spool, count = spooled_export(
            project=job.project,
            export_format=export_format,
            layer=layer,
            statuses=list(form.cleaned_data["status"]),
            options=form.options,
            warn=warnings.append,
            progress=on_record,
        )
    except ExportError as error:
        raise JobFailed(str(error)) from error
    message = _("%(count)s records exported.") % {"count": count}
    if warnings:
        message += " " + _("%(n)s left out or changed (the first: %(first)s)") % {
            "n": len(warnings),
            "first": "; ".join(warnings[:SHOWN_WARNINGS]),
        }
    with spool:
        finish_job(
            job,
            message=message,
            result=spool,
            result_name=f"{job.project.slug}-{layer}{export_format.extension}",
        )
