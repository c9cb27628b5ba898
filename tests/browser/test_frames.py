"""Event frames in real Chromium on the seed article (issue 12): the meeting «استقبل» with
Hammouchi and Veaux as participants and its time, the planned visit «زيارة» to Paris with
its destination; roles filled, realis set and the document submitted by keyboard; after a
reload the frames are intact, the incomplete count is right and the jsonl export carries
them. Entity spans are selected with a mouse drag, as in test_annotate.py."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from newsreview.annotations.models import AnnotationLayer, Event
from tests.browser.test_annotate import drag_select, open_workspace, wait_for_spans
from tests.browser.test_queue import wait_until_saved

pytestmark = pytest.mark.django_db(transaction=True)


def arguments_of(event: Event) -> list[tuple[str, str]]:
    return sorted((a.role.key, a.span.text) for a in event.arguments.select_related("role", "span"))


SCROLL_TO = """([cp]) => {
  const root = document.querySelector('[data-doc-text]');
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  let remaining = cp, node;
  while ((node = walker.nextNode())) {
    const length = Array.from(node.data).length;
    if (remaining < length) {
      const range = document.createRange();
      range.selectNodeContents(node);
      const box = range.getBoundingClientRect();
      scrollBy(0, box.top - innerHeight / 3);
      return;
    }
    remaining -= length;
  }
}"""


def label(page, start: int, end: int, key: str) -> None:
    count = page.locator("[data-doc-text] [data-span-id][tabindex]").count()
    page.evaluate(SCROLL_TO, [start])
    drag_select(page, start, end)
    page.keyboard.press(key)
    wait_for_spans(page, count + 1)


def focus_mark(page, start: int) -> None:
    """Keyboard focus on the span starting at `start`, by k from the text's start (as an
    annotator moves through the annotations)."""
    page.locator("[data-doc-text]").focus()
    page.evaluate("getSelection().removeAllRanges()")
    for _ in range(40):
        page.keyboard.press("k")
        if page.evaluate("document.activeElement.dataset.start") == str(start):
            return
    raise AssertionError(f"no span at {start}")


def frame_of(page, trigger_start: int):
    trigger_id = page.locator(
        f'[data-doc-text] [data-start="{trigger_start}"][data-kind="trigger"]'
    ).first.get_attribute("data-span-id")
    return page.locator(f'[data-frame-for="{trigger_id}"]')


def fill(page, frame, role: str, presses: list[str]) -> None:
    """Choose the role's slot by keyboard, then move to the entity and press Enter."""
    before = frame.locator(".frame-arg").count()
    frame.locator(f'[data-fill-slot="{role}"]').press("Enter")
    for key in presses:
        page.keyboard.press(key)
    page.keyboard.press("Enter")
    wait_until_saved(page)
    page.wait_for_function(
        "([id, n]) => document.querySelectorAll("
        "`[data-frame-for='${id}'] .frame-arg`).length === n",
        arg=[frame.get_attribute("data-frame-for"), before + 1],
    )


