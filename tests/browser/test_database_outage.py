"""In real Chromium against real gunicorn, while the database is unreachable: an htmx
request shows the server's short 503 message in #problems; a workspace action is kept
(its mark drawn, "not saved, retrying" and the server's 503 message shown, nothing stored)
and, once the database is back, saved exactly once by the same page without a reload, the
message gone."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from newsreview.annotations.models import Span
from tests.core.test_database_outage import MESSAGE, real_password_hashers
from tests.factories import DocumentFactory, MembershipFactory, UserFactory
from tests.servers import Relay, database_url, free_port, manage, server_env, start_gunicorn, stop

from .test_annotate import wait_for_spans

SELECT = """([start, end]) => {
  const root = document.querySelector('[data-doc-text]');
  const at = (cp) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    let node, remaining = cp;
    while ((node = walker.nextNode())) {
      const chars = Array.from(node.data);
      if (remaining <= chars.length) return [node, chars.slice(0, remaining).join('').length];
      remaining -= chars.length;
    }
  };
  root.focus();
  getSelection().setBaseAndExtent(...at(start), ...at(end));
}"""

SHOWS_MESSAGE = "(text) => document.getElementById('problems').textContent.includes(text)"

pytestmark = pytest.mark.django_db(transaction=True)


def test_outage_shows_the_503_and_the_workspace_saves_the_action_once_the_database_returns(
    page, project, tmp_path, settings
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the server process shares the test database")
    real_password_hashers(settings)
    annotator = UserFactory(username="outage-reviewer")
    MembershipFactory(project=project, user=annotator, role="reviewer")
    document = DocumentFactory(project=project)
    s = connection.settings_dict
    relay = Relay((s["HOST"] or "127.0.0.1", int(s["PORT"] or 5432)))
    env = server_env(
        database_url(port=relay.port),
        tmp_path / "storage",
        NEWSREVIEW_STATIC_ROOT=str(tmp_path / "static"),
    )
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    port = free_port()
    server = start_gunicorn(env, port, tmp_path / "gunicorn.log")
    base = f"http://127.0.0.1:{port}"
    try:
        page.goto(f"{base}/accounts/login/")
        page.fill("#id_username", annotator.username)
        page.fill("#id_password", "demo")
        page.click("main button[type=submit]")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        # An htmx request (the export page's summary) while the database is away.
        page.goto(base + reverse("exports:export", args=[project.slug]))
        relay.cut()
        page.select_option("#id_format", "doccano")
        page.wait_for_selector("#problems .problem")
        assert MESSAGE in page.locator("#problems").text_content()
        relay.restore()

        page.goto(base + reverse("annotations:annotate", args=[project.slug, document.pk]))
        page.evaluate("window.__noReload = true")
        page.evaluate("document.fonts.ready.then(() => true)")  # glyphs where they stay
        start = document.text.index("المدير")

        relay.cut()
        # This test is about the outage, not selecting: select [start, end) directly.
        page.evaluate(SELECT, [start, start + 6])
        # The selection's label suggestions (an htmx read) meet the 503 first; cleared, so
        # that what follows can only come from the queue's own retries.
        page.wait_for_function(SHOWS_MESSAGE, arg=MESSAGE)
        page.evaluate("document.getElementById('problems').replaceChildren()")
        page.keyboard.press("p")
        # The queue keeps the action and retries it (a 503 is transient): nothing stored.
        page.wait_for_selector("#save-state.save-state--failing")
        assert page.locator("[data-pending]").count() >= 1
        # The server's reason, not only "retrying", is in the workspace's problems area.
        page.wait_for_function(SHOWS_MESSAGE, arg=MESSAGE)
        assert not Span.objects.exists()

        relay.restore()
        # The next retry (back-off up to 8 s) saves it, with no action from the user.
        page.wait_for_selector("#save-state", state="hidden", timeout=30_000)
        wait_for_spans(page, 1)
        assert page.evaluate("window.__noReload") is True
        # The saved answer replaces the outage message: it no longer says anything is wrong.
        assert MESSAGE not in page.locator("#problems").text_content()
    finally:
        stop(server)
        relay.close()
    span = Span.objects.get()
    assert (span.start, span.end, span.entity_type.key) == (start, start + 6, "PERS")
