"""Gazetteer suggestions in real Chromium: dashed outlines over the text (never nodes in
it), a accepts the highlighted one, r rejects it, Shift+A accepts the rest, u undoes."""

from __future__ import annotations

import pytest

from newsreview.annotations.models import Span
from newsreview.arabic.models import GazetteerEntry, RejectedSuggestion
from newsreview.projects.models import EntityType
from tests.browser.test_annotate import open_workspace, wait_for_spans
from tests.factories import DocumentFactory

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for_suggestions(page, count: int) -> None:
    page.wait_for_function(
        """n => document.querySelectorAll('#suggestions [data-suggestion]').length === n
            && document.querySelector('#suggestions h2')
            && !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')""",
        arg=count,
    )


def test_accept_and_reject_suggestions_by_key(login, live_server, project, annotator):
    text = "زار حمّوشي باريس ثم بفرنسا\nوعاد حموشي من باريس"
    document = DocumentFactory(project=project, text=text)
    for name, key in (("حموشي", "PERS"), ("باريس", "GPE"), ("فرنسا", "GPE")):
        GazetteerEntry.objects.create(
            project=project,
            text=name,
            entity_type=EntityType.objects.get(schema=project.schema, key=key),
        )
    page = open_workspace(login, live_server, annotator, document)
    wait_for_suggestions(page, 5)
    # Outlines are drawn beside the text: its textContent stays the document text.
    assert page.locator(".suggestion-box").count() >= 5
    assert page.locator("[data-doc-text]").text_content() == text
    assert page.locator(".suggestion-box.is-current").count() >= 1

    page.locator("[data-doc-text]").focus()
    page.keyboard.press("a")  # accept the first: حمّوشي
    wait_for_spans(page, 1)
    wait_for_suggestions(page, 4)
    first = Span.objects.get()
    assert (text[first.start : first.end], first.label_key, first.origin) == (
        "حمّوشي",
        "PERS",
        "gazetteer",
    )

    page.keyboard.press("r")  # reject the next: باريس
    wait_for_suggestions(page, 3)
    assert RejectedSuggestion.objects.count() == 1

    page.keyboard.press("Shift+A")  # the rest at once
    wait_for_spans(page, 4)
    wait_for_suggestions(page, 0)
    spans = Span.objects.order_by("start")
    assert [text[s.start : s.end] for s in spans] == ["حمّوشي", "فرنسا", "حموشي", "باريس"]
    assert spans.last().start == text.rindex("باريس")  # the rejected first باريس stays out
    assert page.locator("[data-doc-text]").text_content() == text

    page.keyboard.press("u")  # one undo takes back the whole Shift+A
    wait_for_spans(page, 1)
    assert Span.objects.count() == 1
