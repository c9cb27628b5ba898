"""Search as an annotator types it, in real Chromium: spellings with shadda, without hamza
or with another hamza carrier, and another inflection, find the seed article (on the
database the suite runs on: PostgreSQL in CI, with its arabic full-text search)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import DocumentFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("query", ["حمّوشي", "الامن", "مسئولين", "المسئول"])
def test_search_box_finds_the_seed_article_in_other_spellings(
    login, live_server, project, seed_document, annotator, query
):
    DocumentFactory(project=project, title="الطقس", text="الطقس: أمطار غزيرة في الرباط")
    page = login(annotator)
    page.goto(live_server.url + reverse("documents:document-list", args=[project.slug]))
    assert page.locator("#document-table tbody tr").count() == 2
    page.fill("#q", query)
    page.wait_for_function(
        """() => document.querySelectorAll('#document-table tbody tr').length === 1
            && document.querySelector('#document-table .search-snippet mark')"""
    )
    row = page.locator("#document-table tbody tr")
    assert seed_document.title in row.text_content()
    assert "الطقس" not in row.text_content()
    assert "q=" in page.url  # pushed: a shareable URL
