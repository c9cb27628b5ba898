"""The import of a confirmed upload as a background job (django-tasks; STYLE.md §9): the
same service as the command and the page, reading the upload from the shared storage."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django_tasks import task

from newsreview.jobs.models import Job
from newsreview.jobs.services import JobFailed, Progress, finish_job, run_job

from .services import import_files, read_uploaded
from .uploads import stored_upload


@task()
def import_upload(job_id: int) -> None:
    run_job(job_id, _import)


def _import(job: Job, progress: Progress) -> None:
    upload = stored_upload(job.params["token"])
    data = upload.data() if upload else None
    if upload is None or data is None:
        raise JobFailed(_("The uploaded file is not available any more; upload it again."))
    files = read_uploaded(upload.name, data)
    del data
    if not isinstance(files, list):
        raise JobFailed(str(files))
    result = import_files(
        project=job.project, files=files, options=upload.options, by=job.user, progress=progress
    )
    if not result.saved:
        # Something changed since the preview (an id taken meanwhile): the preview page
        # lists every reason; the job says how many and where to read them.
        upload.save_summary(result)
        upload.drop_data()
        first = result.errors[0].message if result.errors else ""
        raise JobFailed(
            _("Nothing was imported: %(n)s problems, the first: %(first)s")
            % {"n": len(result.errors), "first": first}
        )
    upload.delete()
    message = _("Imported %(documents)s documents with %(spans)s spans from “%(name)s”.") % {
        "documents": result.documents,
        "spans": result.spans,
        "name": upload.name,
    }
    if result.lost_tasks:
        message += " " + _(
            "%(n)s task(s) had annotations or predictions that could not be imported; "
            "their documents have none."
        ) % {"n": len(result.lost_tasks)}
    finish_job(
        job,
        message=message,
        link=reverse("documents:document-list", args=[job.project.slug]),
    )
