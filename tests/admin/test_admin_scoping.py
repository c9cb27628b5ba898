"""A staff member who manages project B (not a superuser, every model permission) works in
the admin on B only: every form refuses another project's rows, accounts and shared label
schemas are the superuser's, and no list or filter sidebar names another project. A
superuser still does everything."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from newsreview.accounts.models import User
from newsreview.annotations import services
from newsreview.annotations.models import (
    AnnotationLayer,
    Argument,
    Change,
    Comment,
    Event,
    Span,
)
from newsreview.documents.models import Document
from newsreview.projects.models import (
    EntityType,
    EventType,
    LabelSchema,
    Membership,
    Project,
    RoleType,
)
from tests.admin.test_admin import errors_of, form_data, url
from tests.factories import (
    SEED,
    DocumentFactory,
    EntityTypeFactory,
    EventTypeFactory,
    LabelSchemaFactory,
    MembershipFactory,
    ProjectFactory,
    RoleTypeFactory,
    UserFactory,
)

INVALID_CHOICE = "Select a valid choice"
# Whatever project A is called or contains: none of it may reach B's manager.
ALPHA_NAME = "مشروع ألف السري"
ALPHA_SCHEMA = "مخطط ألف"
ALPHA_TITLE = "وثيقة ألف السرية"
ALPHA_KEYS = ("ALPHA_PERSON", "ALPHA_MEET", "ALPHA_ROLE")
ALPHA_STRINGS = (ALPHA_NAME, ALPHA_SCHEMA, ALPHA_TITLE, *ALPHA_KEYS)

MODELS = [
    Project,
    Membership,
    LabelSchema,
    EntityType,
    EventType,
    RoleType,
    Document,
    AnnotationLayer,
    Span,
    Event,
    Argument,
    Comment,
    Change,
    User,
]


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture
def alpha(db) -> dict[str, Any]:
    """Project A with its own schema, a document, an annotator's layer, a span, an event
    and an argument: everything B's manager must not touch."""
    schema = LabelSchemaFactory(name=ALPHA_SCHEMA)
    person = EntityTypeFactory(schema=schema, key="ALPHA_PERSON", name_en="Alpha person")
    meet = EventTypeFactory(schema=schema, key="ALPHA_MEET", name_en="Alpha meeting")
    role = RoleTypeFactory(event_type=meet, key="ALPHA_ROLE", allowed=[person])
    project = ProjectFactory(slug="alpha", name=ALPHA_NAME, schema=schema)
    annotator = UserFactory(username="alpha_annotator")
    MembershipFactory(project=project, user=annotator)
    document = DocumentFactory(project=project, title=ALPHA_TITLE, text=SEED)
    layer = services.get_or_create_layer(document=document, user=annotator)
    span = services.add_span(layer=layer, start=43, end=48, label=person, by=annotator)
    trigger = services.add_span(layer=layer, start=0, end=5, label=meet, by=annotator)
    services.add_argument(layer=layer, event=trigger.event, role=role, span=span, by=annotator)
    return {
        "project": project,
        "schema": schema,
        "person": person,
        "meet": meet,
        "role": role,
        "annotator": annotator,
        "document": document,
        "layer": layer,
        "span": span,
        "event": trigger.event,
    }


@pytest.fixture
def beta(project, annotator) -> dict[str, Any]:
    """Project B (the default schema) with an unannotated document and a layer."""
    document = DocumentFactory(project=project, text=SEED)
    return {
        "project": project,
        "document": document,
        "layer": services.get_or_create_layer(document=document, user=annotator),
        "person": EntityType.objects.get(schema=project.schema, key="PERS"),
    }


@pytest.fixture
def manager_client(client, manager, alpha, beta):
    """Logged in as B's manager: staff, not superuser, holding every model permission."""
    manager.is_staff = True
    manager.save()
    manager.user_permissions.set(Permission.objects.all())
    client.force_login(manager)
    return client


