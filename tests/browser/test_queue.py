"""The workspace's action queue in real Chromium (issue 9): under latency, lost answers and
failed requests, every action lands once, in order, on the annotation the person meant."""

from __future__ import annotations

import random

import pytest
from django.db import OperationalError

from newsreview.annotations import services
from newsreview.annotations.forms import move_edge
from newsreview.annotations.models import AppliedAction, Argument, Span
from tests.browser.test_annotate import drag_select, open_workspace, selection_text

pytestmark = pytest.mark.django_db(transaction=True)

WORKSPACE_POST = "**/documents/*/annotate/**"


def delay_posts(page, ms: int) -> None:
    """Hold every workspace POST for `ms` before it goes to the server. The wait yields to
    Playwright's dispatcher, so the test goes on acting while requests are held."""

    def handle(route):
        if route.request.method == "POST" and ms:
            page.wait_for_timeout(ms)
        route.continue_()

    page.route(WORKSPACE_POST, handle)


def wait_until_saved(page, timeout: int = 30_000) -> None:
    page.wait_for_function(
        "() => document.querySelector('[data-annotate]').dataset.unsaved === '0'"
        " && !document.querySelector('[data-doc-text] [data-pending]')",
        timeout=timeout,
    )


def stored(document) -> set[tuple[int, int, str]]:
    return {
        (s.start, s.end, s.label_key)
        for s in Span.objects.filter(layer__document=document).select_related(
            "entity_type", "event_type"
        )
    }


def drag(page, start: int, end: int) -> None:
    """A real drag over [start, end), scrolled into view first (in the middle of the
    window, as a reader would have it)."""
    page.evaluate(
        """([cp]) => {
          const walker = document.createTreeWalker(
            document.querySelector('[data-doc-text]'), NodeFilter.SHOW_TEXT);
          let node, remaining = cp;
          while ((node = walker.nextNode())) {
            const n = Array.from(node.data).length;
            if (remaining < n) { node.parentElement.scrollIntoView({block: 'center'}); return; }
            remaining -= n;
          }
        }""",
        [start],
    )
    drag_select(page, start, end)


def click_span(page, span_id: int) -> None:
    page.locator(f'[data-span-id="{span_id}"][tabindex]').click(position={"x": 3, "y": 8})
    page.wait_for_function(f"() => document.activeElement.dataset.spanId === '{span_id}'")


@pytest.mark.parametrize("latency", [0, 300, 1000])
def test_ten_mixed_actions_land_exactly_whatever_the_latency(
    login, live_server, seed_document, annotator, latency
):
    text = seed_document.text
    layer = services.get_or_create_layer(document=seed_document, user=annotator)

    def at(word: str, after: int = 0) -> tuple[int, int]:
        start = text.index(word, after)
        return start, start + len(word)

    def add(word: str, label: str, after: int = 0) -> Span:
        start, end = at(word, after)
        return services.add_span(layer=layer, start=start, end=end, label=label, by=annotator)

    director = add("المدير العام للأمن الوطني", "ORG")  # relabelled to OCC
    lerner = add("نيكولا", "PERS")  # its end moves one word on
    thursday = add("الخميس", "TIME")  # deleted
    received = add("استقبل", "CONTACT_MEET")  # gets a participant
    hammouchi = add("حموشي", "PERS", text.index("استقبل") - 20)
    layer.refresh_from_db()
    created = {
        "france": at("فرنسا"),
        "paris": at("باريس"),
        "friday": at("الجمعة"),
        "veaux": at("Frédéric Veaux"),
        "nicolas": at("Nicolas Lerner"),
    }
    page = open_workspace(login, live_server, annotator, seed_document)
    delay_posts(page, latency)
    pace = random.Random(latency)

    def pause() -> None:
        page.wait_for_timeout(pace.randint(50, 500))

    def create_by_key(name: str, key: str) -> None:
        drag(page, *created[name])
        page.keyboard.press(key)
        pause()

    def create_by_click(name: str, label: str) -> None:
        drag(page, *created[name])
        page.locator(f'.palette [data-label="{label}"]').click()
        pause()

    create_by_key("france", "g")  # 1
    create_by_key("paris", "g")  # 2
    # 3: relabel باريس, saved or still pending: its mark is focused by a click
    paris = page.locator("[data-doc-text] [tabindex]").filter(has_text="باريس").first
    paris.click(position={"x": 3, "y": 8})
    page.keyboard.press("l")
    pause()
    create_by_key("friday", "t")  # 4
    create_by_click("veaux", "PERS")  # 5
    click_span(page, director.pk)  # 6: relabel
    page.keyboard.press("j")
    pause()
    click_span(page, lerner.pk)  # 7: move its end one word on (RTL: ←)
    page.keyboard.press("Alt+Shift+ArrowLeft")
    pause()
    click_span(page, thursday.pk)  # 8: delete
    page.keyboard.press("Delete")
    pause()
    create_by_click("nicolas", "PERS")  # 9
    click_span(page, received.pk)  # 10: link حموشي as its participant
    page.keyboard.press("b")
    dialog = page.locator("#argument-dialog")
    dialog.locator("select[name=role]").select_option("PARTICIPANT")
    dialog.locator("select[name=span]").select_option(str(hammouchi.pk))
    dialog.get_by_role("button", name="Link argument").click()

    wait_until_saved(page)
    lerner_edges = move_edge(text, lerner.start, lerner.end, "end+")
    expected = {
        (director.start, director.end, "OCC"),
        (*lerner_edges, "PERS"),
        (received.start, received.end, "CONTACT_MEET"),
        (hammouchi.start, hammouchi.end, "PERS"),
        (*created["france"], "GPE"),
        (*created["paris"], "LOC"),
        (*created["friday"], "TIME"),
        (*created["veaux"], "PERS"),
        (*created["nicolas"], "PERS"),
    }
    assert stored(seed_document) == expected
    argument = Argument.objects.get()
    assert (argument.event.trigger_id, argument.role.key, argument.span_id) == (
        received.pk,
        "PARTICIPANT",
        hammouchi.pk,
    )
    page.unroute(WORKSPACE_POST)
    page.reload()
    shown = {
        (
            int(m.get_attribute("data-start")),
            int(m.get_attribute("data-end")),
            m.get_attribute("data-label"),
        )
        for m in page.locator("[data-doc-text] [data-span-id][tabindex]").all()
    }
    assert shown == expected
    assert page.locator("[data-doc-text]").text_content() == text


