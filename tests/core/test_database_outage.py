"""While the database is unreachable every request gets a clear 503 (plain text for htmx,
which the workspace shows in #problems), never a stack trace; the app recovers by itself
when the database returns. Real gunicorn processes, a real PostgreSQL connection cut by a
TCP relay: no mock of the database."""

from __future__ import annotations

import time

import httpx
import pytest
from django.db import connection

from tests.factories import UserFactory
from tests.servers import Relay, database_url, free_port, server_env, start_gunicorn, stop

MESSAGE = "The database is not reachable at the moment"


def _login(client: httpx.Client, username: str) -> None:
    client.get("/accounts/login/")
    response = client.post(
        "/accounts/login/",
        data={
            "username": username,
            "password": "demo",
            "csrfmiddlewaretoken": client.cookies["csrftoken"],
        },
        headers={"Referer": f"{client.base_url}/accounts/login/"},
    )
    assert response.status_code == 302, response.text[:500]


def test_every_request_gets_a_plain_503_when_the_database_cannot_be_reached(tmp_path):
    port = free_port()
    env = server_env(database_url(port=free_port(), name="nowhere"), tmp_path / "storage")
    server = start_gunicorn(env, port, tmp_path / "gunicorn.log")
    try:
        # A session cookie: the request must read the session (the database) to answer.
        cookies = {"sessionid": "x" * 32, "csrftoken": "c" * 32}
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", timeout=20, cookies=cookies
        ) as client:
            page = client.get("/accounts/login/")
            htmx = client.get("/", headers={"HX-Request": "true"})
            post = client.post(
                "/accounts/login/",
                data={"username": "a", "password": "b", "csrfmiddlewaretoken": "c" * 32},
            )
            health, ready = client.get("/healthz"), client.get("/readyz")
    finally:
        stop(server)
    assert page.status_code == 503 and MESSAGE in page.text
    assert page.headers["content-type"].startswith("text/html")
    assert "Traceback" not in page.text and "OperationalError" not in page.text
    assert htmx.status_code == 503 and htmx.headers["content-type"].startswith("text/plain")
    assert MESSAGE in htmx.text and "<" not in htmx.text  # short enough for #problems
    assert post.status_code == 503
    assert page.headers["retry-after"] == "5"
    assert (health.status_code, health.text) == (200, "ok\n")
    assert (ready.status_code, ready.text) == (503, "unavailable\n")


def real_password_hashers(settings) -> None:
    # The servers in other processes use the default hashers, not the tests' fast one.
    from django.conf import global_settings

    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS


@pytest.mark.django_db(transaction=True)
def test_the_app_answers_503_during_a_database_outage_and_recovers_by_itself(tmp_path, settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the server processes share the test database")
    real_password_hashers(settings)
    user = UserFactory(username="outage")
    settings = connection.settings_dict
    relay = Relay((settings["HOST"] or "127.0.0.1", int(settings["PORT"] or 5432)))
    port = free_port()
    env = server_env(database_url(port=relay.port), tmp_path / "storage")
    server = start_gunicorn(env, port, tmp_path / "gunicorn.log")
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=20) as client:
            _login(client, user.username)
            assert client.get("/").status_code == 200
            relay.cut()
            down = client.get("/")
            down_htmx = client.get("/", headers={"HX-Request": "true"})
            ready_down = client.get("/readyz")
            relay.restore()
            returned = time.monotonic()
            while (back := client.get("/")).status_code != 200:
                assert time.monotonic() - returned < 5, back.text[:300]
                time.sleep(0.1)
            recovery = time.monotonic() - returned
            ready_up = client.get("/readyz")
    finally:
        stop(server)
        relay.close()
    assert down.status_code == 503 and MESSAGE in down.text
    assert down_htmx.status_code == 503 and down_htmx.text.startswith(MESSAGE)
    assert ready_down.status_code == 503
    # Still logged in: the session lives in the database, untouched by the outage.
    assert user.username in back.text and "/accounts/login/" not in str(back.url)
    assert ready_up.status_code == 200
    assert recovery < 5
