"""Exporting in the background: the job stores the complete file (the same bytes as the
download) and offers it on its page; a failing export fails the job with the reason."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from newsreview.jobs.models import Job

JOB = reverse("exports:export-job", args=["news"])
DOWNLOAD = reverse("exports:export-download", args=["news"])


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.django_db(transaction=True)  # the worker checks its connection (autocommit)
def test_a_background_export_offers_the_same_file_as_the_download(
    client, reviewer, seed_gold, tricky, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    client.force_login(reviewer)
    response = client.post(
        JOB, {"format": "conll", "layer": "gold"}, headers={"HX-Request": "true"}
    )
    job = Job.objects.get()
    assert response["HX-Redirect"] == reverse("jobs:job-detail", args=[job.pk])
    assert (job.status, job.kind, job.title) == ("queued", "export", "news-gold.conll")
    assert client.get(reverse("jobs:job-download", args=[job.pk])).status_code == 404

    call_command("run_worker", batch=True, verbosity=0)

    job.refresh_from_db()
    assert job.status == "done" and "records exported" in job.message, job.message
    stored = body(client.get(reverse("jobs:job-download", args=[job.pk])))
    direct = body(client.get(DOWNLOAD, {"format": "conll", "layer": "gold"}))
    assert stored == direct and stored


@pytest.mark.django_db
def test_annotators_cannot_start_an_export_job(client, annotator, seed_gold):
    client.force_login(annotator)
    assert client.post(JOB, {"format": "jsonl", "layer": "gold"}).status_code == 403
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_an_export_job_with_choices_that_do_not_exist_is_refused(client, reviewer, seed_gold):
    client.force_login(reviewer)
    response = client.post(JOB, {"format": "jsonl", "layer": "nobody"})
    assert response.status_code == 422
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_an_export_the_format_cannot_write_fails_the_job_with_the_reason(
    client, reviewer, seed_gold
):
    client.force_login(reviewer)
    client.post(JOB, {"format": "conll", "layer": "all"})
    job = Job.objects.get()
    assert job.status == "failed" and "CoNLL has no place for a layer name" in job.message
    assert not job.result_file
    page = client.get(reverse("jobs:job-detail", args=[job.pk]))
    assert (
        "CoNLL has no place for a layer name" in page.text and "data-job-download" not in page.text
    )
