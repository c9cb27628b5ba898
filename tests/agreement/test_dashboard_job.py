"""The dashboard's figures as a background job: a cold cache starts a job (its progress
polled by htmx), a warm one answers at once; the job's figures reach the web process
through the shared cache (test_shared_cache.py: from a worker process); only the job's
owner may poll it."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from newsreview.agreement.services import compute_agreement
from newsreview.agreement.tasks import dashboard_figures_job
from newsreview.documents.services import create_document
from newsreview.jobs.models import Job
from newsreview.jobs.services import write_progress

from .conftest import HEADLINE, layer_with

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
ALICE = [("حموشي", "PERS"), ("المغرب", "GPE"), ("فرنسا", "GPE"), ("باريس", "GPE")]
BOB = [("حموشي", "PERS"), ("المغرب", "ORG"), ("بفرنسا", "GPE")]


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def annotated(project, team, headline_doc):
    layer_with(headline_doc, team["alice"], ALICE)
    layer_with(headline_doc, team["bob"], BOB)
    return headline_doc


@pytest.fixture
def queued_only(settings):
    # The database backend with no worker running: the job waits, as in production
    # before a worker takes it.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def url(project, query=""):
    return reverse("agreement:dashboard", args=[project.slug]) + query


def job_url(project, job):
    return reverse("agreement:dashboard-job", args=[project.slug, job.pk])


def test_a_cold_dashboard_computes_in_a_job_and_a_warm_one_starts_none(
    client, project, team, annotated
):
    client.force_login(team["rev"])
    response = client.get(url(project))
    assert response.status_code == 200
    job = Job.objects.get()
    assert (job.kind, job.status, job.user) == (Job.Kind.AGREEMENT, Job.Status.DONE, team["rev"])
    assert "F1 per label" in response.text
    assert job.message == "Agreement over 1 documents computed."
    client.get(url(project))
    assert Job.objects.count() == 1


def test_a_queued_job_shows_computing_and_polls_then_the_figures(
    client, project, team, annotated, queued_only
):
    client.force_login(team["rev"])
    response = client.get(url(project, "?date_from=2000-01-01"))
    assert response.status_code == 200
    job = Job.objects.get()
    assert job.status == Job.Status.QUEUED
    assert "Computing the figures" in response.text
    assert f'hx-get="{job_url(project, job)}"' in response.text
    assert "F1 per label" not in response.text
    # Opening the page again while it waits starts no second job.
    client.get(url(project, "?date_from=2000-01-01"))
    assert Job.objects.count() == 1
    poll = client.get(job_url(project, job), headers=HTMX)
    assert poll.text.lstrip().startswith('<section id="dashboard-computing"')
    assert "Waiting for a worker" in poll.text

    dashboard_figures_job.func(job_id=job.pk)  # what the worker does (into the shared cache)
    done = client.get(job_url(project, job), headers=HTMX)
    assert done["HX-Redirect"] == url(project, "?date_from=2000-01-01")
    page = client.get(url(project, "?date_from=2000-01-01"))
    assert "F1 per label" in page.text
    assert Job.objects.count() == 1


def test_a_running_job_shows_how_many_documents_are_done(client, project, team, queued_only):
    client.force_login(team["rev"])
    client.get(url(project))
    job = Job.objects.get()
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING)
    write_progress(job.pk, {"stage": "agreement", "done": 300, "total": 1200, "at": 9e12})
    poll = client.get(job_url(project, job), headers=HTMX)
    assert 'max="1200" value="300"' in poll.text
    assert "300 of 1200 documents" in poll.text
    assert "hx-get" in poll.text


def test_a_failed_job_says_why_and_offers_to_try_again(client, project, team, queued_only):
    client.force_login(team["rev"])
    client.get(url(project))
    job = Job.objects.get()
    Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED, message="Out of <memory>")
    poll = client.get(job_url(project, job), headers=HTMX)
    assert "Out of &lt;memory&gt;" in poll.text
    assert "hx-get" not in poll.text
    assert "Try again" in poll.text


def test_only_the_jobs_owner_may_poll_it(
    client, project, team, manager, annotator, outsider, queued_only
):
    client.force_login(team["rev"])
    client.get(url(project))
    job = Job.objects.get()
    client.force_login(manager)  # may see the dashboard, not another person's job
    assert client.get(job_url(project, job), headers=HTMX).status_code == 404
    assert client.get(reverse("jobs:job-detail", args=[job.pk])).status_code == 404
    client.force_login(annotator)
    assert client.get(job_url(project, job), headers=HTMX).status_code == 403
    client.force_login(outsider)
    assert client.get(job_url(project, job), headers=HTMX).status_code == 404


def test_the_figures_file_is_not_offered_for_download(client, project, team, annotated):
    client.force_login(team["rev"])
    client.get(url(project))
    job = Job.objects.get()
    assert client.get(reverse("jobs:job-download", args=[job.pk])).status_code == 404
    assert "Download" not in client.get(reverse("jobs:job-detail", args=[job.pk])).text


def test_agreement_reports_progress_per_chunk(project, team):
    for n in range(5):
        document = create_document(project=project, text=HEADLINE + " " * n, external_id=f"a{n}")
        layer_with(document, team["alice"], ALICE)
        layer_with(document, team["bob"], BOB)
    reports = []
    compute_agreement(project, chunk_size=2, progress=lambda d, t: reports.append((d, t)))
    assert reports == [(0, 5), (2, 5), (4, 5), (5, 5)]
