"""The annotation workspace in real Chromium: select with a mouse drag or Shift+arrows,
label with a key or a click, and check the stored offsets slice exactly what was selected."""

from __future__ import annotations

import pytest
from django.urls import reverse

from newsreview.annotations import services
from newsreview.annotations.models import Argument, Event, Span
from tests.factories import DocumentFactory

pytestmark = pytest.mark.django_db(transaction=True)

# Client rectangle of the code point at `cp` in [data-doc-text], plus whether it reads
# left to right (Latin, digits), so a drag starts and ends on the right side of a glyph.
CHAR_RECT = """([cp]) => {
  const root = document.querySelector('[data-doc-text]');
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  let remaining = cp, node;
  while ((node = walker.nextNode())) {
    const chars = Array.from(node.data);
    if (remaining < chars.length) {
      const offset = chars.slice(0, remaining).join('').length;
      const range = document.createRange();
      range.setStart(node, offset);
      range.setEnd(node, offset + chars[remaining].length);
      const r = range.getClientRects()[0];
      return {left: r.left, right: r.right, top: r.top, bottom: r.bottom,
              ltr: /[A-Za-z0-9\\u00C0-\\u024F]/.test(chars[remaining])};
    }
    remaining -= chars.length;
  }
  return null;
}"""


def annotate_url(live_server, document) -> str:
    return live_server.url + reverse(
        "annotations:annotate", args=[document.project.slug, document.pk]
    )


def drag_select(page, start: int, end: int, *, backwards: bool = False) -> None:
    """Select [start, end) with a real mouse drag over the glyphs (from the end to the
    start when `backwards`)."""
    first = page.evaluate(CHAR_RECT, [start])
    last = page.evaluate(CHAR_RECT, [end - 1])
    points = [
        (first["left"] + 1 if first["ltr"] else first["right"] - 1, first),
        (last["right"] - 1 if last["ltr"] else last["left"] + 1, last),
    ]
    if backwards:
        points.reverse()
    (x0, r0), (x1, r1) = points
    page.mouse.move(x0, (r0["top"] + r0["bottom"]) / 2)
    page.mouse.down()
    page.mouse.move(x1, (r1["top"] + r1["bottom"]) / 2, steps=8)
    page.mouse.up()


def selection_text(page) -> str:
    return page.evaluate("getSelection().toString()")


def open_workspace(login, live_server, user, document):
    page = login(user)
    page.goto(annotate_url(live_server, document))
    page.evaluate("window.__noReload = true")
    return page


def wait_for_spans(page, count: int) -> None:
    """Wait until the text shows `count` spans and htmx has settled (focus restored)."""
    page.wait_for_function(
        """n => document.querySelectorAll('[data-doc-text] [data-span-id][tabindex]').length === n
            && !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')
            && document.querySelector('[data-doc-text]').contains(document.activeElement)""",
        arg=count,
    )


def wait_for_text(page, selector: str) -> None:
    """Wait for `selector` in the text and for htmx to settle (focus restored)."""
    page.wait_for_selector(f"[data-doc-text] {selector}")
    page.wait_for_function(
        """() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')
            && document.querySelector('[data-doc-text]').contains(document.activeElement)"""
    )


def only_span(document) -> Span:
    spans = list(Span.objects.filter(layer__document=document))
    assert len(spans) == 1, spans
    return spans[0]


def test_mouse_drag_and_shortcut_label_part_of_a_clitic_word(
    login, live_server, seed_document, annotator
):
    text = seed_document.text
    start = text.index("بفرنسا") + 1  # فرنسا without the proclitic ب
    page = open_workspace(login, live_server, annotator, seed_document)
    drag_select(page, start, start + 5)
    assert selection_text(page) == "فرنسا"
    page.keyboard.press("g")
    wait_for_spans(page, 1)
    span = only_span(seed_document)
    assert (span.start, span.end, span.entity_type.key) == (start, start + 5, "GPE")
    assert text[span.start : span.end] == "فرنسا"
    assert page.evaluate("window.__noReload") is True  # htmx swapped, no full reload
    assert page.locator("[data-doc-text]").text_content() == text
    mark = page.locator(f'[data-span-id="{span.pk}"]')
    assert mark.get_attribute("data-start") == str(start)
    assert mark.get_attribute("aria-label") == "Geo-political entity: فرنسا"
    assert page.locator("#side-panel [data-item-for]").count() == 1


