"""A small world for attack tests: project "news" with one user per role and one of each
annotation object (made through the services, so the audit trail is real), and project
"other" with the same objects, which nobody of "news" may reach."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction

from newsreview.annotations import services
from newsreview.annotations.models import AnnotationLayer, Argument, Comment, Event, Span
from newsreview.documents.models import Document
from newsreview.projects.models import Membership, Project
from newsreview.projects.services import install_default_schema
from tests.factories import (
    DocumentFactory,
    JobFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
)

ROLES = ("anonymous", "outsider", "annotator", "reviewer", "manager", "superuser")


@dataclass
class Objects:
    """One of each object inside one project."""

    project: Project
    document: Document
    layer: AnnotationLayer
    gold: AnnotationLayer
    span: Span
    trigger: Span
    event: Event
    argument: Argument
    comment: Comment
    gold_span: Span


@dataclass
class World:
    news: Objects
    other: Objects
    users: dict[str, Any] = field(default_factory=dict)
    # A finished background job of news's manager (jobs are personal: nobody else sees it).
    job: Any = None

    def user(self, role: str):
        return self.users[role]

    def kwargs(self, params: list[str], objects: Objects | None = None) -> dict[str, Any]:
        """URL kwargs from real objects; an unknown parameter name fails loudly so the
        table gets a value for it."""
        o = objects or self.news
        values = {
            "slug": o.project.slug,
            "document_id": o.document.pk,
            "layer_id": o.layer.pk,
            "span_id": o.span.pk,
            "event_id": o.event.pk,
            "argument_id": o.argument.pk,
            "comment_id": o.comment.pk,
            "user_id": self.users["annotator"].pk if o is self.news else self.users["outsider"].pk,
            "name": "schema.json",  # exports side file (jsonl format)
            "uidb64": "MQ",
            "token": "set-password",
            "job_id": self.job.pk if self.job else 0,
        }
        missing = [p for p in params if p not in values]
        if missing:
            pytest.fail(f"tests/security/conftest.py World.kwargs has no value for {missing}")
        return {p: values[p] for p in params}


def _fill(project: Project, annotator, reviewer) -> Objects:
    document = DocumentFactory(project=project, text=SEED_LINE)
    layer = services.get_or_create_layer(document=document, user=annotator)
    start = SEED_LINE.index("حموشي")
    span = services.add_span(
        layer=layer, start=start, end=start + len("حموشي"), label="PERS", by=annotator
    )
    trigger = services.add_span(layer=layer, start=0, end=5, label="CONTACT_MEET", by=annotator)
    argument = services.add_argument(
        layer=layer, event=trigger.event, role="PARTICIPANT", span=span, by=annotator
    )
    gold = services.get_or_create_named_layer(document=document, name="gold")
    gold_span = services.add_span(
        layer=gold, start=start, end=start + len("حموشي"), label="PERS", by=reviewer
    )
    comment = services.add_comment(layer=layer, text="راجع الحدود", by=reviewer, span=span)
    return Objects(
        project=project,
        document=document,
        layer=layer,
        gold=gold,
        span=span,
        trigger=trigger,
        event=trigger.event,
        argument=argument,
        comment=comment,
        gold_span=gold_span,
    )


SEED_LINE = "التقى المدير العام للأمن الوطني عبد اللطيف حموشي"


def build_world() -> World:
    schema = install_default_schema()
    news = ProjectFactory(slug="news", name="أخبار", schema=schema)
    users: dict[str, Any] = {"anonymous": None}
    for role in ("annotator", "reviewer", "manager"):
        users[role] = UserFactory(username=role)
        MembershipFactory(project=news, user=users[role], role=role)
    other = ProjectFactory(slug="other", name="Other", schema=schema)
    users["outsider"] = UserFactory(username="outsider")
    other_reviewer = UserFactory(username="other-reviewer")
    MembershipFactory(project=other, user=users["outsider"], role=Membership.Role.ANNOTATOR)
    MembershipFactory(project=other, user=other_reviewer, role=Membership.Role.REVIEWER)
    users["superuser"] = UserFactory(username="root", is_superuser=True, is_staff=True)
    return World(
        news=_fill(news, users["annotator"], users["reviewer"]),
        other=_fill(other, users["outsider"], other_reviewer),
        users=users,
        job=JobFactory(user=users["manager"], project=news, done=True),
    )


@pytest.fixture(scope="module")
def _module_world(django_db_setup, django_db_blocker):
    """Built once per module inside a transaction that is rolled back at the end; each
    test runs in its own savepoint inside it (pytest-django's `db`), so what a test
    writes disappears before the next one. Building it per test took most of the time."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def world(_module_world, db) -> World:
    return _module_world
