"""Managers add and remove members of their own project from the members page."""

import pytest
from django.test import Client
from django.urls import reverse

from newsreview.projects.models import Membership
from tests.factories import MembershipFactory, UserFactory
from tests.security.conftest import World

URL = reverse("projects:member-list", args=["news"])


def _manager_client(world: World) -> Client:
    client = Client()
    client.force_login(world.user("manager"))
    return client


def _role(world: World, username: str) -> str | None:
    membership = world.news.project.memberships.filter(user__username=username).first()
    return membership.role if membership else None


@pytest.mark.django_db
def test_members_page_lists_members_and_their_roles(world: World):
    response = _manager_client(world).get(URL)
    assert response.status_code == 200
    for username in ("annotator", "reviewer", "manager"):
        assert f'data-username="{username}"' in response.text
    assert "outsider" not in response.text


@pytest.mark.django_db
def test_manager_adds_a_member_by_username_and_role(world: World):
    client = _manager_client(world)
    response = client.post(URL, {"username": "outsider", "role": "reviewer"})
    assert response.status_code == 302
    assert response.url == URL
    assert _role(world, "outsider") == "reviewer"
    page = client.get(URL)
    assert "outsider is now reviewer." in page.text


@pytest.mark.django_db
def test_adding_an_existing_member_changes_their_role(world: World):
    _manager_client(world).post(URL, {"username": "annotator", "role": "reviewer"})
    assert _role(world, "annotator") == "reviewer"
    assert world.news.project.memberships.filter(user__username="annotator").count() == 1


@pytest.mark.django_db
def test_htmx_add_answers_with_a_client_redirect(world: World):
    response = _manager_client(world).post(
        URL, {"username": "outsider", "role": "annotator"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == URL


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"username": "nobody", "role": "annotator"}, "There is no user “nobody”"),
        ({"username": "", "role": "annotator"}, "Enter a username."),
        ({"username": "outsider", "role": "owner"}, "Unknown role “owner”"),
        ({"username": "outsider"}, "Unknown role “”"),
    ],
)
def test_bad_member_input_is_refused_with_a_clear_message_and_nothing_changes(
    world: World, data, message
):
    before = sorted(Membership.objects.values_list("user_id", "project_id", "role"))
    response = _manager_client(world).post(URL, data)
    assert response.status_code == 422
    assert 'id="member-error"' in response.text
    assert message in response.text
    assert sorted(Membership.objects.values_list("user_id", "project_id", "role")) == before


@pytest.mark.django_db
def test_deactivated_user_cannot_be_added(world: World):
    UserFactory(username="gone", is_active=False)
    response = _manager_client(world).post(URL, {"username": "gone", "role": "annotator"})
    assert response.status_code == 422
    assert "This account is deactivated." in response.text
    assert _role(world, "gone") is None


@pytest.mark.django_db
def test_manager_removes_a_member(world: World):
    annotator = world.user("annotator")
    response = _manager_client(world).post(
        reverse("projects:member-remove", args=["news", annotator.pk])
    )
    assert response.status_code == 302
    assert _role(world, "annotator") is None
    # Their annotations stay: removal takes away access, not work.
    assert world.news.layer.spans.exists()


@pytest.mark.django_db
def test_manager_cannot_remove_themselves(world: World):
    manager = world.user("manager")
    response = _manager_client(world).post(
        reverse("projects:member-remove", args=["news", manager.pk])
    )
    assert response.status_code == 422
    assert "You cannot remove yourself from the project." in response.text
    assert _role(world, "manager") == "manager"


@pytest.mark.django_db
def test_removing_someone_who_is_not_a_member_is_not_found(world: World):
    response = _manager_client(world).post(
        reverse("projects:member-remove", args=["news", world.user("outsider").pk])
    )
    assert response.status_code == 404


@pytest.mark.django_db
def test_manager_of_another_project_cannot_add_members_here(world: World):
    boss = UserFactory(username="boss")
    MembershipFactory(project=world.other.project, user=boss, role="manager")
    client = Client()
    client.force_login(boss)
    response = client.post(URL, {"username": "boss", "role": "manager"})
    assert response.status_code == 404
    assert _role(world, "boss") is None


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["annotator", "reviewer"])
def test_non_manager_cannot_add_or_remove_members(world: World, role):
    client = Client()
    client.force_login(world.user(role))
    assert client.post(URL, {"username": role, "role": "manager"}).status_code == 403
    remove = reverse("projects:member-remove", args=["news", world.user("annotator").pk])
    assert client.post(remove).status_code == 403
    assert _role(world, role) == role
    assert _role(world, "annotator") == "annotator"


@pytest.mark.django_db
def test_member_names_are_escaped(world: World):
    UserFactory(username="<b>x</b>")
    client = _manager_client(world)
    client.post(URL, {"username": "<b>x</b>", "role": "annotator"})
    page = client.get(URL)
    assert "<b>x</b>" not in page.text
    assert "&lt;b&gt;x&lt;/b&gt;" in page.text


@pytest.mark.django_db
def test_members_page_query_count_does_not_grow_with_members(
    world: World, django_assert_max_num_queries
):
    client = _manager_client(world)
    for n in range(30):
        MembershipFactory(project=world.news.project, user=UserFactory(username=f"m{n}"))
    with django_assert_max_num_queries(8):
        assert client.get(URL).status_code == 200


@pytest.mark.django_db
def test_project_list_links_members_page_for_managers_only(world: World):
    manager = _manager_client(world).get("/")
    assert URL in manager.text
    client = Client()
    client.force_login(world.user("reviewer"))
    assert URL not in client.get("/").text
