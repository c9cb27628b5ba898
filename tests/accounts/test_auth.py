"""Login, throttling, deactivated accounts, logout, password change and reset."""

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

LOGIN = "/accounts/login/"


def _login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


@pytest.mark.django_db
def test_login_with_right_password_redirects_to_projects(client):
    user = UserFactory(username="layla")
    response = _login(client, "layla", "demo")
    assert response.status_code == 302
    assert response.url == reverse("projects:project-list")
    assert client.session[SESSION_KEY] == str(user.pk)


@pytest.mark.django_db
def test_login_with_wrong_password_shows_generic_error(client):
    UserFactory(username="layla")
    response = _login(client, "layla", "wrong")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.text
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_deactivated_account_with_right_password_sees_deactivated_page(client):
    UserFactory(username="gone", is_active=False)
    response = _login(client, "gone", "demo")
    assert response.status_code == 403
    assert "this account is deactivated, contact your project manager" in response.text.lower()
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_deactivated_account_with_wrong_password_looks_like_any_failed_login(client):
    UserFactory(username="gone", is_active=False)
    inactive = _login(client, "gone", "wrong")
    unknown = _login(client, "nobody-at-all", "wrong")
    assert inactive.status_code == unknown.status_code == 200
    assert "deactivated" not in inactive.text.lower()
    assert "Please enter a correct username and password" in inactive.text


@pytest.mark.django_db
def test_sixth_attempt_after_five_failures_is_locked_out_even_with_right_password(client):
    UserFactory(username="layla")
    for _attempt in range(4):
        assert _login(client, "layla", "wrong").status_code == 200
    # django-axes locks as the 5th failure reaches the limit: that answer is already the page.
    assert _login(client, "layla", "wrong").status_code == 429
    response = _login(client, "layla", "demo")
    assert response.status_code == 429
    assert 'id="account-locked"' in response.text
    assert "Too many failed log-in attempts" in response.text
    assert "15 minutes" in response.text
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_lockout_of_one_username_leaves_other_accounts_usable(client):
    UserFactory(username="layla")
    UserFactory(username="omar")
    for _attempt in range(6):
        _login(client, "layla", "wrong")
    assert _login(client, "omar", "demo").status_code == 302


@pytest.mark.django_db
def test_successful_login_resets_failure_count(client):
    UserFactory(username="layla")
    for _attempt in range(4):
        _login(client, "layla", "wrong")
    assert _login(client, "layla", "demo").status_code == 302
    client.post("/accounts/logout/")
    for _attempt in range(4):
        _login(client, "layla", "wrong")
    assert _login(client, "layla", "demo").status_code == 302


@pytest.mark.django_db
def test_deactivated_account_password_guessing_is_throttled_too(client):
    UserFactory(username="gone", is_active=False)
    for _attempt in range(5):
        _login(client, "gone", "wrong")
    response = _login(client, "gone", "demo")
    assert response.status_code == 429
    assert "deactivated" not in response.text.lower()


