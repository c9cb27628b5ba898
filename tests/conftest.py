"""Shared fixtures. Test-only settings tweaks live here (STYLE.md §8)."""

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
