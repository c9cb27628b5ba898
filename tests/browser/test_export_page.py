"""The export page in real Chromium: options follow the chosen format, the download
arrives with the progress indicator replaced by "Download started", the check lists
what the format cannot carry."""

import io
import json
import zipfile

import pytest
from django.urls import reverse

from tests.exports.conftest import seed_gold  # noqa: F401 (fixture)


@pytest.mark.django_db(transaction=True)
def test_reviewer_downloads_an_export_from_the_project_page(
    login,
    live_server,
    seed_gold,
    reviewer,
):
    page = login(reviewer)
    page.goto(f"{live_server.url}{reverse('documents:document-list', args=['news'])}")
    page.click("a[href$='/export/']")
    page.wait_for_selector("[data-export-form]")
    # The module script hides the options of formats not chosen (jsonl has none).
    page.wait_for_selector("[data-format-options=doccano]", state="hidden")
    page.select_option("#id_format", "doccano")
    page.wait_for_selector("[data-format-options=doccano]", state="visible")
    # The tool set-up notes follow the format too.
    page.wait_for_selector("[data-format-help=doccano]", state="visible")
    page.wait_for_selector("[data-format-help=labelstudio]", state="hidden")
    assert "JSONL(Relation)" in page.locator("[data-format-help=doccano]").inner_text()
    page.select_option("#id_format", "labelstudio")
    page.wait_for_selector("[data-format-help=labelstudio]", state="visible")
    page.wait_for_selector("[data-format-help=doccano]", state="hidden")
    page.select_option("#id_format", "jsonl")
    page.select_option("#id_layer", "all")
    page.wait_for_selector("[data-record-count='2']")

    with page.expect_download() as download_info:
        page.click("[data-export-submit]")
    download = download_info.value
    assert download.suggested_filename == "news-all.jsonl"
    lines = open(download.path(), encoding="utf-8").read().splitlines()  # noqa: SIM115
    assert [json.loads(x)["layer"] for x in lines] == ["annotator1", "gold"]
    page.wait_for_selector("[data-export-started]", state="visible")
    page.wait_for_selector("[data-export-preparing]", state="hidden")


@pytest.mark.django_db(transaction=True)
def test_check_lists_comments_brat_cannot_carry_then_brat_zip_downloads(
    login,
    live_server,
    seed_gold,
    manager,
):
    page = login(manager)
    page.goto(f"{live_server.url}{reverse('exports:export', args=['news'])}")
    page.select_option("#id_format", "brat")
    page.click("text=Check for problems")
    page.wait_for_selector("[data-warning-count='1']")
    assert "a comment not attached to a span" in page.locator("#export-summary").inner_text()
    with page.expect_download() as download_info:
        page.click("[data-export-submit]")
    with zipfile.ZipFile(io.BytesIO(open(download_info.value.path(), "rb").read())) as z:  # noqa: SIM115
        assert "seed.ann" in z.namelist()


@pytest.mark.django_db(transaction=True)
def test_a_download_that_leaves_annotations_out_says_so_on_the_page(
    login,
    live_server,
    seed_gold,
    manager,
):
    page = login(manager)
    page.goto(f"{live_server.url}{reverse('exports:export', args=['news'])}")
    page.select_option("#id_format", "brat")
    page.wait_for_selector("[data-record-count='1']")
    with page.expect_download():
        page.click("[data-export-submit]")  # straight away, without "Check for problems"
    page.wait_for_selector("[data-warning-count='1']")
    summary = page.locator("#export-summary").inner_text()
    assert "does not hold everything you selected" in summary
    assert "a comment not attached to a span" in summary