def test_meeting_and_planned_visit_framed_by_keyboard_survive_a_reload_and_export(
    login, live_server, seed_document, annotator
):
    text = seed_document.text
    meet = text.index("استقبل")
    hammouchi = text.index("حموشي استقبل")
    veaux = text.index("Frédéric Veaux")
    dates = text.index("زوال الخميس")
    visit = text.index("زيارة مماثلة")
    paris = text.index("باريس", visit)
    page = open_workspace(login, live_server, annotator, seed_document)
    label(page, hammouchi, hammouchi + 5, "p")
    label(page, veaux, veaux + len("Frédéric Veaux"), "p")
    label(page, dates, dates + len("زوال الخميس"), "t")
    label(page, paris, paris + 5, "g")

    # The meeting: label the trigger; Enter takes the focused trigger into its frame, at
    # its empty required role (PARTICIPANT); Enter there starts filling it at the nearest
    # person (Hammouchi, just before «استقبل»), Enter fills it.
    label(page, meet, meet + len("استقبل"), "1")
    wait_until_saved(page)
    frame = frame_of(page, meet)
    assert frame.is_visible()
    assert frame.locator(".slot").evaluate_all("s => s.map(x => x.dataset.slot)") == [
        "PARTICIPANT",
        "PLACE",
        "TIME",
    ]
    assert "frame--incomplete" in frame.get_attribute("class")
    page.keyboard.press("Enter")
    focused = page.evaluate("document.activeElement.dataset.fillSlot")
    assert focused == "PARTICIPANT"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.dataset.start") == str(hammouchi)
    assert page.locator("#fill-hint").is_visible()
    page.keyboard.press("Enter")
    wait_until_saved(page)
    page.wait_for_selector("[data-frame-for] .frame-arg", state="attached")
    frame = frame_of(page, meet)
    assert "frame--incomplete" not in frame.get_attribute("class")
    # Veaux as a second participant: from Hammouchi, k passes the trigger (not an entity,
    # so Enter on it would do nothing) and reaches Veaux.
    fill(page, frame, "PARTICIPANT", ["k", "k"])
    fill(page, frame, "TIME", [])  # the nearest date or time: «زوال الخميس»

    # The visit: MOVEMENT_TRANSPORT, its destination Paris, realis planned.
    label(page, visit, visit + len("زيارة"), "3")
    wait_until_saved(page)
    visit_frame = frame_of(page, visit)
    fill(page, visit_frame, "DESTINATION", [])
    visit_frame.locator('[data-attribute-value="planned"]').press("Enter")
    wait_until_saved(page)
    page.wait_for_selector(
        '[data-attribute-value="planned"][aria-pressed="true"]', state="attached"
    )

    # Highlighting: focusing the meeting outlines its arguments, each with a role badge.
    focus_mark(page, meet)
    assert page.locator("[data-doc-text] .hl-trigger").count() >= 1
    roles = page.locator("[data-doc-text] .hl-arg[data-hl-role]").evaluate_all(
        "m => m.map(x => x.dataset.hlRole).sort()"
    )
    assert roles == ["PARTICIPANT", "PARTICIPANT", "TIME"]
    # Focusing Hammouchi lists the event he takes part in.
    focus_mark(page, hammouchi)
    roles_of = page.locator(
        f'[data-roles-for="{page.evaluate("document.activeElement.dataset.spanId")}"]'
    )
    assert roles_of.is_visible() and "as Participant" in roles_of.text_content()

    # Submitting with an incomplete event asks first (the visit has no ARTIFACT).
    questions = []
    page.once("dialog", lambda d: (questions.append(d.message), d.dismiss()))
    page.locator("[data-doc-text]").focus()
    page.keyboard.press("s")
    assert questions and questions[0].startswith("1 event is incomplete")
    assert AnnotationLayer.objects.get(document=seed_document, owner=annotator).status != "done"

    page.reload()
    assert page.locator("[data-incomplete-count]").text_content().strip() == "1 event incomplete"
    focus_mark(page, meet)
    frame = frame_of(page, meet)
    frame.locator(".frame__slots").wait_for()  # fetched on focus
    participants = frame.locator('[data-slot="PARTICIPANT"] .frame-arg bdi').all_text_contents()
    assert participants == ["حموشي", "Frédéric Veaux"]
    assert frame.locator('[data-slot="TIME"] .frame-arg bdi').text_content() == "زوال الخميس"
    focus_mark(page, visit)
    visit_frame = frame_of(page, visit)
    visit_frame.locator(".frame__slots").wait_for()
    assert visit_frame.locator('[data-slot="DESTINATION"] bdi').text_content() == "باريس"
    assert visit_frame.locator('[data-slot="ARTIFACT"] .slot__empty').is_visible()
    assert visit_frame.locator('[aria-pressed="true"]').text_content().strip() == "planned"

    meeting = Event.objects.get(trigger__start=meet)
    assert meeting.event_type.key == "CONTACT_MEET"
    assert arguments_of(meeting) == sorted(
        [("PARTICIPANT", "حموشي"), ("PARTICIPANT", "Frédéric Veaux"), ("TIME", "زوال الخميس")]
    )
    planned = Event.objects.get(trigger__start=visit)
    assert planned.attributes == {"realis": "planned"}
    out = io.StringIO()
    call_command(
        "export_annotations",
        "--project",
        seed_document.project.slug,
        "--format",
        "jsonl",
        "--layer",
        annotator.username,
        stdout=out,
        stderr=io.StringIO(),
    )
    record = json.loads(out.getvalue().splitlines()[0])
    entities = {e["id"]: e["text"] for e in record["entities"]}
    exported = {
        e["type"]: (
            e["trigger"]["text"],
            sorted((a["role"], entities[a["entity"]]) for a in e["arguments"]),
            e.get("attributes", {}),
        )
        for e in record["events"]
    }
    assert exported == {
        "CONTACT_MEET": (
            "استقبل",
            sorted(
                [
                    ("PARTICIPANT", "حموشي"),
                    ("PARTICIPANT", "Frédéric Veaux"),
                    ("TIME", "زوال الخميس"),
                ]
            ),
            {},
        ),
        "MOVEMENT_TRANSPORT": ("زيارة", [("DESTINATION", "باريس")], {"realis": "planned"}),
    }


