"""Review in the Django admin: status column, approve/reopen actions through the services,
the timeline inline, project scoping for staff managers."""

from __future__ import annotations

import pytest
from django.urls import reverse

from newsreview.annotations.models import AnnotationLayer
from newsreview.review import merge, services
from newsreview.review.models import ReviewDocument
from tests.factories import DocumentFactory, MembershipFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def changelist():
    return reverse("admin:review_reviewdocument_changelist")


def decide_everything(document, by):
    services.start_review(document=document, by=by)
    layers = services.read_layers(document)
    for group in merge.merge(layers.inputs).groups:
        services.reject_group(document=document, group=group.id, by=by)


def test_changelist_shows_review_status_and_links_the_curation_page(client, scenario, admin_user):
    client.force_login(admin_user)
    html = client.get(changelist()).content.decode()
    assert "Ready for review" in html
    assert "2 / 2" in html
    assert reverse("review:review", args=["news", scenario.a1.document.pk]) in html


def test_approve_action_refuses_with_open_groups_then_approves(client, scenario, admin_user):
    document = scenario.a1.document
    client.force_login(admin_user)
    data = {"action": "approve", "_selected_action": [document.pk]}
    response = client.post(changelist(), data, follow=True)
    assert "still undecided" in response.content.decode()
    assert not AnnotationLayer.objects.filter(kind="gold", status="reviewed").exists()
    decide_everything(document, admin_user)
    response = client.post(changelist(), data, follow=True)
    assert "1 document approved." in response.content.decode()
    assert AnnotationLayer.objects.get(kind="gold").status == "reviewed"
    data["action"] = "reopen"
    response = client.post(changelist(), data, follow=True)
    assert "1 document reopened." in response.content.decode()
    assert AnnotationLayer.objects.get(kind="gold").status == "in_progress"


def test_change_page_shows_the_timeline_inline(client, scenario, admin_user):
    client.force_login(admin_user)
    url = reverse("admin:review_reviewdocument_change", args=[scenario.a1.document.pk])
    html = client.get(url).content.decode()
    assert "Timeline" in html
    assert html.count("Submitted") >= 2


def test_a_staff_manager_sees_only_their_projects_documents(client, scenario):
    other = ProjectFactory(slug="elsewhere", schema=scenario.a1.document.project.schema)
    DocumentFactory(project=other, title="not yours")
    manager = UserFactory(username="boss", is_staff=True)
    MembershipFactory(project=scenario.a1.document.project, user=manager, role="manager")
    from django.contrib.auth.models import Permission

    manager.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="review", codename__startswith="view")
    )
    client.force_login(manager)
    html = client.get(changelist()).content.decode()
    assert scenario.a1.document.title[:20] in html
    assert "not yours" not in html
    assert ReviewDocument.objects.count() == 2


def test_factories_make_valid_review_rows():
    from newsreview.review.models import Transition
    from tests.factories import DecisionFactory, TransitionFactory

    decision = DecisionFactory()
    decision.full_clean()
    transition = TransitionFactory()
    assert Transition.objects.get(pk=transition.pk).to_label == "Submitted"
