"""Every state-changing method on every URL needs the CSRF token; GET changes nothing
(the permission matrix checks that part)."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.security.conftest import World
from tests.security.test_permission_matrix import database_state, url_for
from tests.security.urlwalk import Route, app_routes

ROUTES = app_routes()

# Views that check the token themselves, after refusals that change nothing and read no
# body (login redirect, wrong method, too-big upload): imports refuse a huge upload
# before reading it, which the CSRF middleware would do. For them a 302 to the login
# page or a 405 is as good as a 403; an accepted request is still a failure.
CSRF_CHECKED_IN_VIEW = {"imports:upload"}


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["POST", "PATCH", "DELETE"])
@pytest.mark.parametrize("role", ["superuser", "anonymous"])
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_state_changing_request_without_csrf_token_is_refused(
    world: World, route: Route, role, method
):
    client = Client(enforce_csrf_checks=True)
    if world.user(role) is not None:
        client.force_login(world.user(role))
    url = url_for(world, route)
    before = database_state()
    response = client.generic(
        method,
        url,
        "username=reviewer&role=manager",
        content_type="application/x-www-form-urlencoded",
        headers={"HX-Request": "true"},
    )
    assert database_state() == before
    if route.name in CSRF_CHECKED_IN_VIEW and (
        response.status_code == 405
        or (response.status_code == 302 and response.url.startswith("/accounts/login/?next="))
    ):
        return
    assert response.status_code == 403, f"{method} {url} without a CSRF token: {response}"
    assert "CSRF" in response.text


@pytest.mark.django_db
def test_token_from_the_page_header_lets_the_same_post_through(world: World):
    """The control for the test above: with the token htmx sends (hx-headers on <body>),
    the manager's request is accepted, so the 403s above are about the token."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user("manager"))
    url = reverse("projects:member-list", args=[world.news.project.slug])
    page = client.get(url)
    token = page.cookies["csrftoken"].value
    assert '"X-CSRFToken": "' in page.text
    response = client.post(
        url,
        {"username": "outsider", "role": "annotator"},
        headers={"X-CSRFToken": token, "HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == url
    assert world.news.project.memberships.filter(user__username="outsider").exists()