def test_shift_arrows_select_and_label_button_click_creates_span(
    login, live_server, seed_document, annotator
):
    text = seed_document.text
    page = open_workspace(login, live_server, annotator, seed_document)
    page.locator("[data-doc-text]").focus()
    for _ in range(3):  # right to left text: ← reads forward
        page.keyboard.press("Shift+ArrowLeft")
    assert selection_text(page) == text[:3] == "بعد"
    page.locator('.palette [data-label="TIME"]').click()
    wait_for_spans(page, 1)
    span = only_span(seed_document)
    assert (span.start, span.end, span.entity_type.key) == (0, 3, "TIME")
    # The caret continues from the focused new span; with Ctrl a word at a time. The
    # leading space of the selection is trimmed by the server.
    page.keyboard.press("Shift+Control+ArrowLeft")
    assert selection_text(page) == " لقاءاته"
    page.keyboard.press("1")  # CONTACT_MEET: an event trigger
    wait_for_spans(page, 2)
    trigger = Span.objects.get(layer__document=seed_document, event_type__key="CONTACT_MEET")
    assert text[trigger.start : trigger.end] == "لقاءاته"
    assert Event.objects.filter(trigger=trigger).exists()


def test_relabel_move_edge_delete_and_undo_by_keyboard(
    login, live_server, seed_document, annotator
):
    text = seed_document.text
    start = text.index("حموشي")
    page = open_workspace(login, live_server, annotator, seed_document)
    drag_select(page, start, start + 5)
    page.keyboard.press("p")
    wait_for_spans(page, 1)
    span = only_span(seed_document)
    page.keyboard.press("o")  # the new span has focus: relabel it
    wait_for_text(page, '[data-label="ORG"]')
    span.refresh_from_db()
    assert span.entity_type.key == "ORG"
    # End edge one character on (RTL: ←), stepping over the space after حموشي.
    page.keyboard.press("Alt+Shift+ArrowLeft")
    wait_for_text(page, f'[data-span-id="{span.pk}"][data-end="{start + 7}"]')
    page.keyboard.press("Alt+Shift+ArrowRight")
    wait_for_text(page, f'[data-span-id="{span.pk}"][data-end="{start + 5}"]')
    span.refresh_from_db()
    assert (span.start, span.end) == (start, start + 5)
    assert page.url.endswith("/annotate/")  # Alt+arrows did not navigate
    page.keyboard.press("Delete")
    wait_for_spans(page, 0)
    assert not Span.objects.filter(layer__document=seed_document).exists()
    page.keyboard.press("u")
    wait_for_spans(page, 1)
    restored = only_span(seed_document)
    assert (restored.start, restored.end, restored.entity_type.key) == (start, start + 5, "ORG")
    page.keyboard.press("Control+z")
    wait_for_text(page, f'[data-span-id="{span.pk}"][data-end="{start + 7}"]')


def test_nested_span_inside_occupation_is_reachable_by_click_and_keys(
    login, live_server, seed_document, annotator
):
    text = seed_document.text
    occ = "المدير العام للأمن الداخلي بالجمهورية الفرنسية"
    gpe = "الجمهورية الفرنسية"
    occ_start = text.index(occ)
    gpe_start = text.index(gpe, occ_start)
    page = open_workspace(login, live_server, annotator, seed_document)
    drag_select(page, occ_start, occ_start + len(occ))
    page.keyboard.press("j")
    wait_for_spans(page, 1)
    drag_select(page, gpe_start, gpe_start + len(gpe))
    assert selection_text(page) == gpe
    page.keyboard.press("g")
    wait_for_spans(page, 2)
    spans = {s.entity_type.key: s for s in Span.objects.filter(layer__document=seed_document)}
    assert text[spans["OCC"].start : spans["OCC"].end] == occ
    assert text[spans["GPE"].start : spans["GPE"].end] == gpe
    inner = page.locator(f'[data-span-id="{spans["OCC"].pk}"] [data-span-id="{spans["GPE"].pk}"]')
    assert inner.count() == 1  # nested element, drawn inside the outer one
    assert page.locator("[data-doc-text]").text_content() == text
    page.locator(f'[data-span-id="{spans["OCC"].pk}"]').first.click(position={"x": 5, "y": 10})
    focused = "document.activeElement.dataset.spanId"
    page.keyboard.press("k")
    assert page.evaluate(focused) == str(spans["GPE"].pk)
    page.keyboard.press("i")
    assert page.evaluate(focused) == str(spans["OCC"].pk)
    inner.click()
    assert page.evaluate(focused) == str(spans["GPE"].pk)


