"""Label all mentions in real Chromium: label a name, press =, check the preview, accept
some, and undo them all with one key."""

from __future__ import annotations

import pytest

from newsreview.annotations.models import Change, Span
from newsreview.jobs.models import Job
from tests.browser.test_annotate import drag_select, open_workspace, wait_for_spans

pytestmark = pytest.mark.django_db(transaction=True)


def test_label_all_mentions_with_preview_partial_acceptance_and_one_undo(
    login, live_server, seed_document, annotator
):
    text = seed_document.text
    start = text.index("حموشي")
    page = open_workspace(login, live_server, annotator, seed_document)
    drag_select(page, start, start + 5)
    page.keyboard.press("p")
    wait_for_spans(page, 1)

    page.keyboard.press("=")
    dialog = page.locator("#mentions-dialog")
    dialog.locator("[data-mention]").first.wait_for()
    assert dialog.evaluate("d => d.open") is True
    boxes = dialog.locator("[data-mention]")
    assert boxes.count() == 5
    assert "حموشي" in dialog.locator(".mention-list mark").first.text_content()
    # Leave out the second and the fourth.
    boxes.nth(1).uncheck()
    boxes.nth(3).uncheck()
    dialog.locator("[data-mentions-submit]").click()
    wait_for_spans(page, 4)
    assert dialog.evaluate("d => d.open") is False
    assert "Labelled 3 mentions" in page.locator("#mentions-status").text_content()
    spans = list(Span.objects.filter(layer__document=seed_document).order_by("start"))
    assert [text[s.start : s.end] for s in spans] == ["حموشي"] * 4
    assert Change.objects.filter(action="span.add_batch").count() == 1
    assert page.locator("[data-doc-text]").text_content() == text

    page.keyboard.press("u")
    wait_for_spans(page, 1)
    assert Span.objects.filter(layer__document=seed_document).count() == 1
    assert page.evaluate("window.__noReload") is True


def test_uncheck_all_then_label_nothing_is_refused_in_the_dialog(
    login, live_server, seed_document, annotator
):
    text = seed_document.text
    start = text.index("فرنسا")
    page = open_workspace(login, live_server, annotator, seed_document)
    drag_select(page, start, start + 5)
    page.keyboard.press("g")
    wait_for_spans(page, 1)
    page.click("[data-mentions-open]")
    dialog = page.locator("#mentions-dialog")
    dialog.locator("[data-mention]").first.wait_for()
    assert dialog.locator("[data-mention]").count() == 1  # وفرنسا, clitic outside
    dialog.locator("[data-mentions-all]").uncheck()
    dialog.locator("[data-mentions-submit]").click()
    page.wait_for_selector("#mentions-problem .problem")
    assert Span.objects.filter(layer__document=seed_document).count() == 1


def test_label_all_mentions_in_my_other_documents_too(
    login, live_server, project, seed_document, annotator
):
    from tests.factories import DocumentFactory

    other = DocumentFactory(
        project=project, title="خبر آخر", text="وصل حموشي إلى الرباط\nثم غادر حمّوشي"
    )
    text = seed_document.text
    start = text.index("حموشي")
    page = open_workspace(login, live_server, annotator, seed_document)
    drag_select(page, start, start + 5)
    page.keyboard.press("p")
    wait_for_spans(page, 1)
    page.keyboard.press("=")
    dialog = page.locator("#mentions-dialog")
    dialog.locator("[data-mention]").first.wait_for()
    # A background job: the dialog first shows its progress, then polls for the preview.
    with page.expect_response(lambda r: "/mentions/project/" in r.url) as started:
        dialog.locator("[data-mentions-project]").click()
    assert "data-mentions-progress" in started.value.text()
    page.wait_for_function(
        "() => document.querySelectorAll('#mentions-dialog [data-mention]').length === 7"
    )
    assert Job.objects.get().kind == Job.Kind.MENTIONS
    assert dialog.locator(".mention-list__doc").count() == 2  # the other document's two
    assert "خبر آخر" in dialog.locator(".mention-list__doc").first.text_content()
    dialog.locator("[data-mentions-submit]").click()
    wait_for_spans(page, 6)
    assert "Labelled 7 mentions in 2 document(s)" in page.locator("#mentions-status").text_content()
    other_spans = Span.objects.filter(layer__document=other, layer__owner=annotator)
    assert sorted(s.text for s in other_spans) == ["حموشي", "حمّوشي"]


def test_project_wide_job_shows_progress_then_preview_and_some_accepted_undo_at_once(
    login, live_server, project, seed_document, annotator
):
    from tests.factories import DocumentFactory

    other = DocumentFactory(project=project, title="خبر آخر", text="وصل حموشي\nثم غادر حمّوشي")
    text = seed_document.text
    start = text.index("حموشي")
    page = open_workspace(login, live_server, annotator, seed_document)
    drag_select(page, start, start + 5)
    page.keyboard.press("p")
    wait_for_spans(page, 1)
    page.keyboard.press("=")
    dialog = page.locator("#mentions-dialog")
    dialog.locator("[data-mention]").first.wait_for()
    # Record every state the dialog's body goes through (the progress may be brief).
    page.evaluate(
        """() => { window.__states = [];
        new MutationObserver(() => {
          const body = document.getElementById('mentions-body');
          window.__states.push(body?.querySelector('[data-mentions-progress]') ? 'progress'
            : body?.querySelector('[data-mention]') ? 'preview' : 'other');
        }).observe(document.getElementById('mentions-dialog'), {childList: true, subtree: true});
        }"""
    )
    dialog.locator("[data-mentions-project]").click()
    page.wait_for_function(
        "() => document.querySelectorAll('#mentions-dialog [data-mention]').length === 7"
    )
    states = page.evaluate("window.__states")
    assert "progress" in states
    assert states.index("progress") < len(states) - 1 - states[::-1].index("preview")
    boxes = dialog.locator("[data-mention]")
    # Accept the first of this document and the first of the other one only.
    dialog.locator("[data-mentions-all]").uncheck()
    boxes.nth(0).check()
    dialog.locator(f'[data-mention][value^="{other.pk}:"]').first.check()
    dialog.locator("[data-mentions-submit]").click()
    wait_for_spans(page, 2)
    assert "Labelled 2 mentions in 2 document(s)" in page.locator("#mentions-status").text_content()
    assert Span.objects.filter(layer__document=other, layer__owner=annotator).count() == 1
    assert Change.objects.filter(action="span.add_batch").count() == 2  # one per document
    page.keyboard.press("u")
    wait_for_spans(page, 1)
    assert Span.objects.filter(layer__document=seed_document).count() == 1
