"""A background export in real Chromium: the job page waits, then updates by itself (htmx
polling) once a real worker process has finished, and offers the file; "My jobs" lists
it. PostgreSQL: the worker process shares the test database with the live server."""

import json

import pytest
from django.db import connection
from django.urls import reverse

from tests.exports.conftest import seed_gold  # noqa: F401 (fixture)
from tests.servers import database_url, server_env, start_worker, stop


@pytest.mark.django_db(transaction=True)
def test_background_export_page_updates_by_itself_and_offers_the_file(
    login, live_server, seed_gold, reviewer, settings, tmp_path
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the worker process shares the test database")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    page = login(reviewer)
    page.goto(f"{live_server.url}{reverse('exports:export', args=['news'])}")
    page.select_option("#id_layer", "all")
    page.click("[data-export-background]")
    page.wait_for_url("**/jobs/*/")
    assert page.locator("[data-job-status]").get_attribute("data-job-status") == "queued"
    polls = []
    page.on("request", lambda r: polls.append(r.url) if "/jobs/" in r.url else None)

    worker = start_worker(server_env(database_url(), tmp_path / "storage"), tmp_path / "worker.log")
    try:
        page.wait_for_selector("[data-job-download]", timeout=60_000)
    finally:
        stop(worker)
    assert polls, "the job page never asked for its state"
    assert "records exported" in page.locator("[data-job-message]").text_content()
    with page.expect_download() as download_info:
        page.click("[data-job-download]")
    download = download_info.value
    assert download.suggested_filename == "news-all.jsonl"
    lines = open(download.path(), encoding="utf-8").read().splitlines()  # noqa: SIM115
    assert [json.loads(x)["layer"] for x in lines] == ["annotator1", "gold"]

    page.click("a[href='/jobs/']")
    assert page.locator("[data-job] [data-job-status='done']").count() == 1