@pytest.mark.django_db
def test_logout_by_get_is_refused_and_keeps_the_session(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.session[SESSION_KEY] == str(user.pk)


@pytest.mark.django_db
def test_logout_by_post_ends_the_session(client):
    client.force_login(UserFactory())
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_deactivating_a_logged_in_user_ends_their_access(client, project, annotator):
    client.force_login(annotator)
    assert client.get("/").status_code == 200
    annotator.is_active = False
    annotator.save()
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_sessions_expire_within_a_day_and_at_browser_close(settings):
    assert settings.SESSION_COOKIE_AGE <= 24 * 60 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_HTTPONLY is True


@pytest.mark.django_db
def test_password_change_requires_login(client):
    response = client.get(reverse("accounts:password-change"))
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


@pytest.mark.django_db
def test_password_change_rejects_weak_password_with_validator_message(client):
    user = UserFactory(username="layla")
    client.force_login(user)
    response = client.post(
        reverse("accounts:password-change"),
        {"old_password": "demo", "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200
    assert "This password is too common" in response.text
    user.refresh_from_db()
    assert user.check_password("demo")


@pytest.mark.django_db
def test_password_change_keeps_user_logged_in_with_new_password(client):
    user = UserFactory(username="layla")
    client.force_login(user)
    response = client.post(
        reverse("accounts:password-change"),
        {
            "old_password": "demo",
            "new_password1": "Ba7-qalam-zaytun",
            "new_password2": "Ba7-qalam-zaytun",
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("accounts:password-change-done")
    user.refresh_from_db()
    assert user.check_password("Ba7-qalam-zaytun")
    assert client.get(reverse("accounts:password-change-done")).status_code == 200


@pytest.mark.django_db
def test_password_reset_email_link_sets_a_new_password(client):
    user = UserFactory(username="layla", email="layla@example.com")
    response = client.post(reverse("accounts:password-reset"), {"email": "layla@example.com"})
    assert response.status_code == 302
    assert response.url == reverse("accounts:password-reset-done")
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    confirm = client.get(link.group(1))
    # Django swaps the token for a session marker and redirects to a "set-password" URL.
    assert confirm.status_code == 302
    form = client.get(confirm.url)
    assert form.status_code == 200
    assert 'name="new_password1"' in form.text
    done = client.post(
        confirm.url, {"new_password1": "Ba7-qalam-zaytun", "new_password2": "Ba7-qalam-zaytun"}
    )
    assert done.status_code == 302
    assert done.url == reverse("accounts:password-reset-complete")
    user.refresh_from_db()
    assert user.check_password("Ba7-qalam-zaytun")
    # The link is single-use.
    again = client.get(link.group(1), follow=True)
    assert "This link does not work" in again.text


@pytest.mark.django_db
def test_password_reset_for_unknown_address_sends_nothing_and_says_the_same(client):
    response = client.post(reverse("accounts:password-reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert response.url == reverse("accounts:password-reset-done")
    assert mail.outbox == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", "/\\evil.example"]
)
def test_login_never_redirects_off_site(client, target):
    UserFactory(username="layla")
    response = client.post(LOGIN, {"username": "layla", "password": "demo", "next": target})
    assert response.status_code == 302
    assert response.url == reverse("projects:project-list")


@pytest.mark.django_db
def test_login_follows_a_local_next(client):
    UserFactory(username="layla")
    response = client.post(LOGIN, {"username": "layla", "password": "demo", "next": "/projects/x/"})
    assert response.url == "/projects/x/"


@pytest.mark.django_db
@pytest.mark.parametrize("behind_proxy", [False, True])
def test_behind_a_proxy_a_guesser_locks_only_their_own_address(settings, behind_proxy):
    settings.PROXY_COUNT = 1 if behind_proxy else 0  # NEWSREVIEW_PROXY_COUNT
    UserFactory(username="layla")
    guesser, layla = Client(), Client()
    for _attempt in range(5):
        guesser.post(LOGIN, {"username": "layla", "password": "wrong"},
                     HTTP_X_FORWARDED_FOR="203.0.113.9")  # fmt: skip
    # Every request reaches the app from the proxy (REMOTE_ADDR 127.0.0.1).
    response = layla.post(LOGIN, {"username": "layla", "password": "demo"},
                          HTTP_X_FORWARDED_FOR="198.51.100.7")  # fmt: skip
    assert response.status_code == (302 if behind_proxy else 429)


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "127.0.0.1"),  # no proxy: the header is the client's own words
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # a forged entry on the left is ignored
        (2, "203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (2, "10.0.0.2", "127.0.0.1"),  # shorter than the chain: the connection's address
        (1, "", "127.0.0.1"),
    ],
)
def test_client_address_is_the_entry_our_own_proxies_wrote(settings, count, forwarded, expected):
    from django.test import RequestFactory

    from newsreview.accounts.throttling import client_ip

    settings.PROXY_COUNT = count
    request = RequestFactory().post("/", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected
