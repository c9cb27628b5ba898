"""`manage.py load_demo`: safe to run again, users log in, the seed article is stored as is."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from newsreview.accounts.models import User
from newsreview.annotations.models import AnnotationLayer
from newsreview.documents.management.commands.load_demo import SEED, SEED_ID, USERS
from newsreview.documents.models import Document, text_checksum
from newsreview.projects.models import (
    EntityType,
    EventType,
    LabelSchema,
    Membership,
    Project,
    RoleType,
)

pytestmark = pytest.mark.django_db

USERNAMES = [username for username, _role in USERS]


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            User,
            Project,
            Membership,
            Document,
            LabelSchema,
            EntityType,
            EventType,
            RoleType,
            AnnotationLayer,
        )
    }


def logs_in(client, username: str, password: str) -> bool:
    """A real login through the login page (django-axes wants the request)."""
    response = client.post(reverse("accounts:login"), {"username": username, "password": password})
    ok = response.status_code == 302 and "_auth_user_id" in client.session
    client.logout()
    return ok


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_load_demo_twice_leaves_the_same_rows(monkeypatch):
    monkeypatch.delenv("NEWSREVIEW_DEMO_PASSWORD", raising=False)
    load_demo()
    first = counts()
    checksum = Document.objects.get(external_id=SEED_ID).checksum
    load_demo()
    assert counts() == first
    assert first["Document"] == 1
    assert first["User"] == 4
    assert first["EntityType"] == 14 and first["EventType"] == 12
    assert Document.objects.get(external_id=SEED_ID).checksum == checksum


def test_load_demo_makes_the_demo_users_members_with_their_roles(monkeypatch):
    monkeypatch.delenv("NEWSREVIEW_DEMO_PASSWORD", raising=False)
    load_demo()
    project = Project.objects.get(slug="demo")
    for username, role in USERS:
        assert project.role_of(User.objects.get(username=username)) == role
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff


@pytest.mark.parametrize("username", USERNAMES)
def test_demo_users_log_in_with_password_demo(monkeypatch, client, username):
    monkeypatch.delenv("NEWSREVIEW_DEMO_PASSWORD", raising=False)
    load_demo()
    assert logs_in(client, username, "demo")


def test_demo_users_log_in_with_the_password_from_the_environment(monkeypatch, client):
    monkeypatch.setenv("NEWSREVIEW_DEMO_PASSWORD", "s3cret-كلمة")
    load_demo()
    for username in USERNAMES:
        assert logs_in(client, username, "s3cret-كلمة")
        assert User.objects.get(username=username).check_password("demo") is False


def test_load_demo_again_keeps_a_changed_password(monkeypatch, client):
    monkeypatch.delenv("NEWSREVIEW_DEMO_PASSWORD", raising=False)
    load_demo()
    user = User.objects.get(username="reviewer")
    user.set_password("changed-by-reviewer")
    user.save()
    load_demo()
    assert logs_in(client, "reviewer", "changed-by-reviewer")


def test_seed_text_is_the_file_byte_for_byte_after_lf_normalisation(monkeypatch):
    monkeypatch.delenv("NEWSREVIEW_DEMO_PASSWORD", raising=False)
    load_demo()
    document = Document.objects.get(external_id=SEED_ID)
    expected = SEED.read_bytes().replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    assert document.text.encode("utf-8") == expected
    assert document.checksum == text_checksum(document.text)
    # The shipped copy is the spec's article.
    assert "ڤـــو" in document.text
    assert document.project.slug == "demo"


def test_seed_title_is_the_first_line(monkeypatch):
    monkeypatch.delenv("NEWSREVIEW_DEMO_PASSWORD", raising=False)
    load_demo()
    document = Document.objects.get(external_id=SEED_ID)
    first_line = SEED.read_bytes().decode("utf-8").splitlines()[0].strip()
    assert document.title == first_line
    assert document.text.startswith(first_line)


def test_load_demo_says_what_it_made(monkeypatch):
    monkeypatch.delenv("NEWSREVIEW_DEMO_PASSWORD", raising=False)
    output = load_demo()
    assert "demo" in output
    for username in USERNAMES:
        assert username in output
