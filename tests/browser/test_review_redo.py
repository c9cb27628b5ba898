"""Redo on the curation page in real Chromium (seed article, two annotators): undo and
redo by keyboard (u / Shift+U, Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y), listed in the shortcuts
dialog, never taken for a label key."""

from __future__ import annotations

import pytest

from newsreview.annotations.models import Span
from tests.browser.test_review import decided, focused_candidate, review_url
from tests.review.conftest import build_scenario

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def scenario(project, seed_document, annotator, other_annotator):
    project.annotators_per_document = 2
    project.save()
    return build_scenario(seed_document, annotator, other_annotator)


def gold_count() -> int:
    return Span.objects.filter(layer__kind="gold").count()


def test_reviewer_undoes_and_redoes_a_decision_by_keyboard(login, live_server, scenario, reviewer):
    document = scenario.a1.document
    page = login(reviewer)
    page.goto(review_url(live_server, document))
    page.keyboard.press("Enter")  # start (agreed spans pre-accepted)
    page.wait_for_selector('[data-gold-status="in_progress"]')
    page.keyboard.press("k")
    accepted = focused_candidate(page)
    start, end = (int(n) for n in accepted.split(":")[1:3])
    page.keyboard.press("a")
    decided(page, 1)
    with_decision = gold_count()
    in_gold = f'[data-doc-text] [data-span-id][data-start="{start}"][data-end="{end}"]'
    assert page.locator(in_gold).count() >= 1

    for undo, redo in (
        ("u", "Shift+U"),
        ("Control+z", "Control+Shift+Z"),
        ("Control+z", "Control+y"),
    ):
        page.keyboard.press(undo)
        decided(page, 0)
        page.wait_for_selector(in_gold, state="detached")
        assert gold_count() == with_decision - 1
        page.keyboard.press(redo)
        decided(page, 1)
        page.wait_for_selector(in_gold)
        assert gold_count() == with_decision

    # Nothing more to redo: said, nothing changed.
    page.keyboard.press("Shift+U")
    page.wait_for_selector("#review-problems .problem")
    assert "nothing to redo" in page.locator("#review-problems").text_content().lower()
    assert gold_count() == with_decision

    # The button does the same, and the dialog lists the keys.
    page.keyboard.press("u")
    decided(page, 0)
    page.get_by_role("button", name="Redo").click()
    decided(page, 1)
    page.keyboard.press("h")
    help_text = page.locator("#review-help").text_content()
    assert "Redo the review step you last undid" in help_text