def test_latin_name_in_parentheses_and_tatweel_name(login, live_server, seed_document, annotator):
    text = seed_document.text
    latin = text.index("Frédéric Veaux")
    tatweel = text.index("ڤـــو")
    page = open_workspace(login, live_server, annotator, seed_document)
    drag_select(page, latin, latin + len("Frédéric Veaux"))
    assert selection_text(page) == "Frédéric Veaux"
    page.keyboard.press("p")
    wait_for_spans(page, 1)
    drag_select(page, tatweel, tatweel + len("ڤـــو"))
    assert selection_text(page) == "ڤـــو"
    page.keyboard.press("p")
    wait_for_spans(page, 2)
    stored = sorted(
        text[s.start : s.end] for s in Span.objects.filter(layer__document=seed_document)
    )
    assert stored == sorted(["Frédéric Veaux", "ڤـــو"])


def test_document_starting_with_emoji_stores_code_point_offsets(
    login, live_server, project, annotator
):
    text = "🇲🇦😀 حموشي يستقبل فريديريك ڤـــو (Frédéric Veaux) يوم 14 دجنبر"
    document = DocumentFactory(project=project, text=text)
    start = text.index("حموشي")
    assert start == 4  # flag = 2 code points (4 UTF-16 units), 😀 = 1 (2 units), space
    page = open_workspace(login, live_server, annotator, document)
    drag_select(page, start, start + 5)
    page.keyboard.press("p")
    wait_for_spans(page, 1)
    # Digits are a left-to-right run inside right-to-left text, where a mouse edge is
    # ambiguous: drag «دجنبر» from its end, then extend over «14 » with Shift+→.
    digits = text.index("14")
    drag_select(page, digits + 3, digits + len("14 دجنبر"), backwards=True)
    assert selection_text(page) == "دجنبر"
    for _ in range(3):
        page.keyboard.press("Shift+ArrowRight")
    assert selection_text(page) == "14 دجنبر"
    page.keyboard.press("d")
    wait_for_spans(page, 2)
    spans = {s.entity_type.key: s for s in Span.objects.filter(layer__document=document)}
    assert (spans["PERS"].start, spans["PERS"].end) == (4, 9)
    assert text[spans["DATE"].start : spans["DATE"].end] == "14 دجنبر"


def test_stale_second_tab_gets_a_conflict_and_first_tab_work_survives(
    login, live_server, seed_document, annotator
):
    text = seed_document.text
    first = open_workspace(login, live_server, annotator, seed_document)
    second = first.context.new_page()
    second.goto(annotate_url(live_server, seed_document))
    start = text.index("حموشي")
    drag_select(first, start, start + 5)
    first.keyboard.press("p")
    wait_for_spans(first, 1)
    other = text.index("باريس")
    drag_select(second, other, other + 5)
    second.keyboard.press("g")
    second.wait_for_selector("#problems .problem")
    assert "changed since you opened it" in second.locator("#problems").text_content()
    wait_for_spans(second, 1)  # the refreshed view shows the first tab's span
    span = only_span(seed_document)
    assert (span.start, span.end, span.entity_type.key) == (start, start + 5, "PERS")


def label_runs(page, runs: list[tuple[int, int, str]]) -> None:
    """Label each (start, end, key) in turn with a real drag and key press."""
    count = page.locator("[data-doc-text] [data-span-id][tabindex]").count()
    for start, end, key in runs:
        drag_select(page, start, end)
        page.keyboard.press(key)
        count += 1
        wait_for_spans(page, count)


def open_picker(page):
    """Press b on the focused trigger; the argument dialog, once open."""
    page.keyboard.press("b")
    dialog = page.locator("#argument-dialog")
    dialog.locator("select[name=role]").wait_for()
    return dialog


