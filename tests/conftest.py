"""Shared fixtures. Test-only settings tweaks live here (STYLE.md §8).

Browser tests use real Chromium (Debian's, never a downloaded one) driven by Playwright
against pytest-django's live_server. One session-wide browser: Playwright's sync API
allows one instance per thread. Its event loop runs in this thread, so Django's
async-safety guard is relaxed for the ORM calls tests make."""

import os
import shutil

import pytest

from newsreview.projects.models import Membership
from newsreview.projects.services import install_default_schema

from .factories import DocumentFactory, MembershipFactory, ProjectFactory, UserFactory


@pytest.fixture(autouse=True)
def _fast_tests(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.AXES_ENABLED = True
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _jobs_inline_and_storage_in_tmp(settings, tmp_path):
    # STYLE.md §9: background jobs run at once, inside the request, in tests; uploads and
    # job results go to a fresh storage folder per test.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "storage", "allow_overwrite": True},
        },
    }


@pytest.fixture
def default_schema(db):
    return install_default_schema()


@pytest.fixture
def project(default_schema):
    return ProjectFactory(slug="news", name="أخبار", schema=default_schema)


@pytest.fixture
def seed_text() -> str:
    from newsreview.documents.management.commands.load_demo import SEED

    return SEED.read_bytes().decode("utf-8")


@pytest.fixture
def seed_document(project, seed_text):
    return DocumentFactory(project=project, text=seed_text, external_id="seed")


def _member(project, role, username):
    user = UserFactory(username=username)
    MembershipFactory(project=project, user=user, role=role)
    return user


@pytest.fixture
def annotator(project):
    return _member(project, Membership.Role.ANNOTATOR, "annotator1")


@pytest.fixture
def other_annotator(project):
    return _member(project, Membership.Role.ANNOTATOR, "annotator2")


@pytest.fixture
def reviewer(project):
    return _member(project, Membership.Role.REVIEWER, "reviewer")


@pytest.fixture
def manager(project):
    return _member(project, Membership.Role.MANAGER, "manager")


@pytest.fixture
def outsider(db):
    """An annotator of another project."""
    other = ProjectFactory(slug="other")
    return _member(other, Membership.Role.ANNOTATOR, "outsider")


os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        if os.environ.get("NEWSREVIEW_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium fonts-noto-core")
        pytest.skip(f"{CHROMIUM} is not installed (CI installs it and fails without it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def login(page, live_server):
    """Log `user` in through the real login form (password 'demo')."""

    def _login(user, password: str = "demo"):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", password)
        page.click("main button[type=submit]")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    return _login
