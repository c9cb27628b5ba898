"""Confirming an upload starts a background job (django-tasks' database backend): the
page follows the job, a worker imports the stored file, the job ends with the outcome."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from newsreview.documents.models import Document
from newsreview.jobs.models import Job

from .test_views import DOCCANO, post_file, token_of

DATABASE_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def queued_jobs(settings):
    settings.TASKS = DATABASE_BACKEND


@pytest.mark.django_db(transaction=True)  # the worker checks its connection (autocommit)
def test_confirm_queues_the_import_and_a_worker_finishes_it(client, project, manager, queued_jobs):
    client.force_login(manager)
    token = token_of(post_file(client, project, "a.jsonl", DOCCANO, format="doccano"))
    confirm = client.post(reverse("imports:confirm", args=[project.slug, token]))
    job = Job.objects.get()
    assert confirm.status_code == 302
    assert confirm["Location"] == reverse("jobs:job-detail", args=[job.pk])
    assert (job.status, job.kind, job.title, job.user) == ("queued", "import", "a.jsonl", manager)
    assert not Document.objects.exists()
    waiting = client.get(confirm["Location"])
    assert "Waiting for a worker" in waiting.text and "hx-trigger" in waiting.text
    # A second click does not import twice: it leads to the same job.
    again = client.post(reverse("imports:confirm", args=[project.slug, token]))
    assert again["Location"] == confirm["Location"] and Job.objects.count() == 1

    call_command("run_worker", batch=True, verbosity=0)

    job.refresh_from_db()
    assert job.status == "done", job.message
    assert Document.objects.filter(project=project).count() == 1
    assert "Imported 1 documents with 3 spans" in job.message
    assert job.link == reverse("documents:document-list", args=[project.slug])
    done = client.get(reverse("jobs:job-detail", args=[job.pk]))
    assert "hx-trigger" not in done.text and job.link in done.text
    # The upload is gone once imported: nothing is left to confirm again.
    assert client.post(reverse("imports:confirm", args=[project.slug, token])).status_code == 404


@pytest.mark.django_db(transaction=True)  # the worker checks its connection (autocommit)
def test_an_import_refused_by_the_worker_fails_the_job_with_the_reason(
    client, project, manager, queued_jobs
):
    client.force_login(manager)
    token = token_of(post_file(client, project, "a.jsonl", DOCCANO, format="doccano"))
    client.post(reverse("imports:confirm", args=[project.slug, token]))
    # Meanwhile the project's schema loses a label the file uses.
    project.schema.entity_types.filter(key="GPE").delete()

    call_command("run_worker", batch=True, verbosity=0)

    job = Job.objects.get()
    assert job.status == "failed"
    assert job.message.startswith("Nothing was imported") and "GPE" in job.message
    assert not Document.objects.exists()
