"""Starting, running and ending background jobs; progress and results in Django's storage.

A job's progress is a small JSON file in the shared storage, not a database column: an
import writes its documents in one long transaction, and a row updated inside it would
stay invisible to the polling page until the very end. The progress file's time stamp is
also the job's sign of life: a running job silent for NEWSREVIEW_JOB_STALE_SECONDS lost
its worker (killed, machine gone) and is marked failed with a message, never left
running for ever. A worker stopped normally (SIGTERM) finishes its job first.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from newsreview.accounts.models import User
from newsreview.projects.models import Project

from .models import Job

logger = logging.getLogger(__name__)

PROGRESS_EVERY_SECONDS = 0.5


class JobFailed(Exception):
    """The job cannot finish, for a reason its owner can act on (the message says it)."""


def job_folder(job_id: int) -> str:
    return f"jobs/{job_id}"


def progress_name(job_id: int) -> str:
    return f"{job_folder(job_id)}/progress.json"


def start_job(
    *,
    user: User,
    project: Project,
    kind: str,
    title: str,
    params: dict[str, Any],
    task: Any,
) -> Job:
    """Record a job and queue `task(job_id=…)`. Both rows commit together (the database
    backend queues in the same database), so a worker never sees a task without its job."""
    with transaction.atomic():
        job = Job.objects.create(user=user, project=project, kind=kind, title=title, params=params)
        result = task.enqueue(job_id=job.pk)
        # `update`, not `save`: with the immediate backend (tests) the task has already run
        # and written its outcome to the row.
        Job.objects.filter(pk=job.pk).update(task_id=str(result.id))
    job.refresh_from_db()
    return job


class Progress:
    """A job's progress callback `(stage, done, total)`, written at most twice a second."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.last = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.time()
        if now - self.last < PROGRESS_EVERY_SECONDS and done < total:
            return
        self.last = now
        write_progress(self.job.pk, {"stage": stage, "done": done, "total": total, "at": now})


def write_progress(job_id: int, state: dict[str, Any]) -> None:
    data = json.dumps(state).encode()
    name = progress_name(job_id)
    # Overwritten in place (the storage allows it); a poll that meets a half-written file
    # shows the bar without figures.
    default_storage.save(name, ContentFile(data))


def read_progress(job_id: int) -> dict[str, Any] | None:
    try:
        with default_storage.open(progress_name(job_id)) as handle:
            state = json.loads(handle.read())
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) else None


def run_job(job_id: int, work: Callable[[Job, Progress], None]) -> None:
    """Run `work` for the queued job `job_id` (from a task). `work` ends the job with
    `finish_job`; a JobFailed ends it failed with its message; anything else ends it
    failed with a general message (the traceback goes to the log, not to the user)."""
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return  # removed, or already run (a task delivered twice)
    job = Job.objects.get(pk=job_id)
    progress = Progress(job)
    write_progress(job.pk, {"stage": "start", "done": 0, "total": 0, "at": time.time()})
    try:
        work(job, progress)
    except JobFailed as failure:
        fail_job(job, str(failure))
    except Exception:
        logger.exception("job %s failed", job_id)
        fail_job(job, _("The job stopped because of an unexpected error; nothing was saved."))
    else:
        if Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).exists():
            finish_job(job, message="")
    finally:
        default_storage.delete(progress_name(job.pk))


def finish_job(
    job: Job,
    *,
    message: str,
    link: str = "",
    result: IO[bytes] | None = None,
    result_name: str = "",
) -> None:
    """Mark `job` done; `result` (a complete file) is stored first, so it is offered only
    once whole."""
    stored = ""
    if result is not None:
        stored = default_storage.save(f"{job_folder(job.pk)}/{result_name}", File(result))
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.DONE,
        message=message,
        link=link,
        result_file=stored,
        result_name=result_name,
        finished_at=timezone.now(),
    )


def fail_job(job: Job, message: str, *, only_if: str | None = None) -> int:
    """Mark `job` failed with `message` (never a job already done); with `only_if`, only
    while its status is still that one. 1 if it was marked, else 0."""
    jobs = Job.objects.filter(pk=job.pk).exclude(status=Job.Status.DONE)
    if only_if is not None:
        jobs = jobs.filter(status=only_if)
    return jobs.update(status=Job.Status.FAILED, message=message, finished_at=timezone.now())


def last_sign_of_life(job: Job) -> float:
    state = read_progress(job.pk)
    if state is None:
        # Perhaps read while being rewritten: look once more before judging the job dead.
        time.sleep(0.2)
        state = read_progress(job.pk) or {}
    started = job.started_at.timestamp() if job.started_at else job.created_at.timestamp()
    return max(float(state.get("at") or 0), started)


INTERRUPTED = gettext_lazy(
    "The job was interrupted (its worker stopped) and nothing was saved. Start it again."
)


def fail_stale_jobs(jobs: Any = None) -> int:
    """Mark as failed, with a message, the jobs a worker left behind; how many.

    - Running jobs silent for NEWSREVIEW_JOB_STALE_SECONDS: their worker stopped.
    - Queued jobs whose task the queue has already handed out: its worker stopped before
      the job began (taken longer ago than that), or the task ended without running it
      (its code failed to load, the claim met a database error). Nothing would ever run
      them, and "waiting for a worker" would be shown for ever. A queued job whose task
      is still waiting (or a job whose task row is not there, as with the immediate
      backend) is left alone.
    """
    limit = time.time() - settings.NEWSREVIEW_JOB_STALE_SECONDS
    base = jobs if jobs is not None else Job.objects
    # One query for both kinds, as the pages that call this keep a constant query count.
    unfinished = list(base.filter(status__in=[Job.Status.RUNNING, Job.Status.QUEUED]))
    stale = [
        job
        for job in unfinished
        if job.status == Job.Status.RUNNING and last_sign_of_life(job) < limit
    ]
    stale += _queued_jobs_left_behind(
        [job for job in unfinished if job.status == Job.Status.QUEUED], limit
    )
    # Only while still as read: a job that moved on meanwhile was not left behind.
    return sum(fail_job(job, str(INTERRUPTED), only_if=job.status) for job in stale)


def _queued_jobs_left_behind(queued: list[Job], limit: float) -> list[Job]:
    tasks = {}
    for job in queued:
        try:
            tasks[uuid.UUID(job.task_id)] = job
        except ValueError:
            continue  # not queued through the database backend
    if not tasks:
        return []
    left = []
    for task_id, status, started_at in DBTaskResult.objects.filter(id__in=list(tasks)).values_list(
        "id", "status", "started_at"
    ):
        taken_long_ago = (
            status == TaskResultStatus.RUNNING
            and started_at is not None
            and started_at.timestamp() < limit
        )
        ended = status in (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED)
        if taken_long_ago or ended:
            left.append(tasks[task_id])
    return left


def remove_old_jobs() -> int:
    """Finished jobs older than NEWSREVIEW_JOB_KEEP_DAYS go, with their stored files."""
    limit = timezone.now() - timedelta(days=settings.NEWSREVIEW_JOB_KEEP_DAYS)
    old = list(
        Job.objects.filter(
            status__in=[Job.Status.DONE, Job.Status.FAILED], created_at__lt=limit
        ).values_list("pk", "result_file")
    )
    for _pk, name in old:
        if name:
            default_storage.delete(name)
    Job.objects.filter(pk__in=[pk for pk, _name in old]).delete()
    return len(old)


def visible_jobs(user: User) -> Any:
    """The jobs `user` started (the only ones anybody sees on the jobs pages)."""
    return Job.objects.filter(user=user).select_related("project")