@pytest.fixture
def superuser_client(client, alpha, beta):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def assert_refused(response: Any) -> None:
    """Refused by form validation (the page again, with the choice error) or outright."""
    if response.status_code == 200:
        assert INVALID_CHOICE in " ".join(errors_of(response))
    else:
        assert response.status_code in (403, 404), response.status_code


# --- forms refuse another project's rows --------------------------------------------------


def test_manager_cannot_add_a_span_to_a_layer_of_another_project(manager_client, alpha):
    before = counts()
    version = AnnotationLayer.objects.get(pk=alpha["layer"].pk).version
    response = manager_client.post(
        url(Span, "add"),
        {"layer": alpha["layer"].pk, "start": 32, "end": 42, "entity_type": alpha["person"].pk},
    )
    assert_refused(response)
    assert counts() == before
    assert AnnotationLayer.objects.get(pk=alpha["layer"].pk).version == version


def test_manager_cannot_comment_on_a_layer_of_another_project(manager_client, alpha):
    before = counts()
    response = manager_client.post(
        url(Comment, "add"), {"layer": alpha["layer"].pk, "text": "تعليق دخيل"}
    )
    assert_refused(response)
    assert counts() == before


def test_refused_span_id_of_another_project_is_not_named_on_the_comment_form(
    manager_client, alpha, beta
):
    before = counts()
    response = manager_client.post(
        url(Comment, "add"),
        {"layer": beta["layer"].pk, "span": alpha["span"].pk, "text": "تعليق"},
    )
    assert_refused(response)
    assert counts() == before
    # The raw id input would otherwise print the foreign span ("ALPHA_PERSON [43, 48)").
    assert "ALPHA_PERSON" not in response.text


def test_manager_cannot_add_a_layer_to_a_document_of_another_project(manager_client, alpha):
    before = counts()
    response = manager_client.post(
        url(AnnotationLayer, "add"),
        {"document": alpha["document"].pk, "kind": "gold", "name": ""},
    )
    assert_refused(response)
    assert counts() == before


def test_manager_cannot_give_a_layer_to_someone_in_none_of_their_projects(
    manager_client, alpha, beta
):
    before = counts()
    response = manager_client.post(
        url(AnnotationLayer, "add"),
        {"document": beta["document"].pk, "kind": "annotator", "owner": alpha["annotator"].pk},
    )
    assert_refused(response)
    assert counts() == before


def test_manager_cannot_add_a_document_to_another_project(manager_client, alpha):
    before = counts()
    response = manager_client.post(
        url(Document, "add"),
        {
            "project": alpha["project"].pk,
            "text": "نص دخيل",
            "language": "ar",
            "direction": "rtl",
            "metadata": "{}",
        },
    )
    assert_refused(response)
    assert counts() == before


def test_manager_cannot_add_an_argument_to_an_event_of_another_project(manager_client, alpha):
    trigger = alpha["event"].trigger
    services.delete_argument(
        layer=alpha["layer"], argument=Argument.objects.get().pk, by=alpha["annotator"]
    )
    before = counts()
    response = manager_client.post(
        url(Argument, "add"),
        {"event": alpha["event"].pk, "role": alpha["role"].pk, "span": alpha["span"].pk},
    )
    assert_refused(response)
    assert counts() == before
    assert str(trigger) not in response.text


def test_manager_cannot_add_a_member_to_another_project(manager_client, alpha, manager):
    before = counts()
    response = manager_client.post(
        url(Membership, "add"),
        {"project": alpha["project"].pk, "user": manager.pk, "role": "manager"},
    )
    assert_refused(response)
    assert counts() == before
    assert alpha["project"].role_of(manager) is None


def test_manager_cannot_switch_their_project_to_another_projects_schema(
    manager_client, alpha, beta
):
    project = beta["project"]
    post = form_data(manager_client.get(url(Project, "change", project.pk)))
    post["schema"] = alpha["schema"].pk
    response = manager_client.post(url(Project, "change", project.pk), post)
    assert_refused(response)
    assert Project.objects.get(pk=project.pk).schema_id == project.schema_id


