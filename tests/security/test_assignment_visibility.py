"""Assigned mode (issue 11): an annotator sees and opens only the documents assigned to
them. Every URL that names a document is a 404 for them otherwise, the lists and the
queue skip it, and exports stay out of their reach."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from newsreview.annotations.context import annotate_context, next_to_do
from newsreview.projects.assignments import assign_documents, unassign_documents
from newsreview.projects.models import AssignmentMode
from tests.factories import DocumentFactory
from tests.security.conftest import World
from tests.security.test_permission_matrix import QUERY, ROUTES, database_state, url_for

DOCUMENT_ROUTES = [r for r in ROUTES if "document_id" in r.params]


def assigned_mode(world: World) -> None:
    project = world.news.project
    project.assignment_mode = AssignmentMode.ASSIGNED
    project.save(update_fields=["assignment_mode"])


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_every_document_url_is_covered():
    names = {r.name for r in DOCUMENT_ROUTES}
    assert {"annotations:annotate", "documents:document-detail", "annotations:span-create"} <= names


@pytest.mark.parametrize("method", ("GET", "POST"))
@pytest.mark.parametrize("route", DOCUMENT_ROUTES, ids=lambda r: r.name)
def test_unassigned_document_is_404_for_an_annotator_in_assigned_mode(world, route, method):
    assigned_mode(world)
    url = url_for(world, route)
    before = database_state()
    response = client_of(world.user("annotator")).generic(method, url)
    if response.status_code == 405:
        return  # the other method of this URL: refused before any lookup
    assert response.status_code == 404, f"{method} {url}: {response.status_code}"
    assert database_state() == before


@pytest.mark.parametrize("route", DOCUMENT_ROUTES, ids=lambda r: r.name)
def test_assigned_document_opens_for_its_annotator(world, route):
    assigned_mode(world)
    assign_documents(
        project=world.news.project,
        documents=[world.news.document],
        annotators=[world.user("annotator")],
        by=world.user("manager"),
    )
    overrides = {}
    if route.name == "arabic:mentions-job":
        # A job is its owner's only: this one must be the annotator's own.
        from newsreview.jobs.models import Job
        from tests.factories import JobFactory

        job = JobFactory(
            user=world.user("annotator"),
            project=world.news.project,
            kind=Job.Kind.MENTIONS,
            params={"document": world.news.document.pk, "span": world.news.span.pk},
        )
        overrides = {"job_id": job.pk}
    for method in ("GET", "POST"):
        url = url_for(world, route, overrides=overrides)
        response = client_of(world.user("annotator")).generic(method, url)
        assert response.status_code != 404, f"{method} {route.name}"


@pytest.mark.parametrize("role", ("reviewer", "manager", "superuser"))
def test_reviewers_and_managers_see_every_document_in_assigned_mode(world, role):
    assigned_mode(world)
    url = reverse("annotations:annotate", args=["news", world.news.document.pk])
    assert client_of(world.user(role)).get(url).status_code == 200


def test_open_mode_lets_any_annotator_open_any_document(world):
    url = reverse("annotations:annotate", args=["news", world.news.document.pk])
    assert client_of(world.user("annotator")).get(url).status_code == 200


def test_unassigning_hides_the_document_again_but_keeps_the_layer(world):
    assigned_mode(world)
    annotator, manager = world.user("annotator"), world.user("manager")
    project, document = world.news.project, world.news.document
    assign_documents(project=project, documents=[document], annotators=[annotator], by=manager)
    unassign_documents(project=project, documents=[document], annotators=[annotator], by=manager)
    url = reverse("documents:document-detail", args=["news", document.pk])
    assert client_of(annotator).get(url).status_code == 404
    world.news.layer.refresh_from_db()  # still there, with its spans
    assert world.news.layer.spans.count() == 2


def test_document_list_shows_an_annotator_only_their_documents(world):
    assigned_mode(world)
    annotator, manager = world.user("annotator"), world.user("manager")
    mine = DocumentFactory(project=world.news.project, title="وثيقتي")
    assign_documents(
        project=world.news.project, documents=[mine], annotators=[annotator], by=manager
    )
    response = client_of(annotator).get(reverse("documents:document-list", args=["news"]))
    rows = [d.pk for d in response.context["page"]]
    assert rows == [mine.pk]
    assert response.context["progress"]["total"] == 1


@pytest.mark.parametrize(
    "name", ["exports:export", "exports:export-download", "exports:export-summary"]
)
def test_exports_stay_out_of_an_annotators_reach(world, name):
    assigned_mode(world)
    url = reverse(name, args=["news"])
    if name in QUERY:
        url += "?" + QUERY[name]
    assert client_of(world.user("annotator")).get(url).status_code == 403


def test_queue_and_next_to_do_follow_the_assignment(world):
    assigned_mode(world)
    annotator, manager = world.user("annotator"), world.user("manager")
    project = world.news.project
    first, skipped, last = (DocumentFactory(project=project) for _ in range(3))
    assign_documents(project=project, documents=[first, last], annotators=[annotator], by=manager)
    context = annotate_context(document=first, layer=None, user=annotator)
    assert context["next_id"] == last.pk
    assert context["next_to_do_id"] == last.pk
    assert context["progress"]["total"] == 2
    assert skipped.pk not in (context["previous_id"], context["next_id"])


def test_next_to_do_prefers_assigned_documents_in_open_mode(world):
    annotator, manager = world.user("annotator"), world.user("manager")
    project = world.news.project
    first, middle, assigned = (DocumentFactory(project=project) for _ in range(3))
    assign_documents(project=project, documents=[assigned], annotators=[annotator], by=manager)
    assert next_to_do(first, annotator) == assigned.pk
    # With no assignment left, the rest of the open project follows in id order.
    unassign_documents(project=project, documents=[assigned], annotators=[annotator], by=manager)
    assert next_to_do(first, annotator) == middle.pk
