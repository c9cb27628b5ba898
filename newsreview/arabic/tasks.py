"""Project-wide label-all-mentions as a background job (issues 13 and 14).

`find_project_mentions` takes ids and returns JSON-ready data, calling the same service
as the in-document preview; `project_mentions_job` is the django-tasks task the
workspace's dialog enqueues (through jobs.services.start_job): it reports progress per
batch of documents and stores the result as a JSON file the preview reads once the job
is done (project_result). It lists at most mentions.MAX_LISTED mentions, so that a
word in every document still answers in a second or two; the documents left are counted.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import task

from newsreview.annotations.models import Span
from newsreview.jobs.models import Job
from newsreview.jobs.services import JobFailed, Progress, finish_job, run_job

from .mentions import MAX_LISTED, Mention, ProjectMentions, search_project_mentions

RESULT_NAME = "mentions.json"


def find_project_mentions(
    *, span_id: int, user_id: int, report: Callable[[int, int], None] | None = None
) -> dict[str, Any]:
    """The other mentions of span `span_id` in its user's open documents of the project,
    as JSON-ready data. Only the owner of the span's layer may run it (else a
    Span.DoesNotExist, as for any span outside one's layers)."""
    span = Span.objects.select_related(
        "layer__owner", "layer__document", "entity_type", "event_type"
    ).get(pk=span_id, layer__owner_id=user_id)
    found = search_project_mentions(layer=span.layer, span=span, progress=report, limit=MAX_LISTED)
    return {
        "span": span_id,
        "mentions": [asdict(m) for m in found.mentions],
        "unsearched": found.unsearched,
    }


@task()
def project_mentions_job(job_id: int) -> None:
    run_job(job_id, _find)


def _find(job: Job, progress: Progress) -> None:
    try:
        result = find_project_mentions(
            span_id=job.params["span"],
            user_id=job.user_id,
            report=lambda done, total: progress("mentions", done, total),
        )
    except Span.DoesNotExist as gone:
        raise JobFailed(_("That annotation does not exist in your layer any more.")) from gone
    count = len(result["mentions"])
    if result["unsearched"]:
        message = ngettext(
            "The first %(n)s mention found (the list is full).",
            "The first %(n)s mentions found (the list is full).",
            count,
        ) % {"n": count}
    else:
        message = ngettext("%(n)s mention found.", "%(n)s mentions found.", count) % {"n": count}
    link = (
        reverse("annotations:annotate", args=[job.project.slug, job.params["document"]])
        + f"?span={job.params['span']}"
    )
    finish_job(
        job,
        message=message,
        link=link,
        result=io.BytesIO(json.dumps(result, ensure_ascii=False).encode()),
        result_name=RESULT_NAME,
    )


def mentions_result(job: Job) -> list[Mention] | None:
    """The mentions a finished job found, or None if its result is not (or no longer)
    there."""
    result = project_result(job)
    return None if result is None else result.mentions


def project_result(job: Job) -> ProjectMentions | None:
    """A finished job's result: its mentions and how many documents it left unsearched
    (the list was full), or None if the result is not (or no longer) there."""
    if not job.has_result:
        return None
    try:
        with default_storage.open(job.result_file, "rb") as handle:
            data = json.loads(handle.read())
        return ProjectMentions(
            [Mention(**item) for item in data["mentions"]],
            # Results stored before the limit existed have no such key: complete.
            int(data.get("unsearched", 0)),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