def _meeting_with_place(document, user):
    """«اللقاءات» as a meeting with Hammouchi as participant and Paris as place."""
    from newsreview.annotations import services
    from tests.annotations.test_services import at

    layer = services.get_or_create_layer(document=document, user=user)
    made = {}
    for word, key in (("حموشي", "PERS"), ("باريس", "GPE"), ("اللقاءات", "CONTACT_MEET")):
        start, end = at(document.text, word)
        made[word] = services.add_span(layer=layer, start=start, end=end, label=key, by=user)
    event = made["اللقاءات"].event
    services.add_argument(layer=layer, event=event, role="PARTICIPANT", span=made["حموشي"], by=user)
    services.add_argument(layer=layer, event=event, role="PLACE", span=made["باريس"], by=user)
    return made


def test_type_change_flags_the_argument_and_moving_it_by_keyboard_completes_the_event(
    login, live_server, seed_document, annotator
):
    made = _meeting_with_place(seed_document, annotator)
    trigger = made["اللقاءات"]
    page = open_workspace(login, live_server, annotator, seed_document)
    focus_mark(page, trigger.start)
    page.keyboard.press("2")  # CONTACT_PHONE_WRITE: no PLACE role
    wait_until_saved(page)
    frame = page.locator(f'[data-frame-for="{trigger.pk}"]')
    frame.locator("[data-orphans]").wait_for()
    assert "باريس" in frame.locator("[data-orphans]").text_content()
    assert page.locator("[data-incomplete-count]").text_content().strip() == "1 event incomplete"
    assert Event.objects.get(trigger=trigger).arguments.count() == 2  # nothing dropped
    # Move it to PARTICIPANT with the keyboard: the role list, then its button.
    select = frame.locator("[data-orphans] select[name=role]")
    select.focus()
    select.select_option("PARTICIPANT")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    wait_until_saved(page)
    page.wait_for_function("() => !document.querySelector('[data-incomplete-count]')")
    assert sorted(arguments_of(Event.objects.get(trigger=trigger))) == [
        ("PARTICIPANT", "باريس"),
        ("PARTICIPANT", "حموشي"),
    ]


def test_deleting_a_trigger_with_arguments_asks_and_keeps_the_argument_spans(
    login, live_server, seed_document, annotator
):
    made = _meeting_with_place(seed_document, annotator)
    trigger = made["اللقاءات"]
    page = open_workspace(login, live_server, annotator, seed_document)
    focus_mark(page, trigger.start)
    questions = []
    page.once("dialog", lambda d: (questions.append(d.message), d.dismiss()))
    page.keyboard.press("x")
    assert questions and "2 arguments" in questions[0] and "stay in the text" in questions[0]
    page.wait_for_timeout(300)
    assert Event.objects.filter(trigger=trigger).exists()
    page.once("dialog", lambda d: d.accept())
    page.keyboard.press("x")
    wait_until_saved(page)
    page.wait_for_function(
        f"() => !document.querySelector('[data-doc-text] [data-span-id=\"{trigger.pk}\"]')"
    )
    assert not Event.objects.exists()
    assert {s.text for s in seed_document.layers.get().spans.all()} == {"حموشي", "باريس"}