def test_new_span_is_drawn_pending_with_its_label_in_the_key_press_frame(
    login, live_server, seed_document, annotator
):
    text = seed_document.text
    start = text.index("باريس")
    page = open_workspace(login, live_server, annotator, seed_document)
    delay_posts(page, 1000)
    drag_select(page, start, start + 5)
    page.evaluate(
        """() => document.addEventListener('keydown', () => {
             const t0 = performance.now();
             requestAnimationFrame(() => {
               const mark = document.querySelector('[data-doc-text] [data-pending-label]');
               window.__pendingInFirstFrame = Boolean(mark);
               window.__pendingLabel = mark && mark.dataset.pendingLabel;
               window.__frameMs = performance.now() - t0;
             });
           }, {once: true})"""
    )
    page.keyboard.press("g")
    page.wait_for_function("() => window.__pendingInFirstFrame !== undefined")
    assert page.evaluate("window.__pendingInFirstFrame") is True
    assert page.evaluate("window.__pendingLabel") == "GPE"
    assert page.locator("#save-state").text_content().strip() == "Changes not saved yet: 1."
    assert page.locator("[data-doc-text]").text_content() == text  # marks add no text
    wait_until_saved(page)
    assert stored(seed_document) == {(start, start + 5, "GPE")}
    assert page.locator("[data-doc-text] [data-span-id][data-label=GPE]").count() == 1
    assert page.locator("#save-state").is_hidden()


def test_label_key_after_reselecting_labels_the_new_selection_not_the_previous_span(
    login, live_server, seed_document, annotator
):
    text = seed_document.text
    director = text.index("المدير العام للأمن الوطني")
    france = text.index("فرنسا")
    page = open_workspace(login, live_server, annotator, seed_document)
    drag_select(page, director, director + len("المدير العام للأمن الوطني"))
    page.keyboard.press("j")
    # At once, with no latency: the answer may arrive during or after the next drag.
    drag_select(page, france, france + 5)
    page.keyboard.press("g")
    wait_until_saved(page)
    assert stored(seed_document) == {
        (director, director + len("المدير العام للأمن الوطني"), "OCC"),
        (france, france + 5, "GPE"),
    }


def test_answer_arriving_mid_selection_keeps_the_selection(
    login, live_server, seed_document, annotator
):
    text = seed_document.text
    first = text.index("حموشي")
    paris = text.index("باريس")
    page = open_workspace(login, live_server, annotator, seed_document)
    delay_posts(page, 600)
    drag_select(page, first, first + 5)
    page.keyboard.press("p")
    drag_select(page, paris, paris + 5)  # made while the first request is held
    page.wait_for_function(
        "() => document.querySelector('[data-doc-text] [data-span-id][data-label=PERS]')"
    )
    assert selection_text(page) == "باريس"  # the swap put it back
    assert page.evaluate("document.activeElement.dataset.spanId") is None  # focus not taken
    page.keyboard.press("g")
    wait_until_saved(page)
    assert stored(seed_document) == {(first, first + 5, "PERS"), (paris, paris + 5, "GPE")}


def test_failed_request_is_retried_and_lands_once(login, live_server, seed_document, annotator):
    text = seed_document.text
    start = text.index("باريس")
    page = open_workspace(login, live_server, annotator, seed_document)
    failures = []

    def fail_once(route):
        if route.request.method == "POST" and not failures:
            failures.append(route.request.post_data)
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route(WORKSPACE_POST, fail_once)
    drag_select(page, start, start + 5)
    page.keyboard.press("g")
    wait_until_saved(page)
    assert len(failures) == 1
    assert stored(seed_document) == {(start, start + 5, "GPE")}


