"""Running jobs: claimed once, ended done or failed with a message a person can act on,
progress visible while running, a job whose worker died marked failed, old jobs removed."""

from __future__ import annotations

import io
import time
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from newsreview.exports.tasks import export_project
from newsreview.jobs import services
from newsreview.jobs.models import Job
from tests.factories import JobFactory, MembershipFactory


@pytest.mark.django_db
def test_run_job_marks_the_job_done_with_its_stored_result():
    job = JobFactory()

    def work(job, progress):
        progress("export", 1, 2)
        assert services.read_progress(job.pk)["done"] == 1
        services.finish_job(
            job, message="2 records exported.", result=io.BytesIO(b"{}\n"), result_name="x.jsonl"
        )

    services.run_job(job.pk, work)
    job.refresh_from_db()
    assert (job.status, job.message, job.result_name) == ("done", "2 records exported.", "x.jsonl")
    assert job.has_result and job.finished_at and job.started_at
    with default_storage.open(job.result_file) as stored:
        assert stored.read() == b"{}\n"
    assert services.read_progress(job.pk) is None  # progress goes with the run


@pytest.mark.django_db
def test_a_job_failing_for_a_known_reason_says_it():
    job = JobFactory()

    def work(job, progress):
        raise services.JobFailed("no layer “bob” in project “news”")

    services.run_job(job.pk, work)
    job.refresh_from_db()
    assert (job.status, job.message) == ("failed", "no layer “bob” in project “news”")
    assert not job.has_result


@pytest.mark.django_db
def test_an_unexpected_error_fails_the_job_without_showing_the_traceback(caplog):
    job = JobFactory()

    def work(job, progress):
        raise ZeroDivisionError("secret detail")

    services.run_job(job.pk, work)
    job.refresh_from_db()
    assert job.status == "failed" and "unexpected error" in job.message
    assert "secret detail" not in job.message and "ZeroDivisionError" not in job.message
    assert "ZeroDivisionError" in caplog.text  # for the operator, in the log


@pytest.mark.django_db
def test_a_job_is_run_once_even_if_its_task_comes_twice():
    job = JobFactory()
    runs = []
    services.run_job(job.pk, lambda job, progress: runs.append(job.pk))
    services.run_job(job.pk, lambda job, progress: runs.append(job.pk))
    assert runs == [job.pk]


@pytest.mark.django_db
def test_a_running_job_silent_for_too_long_is_marked_failed_not_left_running(settings):
    settings.NEWSREVIEW_JOB_STALE_SECONDS = 60
    dead = JobFactory(running=True, started_at=timezone.now() - timedelta(minutes=5))
    alive = JobFactory(running=True, started_at=timezone.now() - timedelta(minutes=5))
    services.write_progress(alive.pk, {"stage": "write", "done": 5, "total": 9, "at": time.time()})
    fresh = JobFactory(running=True)
    queued = JobFactory(created_at=timezone.now() - timedelta(days=1))

    assert services.fail_stale_jobs() == 1
    dead.refresh_from_db()
    assert dead.status == "failed" and "interrupted" in dead.message
    for job in (alive, fresh, queued):
        status = job.status
        job.refresh_from_db()
        assert job.status == status


def _queued_on_the_database_backend(settings, count: int) -> list[Job]:
    """`count` jobs queued as the app queues them (start_job), on django-tasks-db's table."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    manager = MembershipFactory(role="manager")
    return [
        services.start_job(
            user=manager.user,
            project=manager.project,
            kind=Job.Kind.EXPORT,
            title=f"export {n}",
            params={},
            task=export_project,
        )
        for n in range(count)
    ]


@pytest.mark.django_db
def test_a_queued_job_whose_task_a_dead_worker_took_is_failed_not_left_waiting(settings):
    settings.NEWSREVIEW_JOB_STALE_SECONDS = 60
    taken_long_ago, taken_now, waiting = _queued_on_the_database_backend(settings, 3)
    DBTaskResult.objects.filter(id=taken_long_ago.task_id).update(
        status="RUNNING", started_at=timezone.now() - timedelta(minutes=5)
    )
    DBTaskResult.objects.filter(id=taken_now.task_id).update(
        status="RUNNING", started_at=timezone.now()
    )

    assert services.fail_stale_jobs() == 1

    taken_long_ago.refresh_from_db()
    assert taken_long_ago.status == "failed" and "interrupted" in taken_long_ago.message
    for job in (taken_now, waiting):  # its worker may still claim it; no worker yet
        job.refresh_from_db()
        assert job.status == "queued"


@pytest.mark.django_db
def test_a_queued_job_whose_task_ended_without_running_it_is_failed(settings):
    failed_task, finished_task = _queued_on_the_database_backend(settings, 2)
    DBTaskResult.objects.filter(id=failed_task.task_id).update(status="FAILED")
    DBTaskResult.objects.filter(id=finished_task.task_id).update(status="SUCCESSFUL")

    assert services.fail_stale_jobs(Job.objects.filter(user=failed_task.user)) == 2

    assert set(Job.objects.values_list("status", flat=True)) == {"failed"}


@pytest.mark.django_db
def test_a_job_that_moved_on_since_the_sweep_read_it_keeps_its_state():
    """The sweep fails a job only while its status is still the one it read: a queued job
    a worker began meanwhile, or a job that finished, is left as it is."""
    began = JobFactory(running=True)
    done = JobFactory(status=Job.Status.DONE, message="42 documents")

    assert services.fail_job(began, "gone", only_if=Job.Status.QUEUED) == 0
    assert services.fail_job(done, "gone") == 0
    assert services.fail_job(began, "gone", only_if=Job.Status.RUNNING) == 1

    began.refresh_from_db()
    done.refresh_from_db()
    assert (began.status, began.message) == ("failed", "gone")
    assert (done.status, done.message) == ("done", "42 documents")


@pytest.mark.django_db
def test_finished_jobs_older_than_the_keep_time_go_with_their_files(settings):
    settings.NEWSREVIEW_JOB_KEEP_DAYS = 7
    old = JobFactory()
    services.run_job(
        old.pk,
        lambda job, p: services.finish_job(
            job, message="", result=io.BytesIO(b"x"), result_name="old.jsonl"
        ),
    )
    old.refresh_from_db()
    Job.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    recent = JobFactory(done=True)
    running = JobFactory(running=True)
    Job.objects.filter(pk=running.pk).update(created_at=timezone.now() - timedelta(days=8))

    assert services.remove_old_jobs() == 1
    assert set(Job.objects.values_list("pk", flat=True)) == {recent.pk, running.pk}
    assert not default_storage.exists(old.result_file)
