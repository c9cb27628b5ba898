"""Project-wide label-all-mentions as a background job: started from the dialog, polled
for progress, then the same preview (read from the job's stored JSON result), scoped to
its owner and to the documents the owner may annotate."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from newsreview.annotations import services
from newsreview.annotations.models import Span
from newsreview.arabic.tasks import mentions_result
from newsreview.jobs.models import Job
from newsreview.jobs.services import read_progress
from newsreview.projects.models import AssignmentMode
from tests.factories import DocumentFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def labelled(seed_document, annotator):
    layer = services.get_or_create_layer(document=seed_document, user=annotator)
    start = seed_document.text.index("حموشي")
    span = services.add_span(layer=layer, start=start, end=start + 5, label="PERS", by=annotator)
    layer.refresh_from_db()
    return layer, span


def start_url(document):
    return reverse("arabic:mentions-project", args=[document.project.slug, document.pk])


def job_url(document, job):
    return reverse("arabic:mentions-job", args=[document.project.slug, document.pk, job.pk])


def test_starting_the_project_search_runs_a_mentions_job_with_a_json_result(
    client, labelled, seed_document, annotator, project
):
    _layer, span = labelled
    DocumentFactory(project=project, title="خبر آخر", text="وصل حموشي\nثم غادر حمّوشي")
    client.force_login(annotator)
    response = client.post(start_url(seed_document), {"span": span.pk}, headers=HTMX)
    assert response.status_code == 200
    job = Job.objects.get()
    assert (job.kind, job.status, job.user) == (Job.Kind.MENTIONS, Job.Status.DONE, annotator)
    assert job.params == {"document": seed_document.pk, "span": span.pk}
    # The answer is the progress fragment, polling the job's URL.
    assert f'data-mentions-job="{job.pk}"' in response.text
    assert f'hx-get="{job_url(seed_document, job)}"' in response.text
    found = mentions_result(job)
    assert len(found) == 7  # 5 more in the seed article, 2 in the other document
    assert "7 mentions found." in job.message
    assert read_progress(job.pk) is None  # the progress file goes when the job ends


def test_the_job_reports_progress_through_the_documents(labelled, annotator, project):
    from newsreview.arabic.tasks import find_project_mentions

    _layer, span = labelled
    for n in range(3):
        DocumentFactory(project=project, text=f"خبر {n}: وصل حموشي")
    reports = []
    find_project_mentions(
        span_id=span.pk, user_id=annotator.pk, report=lambda d, t: reports.append((d, t))
    )
    assert reports[0] == (0, 3) and reports[-1] == (3, 3)


def test_polling_the_finished_job_shows_the_preview_with_checkboxes(
    client, labelled, seed_document, annotator, project
):
    layer, span = labelled
    other = DocumentFactory(project=project, title="خبر آخر", text="وصل حموشي")
    client.force_login(annotator)
    client.post(start_url(seed_document), {"span": span.pk}, headers=HTMX)
    job = Job.objects.get()
    response = client.get(job_url(seed_document, job), headers=HTMX)
    assert response.status_code == 200
    assert response.text.startswith('<div id="mentions-body"')
    assert response.text.count('name="mention"') == 6
    assert f'value="{other.pk}:' in response.text
    assert 'name="scope" value="project"' in response.text
    assert f'name="version" value="{layer.version}"' in response.text
    # Without htmx: a page with the same preview.
    page = client.get(job_url(seed_document, job))
    assert "<html" in page.text and page.text.count('name="mention"') == 6


def test_accepting_some_of_the_jobs_mentions_labels_them(
    client, labelled, seed_document, annotator, project
):
    layer, span = labelled
    other = DocumentFactory(project=project, title="خبر آخر", text="وصل حموشي")
    client.force_login(annotator)
    client.post(start_url(seed_document), {"span": span.pk}, headers=HTMX)
    preview = client.get(job_url(seed_document, Job.objects.get()), headers=HTMX).text
    keys = [part.split('"')[0] for part in preview.split('name="mention" value="')[1:]]
    chosen = [keys[0], next(k for k in keys if k.startswith(f"{other.pk}:"))]
    response = client.post(
        reverse("arabic:mentions-apply", args=[project.slug, seed_document.pk]),
        {"span": span.pk, "version": layer.version, "scope": "project", "mention": chosen},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert Span.objects.filter(layer__owner=annotator).count() == 3
    assert Span.objects.filter(layer__document=other).count() == 1


def test_a_running_job_shows_its_progress_and_polls(
    client, labelled, seed_document, annotator, project
):
    from newsreview.jobs.services import write_progress

    _layer, span = labelled
    job = Job.objects.create(
        user=annotator,
        project=project,
        kind=Job.Kind.MENTIONS,
        status=Job.Status.RUNNING,
        title="t",
        params={"document": seed_document.pk, "span": span.pk},
    )
    write_progress(job.pk, {"stage": "mentions", "done": 500, "total": 2000, "at": 9e12})
    client.force_login(annotator)
    response = client.get(job_url(seed_document, job), headers=HTMX)
    assert 'max="2000" value="500"' in response.text
    assert "500 of 2000" in response.text
    assert f'hx-get="{job_url(seed_document, job)}"' in response.text
    assert 'name="mention"' not in response.text


def test_a_failed_job_says_why_and_stops_polling(client, labelled, seed_document, annotator):
    _layer, span = labelled
    job = Job.objects.create(
        user=annotator,
        project=seed_document.project,
        kind=Job.Kind.MENTIONS,
        status=Job.Status.FAILED,
        title="t",
        message="Boom <b>",
        params={"document": seed_document.pk, "span": span.pk},
    )
    client.force_login(annotator)
    response = client.get(job_url(seed_document, job), headers=HTMX)
    assert "Boom &lt;b&gt;" in response.text
    assert "hx-get" not in response.text


def test_a_deleted_span_fails_the_job_with_a_message(labelled, seed_document, annotator):
    from newsreview.arabic.tasks import project_mentions_job
    from newsreview.jobs.services import start_job

    _layer, span = labelled
    params = {"document": seed_document.pk, "span": span.pk + 1000}
    job = start_job(
        user=annotator,
        project=seed_document.project,
        kind=Job.Kind.MENTIONS,
        title="t",
        params=params,
        task=project_mentions_job,
    )
    assert job.status == Job.Status.FAILED
    assert "does not exist" in job.message


def test_strangers_and_other_annotators_get_404(
    client, labelled, seed_document, annotator, other_annotator, outsider
):
    _layer, span = labelled
    client.force_login(annotator)
    client.post(start_url(seed_document), {"span": span.pk}, headers=HTMX)
    job = Job.objects.get()
    for user in (other_annotator, outsider):
        client.force_login(user)
        assert client.get(job_url(seed_document, job), headers=HTMX).status_code == 404
        started = client.post(start_url(seed_document), {"span": span.pk}, headers=HTMX)
        assert started.status_code == 404
        assert client.get(reverse("jobs:job-detail", args=[job.pk])).status_code == 404
    assert Job.objects.count() == 1


def test_the_job_url_of_another_document_is_404(
    client, labelled, seed_document, annotator, project
):
    _layer, span = labelled
    other = DocumentFactory(project=project, text="نص")
    client.force_login(annotator)
    client.post(start_url(seed_document), {"span": span.pk}, headers=HTMX)
    assert client.get(job_url(other, Job.objects.get()), headers=HTMX).status_code == 404


def test_start_needs_post_and_a_span(client, labelled, seed_document, annotator):
    client.force_login(annotator)
    assert client.get(start_url(seed_document)).status_code == 405
    assert client.post(start_url(seed_document), {"span": "x"}, headers=HTMX).status_code == 400
    assert Job.objects.count() == 0


def test_the_job_only_finds_documents_the_user_may_annotate(
    client, labelled, seed_document, annotator, project
):
    from newsreview.projects.models import Assignment

    _layer, span = labelled
    project.assignment_mode = AssignmentMode.ASSIGNED
    project.save()
    Assignment.objects.create(document=seed_document, annotator=annotator)
    mine = DocumentFactory(project=project, text="وصل حموشي")
    Assignment.objects.create(document=mine, annotator=annotator)
    not_mine = DocumentFactory(project=project, text="وصل حموشي")
    client.force_login(annotator)
    client.post(start_url(seed_document), {"span": span.pk}, headers=HTMX)
    found = mentions_result(Job.objects.get())
    documents = {m.document_id for m in found}
    assert mine.pk in documents and not_mine.pk not in documents
    assert json.loads(json.dumps([m.key for m in found]))


def test_accepting_a_mention_in_a_document_not_mine_is_refused(
    client, labelled, seed_document, annotator, project
):
    from newsreview.projects.models import Assignment

    layer, span = labelled
    project.assignment_mode = AssignmentMode.ASSIGNED
    project.save()
    Assignment.objects.create(document=seed_document, annotator=annotator)
    not_mine = DocumentFactory(project=project, text="وصل حموشي")
    start = not_mine.text.index("حموشي")
    client.force_login(annotator)
    response = client.post(
        reverse("arabic:mentions-apply", args=[project.slug, seed_document.pk]),
        {
            "span": span.pk,
            "version": layer.version,
            "scope": "project",
            "mention": [f"{not_mine.pk}:{start}:{start + 5}"],
        },
        headers=HTMX,
    )
    assert response.status_code == 422
    assert not Span.objects.filter(layer__document=not_mine).exists()