def test_event_argument_picker_links_and_removes_an_argument(
    login, live_server, seed_document, annotator
):
    text = seed_document.text
    trigger_start = text.index("لقاء السيد")
    person = text.index("حموشي", trigger_start)
    page = open_workspace(login, live_server, annotator, seed_document)
    label_runs(page, [(person, person + 5, "p"), (trigger_start, trigger_start + 4, "1")])
    dialog = open_picker(page)  # the new trigger has focus
    assert dialog.evaluate("d => d.open")
    dialog.locator("select[name=role]").select_option("PARTICIPANT")
    dialog.get_by_role("button", name="Link argument").click()
    page.wait_for_function(
        "() => document.querySelectorAll('#argument-picker form.inline-form').length === 1"
    )
    argument = Argument.objects.get(event__trigger__start=trigger_start)
    assert (argument.role.key, argument.span.start) == ("PARTICIPANT", person)
    assert "حموشي" in page.locator("#side-panel .argument-list").text_content()
    dialog.get_by_role("button", name="Remove").click()
    page.wait_for_function(
        "() => document.querySelectorAll('#argument-picker form.inline-form').length === 0"
    )
    assert not Argument.objects.exists()


def test_argument_picker_offers_only_entities_the_chosen_role_accepts(
    login, live_server, seed_document, annotator
):
    text = seed_document.text
    trigger_start = text.index("لقاء السيد")
    person = text.index("حموشي", trigger_start)
    place = text.index("باريس")
    page = open_workspace(login, live_server, annotator, seed_document)
    label_runs(
        page,
        [
            (person, person + 5, "p"),
            (place, place + 5, "g"),
            (trigger_start, trigger_start + 4, "1"),
        ],
    )
    dialog = open_picker(page)
    spans = dialog.locator("select[name=span]")

    def offered() -> list[str]:
        return spans.evaluate(
            "s => [...s.options].filter(o => !o.disabled).map(o => o.dataset.label)"
        )

    dialog.locator("select[name=role]").select_option("PLACE")
    assert offered() == ["GPE"]
    assert "باريس" in spans.evaluate("s => s.selectedOptions[0].textContent")
    dialog.locator("select[name=role]").select_option("PARTICIPANT")
    assert sorted(offered()) == ["GPE", "PERS"]
    dialog.locator("select[name=role]").select_option("PLACE")
    dialog.get_by_role("button", name="Link argument").click()
    page.wait_for_function(
        "() => document.querySelectorAll('#argument-picker form.inline-form').length === 1"
    )
    argument = Argument.objects.get(event__trigger__start=trigger_start)
    assert (argument.role.key, argument.span.start) == ("PLACE", place)


def test_help_overlay_mark_done_and_next_document(
    login, live_server, project, seed_document, annotator
):
    second = DocumentFactory(project=project)
    page = open_workspace(login, live_server, annotator, seed_document)
    page.locator("[data-doc-text]").focus()
    page.keyboard.press("h")
    assert page.locator("#help-dialog").evaluate("d => d.open")
    assert "Next / previous annotation" in page.locator("#help-dialog").text_content()
    page.keyboard.press("Escape")
    assert not page.locator("#help-dialog").evaluate("d => d.open")
    assert "0 of 2 documents submitted" in page.locator("[data-progress]").text_content()
    page.get_by_role("button", name="Submit", exact=True).click()
    page.wait_for_selector("[data-status=done]")
    assert "1 of 2 documents submitted" in page.locator("[data-progress]").text_content()
    page.locator("[data-queue=next]").click()
    page.wait_for_url(f"**/documents/{second.pk}/annotate/")
    # From the second document, the only one left to do is... none: the first is done.
    assert page.locator("[data-queue=next-to-do]").count() == 0
    third = DocumentFactory(project=project)
    page.reload()
    page.locator("[data-queue=next-to-do]").click()
    page.wait_for_url(f"**/documents/{third.pk}/annotate/")
    page.locator("[data-queue=next-to-do]").click()  # wraps round, past the done one
    page.wait_for_url(f"**/documents/{second.pk}/annotate/")


def point_at(page, cp: int) -> tuple[float, float]:
    rect = page.evaluate(CHAR_RECT, [cp])
    return (rect["left"] + rect["right"]) / 2, (rect["top"] + rect["bottom"]) / 2


