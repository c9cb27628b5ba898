"""Gold events as frames on the curation page, in real Chromium on the seed article
(issues 10 and 12): accepting the trip brings its frame in (out of band), realis and
roles are shown, hovering the frame outlines its trigger and arguments with role badges,
and a frame's link focuses the gold annotation in the text."""

from __future__ import annotations

import pytest
from django.urls import reverse

from newsreview.annotations import events as event_services
from newsreview.annotations.models import Event
from newsreview.review import merge, services
from tests.review.conftest import build_scenario

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def scenario(project, seed_document, annotator, other_annotator):
    project.annotators_per_document = 2
    project.save()
    return build_scenario(seed_document, annotator, other_annotator)


def test_accepted_event_shows_as_a_frame_that_highlights_its_arguments(
    login, live_server, scenario, reviewer
):
    document = scenario.a1.document
    services.start_review(document=document, by=reviewer)
    result = merge.merge(services.read_layers(document).inputs)
    (trip,) = [c for c in result.events if c.supporters == ["annotator1"]]
    page = login(reviewer)
    url = live_server.url + reverse("review:review", args=["news", document.pk])
    page.goto(url)
    assert "No event in gold yet." in page.locator("#review-frames").text_content()

    page.click(f'button[name="candidate"][value="{trip.id}"]')
    frame = page.locator("#review-frames [data-frame-for]")
    frame.wait_for()
    assert page.url == url
    gold_event = Event.objects.get(layer__kind="gold")
    assert frame.get_attribute("data-frame-for") == str(gold_event.trigger_id)
    text = frame.text_content()
    assert "رحلة" in text and "باريس" in text and "حموشي" in text
    assert frame.locator('[data-slot="ARTIFACT"] .slot__required').count() == 1

    # Realis set on gold, then the page again: shown in the frame.
    event_services.set_event_attribute(
        layer=gold_event.layer, event=gold_event, name="realis", value="planned", by=reviewer
    )
    page.reload()
    frame = page.locator("#review-frames [data-frame-for]")
    assert "planned" in frame.locator(".frame__attribute").text_content()

    # Hover: the trigger outlined, the arguments with their role as a badge.
    frame.hover()
    trigger = page.locator(f'[data-doc-text] [data-span-id="{gold_event.trigger_id}"]').first
    assert "hl-trigger" in trigger.get_attribute("class")
    paris = page.locator("[data-doc-text] .hl-arg[data-hl-role]", has_text="باريس")
    assert paris.get_attribute("data-hl-role") == "DESTINATION"

    # The argument's link focuses the gold span in the text; no reload.
    frame.locator('[data-slot="DESTINATION"] [data-focus-span]').click()
    focused = page.evaluate("document.activeElement.dataset.spanId || ''")
    argument = gold_event.arguments.get(role__key="DESTINATION")
    assert focused == str(argument.span_id)
    assert page.url == url
