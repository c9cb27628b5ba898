"""The document list (the project page): filters, the managers' assignment tools and
the progress bars (issue 11)."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from newsreview.annotations import services as annotate
from newsreview.annotations.models import AnnotationLayer
from newsreview.projects.models import Assignment
from tests.factories import DocumentFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def list_url(project, **query):
    url = reverse("documents:document-list", args=[project.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def ids(response):
    return [d.pk for d in response.context["page"]]


@pytest.fixture
def docs(project, annotator, other_annotator):
    """Three documents: d0 annotator1 submitted with PERS; d1 annotator2 in progress with
    GPE; d2 untouched, published 2024-12-15."""
    d0, d1, d2 = (DocumentFactory(project=project, external_id=f"d{n}") for n in range(3))
    layer = annotate.get_or_create_layer(document=d0, user=annotator)
    annotate.add_span(layer=layer, start=43, end=48, label="PERS", by=annotator)
    annotate.set_layer_status(layer=layer, status=AnnotationLayer.Status.DONE, by=annotator)
    layer = annotate.get_or_create_layer(document=d1, user=other_annotator)
    annotate.add_span(layer=layer, start=43, end=48, label="GPE", by=other_annotator)
    d2.published_on = date(2024, 12, 15)
    d2.save()
    return d0, d1, d2


def test_status_filter_uses_the_annotators_own_layer(client, annotator, docs):
    d0, d1, d2 = docs
    client.force_login(annotator)
    project = d0.project
    assert ids(client.get(list_url(project, status="done"))) == [d0.pk]
    assert ids(client.get(list_url(project, status="new"))) == [d1.pk, d2.pk]


def test_reviewer_filters_by_annotator_and_status(client, reviewer, other_annotator, docs):
    d0, d1, _d2 = docs
    client.force_login(reviewer)
    project = d0.project
    assert ids(client.get(list_url(project, status="in_progress"))) == [d1.pk]
    response = client.get(list_url(project, annotator=other_annotator.pk))
    assert ids(response) == [d1.pk]


def test_label_filter_finds_documents_with_that_label(client, reviewer, docs):
    d0, d1, _d2 = docs
    client.force_login(reviewer)
    assert ids(client.get(list_url(d0.project, label="GPE"))) == [d1.pk]
    assert ids(client.get(list_url(d0.project, label="PERS"))) == [d0.pk]


def test_an_annotator_label_filter_reads_only_their_own_layer(client, annotator, docs):
    d0, _d1, _d2 = docs
    client.force_login(annotator)
    assert ids(client.get(list_url(d0.project, label="GPE"))) == []


def test_date_filter_uses_the_publication_date(client, reviewer, docs):
    _d0, _d1, d2 = docs
    client.force_login(reviewer)
    response = client.get(list_url(d2.project, date_from="2024-12-15", date_to="2024-12-15"))
    assert ids(response) == [d2.pk]


def test_bad_filter_values_are_reported_not_a_500(client, reviewer, docs):
    client.force_login(reviewer)
    response = client.get(list_url(docs[0].project, date_from="tomorrow", status="bogus"))
    assert response.status_code == 200
    assert "is not a date" in response.content.decode()
    assert "Unknown status" in response.content.decode()


def test_manager_assigns_selected_documents_from_the_list(client, manager, annotator, docs):
    d0, d1, _d2 = docs
    client.force_login(manager)
    url = reverse("documents:assignment-update", args=[d0.project.slug])
    response = client.post(
        url,
        {"action": "assign", "documents": [d0.pk, d1.pk], "annotators": [annotator.pk],
         "return_query": "status=new&evil=https://x.example"},
    )  # fmt: skip
    assert response.status_code == 302
    assert response.url == list_url(d0.project, status="new")
    assert set(Assignment.objects.values_list("document_id", flat=True)) == {d0.pk, d1.pk}
    page = client.get(list_url(d0.project))
    assert "annotator1" in page.content.decode()
    response = client.post(
        url, {"action": "unassign", "documents": [d0.pk], "annotators": [annotator.pk]}
    )
    assert list(Assignment.objects.values_list("document_id", flat=True)) == [d1.pk]


def test_assigning_another_projects_document_is_422_and_changes_nothing(
    client, manager, annotator, docs
):
    stranger = DocumentFactory(project=ProjectFactory(slug="elsewhere"))
    client.force_login(manager)
    response = client.post(
        reverse("documents:assignment-update", args=[docs[0].project.slug]),
        {"action": "assign", "documents": [stranger.pk], "annotators": [annotator.pk]},
    )
    assert response.status_code == 422
    assert not Assignment.objects.exists()


def test_manager_runs_automatic_assignment_from_the_project_page(
    client, manager, annotator, other_annotator, docs
):
    client.force_login(manager)
    response = client.post(
        reverse("documents:assignment-auto", args=[docs[0].project.slug]), {"per_document": 2}
    )
    assert response.status_code == 302
    assert Assignment.objects.count() == 6
    response = client.post(
        reverse("documents:assignment-auto", args=[docs[0].project.slug]), {"per_document": 5}
    )
    assert response.status_code == 422
    assert "between 1 and 2" in response.content.decode()


def test_progress_bars_count_each_state(client, reviewer, annotator, docs):
    client.force_login(reviewer)
    response = client.get(list_url(docs[0].project))
    bars = {bar.name: bar for bar in response.context["annotator_bars"]}
    assert bars["annotator1"].submitted == 1
    assert bars["annotator2"].in_progress == 1
    (project_bar,) = response.context["project_bars"]
    assert (project_bar.total, project_bar.submitted, project_bar.in_progress) == (3, 1, 1)
    assert project_bar.not_started == 1


def test_document_list_query_count_does_not_grow_with_documents(
    client, manager, annotator, project, django_assert_max_num_queries
):
    client.force_login(manager)
    documents = [DocumentFactory(project=project) for _ in range(3)]
    Assignment.objects.bulk_create([Assignment(document=d, annotator=annotator) for d in documents])
    with django_assert_max_num_queries(30) as small:
        client.get(list_url(project))
    more = [DocumentFactory(project=project) for _ in range(30)]
    Assignment.objects.bulk_create([Assignment(document=d, annotator=annotator) for d in more])
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(list_url(project))
