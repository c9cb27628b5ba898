"""Insecure direct object references: an id from another project, put into a URL of this
project, is a 404, for every URL and every object type, even for a superuser (who may
see both projects but must not be able to mix them)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from newsreview.annotations.models import AnnotationLayer
from tests.factories import MembershipFactory, UserFactory
from tests.security.conftest import World
from tests.security.test_permission_matrix import QUERY, ROUTES, database_state

# object type -> the URL parameter that carries its id
OBJECT_PARAMS = {
    "project": "slug",
    "document": "document_id",
    "layer": "layer_id",
    "span": "span_id",
    "event": "event_id",
    "argument": "argument_id",
    "comment": "comment_id",
    "member": "user_id",
}


def _cases():
    """(object type, route, role) for every URL that carries an object id in its path.
    Ids sent in POST bodies (spans, events, arguments) are covered by the tests below and
    by tests/annotations/test_views.py. A superuser may see every project, so mixing
    projects by slug is not a refusal for them; they are tested with the other ids."""
    for object_type, param in OBJECT_PARAMS.items():
        for route in (r for r in ROUTES if param in r.params):
            for role in ("manager", "superuser"):
                if role == "superuser" and param == "slug":
                    continue
                yield pytest.param(
                    object_type, route, role, id=f"{object_type}-{route.name}-{role}"
                )


@pytest.mark.django_db
@pytest.mark.parametrize(("object_type", "route", "role"), list(_cases()))
def test_id_of_another_project_is_not_found(world: World, object_type, route, role):
    param = OBJECT_PARAMS[object_type]
    kwargs = world.kwargs(list(route.params))
    kwargs[param] = world.kwargs([param], world.other)[param]
    url = reverse(route.name, kwargs=kwargs)
    if route.name in QUERY:
        url += "?" + QUERY[route.name]
    client = Client()
    client.force_login(world.user(role))
    statuses = {method: client.generic(method, url).status_code for method in ("GET", "POST")}
    # 405 means the view never ran for that method; at least one method must reach it.
    assert set(statuses.values()) <= {404, 405} and 404 in statuses.values(), (
        f"{url} as {role} with the {object_type} id of project 'other': {statuses}"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["manager", "reviewer", "annotator", "superuser"])
def test_layer_of_another_project_in_document_page_query_is_not_found(world: World, role):
    client = Client()
    client.force_login(world.user(role))
    url = reverse("documents:document-detail", args=["news", world.news.document.pk])
    assert client.get(url, {"layer": world.other.layer.pk}).status_code == 404
    assert client.get(url, {"layer": world.other.gold.pk}).status_code == 404


@pytest.mark.django_db
def test_annotator_cannot_open_a_colleagues_layer_by_id(world: World):
    colleague = world.users["reviewer"]  # any other member's layer is the same case
    from newsreview.annotations.services import get_or_create_layer

    other_layer = get_or_create_layer(document=world.news.document, user=colleague)
    client = Client()
    client.force_login(world.user("annotator"))
    url = reverse("documents:document-detail", args=["news", world.news.document.pk])
    assert client.get(url, {"layer": other_layer.pk}).status_code == 404
    assert client.get(url, {"layer": world.news.layer.pk}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["abc", "-1", "1e3", "99999999999999999999999"])
def test_malformed_layer_id_is_not_found_not_a_server_error(world: World, value):
    client = Client()
    client.force_login(world.user("manager"))
    url = reverse("documents:document-detail", args=["news", world.news.document.pk])
    assert client.get(url, {"layer": value}).status_code == 404


# --- ids in POST bodies and query strings (the workspace carries span, event and argument
# ids in the body, looked up inside the user's own layer) -----------------------------


def _colleague_span(world: World):
    from newsreview.annotations import services

    colleague = UserFactory(username="colleague")
    MembershipFactory(project=world.news.project, user=colleague, role="annotator")
    layer = services.get_or_create_layer(document=world.news.document, user=colleague)
    return services.add_span(layer=layer, start=6, end=12, label="OCC", by=colleague)


def _post_as(world: World, role: str, name: str, data: dict) -> int:
    client = Client()
    client.force_login(world.user(role))
    url = reverse(f"annotations:{name}", args=["news", world.news.document.pk])
    layer = AnnotationLayer.objects.filter(
        document=world.news.document, owner=world.user(role)
    ).first()
    version = layer.version if layer else 0
    return client.post(url, {"version": version, **data}).status_code


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("span-update", lambda w: {"span": w.other.span.pk, "label": "ORG"}),
        ("span-delete", lambda w: {"span": w.other.span.pk}),
        ("span-update", lambda w: {"span": _colleague_span(w).pk, "label": "ORG"}),
        ("span-delete", lambda w: {"span": _colleague_span(w).pk}),
        ("span-delete", lambda w: {"span": w.news.gold_span.pk}),
        (
            "argument-create",
            lambda w: {
                "trigger": w.other.trigger.pk,
                "role": "PARTICIPANT",
                "span": w.news.span.pk,
            },
        ),
        (
            "argument-create",
            lambda w: {
                "trigger": w.news.trigger.pk,
                "role": "PARTICIPANT",
                "span": w.other.span.pk,
            },
        ),
        ("argument-delete", lambda w: {"argument": w.other.argument.pk}),
        ("argument-update", lambda w: {"argument": w.other.argument.pk, "role": "PARTICIPANT"}),
        (
            "event-attribute",
            lambda w: {"trigger": w.other.trigger.pk, "name": "realis", "value": "actual"},
        ),
    ],
    ids=[
        "update-other-project-span",
        "delete-other-project-span",
        "update-colleague-span",
        "delete-colleague-span",
        "delete-gold-span",
        "argument-with-other-project-trigger",
        "argument-with-other-project-span",
        "delete-other-project-argument",
        "re-role-other-project-argument",
        "realis-of-other-project-event",
    ],
)
def test_annotator_cannot_touch_objects_outside_their_layer_by_body_id(world: World, name, data):
    payload = data(world)
    before = database_state()
    assert _post_as(world, "annotator", name, payload) == 404
    assert database_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["reviewer", "manager"])
def test_reviewer_cannot_edit_an_annotators_span_through_the_workspace(world: World, role):
    before = database_state()
    assert _post_as(world, role, "span-delete", {"span": world.news.span.pk}) == 404
    assert _post_as(world, role, "argument-delete", {"argument": world.news.argument.pk}) == 404
    assert database_state() == before


@pytest.mark.django_db
def test_workspace_layer_query_of_another_project_or_colleague_is_not_found(world: World):
    colleague_layer = _colleague_span(world).layer
    url = reverse("annotations:annotate", args=["news", world.news.document.pk])
    annotator = Client()
    annotator.force_login(world.user("annotator"))
    assert annotator.get(url, {"layer": world.other.layer.pk}).status_code == 404
    assert annotator.get(url, {"layer": colleague_layer.pk}).status_code == 404
    reviewer = Client()
    reviewer.force_login(world.user("reviewer"))
    assert reviewer.get(url, {"layer": world.other.layer.pk}).status_code == 404
    assert reviewer.get(url, {"layer": colleague_layer.pk}).status_code == 200
