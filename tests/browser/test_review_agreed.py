"""A long agreed list on the curation page is loaded when its section is opened (real
Chromium): by keyboard, on the summary, then the rows are there."""

from __future__ import annotations

import re

import pytest

from newsreview.review import services
from newsreview.review.context import AGREED_INLINE
from tests.browser.test_review import review_url
from tests.factories import DocumentFactory, MembershipFactory, UserFactory
from tests.review.test_views import _layers_with

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_long_agreed_list_loads_when_opened_by_keyboard(login, live_server, project, reviewer):
    project.annotators_per_document = 2
    project.save()
    text = ("حموشي يعيد الدفء إلى علاقات المغرب بفرنسا\n" * 40)[:2_000]
    document = DocumentFactory(project=project, text=text)
    users = [UserFactory(username=f"a{n}") for n in range(2)]
    for user in users:
        MembershipFactory(project=project, user=user, role="annotator")
    _layers_with(project, document, users, AGREED_INLINE * 3)
    services.start_review(document=document, by=reviewer)
    page = login(reviewer)
    page.goto(review_url(live_server, document))
    summary = page.locator("details.agreed > summary")
    count = int(re.search(r"\d+", summary.text_content())[0])
    assert count >= AGREED_INLINE
    assert page.locator(".agreed-list li").count() == 0

    summary.focus()
    page.keyboard.press("Enter")
    # (No wait_for_function: the page's CSP forbids evaluating strings.)
    page.locator(f".agreed-list li:nth-child({count})").wait_for()
    assert page.locator(".agreed-list li").count() == count
    assert "حموشي" in page.locator(".agreed-list").text_content()