# --- accounts and label schemas are the superuser's -------------------------------------


def test_manager_cannot_change_anyones_password_or_account(manager_client, alpha, manager):
    for user in (alpha["annotator"], manager):
        password_url = reverse("admin:auth_user_password_change", args=[user.pk])
        response = manager_client.post(
            password_url,
            {
                "password1": "taken-over-42!",
                "password2": "taken-over-42!",
                "usable_password": "true",
            },
        )
        assert response.status_code == 403
        response = manager_client.post(
            url(User, "change", user.pk),
            {"username": "renamed", "email": "attacker@example.com", "is_active": "on"},
        )
        assert response.status_code == 403
        assert manager_client.post(url(User, "delete", user.pk), {"post": "yes"}).status_code == 403
        user.refresh_from_db()
        assert user.check_password("demo")
        assert user.username != "renamed"
    response = manager_client.post(
        url(User, "add"),
        {"username": "new", "password1": "x-long-pass-42", "password2": "x-long-pass-42"},
    )
    assert response.status_code == 403
    assert not User.objects.filter(username="new").exists()


@pytest.mark.parametrize("model", [LabelSchema, EntityType, EventType, RoleType])
def test_manager_cannot_add_change_or_delete_a_label_schema(manager_client, beta, model):
    """Even their own project's schema: it is shared with every project using it."""
    schema = beta["project"].schema
    row = {
        LabelSchema: schema,
        EntityType: beta["person"],
        EventType: EventType.objects.filter(schema=schema).first(),
        RoleType: RoleType.objects.filter(event_type__schema=schema).first(),
    }[model]
    page = manager_client.get(url(model, "change", row.pk))
    assert page.status_code == 200  # viewable: it is the schema of a project they manage
    assert 'name="_save"' not in page.text
    post = form_data(page) if page.context.get("adminform") else {}
    post.update({"name": "مغيّر", "name_en": "Changed"})
    before = model.objects.filter(pk=row.pk).values().get()
    assert manager_client.post(url(model, "change", row.pk), post).status_code == 403
    assert manager_client.post(url(model, "add"), post).status_code == 403
    response = manager_client.post(url(model, "delete", row.pk), {"post": "yes"})
    assert response.status_code == 403
    assert model.objects.filter(pk=row.pk).values().get() == before


@pytest.mark.parametrize("key", ["schema", "person", "meet", "role"])
def test_manager_cannot_see_the_schema_of_another_project(manager_client, alpha, key):
    model = type(alpha[key])
    assert manager_client.get(url(model, "change", alpha[key].pk)).status_code == 302
    listing = manager_client.get(url(model, "changelist"))
    assert alpha[key].pk not in [row.pk for row in listing.context["cl"].result_list]


# --- lists and filter sidebars name only the manager's projects --------------------------


def filter_choices(response: Any) -> list[str]:
    cl = response.context["cl"]
    return [str(c["display"]) for spec in cl.filter_specs for c in spec.choices(cl)]


@pytest.mark.parametrize("model", MODELS)
def test_change_lists_and_their_filters_name_nothing_of_another_project(manager_client, model):
    response = manager_client.get(url(model, "changelist"))
    assert response.status_code == 200
    for secret in ALPHA_STRINGS:
        assert secret not in response.text, secret
        assert secret not in filter_choices(response), secret


def annotate(project: Project, annotator: User) -> None:
    """A document with a span, an event and a comment in `project`."""
    document = DocumentFactory(project=project, text=SEED)
    layer = services.get_or_create_layer(document=document, user=annotator)
    services.add_span(layer=layer, start=43, end=48, label="PERS", by=annotator)
    services.add_span(layer=layer, start=0, end=5, label="CONTACT_MEET", by=annotator)
    services.add_comment(layer=layer, text="ملاحظة", by=annotator)


