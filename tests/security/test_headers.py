"""Security headers on pages, htmx fragments, error pages and static files; templates
that keep working under the CSP (no inline script, no inline event handlers)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.security.conftest import World

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def assert_security_headers(response) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    assert directives.get("script-src") == ["'self'"], csp
    assert "'unsafe-inline'" not in directives["script-src"]
    assert directives.get("frame-ancestors") == ["'none'"], csp
    assert directives.get("object-src") == ["'none'"], csp
    assert directives.get("base-uri") == ["'self'"], csp
    assert response.headers.get("X-Frame-Options") == "DENY"
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy") == "same-origin"


def _client(world: World, role: str | None) -> Client:
    client = Client()
    if role:
        client.force_login(world.user(role))
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "path", "status"),
    [
        (None, "/accounts/login/", 200),
        ("manager", "/", 200),
        ("manager", "/projects/news/", 200),
        ("manager", "/projects/news/members/", 200),
        ("reviewer", "/projects/news/documents/{doc}/", 200),
        ("reviewer", "/projects/news/documents/{doc}/history/", 200),
        ("annotator", "/projects/news/documents/{doc}/history/", 403),
        ("manager", "/projects/no-such-project/", 404),
        (None, "/projects/news/", 302),
        ("manager", "/accounts/logout/", 405),
        ("superuser", "/admin/", 200),
    ],
)
def test_pages_and_error_pages_carry_security_headers(world: World, role, path, status):
    response = _client(world, role).get(path.format(doc=world.news.document.pk))
    assert response.status_code == status
    assert_security_headers(response)


@pytest.mark.django_db
def test_htmx_fragment_carries_security_headers(world: World):
    response = _client(world, "annotator").get(
        "/projects/news/", headers={"HX-Request": "true", "HX-Target": "document-table"}
    )
    assert response.status_code == 200
    assert 'id="document-table"' in response.text
    assert "<html" not in response.text
    assert_security_headers(response)


@pytest.mark.django_db
def test_csrf_failure_page_carries_security_headers(world: World):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert_security_headers(response)


@pytest.mark.django_db
def test_lockout_page_carries_security_headers(world: World):
    client = Client()
    for _attempt in range(5):
        response = client.post("/accounts/login/", {"username": "manager", "password": "bad"})
    assert response.status_code == 429
    assert_security_headers(response)


@pytest.mark.django_db
def test_static_files_carry_security_headers(client, settings):
    # Served from the source folders, as before collectstatic (whitenoise reads this when
    # the test client builds its middleware).
    settings.WHITENOISE_USE_FINDERS = True
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert_security_headers(response)


@pytest.mark.django_db
@pytest.mark.urls("tests.security.crash_urls")
def test_server_error_page_carries_security_headers(client):
    client.raise_request_exception = False
    response = client.get("/crash/")
    assert response.status_code == 500
    assert "boom" not in response.text
    assert_security_headers(response)


def _template_files():
    return sorted(TEMPLATES.rglob("*.html"))


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)
SAFE_FILTER = re.compile(r"\|\s*safe\b|\bautoescape\s+off\b")
# Text that is ours, not users': Django's password help is HTML built by Django.
SAFE_ALLOWED = {"accounts/_form_fields.html"}


@pytest.mark.parametrize("path", _template_files(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_template_has_no_inline_script_or_event_handler(path: Path):
    source = path.read_text(encoding="utf-8")
    assert not INLINE_SCRIPT.search(source), f"inline <script> in {path}: the CSP blocks it"
    assert not INLINE_HANDLER.search(source), f"inline on…= handler in {path}: the CSP blocks it"
    assert not JS_URL.search(source), f"javascript: URL in {path}"


@pytest.mark.parametrize("path", _template_files(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_template_does_not_switch_off_escaping(path: Path):
    relative = str(path.relative_to(TEMPLATES))
    if relative in SAFE_ALLOWED:
        return
    assert not SAFE_FILTER.search(path.read_text(encoding="utf-8")), (
        f"{relative} uses |safe or autoescape off: user text must stay escaped"
    )
