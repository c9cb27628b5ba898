"""Document.objects.opened_by (the one-query look-up every workspace and curation write
starts with) follows visible_to's rule for every kind of user, and builds the same
instances the ORM builds."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser

from newsreview.documents.models import Document
from newsreview.projects.models import AssignmentMode, Membership

from ..factories import (
    AssignmentFactory,
    DocumentFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
)

Role = Membership.Role


@pytest.fixture
def world(db):
    open_project = ProjectFactory(slug="open")
    assigned_project = ProjectFactory(slug="assigned", assignment_mode=AssignmentMode.ASSIGNED)
    users = {
        "superuser": UserFactory(is_superuser=True, is_staff=True),
        "stranger": UserFactory(),
        "inactive": UserFactory(is_active=False),
        "annotator": UserFactory(),
        "reviewer": UserFactory(),
        "manager": UserFactory(),
    }
    for project in (open_project, assigned_project):
        for name, role in (
            ("annotator", Role.ANNOTATOR),
            ("reviewer", Role.REVIEWER),
            ("manager", Role.MANAGER),
            ("inactive", Role.ANNOTATOR),
        ):
            MembershipFactory(project=project, user=users[name], role=role)
    documents = [
        DocumentFactory(
            project=open_project,
            metadata={"source": "وكالة", "n": 3},
            published_on=datetime.date(2024, 5, 1),
        ),
        DocumentFactory(project=assigned_project),  # assigned to the annotator
        DocumentFactory(project=assigned_project),  # assigned to nobody
    ]
    AssignmentFactory(document=documents[1], annotator=users["annotator"])
    return users, documents


@pytest.mark.django_db
@pytest.mark.parametrize(
    "who", ["superuser", "stranger", "inactive", "annotator", "reviewer", "manager", "anonymous"]
)
def test_opened_by_sees_exactly_what_visible_to_sees(world, who):
    users, documents = world
    user = AnonymousUser() if who == "anonymous" else users[who]
    visible = set(Document.objects.visible_to(user).values_list("pk", flat=True))
    for document in documents:
        opened = Document.objects.opened_by(user, document.project.slug, document.pk)
        assert (opened is not None) == (document.pk in visible), (who, document.pk)
        # The slug must match the document's own project.
        other = "assigned" if document.project.slug == "open" else "open"
        assert Document.objects.opened_by(user, other, document.pk) is None


@pytest.mark.django_db
def test_opened_by_carries_the_role_and_is_the_orm_row(world):
    users, documents = world
    document = documents[0]
    expected = Document.objects.select_related("project__schema").get(pk=document.pk)
    roles = (("annotator", "annotator"), ("reviewer", "reviewer"), ("superuser", "manager"))
    for who, role in roles:
        opened = Document.objects.opened_by(users[who], "open", document.pk)
        assert opened.project.role == role
    for model_a, model_b in (
        (opened, expected),
        (opened.project, expected.project),
        (opened.project.schema, expected.project.schema),
    ):
        for field in type(model_b)._meta.concrete_fields:
            assert getattr(model_a, field.attname) == getattr(model_b, field.attname), field.name
    assert opened.metadata == {"source": "وكالة", "n": 3}
    assert opened.published_on == datetime.date(2024, 5, 1)
    assert isinstance(opened.created_at, datetime.datetime) and opened.created_at.tzinfo
    assert opened.project.snap_to_words is expected.project.snap_to_words
    assert not opened._state.adding


@pytest.mark.django_db
def test_opened_by_refuses_a_missing_document(world):
    users, documents = world
    assert Document.objects.opened_by(users["superuser"], "open", 10**12) is None
