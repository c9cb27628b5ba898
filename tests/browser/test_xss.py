"""Hostile text in every place users can type it, rendered in real Chromium: nothing runs,
and the text shows literally.

Three independent witnesses per page: no dialog opens, the global the payloads would
set stays undefined, and the browser reports no CSP violation (an unescaped payload
would be *blocked* by the CSP and so leave the global undefined; the violation report
catches that case, and the literal-text check catches escaping that mangles text)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.urls import reverse

from newsreview.annotations import services
from newsreview.projects.models import Membership
from tests.factories import (
    DocumentFactory,
    EntityTypeFactory,
    LabelSchemaFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
)

SCRIPT = "<script>window.__xss='script';alert('script')</script>"
IMG = "<img src=x onerror=\"window.__xss='img';alert('img')\">"
SVG = "\"'><svg onload=window.__xss='svg'>"
JS_URL = "javascript:window.__xss='url';alert('url')"
BIDI = "\u202eفيديو.exe\u202c"  # right-to-left override: "exe.ويديف" spoofing

# Recorded before any page script runs; init scripts are injected by the browser and
# are not subject to the page's CSP.
WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || ''));
});
"""


@dataclass
class Hostile:
    project_name: str
    title: str
    text: str
    label_name: str
    username: str
    comment: str


HOSTILE = Hostile(
    project_name=f"مشروع {SCRIPT}{IMG}",
    title=f"{BIDI} {SCRIPT}",
    text=f"حموشي {IMG} {SVG} {SCRIPT} {JS_URL}\nسطر ثان",
    label_name=f"شخص {IMG}",
    username=f"u{SVG}{IMG}"[:150],
    comment=f"{SCRIPT} {IMG} {JS_URL}",
)


@pytest.fixture
def hostile_world(db):
    schema = LabelSchemaFactory(name=f"schema {SCRIPT}")
    label = EntityTypeFactory(schema=schema, key="PERS", name_en=HOSTILE.label_name)
    label.name_ar = HOSTILE.label_name
    label.save()
    project = ProjectFactory(
        slug="evil", name=HOSTILE.project_name, schema=schema, description=f"{IMG} {BIDI}"
    )
    document = DocumentFactory(
        project=project,
        title=HOSTILE.title,
        text=HOSTILE.text,
        source_url=JS_URL,
        metadata={"note": SCRIPT},
    )
    evil = UserFactory(username=HOSTILE.username)
    MembershipFactory(project=project, user=evil, role=Membership.Role.ANNOTATOR)
    manager = UserFactory(username="boss")
    MembershipFactory(project=project, user=manager, role=Membership.Role.MANAGER)
    layer = services.get_or_create_layer(document=document, user=evil)
    span = services.add_span(layer=layer, start=0, end=5, label=label, by=evil)
    services.add_comment(layer=layer, text=HOSTILE.comment, by=evil, span=span)
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    return {
        "project": project,
        "document": document,
        "layer": layer,
        "evil": evil,
        "manager": manager,
        "admin": admin,
    }