def label_of(span: Span) -> str:
    span.refresh_from_db()
    return span.label.key


def test_label_key_after_a_triple_click_labels_the_paragraph_not_the_last_span(
    login, live_server, seed_document, annotator
):
    text = seed_document.text
    nicolas = text.index("نيكولا")
    last_paragraph = text.rindex("\n") + 1
    page = open_workspace(login, live_server, annotator, seed_document)
    page.mouse.dblclick(*point_at(page, nicolas + 2))
    assert selection_text(page).strip() == "نيكولا"
    page.keyboard.press("p")
    wait_for_spans(page, 1)
    first = only_span(seed_document)
    # A triple-click selection runs past the text into the side panel: it is clipped.
    page.mouse.click(*point_at(page, last_paragraph + 3), click_count=3)
    page.keyboard.press("e")
    wait_for_spans(page, 2)
    paragraph = Span.objects.exclude(pk=first.pk).get(layer__document=seed_document)
    assert (paragraph.start, paragraph.end) == (last_paragraph, len(text.rstrip()))
    assert paragraph.entity_type.key == "EVENT"
    assert label_of(first) == "PERS"


def test_label_key_with_nothing_selected_or_focused_asks_for_a_selection(
    login, live_server, seed_document, annotator
):
    text = seed_document.text
    start = text.index("حموشي")
    page = open_workspace(login, live_server, annotator, seed_document)
    drag_select(page, start, start + 5)
    page.keyboard.press("p")
    wait_for_spans(page, 1)
    span = only_span(seed_document)
    page.mouse.click(*point_at(page, text.index("باريس") + 2))  # focus leaves the span
    assert page.evaluate("document.activeElement.matches('[data-doc-text]')")
    page.keyboard.press("o")
    page.wait_for_selector("#problems .problem")
    assert "Select some text first" in page.locator("#problems").text_content()
    assert label_of(span) == "PERS" and Span.objects.count() == 1


def test_a_problem_message_never_moves_the_text(login, live_server, seed_document, annotator):
    # A message from a request made after the page loaded (a refused key here; a failed
    # background request alike) floats: the text under the user's pointer stays put.
    text = seed_document.text
    paris = text.index("باريس")
    page = open_workspace(login, live_server, annotator, seed_document)
    before = page.evaluate(CHAR_RECT, [paris])
    page.mouse.click(*point_at(page, paris + 2))
    page.keyboard.press("o")
    page.wait_for_selector("#problems .problem")
    assert page.evaluate(CHAR_RECT, [paris]) == before
    # It can be read, and does not stand between the pointer and the text.
    assert page.locator("#problems .problem").is_visible()
    style = "getComputedStyle(document.getElementById('problems')).pointerEvents"
    assert page.evaluate(style) == "none"


def test_keyboard_focused_annotation_wins_over_a_text_selection(
    login, live_server, seed_document, annotator
):
    text = seed_document.text
    start = text.index("حموشي")
    page = open_workspace(login, live_server, annotator, seed_document)
    drag_select(page, start, start + 5)
    page.keyboard.press("p")
    wait_for_spans(page, 1)
    span = only_span(seed_document)
    paris = text.index("باريس")
    drag_select(page, paris, paris + 5)
    assert selection_text(page) == "باريس"
    page.keyboard.press("Tab")  # from the text to its first (only) annotation
    assert page.evaluate("document.activeElement.dataset.spanId") == str(span.pk)
    assert selection_text(page) == ""
    page.keyboard.press("o")
    wait_for_text(page, f'[data-span-id="{span.pk}"][data-label="ORG"]')
    assert label_of(span) == "ORG" and Span.objects.count() == 1


