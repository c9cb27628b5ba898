"""The import pages in real Chromium: htmx upload, preview, confirm."""

import json

import pytest

from newsreview.annotations.models import Span
from newsreview.documents.models import Document
from tests.imports.conftest import HEADLINE


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


@pytest.mark.django_db(transaction=True)
def test_manager_uploads_previews_and_confirms_an_import(
    login, live_server, project, manager, tmp_path
):
    record = {"text": HEADLINE, "label": [[0, 5, "PERS"], [65, 70, "GPE"]]}
    path = tmp_path / "doccano.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    page = login(manager)
    page.goto(f"{live_server.url}/projects/{project.slug}/")
    page.click("text=Import")
    page.set_input_files("#id_file", str(path))
    page.select_option("#id_format", "doccano")
    page.click("button:has-text('Upload and preview')")
    page.wait_for_url("**/import/*/")
    assert page.locator("[data-count-spans]").get_attribute("data-count-spans") == "2"
    assert Document.objects.count() == 0
    page.click("[data-confirm-import]")
    page.wait_for_url(f"**/projects/{project.slug}/")
    assert "Imported 1 documents with 2 spans" in page.locator("#messages").inner_text()
    assert Document.objects.get().text == HEADLINE
    assert Span.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_errors_are_listed_in_the_page_without_a_confirm_button(
    login, live_server, project, manager, tmp_path
):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "نص", "label": [[0, 9, "PERS"]]}\n{oops\n', encoding="utf-8")
    page = login(manager)
    page.goto(f"{live_server.url}/projects/{project.slug}/import/")
    page.set_input_files("#id_file", str(path))
    page.click("button:has-text('Upload and preview')")
    page.wait_for_url("**/import/*/")
    assert page.locator("[data-import-error]").count() == 2
    assert page.locator("[data-confirm-import]").count() == 0
    assert "not valid JSON" in page.locator("#import-report").inner_text()


@pytest.mark.django_db(transaction=True)
def test_a_large_import_shows_its_progress_while_it_runs(
    login, live_server, project, manager, tmp_path
):
    line = json.dumps(
        {"text": HEADLINE, "label": [[0, 5, "PERS"], [28, 34, "GPE"], [65, 70, "GPE"]]},
        ensure_ascii=False,
    )
    path = tmp_path / "many.jsonl"
    path.write_text((line + "\n") * 4000, encoding="utf-8")
    page = login(manager)
    page.goto(f"{live_server.url}/projects/{project.slug}/import/")
    page.set_input_files("#id_file", str(path))
    page.select_option("#id_format", "doccano")
    page.click("button:has-text('Upload and preview')")
    page.wait_for_url("**/import/*/", timeout=60_000)
    polls = []
    page.on("request", lambda r: polls.append(r.url) if "/progress/" in r.url else None)
    page.click("[data-confirm-import]")
    page.wait_for_url(f"**/projects/{project.slug}/", timeout=60_000)
    assert polls, "the progress fragment was never requested"
    assert Document.objects.count() == 4000
