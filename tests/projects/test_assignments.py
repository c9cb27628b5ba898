"""Assignment services and the `assign` command: by hand, balanced automatically, and
unassigning that keeps the annotator's work."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from newsreview.annotations import services as annotate
from newsreview.annotations.models import AnnotationLayer, Span
from newsreview.projects.assignments import (
    assign_documents,
    auto_assign,
    open_load,
    unassign_documents,
)
from newsreview.projects.models import Assignment, Membership
from newsreview.projects.services import ProjectError
from tests.factories import DocumentFactory, MembershipFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def annotators(project):
    users = []
    for name in ("a1", "a2", "a3"):
        user = UserFactory(username=name)
        MembershipFactory(project=project, user=user, role=Membership.Role.ANNOTATOR)
        users.append(user)
    return users


@pytest.fixture
def documents(project):
    return [DocumentFactory(project=project, external_id=f"d{n}") for n in range(10)]


def loads(project):
    return {
        name: Assignment.objects.filter(document__project=project, annotator__username=name).count()
        for name in ("a1", "a2", "a3")
    }


def test_auto_assign_gives_each_document_n_distinct_annotators_with_even_load(
    project, annotators, documents, manager
):
    result = auto_assign(project=project, per_document=2, by=manager)
    assert result.assignments == 20
    assert result.documents == 10
    for document in documents:
        names = list(document.assignments.values_list("annotator__username", flat=True))
        assert len(names) == len(set(names)) == 2
    counts = loads(project)
    assert sum(counts.values()) == 20
    assert max(counts.values()) - min(counts.values()) <= 1


def test_auto_assign_balances_against_the_current_open_load(
    project, annotators, documents, manager
):
    a1, a2, a3 = annotators
    assign_documents(project=project, documents=documents[:4], annotators=[a1], by=manager)
    result = auto_assign(project=project, per_document=1, by=manager)
    # a1 already holds 4 open documents: the 6 unassigned ones go to a2 and a3.
    assert result.load_before == {"a1": 4, "a2": 0, "a3": 0}
    assert loads(project) == {"a1": 4, "a2": 3, "a3": 3}


def test_submitted_documents_do_not_count_as_open_load(project, annotators, documents, manager):
    a1, a2, _a3 = annotators
    assign_documents(project=project, documents=documents[:4], annotators=[a1], by=manager)
    for document in documents[:4]:
        layer = annotate.get_or_create_layer(document=document, user=a1)
        annotate.set_layer_status(layer=layer, status=AnnotationLayer.Status.DONE, by=a1)
    assert open_load(project, [a1, a2]) == {a1.pk: 0, a2.pk: 0}


def test_auto_assign_only_tops_up_documents_that_lack_annotators(
    project, annotators, documents, manager
):
    a1, a2, a3 = annotators
    assign_documents(project=project, documents=[documents[0]], annotators=[a1, a2], by=manager)
    auto_assign(project=project, per_document=2, by=manager)
    assert set(documents[0].assignments.values_list("annotator__username", flat=True)) == {
        "a1",
        "a2",
    }
    assert Assignment.objects.filter(document__project=project).count() == 20


def test_auto_assign_with_chosen_annotators_leaves_the_others_out(
    project, annotators, documents, manager
):
    a1, _a2, a3 = annotators
    auto_assign(project=project, per_document=1, annotators=[a1, a3], by=manager)
    assert loads(project) == {"a1": 5, "a2": 0, "a3": 5}


def test_auto_assign_refuses_more_annotators_per_document_than_there_are(
    project, annotators, documents, manager
):
    with pytest.raises(ProjectError) as error:
        auto_assign(project=project, per_document=4, by=manager)
    assert error.value.code == "bad_count"
    assert not Assignment.objects.exists()


def test_only_managers_assign(project, annotators, documents, reviewer):
    with pytest.raises(ProjectError) as error:
        assign_documents(
            project=project, documents=documents[:1], annotators=annotators[:1], by=reviewer
        )
    assert error.value.code == "forbidden"
    with pytest.raises(ProjectError):
        auto_assign(project=project, per_document=1, by=reviewer)
    assert not Assignment.objects.exists()


def test_assigning_another_projects_document_changes_nothing(project, annotators, manager):
    stranger = DocumentFactory(project=ProjectFactory(slug="elsewhere"))
    mine = DocumentFactory(project=project)
    with pytest.raises(ProjectError) as error:
        assign_documents(
            project=project, documents=[mine, stranger], annotators=annotators, by=manager
        )
    assert error.value.code == "not_in_project"
    assert not Assignment.objects.exists()


def test_assigning_a_non_member_changes_nothing(project, documents, manager):
    outsider = UserFactory(username="nobody")
    with pytest.raises(ProjectError) as error:
        assign_documents(project=project, documents=documents, annotators=[outsider], by=manager)
    assert error.value.code == "not_a_member"
    assert not Assignment.objects.exists()


def test_assigning_twice_keeps_one_assignment(project, annotators, documents, manager):
    a1 = annotators[0]
    assert assign_documents(project=project, documents=documents, annotators=[a1], by=manager) == 10
    assert assign_documents(project=project, documents=documents, annotators=[a1], by=manager) == 0
    assert Assignment.objects.count() == 10


def test_unassigning_keeps_the_annotators_layer_and_spans(project, annotators, manager):
    a1 = annotators[0]
    document = DocumentFactory(project=project)
    assign_documents(project=project, documents=[document], annotators=[a1], by=manager)
    layer = annotate.get_or_create_layer(document=document, user=a1)
    annotate.add_span(layer=layer, start=43, end=48, label="PERS", by=a1)
    removed = unassign_documents(project=project, documents=[document], annotators=[a1], by=manager)
    assert removed == 1
    assert not Assignment.objects.exists()
    assert AnnotationLayer.objects.filter(pk=layer.pk).exists()
    assert Span.objects.filter(layer=layer).count() == 1


def test_assign_command_balances_and_reports(project, annotators, documents):
    out = io.StringIO()
    call_command(
        "assign", "--project", project.slug, "--per-document", "1", "--annotators", "a2,a3",
        stdout=out,
    )  # fmt: skip
    assert loads(project) == {"a1": 0, "a2": 5, "a3": 5}
    assert "10 assignment(s) over 10 document(s)" in out.getvalue()


def test_assign_command_refuses_an_unknown_annotator(project, annotators, documents):
    with pytest.raises(CommandError, match="nobody is not a member"):
        call_command(
            "assign", "--project", project.slug, "--per-document", "1", "--annotators", "nobody"
        )
    with pytest.raises(CommandError, match="no project"):
        call_command("assign", "--project", "missing", "--per-document", "1")
    assert not Assignment.objects.exists()