@pytest.mark.parametrize("key", ["g", "Delete"], ids=["relabel", "delete"])
def test_stale_tab_acting_on_a_span_another_tab_deleted_gets_a_conflict_and_fresh_view(
    login, live_server, seed_document, annotator, key
):
    text = seed_document.text
    layer = services.get_or_create_layer(document=seed_document, user=annotator)
    start, paris = text.index("حموشي"), text.index("باريس")
    gone = services.add_span(layer=layer, start=start, end=start + 5, label="PERS", by=annotator)
    kept = services.add_span(layer=layer, start=paris, end=paris + 5, label="GPE", by=annotator)
    first = open_workspace(login, live_server, annotator, seed_document)
    second = first.context.new_page()
    second.goto(annotate_url(live_server, seed_document))
    second.locator(f'[data-span-id="{gone.pk}"][tabindex]').focus()
    second.keyboard.press("Delete")
    wait_for_spans(second, 1)
    first.locator(f'[data-span-id="{gone.pk}"][tabindex]').focus()
    first.keyboard.press(key)
    first.wait_for_selector("#problems .problem")
    assert "changed since you opened it" in first.locator("#problems").text_content()
    wait_for_spans(first, 1)  # the refreshed view shows the other tab's deletion
    assert first.locator(f'[data-span-id="{kept.pk}"]').count() == 1
    assert list(Span.objects.values_list("pk", flat=True)) == [kept.pk]
    assert label_of(kept) == "GPE"


def test_plain_text_refusal_stays_in_the_page_with_djangos_debug_script(
    login, live_server, seed_document, annotator, settings
):
    settings.DEBUG = True  # django-htmx then loads its debug error handler
    page = open_workspace(login, live_server, annotator, seed_document)
    assert page.locator('script[src*="django-htmx.js"]').count() == 1
    page.evaluate(
        """() => {
          const form = document.getElementById('span-delete-form');
          form.elements.span.value = '999999';
          form.requestSubmit();
        }"""
    )
    page.wait_for_selector("#problems .problem")
    assert "does not exist in your layer" in page.locator("#problems").text_content()
    assert page.locator("[data-doc-text]").text_content() == seed_document.text
    assert page.evaluate("window.__noReload") is True


def test_shift_up_down_home_end_select_by_line_and_keys_alone_leave_the_selection(
    login, live_server, project, annotator
):
    text = "سطر أول قصير\nسطر ثان أطول قليلا\nثالث"
    line_two = text.index("\n") + 1
    document = DocumentFactory(project=project, text=text)
    page = open_workspace(login, live_server, annotator, document)
    page.locator("[data-doc-text]").focus()
    page.keyboard.press("Shift+ArrowDown")
    assert selection_text(page) == text[:line_two]
    page.keyboard.press("Shift+End")
    assert selection_text(page) == text[: text.index("\n", line_two)]
    page.keyboard.press("Shift+ArrowUp")
    assert selection_text(page) == "سطر أول قصير"
    # Without Shift these keys scroll the page as usual: the selection stays.
    for key in ("ArrowDown", "End", "ArrowUp", "Home"):
        page.keyboard.press(key)
        assert selection_text(page) == "سطر أول قصير"
    page.keyboard.press("Shift+Home")
    assert selection_text(page) == ""
    # The caret at the start of line two (set directly: a one-letter drag there can end
    # a line later under load), then Shift+End.
    page.evaluate(
        """at => {
            const root = document.querySelector("[data-doc-text]");
            const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
            let node = walker.nextNode();
            // At a node's end, prefer the start of the next one (the start of the line).
            while (at >= node.data.length && walker.nextNode()) {
                at -= node.data.length;
                node = walker.currentNode;
            }
            getSelection().collapse(node, at);
        }""",
        line_two,
    )
    page.keyboard.press("Shift+End")
    assert selection_text(page) == "سطر ثان أطول قليلا"
    page.keyboard.press("l")
    wait_for_spans(page, 1)
    span = only_span(document)
    assert text[span.start : span.end] == "سطر ثان أطول قليلا"
    assert span.entity_type.key == "LOC"
    page.keyboard.press("h")
    help_text = page.locator("#help-dialog").text_content()
    assert "previous / next line" in help_text and "start / end of the line" in help_text


def test_inspector_isolates_the_span_text_after_focus_moves(
    login, live_server, seed_document, annotator
):
    text = seed_document.text
    date = text.index("14 و15 دجنبر")
    layer = services.get_or_create_layer(document=seed_document, user=annotator)
    span = services.add_span(
        layer=layer, start=date, end=date + len("14 و15 دجنبر"), label="DATE", by=annotator
    )
    page = open_workspace(login, live_server, annotator, seed_document)
    page.locator("[data-doc-text]").focus()
    page.keyboard.press("k")
    assert page.evaluate("document.activeElement.dataset.spanId") == str(span.pk)
    inspector = page.locator("[data-inspector-text]")
    assert inspector.text_content() == "Date: 14 و15 دجنبر"
    isolated = inspector.locator("bdi")
    assert isolated.text_content() == "14 و15 دجنبر"
    assert isolated.get_attribute("lang") == "ar"