@pytest.fixture
def watched_page(page):
    dialogs: list[str] = []

    def on_dialog(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.add_init_script(WATCH)
    page.dialogs = dialogs
    return page


def assert_nothing_ran(page, *literals: str) -> None:
    page.wait_for_load_state("load")
    assert page.dialogs == [], f"a payload opened a dialog on {page.url}: {page.dialogs}"
    assert page.evaluate("typeof window.__xss") == "undefined", (
        f"a payload ran on {page.url}: {page.evaluate('window.__xss')}"
    )
    assert page.evaluate("window.__csp") == [], (
        f"CSP violations on {page.url}: {page.evaluate('window.__csp')}"
    )
    body = page.locator("body").text_content()
    for literal in literals:
        assert literal in body, f"{literal!r} is not shown literally on {page.url}"


BIDI_ISOLATED = """(needle) => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const found = [];
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.data.includes(needle) || node.parentElement.closest('title, option')) continue;
    let el = node.parentElement, isolated = false;
    while (el && el !== document.body) {
      if (getComputedStyle(el).unicodeBidi.includes('isolate')) { isolated = true; break; }
      el = el.parentElement;
    }
    found.push(isolated);
  }
  return found;
}"""


def assert_bidi_isolated(page) -> None:
    """Every occurrence of the override sits in an isolating element (<bdi>, dir=…), so it
    cannot reorder the text around it."""
    found = page.evaluate(BIDI_ISOLATED, "\u202e")
    assert found, f"the bidi title is not on {page.url}"
    assert all(found), f"a bidi override is not isolated on {page.url}: {found}"


@pytest.mark.django_db(transaction=True)
def test_hostile_text_does_not_run_on_project_and_document_pages(
    hostile_world, watched_page, login, live_server
):
    page = watched_page
    login(hostile_world["manager"])
    document = hostile_world["document"]
    page.goto(f"{live_server.url}/")
    assert_nothing_ran(page, HOSTILE.project_name)

    page.goto(f"{live_server.url}{reverse('documents:document-list', args=['evil'])}")
    assert_nothing_ran(page, HOSTILE.project_name, SCRIPT)
    assert_bidi_isolated(page)

    detail = reverse("documents:document-detail", args=["evil", document.pk])
    page.goto(f"{live_server.url}{detail}?layer={hostile_world['layer'].pk}")
    assert_nothing_ran(page, SCRIPT)
    assert page.locator("[data-doc-text]").text_content() == document.text
    assert page.locator("[data-span-id]").count() == 1

    history = reverse("documents:document-history", args=["evil", document.pk])
    page.goto(f"{live_server.url}{history}")
    assert_nothing_ran(page, HOSTILE.username, HOSTILE.comment)

    members = reverse("projects:member-list", args=["evil"])
    page.goto(f"{live_server.url}{members}")
    assert_nothing_ran(page, HOSTILE.username)


@pytest.mark.django_db(transaction=True)
def test_hostile_label_names_and_text_do_not_run_in_the_workspace(
    hostile_world, watched_page, login, live_server
):
    page = watched_page
    login(hostile_world["evil"])
    document = hostile_world["document"]
    page.goto(f"{live_server.url}{reverse('annotations:annotate', args=['evil', document.pk])}")
    assert_nothing_ran(page, HOSTILE.label_name)
    assert page.locator("[data-doc-text]").text_content() == document.text
    # The page fetches its gazetteer suggestions after loading: let that request finish,
    # or the test database is emptied under its open transaction (a deadlock at teardown).
    page.wait_for_load_state("networkidle")


@pytest.mark.django_db(transaction=True)
def test_hostile_project_name_does_not_run_on_export_and_import_pages(
    hostile_world, watched_page, login, live_server
):
    page = watched_page
    login(hostile_world["manager"])
    page.goto(f"{live_server.url}{reverse('exports:export', args=['evil'])}")
    assert_nothing_ran(page, HOSTILE.project_name)
    page.goto(f"{live_server.url}{reverse('imports:upload', args=['evil'])}")
    assert_nothing_ran(page, HOSTILE.project_name)


@pytest.mark.django_db(transaction=True)
def test_hostile_username_does_not_run_in_the_top_bar(
    hostile_world, watched_page, login, live_server
):
    page = watched_page
    login(hostile_world["evil"])
    page.goto(f"{live_server.url}{reverse('documents:document-list', args=['evil'])}")
    assert_nothing_ran(page, HOSTILE.username, HOSTILE.project_name)


@pytest.mark.django_db(transaction=True)
def test_hostile_search_query_is_shown_not_run(hostile_world, watched_page, login, live_server):
    page = watched_page
    login(hostile_world["manager"])
    url = reverse("documents:document-list", args=["evil"])
    page.goto(f"{live_server.url}{url}?q={IMG}")
    assert_nothing_ran(page)
    assert page.locator("#q").input_value() == IMG


ADMIN_PAGES = [
    ("projects", "project", "project"),
    ("documents", "document", "document"),
    ("accounts", "user", "evil"),
    ("annotations", "comment", None),
    ("projects", "entitytype", None),
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("app", "model", "obj"), ADMIN_PAGES)
def test_hostile_text_does_not_run_in_admin(
    hostile_world, watched_page, login, live_server, app, model, obj
):
    from django.contrib import admin
    from django.urls import NoReverseMatch

    try:
        changelist = reverse(f"admin:{app}_{model}_changelist")
    except NoReverseMatch:
        registered = sorted(m._meta.label for m in admin.site._registry)
        pytest.fail(f"{app}.{model} is not in the admin (registered: {registered})")
    page = watched_page
    login(hostile_world["admin"])
    page.goto(f"{live_server.url}{changelist}")
    assert_nothing_ran(page)
    if obj is not None:
        target = hostile_world[obj]
        page.goto(f"{live_server.url}{reverse(f'admin:{app}_{model}_change', args=[target.pk])}")
        assert_nothing_ran(page)