@pytest.mark.parametrize(
    "model", [Document, AnnotationLayer, Span, Event, Comment, Change, Membership]
)
def test_project_filter_still_offers_every_project_the_manager_runs(
    manager_client, manager, annotator, beta, default_schema, model
):
    # Two managed projects: a filter with a single choice is not shown at all.
    gamma = ProjectFactory(slug="gamma", name="مشروع جيم", schema=default_schema)
    MembershipFactory(project=gamma, user=manager, manager=True)
    MembershipFactory(project=gamma, user=annotator)
    annotate(beta["project"], annotator)
    annotate(gamma, annotator)
    choices = filter_choices(manager_client.get(url(model, "changelist")))
    assert beta["project"].name in choices
    assert gamma.name in choices
    assert ALPHA_NAME not in choices


# --- the manager's own project and the superuser still work ------------------------------


def test_manager_still_adds_spans_comments_layers_and_documents_in_their_project(
    manager_client, beta, reviewer
):
    response = manager_client.post(
        url(Span, "add"),
        {"layer": beta["layer"].pk, "start": 43, "end": 48, "entity_type": beta["person"].pk},
    )
    assert response.status_code == 302, errors_of(response)
    response = manager_client.post(url(Comment, "add"), {"layer": beta["layer"].pk, "text": "حسن"})
    assert response.status_code == 302, errors_of(response)
    response = manager_client.post(
        url(AnnotationLayer, "add"),
        {"document": beta["document"].pk, "kind": "annotator", "owner": reviewer.pk},
    )
    assert response.status_code == 302, errors_of(response)
    response = manager_client.post(
        url(Document, "add"),
        {
            "project": beta["project"].pk,
            "text": "نص جديد",
            "language": "ar",
            "direction": "rtl",
            "metadata": "{}",
        },
    )
    assert response.status_code == 302, errors_of(response)
    assert Document.objects.filter(project=beta["project"], text="نص جديد").exists()


def test_manager_may_add_someone_from_outside_their_projects_as_member(manager_client, beta):
    newcomer = UserFactory(username="newcomer")
    response = manager_client.post(
        url(Membership, "add"),
        {"project": beta["project"].pk, "user": newcomer.pk, "role": "annotator"},
    )
    assert response.status_code == 302, errors_of(response)
    assert beta["project"].role_of(newcomer) == "annotator"


def test_superuser_still_edits_every_project_schema_and_account(superuser_client, alpha, beta):
    response = superuser_client.post(
        url(Span, "add"),
        {"layer": alpha["layer"].pk, "start": 32, "end": 42, "entity_type": alpha["person"].pk},
    )
    assert response.status_code == 302, errors_of(response)
    response = superuser_client.post(
        url(Document, "add"),
        {
            "project": alpha["project"].pk,
            "text": "نص آخر",
            "language": "ar",
            "direction": "rtl",
            "metadata": "{}",
        },
    )
    assert response.status_code == 302, errors_of(response)

    person = alpha["person"]
    post = form_data(superuser_client.get(url(EntityType, "change", person.pk)))
    post["name_en"] = "Renamed person"
    response = superuser_client.post(url(EntityType, "change", person.pk), post)
    assert response.status_code == 302, errors_of(response)
    assert EntityType.objects.get(pk=person.pk).name_en == "Renamed person"

    annotator = alpha["annotator"]
    response = superuser_client.post(
        reverse("admin:auth_user_password_change", args=[annotator.pk]),
        {"password1": "a-new-pass-phrase-42", "password2": "a-new-pass-phrase-42"},
    )
    assert response.status_code == 302
    annotator.refresh_from_db()
    assert annotator.check_password("a-new-pass-phrase-42")

    choices = filter_choices(superuser_client.get(url(Document, "changelist")))
    assert ALPHA_NAME in choices
    assert beta["project"].name in choices
