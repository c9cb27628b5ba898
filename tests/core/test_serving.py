"""Production serving: health and readiness probes, compressed HTML only where BREACH
cannot reach it, and whitenoise sending collected, hashed, compressed, long-cached static
files through a real gunicorn."""

from __future__ import annotations

import gzip
import re

import brotli
import httpx
import pytest
from django.core.management import call_command
from django.urls import reverse

from newsreview.core import health
from tests.servers import free_port, manage, server_env, start_gunicorn, stop


@pytest.fixture(autouse=True)
def _forget_readiness():
    health._migrated_at = None
    yield
    health._migrated_at = None


@pytest.mark.django_db
def test_healthz_and_readyz_answer_ok_without_login(client, django_assert_max_num_queries):
    assert (client.get("/healthz").status_code, client.get("/healthz").text) == (200, "ok\n")
    with django_assert_max_num_queries(3):
        ready = client.get("/readyz")
    assert (ready.status_code, ready.text) == (200, "ok\n")
    assert "no-store" in ready["Cache-Control"]
    assert "sessionid" not in ready.cookies


@pytest.mark.django_db(transaction=True)
def test_readyz_is_unavailable_while_a_migration_is_not_applied(client):
    call_command("migrate", "jobs", "zero", verbosity=0)
    try:
        waiting = client.get("/readyz")
    finally:
        call_command("migrate", "jobs", verbosity=0)
    health._migrated_at = None
    assert (waiting.status_code, waiting.text) == (503, "unavailable\n")
    assert client.get("/readyz").status_code == 200


def test_readiness_checks_are_only_get_or_head(client):
    assert client.post("/readyz").status_code == 405
    assert client.head("/healthz").status_code == 200


@pytest.mark.django_db
def test_html_is_brotli_compressed_when_the_browser_takes_it(client):
    login = reverse("accounts:login")
    headers = {"Accept-Encoding": "gzip, deflate, br, zstd", "Sec-Fetch-Site": "same-origin"}
    page = client.get(login, headers=headers)
    assert page["Content-Encoding"] == "br"
    assert b"<form" in brotli.decompress(page.content)
    assert int(page["Content-Length"]) == len(page.content)
    assert "Accept-Encoding" in page["Vary"] and "Sec-Fetch-Site" in page["Vary"]
    # "br" must be a coding of its own, not part of another name.
    other = client.get(login, headers={"Accept-Encoding": "gzip, xbr", "Sec-Fetch-Site": "none"})
    assert other["Content-Encoding"] == "gzip"
    cross = client.get(login, headers={**headers, "Sec-Fetch-Site": "cross-site"})
    assert not cross.has_header("Content-Encoding") and b"<form" in cross.content


@pytest.mark.django_db
def test_html_is_compressed_for_same_origin_requests_only(client):
    login = reverse("accounts:login")
    same = client.get(login, headers={"Accept-Encoding": "gzip", "Sec-Fetch-Site": "same-origin"})
    assert same["Content-Encoding"] == "gzip"
    assert b"<form" in gzip.decompress(same.content)
    assert "Sec-Fetch-Site" in same["Vary"]
    # A request another site made the browser send (BREACH's way in) is never compressed,
    # nor one from a client that does not say where it comes from.
    for site in ("cross-site", "same-site", None):
        headers = {"Accept-Encoding": "gzip"} | ({"Sec-Fetch-Site": site} if site else {})
        plain = client.get(login, headers=headers)
        assert not plain.has_header("Content-Encoding") and b"<form" in plain.content


def test_pages_render_before_collectstatic_with_plain_static_urls(tmp_path):
    env = server_env(
        "postgres://nobody@127.0.0.1:1/none",
        tmp_path / "storage",
        NEWSREVIEW_STATIC_ROOT=str(tmp_path / "never-collected"),
    )
    port = free_port()
    server = start_gunicorn(env, port, tmp_path / "gunicorn.log")
    try:
        page = httpx.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=20)
    finally:
        stop(server)
    assert page.status_code == 200
    assert 'href="/static/css/app.css"' in page.text
    assert "not collected" in (tmp_path / "gunicorn.log").read_text()


def test_gunicorn_serves_hashed_compressed_long_cached_static_files(tmp_path):
    static_root = tmp_path / "static"
    env = server_env(
        "postgres://nobody@127.0.0.1:1/none",  # the login page needs no database
        tmp_path / "storage",
        NEWSREVIEW_STATIC_ROOT=str(static_root),
    )
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    port = free_port()
    server = start_gunicorn(env, port, tmp_path / "gunicorn.log")
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=20) as client:
            page = client.get("/accounts/login/")
            urls = re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text)
            responses = [client.get(url, headers={"Accept-Encoding": "gzip"}) for url in urls]
            source = client.get("/static/css/app.css", headers={"Accept-Encoding": "gzip"})
    finally:
        stop(server)
    assert len(urls) >= 3
    for url, response in zip(urls, responses, strict=True):
        assert re.search(r"\.[0-9a-f]{12}\.(css|js)$", url), url
        assert response.status_code == 200
        assert response.headers["content-encoding"] == "gzip"
        assert "immutable" in response.headers["cache-control"]
        max_age = int(re.search(r"max-age=(\d+)", response.headers["cache-control"]).group(1))
        assert max_age >= 365 * 24 * 3600
        assert int(response.headers["content-length"]) < len(response.content)
    # The unhashed name is the collected copy too, compressed; its content may change under
    # the same name, so it is cached briefly.
    assert source.status_code == 200 and source.headers["content-encoding"] == "gzip"
    assert "immutable" not in source.headers["cache-control"]
