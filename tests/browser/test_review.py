"""The curation page in real Chromium on the seed article: two annotators' layers with
known differences (built through the services), every disagreement resolved by keyboard
only, the gold layer checked, approved, and exported."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from newsreview.annotations.models import AnnotationLayer, Event, Span
from tests.review.conftest import build_scenario

pytestmark = pytest.mark.django_db(transaction=True)


# Select the code points [start, end) of [data-doc-text] (a selection, as a drag makes).
SELECT = """([start, end]) => {
  const root = document.querySelector('[data-doc-text]');
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const units = (node, cps) => Array.from(node.data).slice(0, cps).join('').length;
  let seen = 0, node, started = false;
  const range = document.createRange();
  while ((node = walker.nextNode())) {
    const n = Array.from(node.data).length;
    if (!started && start < seen + n) {
      range.setStart(node, units(node, start - seen));
      started = true;
    }
    if (end <= seen + n) { range.setEnd(node, units(node, end - seen)); break; }
    seen += n;
  }
  const s = getSelection(); s.removeAllRanges(); s.addRange(range);
}"""


def review_url(live_server, document) -> str:
    return live_server.url + reverse("review:review", args=[document.project.slug, document.pk])


def decided(page, n: int) -> None:
    page.wait_for_selector(f'[data-counter][data-decided="{n}"]')


def focused_candidate(page) -> str:
    return page.evaluate("document.activeElement.dataset.candidate || ''")


@pytest.fixture
def scenario(project, seed_document, annotator, other_annotator):
    project.annotators_per_document = 2
    project.save()
    return build_scenario(seed_document, annotator, other_annotator)


def test_reviewer_resolves_every_group_by_keyboard_and_gold_exports_exactly(
    login, live_server, scenario, reviewer
):
    document = scenario.a1.document
    page = login(reviewer)
    page.goto(review_url(live_server, document))
    assert page.locator("[data-doc-text]").text_content() == document.text
    assert "0 of 5 decided" in page.locator("[data-counter]").text_content()
    # The Start button has the focus: Enter starts the review (agreed spans pre-accepted).
    page.keyboard.press("Enter")
    page.wait_for_selector('[data-gold-status="in_progress"]')
    assert page.locator("[data-doc-text] [data-span-id]").count() == 4

    page.keyboard.press("k")  # 1: الفرنسيين, GPE (annotator2) or NORP (annotator1)
    assert focused_candidate(page).endswith(":GPE")
    page.keyboard.press("ArrowDown")
    assert focused_candidate(page).endswith(":NORP")
    page.keyboard.press("a")
    decided(page, 1)
    # The next undecided group is current by itself: فرنسا, missing in annotator2's layer.
    assert focused_candidate(page).endswith(":GPE")
    page.keyboard.press("a")
    decided(page, 2)
    # The trip: annotator1's event (with ARTIFACT) comes first.
    assert focused_candidate(page).startswith("v:")
    page.keyboard.press("a")
    decided(page, 3)
    # The name: annotator2 included «السيد»; annotator1's boundaries are right.
    start, end = scenario.spans["full_name"]
    page.keyboard.press("ArrowDown")
    assert focused_candidate(page) == f"e:{start}:{end}:PERS"
    page.keyboard.press("a")
    decided(page, 4)
    # The nested ORG only annotator1 saw: reject.
    page.keyboard.press("r")
    decided(page, 5)
    assert "5 of 5 decided" in page.locator("[data-counter]").text_content()

    gold = AnnotationLayer.objects.get(document=document, kind="gold")
    spans = {
        (s.start, s.end, s.label_key)
        for s in Span.objects.filter(layer=gold, entity_type__isnull=False).select_related(
            "entity_type"
        )
    }
    assert spans == scenario.expected_gold()
    event = Event.objects.get(layer=gold)
    assert event.trigger.text == "رحلة"
    assert {(a.role.key, a.span.text) for a in event.arguments.all()} == {
        ("ARTIFACT", "حموشي"),
        ("DESTINATION", "باريس"),
    }

    page.keyboard.press("s")  # approve
    page.wait_for_selector('[data-gold-status="reviewed"]')
    assert set(
        AnnotationLayer.objects.filter(document=document).values_list("status", flat=True)
    ) == {"reviewed"}

    out = io.StringIO()
    call_command("export_annotations", "--project", "news", "--format", "jsonl", stdout=out)
    (record,) = [json.loads(line) for line in out.getvalue().splitlines()]
    assert (record["layer"], record["status"]) == ("gold", "reviewed")
    entities = {(e["start"], e["end"], e["label"]) for e in record["entities"]}
    assert entities == scenario.expected_gold()
    for e in record["entities"]:
        assert e["text"] == document.text[e["start"] : e["end"]]
    (exported,) = record["events"]
    by_id = {e["id"]: e for e in record["entities"]}
    assert exported["type"] == "MOVEMENT_TRANSPORT"
    assert exported["trigger"]["text"] == "رحلة"
    assert {(a["role"], by_id[a["entity"]]["text"]) for a in exported["arguments"]} == {
        ("ARTIFACT", "حموشي"),
        ("DESTINATION", "باريس"),
    }


def test_reviewer_adds_deletes_and_undoes_a_gold_span_by_keyboard(
    login, live_server, scenario, reviewer
):
    document = scenario.a1.document
    page = login(reviewer)
    page.goto(review_url(live_server, document))
    page.keyboard.press("Enter")
    page.wait_for_selector('[data-gold-status="in_progress"]')
    # Select «الأمن» (the first one) with the keyboard-free Selection API, then a label key.
    start = document.text.index("الأمن")
    page.evaluate(SELECT, [start, start + 5])
    page.keyboard.press("o")
    page.wait_for_selector(
        f'[data-doc-text] [data-span-id][data-start="{start}"][data-label="ORG"]'
    )
    page.locator(f'[data-doc-text] [data-span-id][data-start="{start}"]').first.focus()
    page.keyboard.press("x")
    page.wait_for_selector(
        f'[data-doc-text] [data-span-id][data-start="{start}"]', state="detached"
    )
    page.keyboard.press("u")
    page.wait_for_selector(
        f'[data-doc-text] [data-span-id][data-start="{start}"][data-label="ORG"]'
    )
    page.keyboard.press("h")
    assert page.locator("#review-help").evaluate("d => d.open")
    assert "Next / previous undecided disagreement" in page.locator("#review-help").text_content()