def test_request_applied_but_answer_lost_is_not_applied_twice(
    login, live_server, seed_document, annotator
):
    text = seed_document.text
    paris = text.index("باريس")
    france = text.index("فرنسا")
    page = open_workspace(login, live_server, annotator, seed_document)
    lost = []

    def lose_first_answer(route):
        if route.request.method == "POST" and not lost:
            response = route.fetch()  # the server applies it ...
            lost.append(response.status)
            route.abort("connectionreset")  # ... and the answer never arrives
        else:
            route.continue_()

    page.route(WORKSPACE_POST, lose_first_answer)
    drag_select(page, paris, paris + 5)
    page.keyboard.press("g")
    drag_select(page, france, france + 5)
    page.keyboard.press("g")
    wait_until_saved(page)
    assert lost == [200]
    assert stored(seed_document) == {(paris, paris + 5, "GPE"), (france, france + 5, "GPE")}
    assert AppliedAction.objects.count() == 2
    # The page shows each span once, and the retried create's span is the one drawn.
    assert page.locator("[data-doc-text] [data-span-id][tabindex]").count() == 2


def test_conflict_sets_queued_actions_aside_and_sends_them_again(
    login, live_server, seed_document, annotator
):
    text = seed_document.text
    layer = services.get_or_create_layer(document=seed_document, user=annotator)
    paris = text.index("باريس")
    france = text.index("فرنسا")
    hammouchi = text.index("حموشي")
    page = open_workspace(login, live_server, annotator, seed_document)
    # Another tab changes the layer after this page loaded (SQLite's in-memory test
    # database may be locked for a moment by the server thread answering the page).
    for _ in range(50):
        try:
            services.add_span(
                layer=layer, start=hammouchi, end=hammouchi + 5, label="PERS", by=annotator
            )
            break
        except OperationalError:
            page.wait_for_timeout(100)
    delay_posts(page, 400)
    drag_select(page, paris, paris + 5)
    page.keyboard.press("g")
    drag_select(page, france, france + 5)
    page.keyboard.press("g")
    page.wait_for_selector("#save-state [data-send-again]")
    assert "changed since you opened it" in page.locator("#problems").text_content()
    assert "2 changes" in page.locator("#save-state").text_content()
    assert stored(seed_document) == {(hammouchi, hammouchi + 5, "PERS")}
    page.locator("#save-state [data-send-again]").click()
    wait_until_saved(page)
    # Both creates land, in order, on top of the other tab's work.
    assert stored(seed_document) == {
        (hammouchi, hammouchi + 5, "PERS"),
        (paris, paris + 5, "GPE"),
        (france, france + 5, "GPE"),
    }


def test_server_fault_is_reported_after_three_attempts_and_the_queue_goes_on(
    login, live_server, seed_document, annotator
):
    text = seed_document.text
    paris = text.index("باريس")
    france = text.index("فرنسا")
    page = open_workspace(login, live_server, annotator, seed_document)
    faults = []

    def fault_on_paris(route):
        if route.request.method == "POST" and f"start={paris}&" in (route.request.post_data or ""):
            faults.append(1)
            route.fulfill(status=500, body="boom", content_type="text/plain")
        else:
            route.continue_()

    page.route(WORKSPACE_POST, fault_on_paris)
    drag_select(page, paris, paris + 5)
    page.keyboard.press("g")
    drag_select(page, france, france + 5)
    page.keyboard.press("g")
    wait_until_saved(page)
    assert len(faults) == 3
    assert "500" in page.locator("#problems").text_content()
    assert stored(seed_document) == {(france, france + 5, "GPE")}


def test_refused_action_removes_its_pending_mark_and_says_why(
    login, live_server, seed_document, annotator
):
    text = seed_document.text
    start = text.index("باريس")
    layer = services.get_or_create_layer(document=seed_document, user=annotator)
    services.add_span(layer=layer, start=start, end=start + 5, label="GPE", by=annotator)
    page = open_workspace(login, live_server, annotator, seed_document)
    drag_select(page, start, start + 5)
    page.keyboard.press("g")  # the same span twice: refused
    page.wait_for_selector("#problems .problem")
    wait_until_saved(page)
    assert page.locator("[data-doc-text] [data-pending]").count() == 0
    assert len(stored(seed_document)) == 1


def test_unsaved_changes_are_counted_and_leaving_asks_first(
    login, live_server, seed_document, annotator
):
    text = seed_document.text
    start = text.index("باريس")
    page = open_workspace(login, live_server, annotator, seed_document)
    page.route(WORKSPACE_POST, lambda route: route.abort("connectionrefused"))
    drag_select(page, start, start + 5)
    page.keyboard.press("g")
    page.wait_for_function(
        "() => /trying again/.test(document.getElementById('save-state').textContent)"
    )
    assert "Changes not saved yet: 1." in page.locator("#save-state").text_content()
    dialogs = []

    def on_dialog(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.close(run_before_unload=True)
    page.wait_for_timeout(300)
    assert dialogs == ["beforeunload"]
    assert not Span.objects.exists()
