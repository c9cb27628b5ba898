"""Assignments in the admin (issue 11): the document list's assign/unassign actions go
through the services; a staff manager sees and assigns only in their own projects."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from newsreview.annotations import services as annotate
from newsreview.annotations.models import AnnotationLayer
from newsreview.documents.models import Document
from newsreview.projects.models import Assignment
from tests.admin import test_admin_scoping as scoping
from tests.admin.test_admin import url

# The scoping tests' two projects and B's staff manager, reused as fixtures here.
alpha, beta, manager_client = scoping.alpha, scoping.beta, scoping.manager_client

pytestmark = pytest.mark.django_db


def test_assign_action_shows_a_choice_of_annotators_then_assigns(manager_client, beta, annotator):
    document = beta["document"]
    changelist = url(Document, "changelist")
    page = manager_client.post(
        changelist, {"action": "assign_to_annotators", ACTION_CHECKBOX_NAME: [document.pk]}
    )
    assert page.status_code == 200
    assert "annotator1" in page.content.decode()
    assert "alpha_annotator" not in page.content.decode()  # another project's member
    done = manager_client.post(
        changelist,
        {"action": "assign_to_annotators", ACTION_CHECKBOX_NAME: [document.pk], "apply": "1",
         "annotators": [annotator.pk]},
    )  # fmt: skip
    assert done.status_code == 302
    assert Assignment.objects.filter(document=document, annotator=annotator).exists()


def test_unassign_action_keeps_the_layer(manager_client, beta, annotator):
    document = beta["document"]
    Assignment.objects.create(document=document, annotator=annotator)
    annotate.add_span(layer=beta["layer"], start=43, end=48, label="PERS", by=annotator)
    manager_client.post(
        url(Document, "changelist"),
        {"action": "unassign_from_annotators", ACTION_CHECKBOX_NAME: [document.pk],
         "apply": "1", "annotators": [annotator.pk]},
    )  # fmt: skip
    assert not Assignment.objects.exists()
    assert AnnotationLayer.objects.get(pk=beta["layer"].pk).spans.count() == 1


def test_assignment_list_names_nothing_of_another_project(manager_client, alpha, beta, annotator):
    Assignment.objects.create(document=alpha["document"], annotator=alpha["annotator"])
    Assignment.objects.create(document=beta["document"], annotator=annotator)
    page = manager_client.get(url(Assignment, "changelist"))
    assert page.status_code == 200
    assert page.context["cl"].result_count == 1
    assert scoping.ALPHA_TITLE not in page.content.decode()
    assert "alpha_annotator" not in page.content.decode()


def test_deleting_an_assignment_in_the_admin_unassigns_through_the_service(
    manager_client,
    beta,
    annotator,
):
    assignment = Assignment.objects.create(document=beta["document"], annotator=annotator)
    response = manager_client.post(url(Assignment, "delete", assignment.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Assignment.objects.exists()
    assert AnnotationLayer.objects.filter(pk=beta["layer"].pk).exists()