def test_edge_keys_move_by_whole_emoji_and_flags(login, live_server, project, annotator):
    text = "🇲🇦😀👍🏽 حموشي"
    document = DocumentFactory(project=project, text=text)
    layer = services.get_or_create_layer(document=document, user=annotator)
    span = services.add_span(layer=layer, start=0, end=3, label="PERS", by=annotator)
    page = open_workspace(login, live_server, annotator, document)
    page.locator(f'[data-span-id="{span.pk}"][tabindex]').focus()
    steps = [
        ("Alt+Shift+ArrowRight", (0, 2)),  # end back over 😀: the flag stays whole
        ("Alt+Shift+ArrowLeft", (0, 3)),
        ("Alt+Shift+ArrowLeft", (0, 5)),  # 👍🏽 with its skin tone
        ("Alt+ArrowLeft", (2, 5)),  # start on past both regional indicators
    ]
    for key, (start, end) in steps:
        page.keyboard.press(key)
        wait_for_text(page, f'[data-span-id="{span.pk}"][data-start="{start}"][data-end="{end}"]')
        span.refresh_from_db()
        assert (span.start, span.end) == (start, end)
    assert span.text == "😀👍🏽"


def test_alt_arrow_in_the_text_never_navigates_back(login, live_server, seed_document, annotator):
    # Alt+← is the browser's Back; in the text it means "move an edge", so with no
    # annotation focused it must do nothing rather than leave the page.
    page = open_workspace(login, live_server, annotator, seed_document)
    page.locator("[data-doc-text]").focus()
    prevented = page.evaluate(
        """() => {
            const event = new KeyboardEvent("keydown", {code: "ArrowLeft", key: "ArrowLeft",
                altKey: true, bubbles: true, cancelable: true});
            document.activeElement.dispatchEvent(event);
            return event.defaultPrevented;
        }"""
    )
    assert prevented


def test_arrow_keys_alone_scroll_a_long_document_while_the_text_has_focus(
    login, live_server, seed_document, annotator
):
    page = open_workspace(login, live_server, annotator, seed_document)
    page.set_viewport_size({"width": 900, "height": 400})
    page.locator("[data-doc-text]").focus()
    page.evaluate("window.scrollTo(0, 0)")
    for _ in range(10):
        page.keyboard.press("ArrowDown")
    page.wait_for_function("() => window.scrollY > 0")
    assert selection_text(page) == ""


@pytest.mark.parametrize("backwards", [False, True])
def test_a_drag_starting_on_an_existing_span_selects_exactly_what_was_dragged(
    login, live_server, seed_document, annotator, backwards
):
    text = seed_document.text
    start = text.index("حموشي")
    occ_start = text.index("المدير العام للأمن الوطني")
    occ_end = occ_start + len("المدير العام للأمن الوطني")
    inner = text.index("للأمن الوطني", occ_start)
    page = open_workspace(login, live_server, annotator, seed_document)
    drag_select(page, inner, occ_end)
    page.keyboard.press("o")
    wait_for_spans(page, 1)
    drag_select(page, start, start + 5)
    page.keyboard.press("p")
    wait_for_spans(page, 2)  # the new span has focus
    # The same word again, and the longer run around the nested one: from their very
    # first (or last) letter, where the span under the pointer used to steal the anchor
    # (focus elsewhere, as after reading or scrolling).
    blur = "() => { getSelection().removeAllRanges(); document.activeElement.blur(); }"
    page.evaluate(blur)
    drag_select(page, start, start + 5, backwards=backwards)
    assert selection_text(page) == "حموشي"
    page.keyboard.press("j")
    wait_for_spans(page, 3)
    page.evaluate(blur)
    drag_select(page, occ_start, occ_end, backwards=backwards)
    assert selection_text(page) == text[occ_start:occ_end]
    page.keyboard.press("j")
    wait_for_spans(page, 4)
    stored = sorted(
        (s.start, s.end, s.entity_type.key)
        for s in Span.objects.filter(layer__document=seed_document)
    )
    assert stored == sorted(
        [(start, start + 5, "PERS"), (start, start + 5, "OCC"), (inner, occ_end, "ORG"),
         (occ_start, occ_end, "OCC")]
    )  # fmt: skip
    # A plain click on a span still focuses it.
    x, y = point_at(page, start + 2)
    page.mouse.click(x, y)
    assert page.evaluate("document.activeElement.dataset.spanId") is not None


