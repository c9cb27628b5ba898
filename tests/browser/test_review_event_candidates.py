"""Candidate events on the curation page in real Chromium (seed article): the trip's two
candidates are one frame in the side panel saying who proposed which argument, reached
by keyboard; accepting the one with both arguments brings them into gold."""

from __future__ import annotations

import pytest

from newsreview.annotations.models import Event
from tests.browser.test_review import decided, focused_candidate, review_url
from tests.review.conftest import build_scenario

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def scenario(project, seed_document, annotator, other_annotator):
    project.annotators_per_document = 2
    project.save()
    return build_scenario(seed_document, annotator, other_annotator)


def test_candidate_events_are_a_frame_reached_by_keyboard_and_accepted_whole(
    login, live_server, scenario, reviewer
):
    document = scenario.a1.document
    page = login(reviewer)
    page.goto(review_url(live_server, document))
    page.keyboard.press("Enter")
    page.wait_for_selector('[data-gold-status="in_progress"]')
    # k to the trip's group (the third undecided one).
    for _ in range(3):
        page.keyboard.press("k")
    assert focused_candidate(page).startswith("v:")
    # Tab past the candidates to the frame.
    for _ in range(3):
        if page.evaluate("document.activeElement.hasAttribute('data-event-frame')"):
            break
        page.keyboard.press("Tab")
    frame = page.locator(":focus")
    assert frame.get_attribute("data-event-frame") is not None
    artifact = frame.locator('[data-slot="ARTIFACT"]')
    assert "differs" in artifact.text_content()
    assert "حموشي" in artifact.text_content() and "annotator1" in artifact.text_content()
    assert "annotator2" in artifact.text_content()  # proposed no ARTIFACT
    destination = frame.locator('[data-slot="DESTINATION"]').text_content()
    assert "باريس" in destination and "same" in destination

    # a: the group's first candidate (annotator1's, with both arguments) goes into gold.
    page.keyboard.press("a")
    decided(page, 1)
    event = Event.objects.get(layer__kind="gold")
    assert {(a.role.key, a.span.text) for a in event.arguments.select_related("role", "span")} == {
        ("ARTIFACT", "حموشي"),
        ("DESTINATION", "باريس"),
    }
    page.locator("#review-frames [data-frame-for]").wait_for()
