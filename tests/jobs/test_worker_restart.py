"""A job whose worker is killed mid-way is never silently lost: the next worker to start
marks it failed with a message, and nothing of the half-done import is saved. Real worker
processes on the database backend (PostgreSQL: they share the test database)."""

from __future__ import annotations

import json
import os
import signal
import time

import pytest
from django.db import connection

from newsreview.documents.models import Document
from newsreview.imports.results import ImportOptions
from newsreview.imports.tasks import import_upload
from newsreview.imports.uploads import create_upload
from newsreview.jobs.models import Job
from newsreview.jobs.services import start_job
from tests.servers import database_url, server_env, start_worker, stop

HEADLINE = "حموشي يعيد الدفء إلى علاقات المغرب بفرنسا ورحلة قريبة ستأخذه إلى باريس"


@pytest.mark.django_db(transaction=True)
def test_a_job_whose_worker_was_killed_is_marked_failed_by_the_next_worker(
    project, manager, settings, tmp_path
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the worker processes share the test database")
    storage = tmp_path / "storage"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": storage, "allow_overwrite": True},
        },
    }
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    line = json.dumps({"text": HEADLINE, "label": [[0, 5, "PERS"], [65, 70, "GPE"]]},
                      ensure_ascii=False)  # fmt: skip
    upload = create_upload(
        session={},
        user_id=manager.pk,
        project_id=project.pk,
        name="big.jsonl",
        data=((line + "\n") * 20_000).encode(),
        options=ImportOptions(format="doccano"),
    )
    job = start_job(
        user=manager,
        project=project,
        kind=Job.Kind.IMPORT,
        title="big.jsonl",
        params={"token": upload.token},
        task=import_upload,
    )
    env = server_env(database_url(), storage)
    first = start_worker(env, tmp_path / "worker1.log")
    try:
        deadline = time.monotonic() + 60
        while Job.objects.get(pk=job.pk).status != "running":
            assert time.monotonic() < deadline, (tmp_path / "worker1.log").read_text()
            time.sleep(0.05)
        time.sleep(0.5)
        os.kill(first.pid, signal.SIGKILL)  # no chance to finish or to say anything
        first.wait()
    finally:
        stop(first)
    assert Job.objects.get(pk=job.pk).status == "running"
    time.sleep(1.5)  # longer than the stale limit below: the job's last sign of life is old

    second = start_worker({**env, "NEWSREVIEW_JOB_STALE_SECONDS": "1"}, tmp_path / "worker2.log")
    try:
        deadline = time.monotonic() + 30
        while Job.objects.get(pk=job.pk).status == "running":
            assert time.monotonic() < deadline, (tmp_path / "worker2.log").read_text()
            time.sleep(0.2)
    finally:
        stop(second)
    job.refresh_from_db()
    assert job.status == "failed"
    assert "interrupted" in job.message and "nothing was saved" in job.message
    assert not Document.objects.filter(project=project).exists()