def test_keyboard_selection_without_a_caret_starts_where_the_reader_is(
    login, live_server, seed_document, annotator
):
    page = open_workspace(login, live_server, annotator, seed_document)
    page.set_viewport_size({"width": 900, "height": 400})
    page.evaluate(
        """() => {
            const root = document.querySelector("[data-doc-text]");
            window.scrollTo(0, root.getBoundingClientRect().top + window.scrollY + 400);
            root.focus({preventScroll: true});
            getSelection().removeAllRanges();
        }"""
    )
    page.keyboard.press("Shift+End")
    first_line = seed_document.text.split("\n", 1)[0]
    chosen = selection_text(page)
    assert chosen and chosen not in first_line
    assert chosen in seed_document.text


def test_closing_the_argument_picker_returns_focus_to_its_trigger(
    login, live_server, seed_document, annotator
):
    text = seed_document.text
    trigger_start = text.index("لقاء السيد")
    person = text.index("حموشي", trigger_start)
    page = open_workspace(login, live_server, annotator, seed_document)
    label_runs(page, [(person, person + 5, "p"), (trigger_start, trigger_start + 4, "1")])
    dialog = open_picker(page)
    dialog.get_by_role("button", name="Link argument").click()  # the text is swapped
    page.wait_for_function(
        "() => document.querySelectorAll('#argument-picker form.inline-form').length === 1"
    )
    # Focus is back in the picker (not lost on the page), so Escape closes it...
    page.wait_for_function("() => document.activeElement.id === 'argument-role'")
    page.keyboard.press("Escape")
    page.wait_for_function("() => !document.querySelector('#argument-dialog').open")
    # ...and focus goes back to the trigger.
    trigger = Span.objects.get(layer__document=seed_document, event_type__isnull=False)
    page.wait_for_function(
        "id => document.activeElement && document.activeElement.dataset.spanId === id",
        arg=str(trigger.pk),
    )


def test_relabel_and_delete_update_the_side_list_and_count_in_place(
    login, live_server, seed_document, annotator
):
    # Relabels and deletes of plain entities answer with their chunks and list row only
    # (issue 14); what the annotator reads must be the same as after a full refresh.
    text = seed_document.text
    page = open_workspace(login, live_server, annotator, seed_document)
    for word, key in (("فرنسا", "g"), ("حموشي", "p")):
        start = text.index(word)
        drag_select(page, start, start + len(word))
        page.keyboard.press(key)
        wait_for_spans(page, 2 if word == "حموشي" else 1)
    hamouchi = Span.objects.get(layer__document=seed_document, text="حموشي")
    page.keyboard.press("o")  # the new span has focus: relabel it
    wait_for_text(page, f'[data-span-id="{hamouchi.pk}"][data-label="ORG"]')
    rows = page.locator("#span-list li")
    assert rows.count() == 2
    row = page.locator(f"#item-{hamouchi.pk}")
    assert "Organisation" in row.inner_text() and "حموشي" in row.inner_text()
    # The list stays in text order after the row was taken out and put back.
    france = Span.objects.get(layer__document=seed_document, text="فرنسا")
    expected = sorted([(hamouchi.start, hamouchi.pk), (france.start, france.pk)])
    ids = [rows.nth(i).get_attribute("id") for i in range(rows.count())]
    assert ids == [f"item-{pk}" for _start, pk in expected]
    page.keyboard.press("Delete")
    wait_for_spans(page, 1)
    page.wait_for_function("document.querySelectorAll('#span-list li').length === 1")
    assert "1 annotation" in page.locator("#span-count").inner_text()
    assert page.locator("[data-doc-text]").text_content() == text
