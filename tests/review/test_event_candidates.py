"""Candidate (non-gold) events on the curation page (issue 10): the events of one trigger
group shown as one frame in the side panel, slot by slot (trigger, type, each role,
each attribute), each value with who proposed it, differing slots said in words,
escaped, in the page's language; accepting one brings its argument spans into gold and
answers with the frames and the group row out of band."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from newsreview.annotations import events as event_services
from newsreview.annotations.models import Event, Span
from newsreview.review import services
from newsreview.review.context import build
from newsreview.review.event_frames import ATTRIBUTE, ROLE

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def review_url(document, action: str = "review") -> str:
    return reverse(f"review:{action}", args=[document.project.slug, document.pk])


def event_group(document):
    built = build(document, services.read_layers(document))
    (group,) = [g for g in built.groups if g.kind == "event"]
    return group


def slot(frame, key):
    return next(s for s in frame.slots if s.key == key)


def frame_html(html: str, group_id: str) -> str:
    row = re.search(
        rf'<li id="group-[0-9a-f]+"[^>]*data-group-id="{re.escape(group_id)}".*?</li>', html, re.S
    )
    return re.search(r"<table class=\"event-frame\".*?</table>", html[row.start() :], re.S)[0]


def test_an_event_group_is_one_frame_saying_who_proposed_which_argument_per_role(
    scenario, reviewer
):
    document = scenario.a1.document
    services.start_review(document=document, by=reviewer)
    frame = event_group(document).frame

    assert frame.trigger == "رحلة"
    assert [s.key for s in frame.slots][:2] == ["trigger", "type"]
    assert not slot(frame, "trigger").differs and not slot(frame, "type").differs
    artifact = slot(frame, "ARTIFACT")
    assert artifact.kind == ROLE and artifact.differs
    assert {v.text: v.supporters for v in artifact.values} == {
        "حموشي (Person)": ["annotator1"],
        "—": ["annotator2"],
    }
    destination = slot(frame, "DESTINATION")
    assert not destination.differs
    assert [(v.text, sorted(v.supporters)) for v in destination.values] == [
        ("باريس (Geo-political entity)", ["annotator1", "annotator2"])
    ]
    # Roles in the schema's order, as in gold's frames.
    roles = [s.key for s in frame.slots if s.kind == ROLE]
    assert roles.index("ARTIFACT") < roles.index("DESTINATION")


def test_attribute_differences_are_a_slot_each(scenario, reviewer):
    document = scenario.a1.document
    a1_event = Event.objects.get(layer=scenario.a1)
    a2_event = Event.objects.get(layer=scenario.a2)
    for layer, event, value in (
        (scenario.a1, a1_event, "actual"),
        (scenario.a2, a2_event, "planned"),
    ):
        layer.status = "in_progress"
        layer.save(update_fields=["status"])
        event_services.set_event_attribute(
            layer=layer, event=event, name="realis", value=value, by=layer.owner
        )
        layer.status = "done"
        layer.save(update_fields=["status"])
    services.start_review(document=document, by=reviewer)
    realis = slot(event_group(document).frame, "realis")
    assert realis.kind == ATTRIBUTE and realis.differs
    assert {v.text: v.supporters for v in realis.values} == {
        "actual": ["annotator1"],
        "planned": ["annotator2"],
    }


def test_the_frame_is_in_the_side_panel_escaped_and_a_keyboard_stop(client, scenario, reviewer):
    document = scenario.a1.document
    event = Event.objects.get(layer=scenario.a1)
    scenario.a1.status = "in_progress"
    scenario.a1.save(update_fields=["status"])
    event_services.set_event_attribute(
        layer=scenario.a1,
        event=event,
        name="note",
        value="<script>x()</script>",
        by=scenario.a1.owner,
    )
    scenario.a1.status = "done"
    scenario.a1.save(update_fields=["status"])
    services.start_review(document=document, by=reviewer)
    group = event_group(document)
    client.force_login(reviewer)
    html = client.get(review_url(document)).content.decode()

    table = frame_html(html, group.id)
    assert 'tabindex="0"' in table and "data-event-frame" in table
    artifact = re.search(r'<tr [^>]*data-slot="ARTIFACT".*?</tr>', table, re.S)[0]
    assert "event-frame__slot--differs" in artifact and "(differs)" in artifact
    assert "حموشي (Person)" in artifact and "<bdi>annotator1</bdi>" in artifact
    assert "<bdi>annotator2</bdi>" in artifact  # proposed no ARTIFACT: "—"
    destination = re.search(r'<tr [^>]*data-slot="DESTINATION".*?</tr>', table, re.S)[0]
    assert "(same)" in destination
    assert "<script>x()" not in html
    assert "&lt;script&gt;x()&lt;/script&gt;" in table


def test_the_frame_speaks_the_page_language(client, scenario, reviewer):
    document = scenario.a1.document
    services.start_review(document=document, by=reviewer)
    with translation.override("ar"):
        frame = event_group(document).frame
    # The schema's Arabic names for roles and labels.
    artifact = slot(frame, "ARTIFACT")
    assert artifact.name != "ARTIFACT" and re.search(r"[\u0600-\u06FF]", artifact.name)
    assert any(re.search(r"\(.*[\u0600-\u06FF].*\)", v.text) for v in artifact.values)


def test_accepting_a_candidate_event_brings_its_arguments_and_answers_out_of_band(
    client, scenario, reviewer
):
    document = scenario.a1.document
    gold = services.start_review(document=document, by=reviewer)
    group = event_group(document)
    with_artifact = next(c for c in group.candidates if any("حموشي" in a for a in c.arguments))
    client.force_login(reviewer)

    response = client.post(
        review_url(document, "candidate-accept"),
        {"candidate": with_artifact.id, "version": gold.version},
        headers=HX,
    )

    assert response.status_code == 200 and response["HX-Reswap"] == "none"
    html = response.content.decode()
    assert re.search(r'<section id="review-frames"[^>]*hx-swap-oob="true"', html)
    row = re.search(
        rf'<li id="group-[0-9a-f]+"[^>]*data-group-id="{re.escape(group.id)}"[^>]*>', html
    )
    assert 'data-state="accepted"' in row[0]
    event = Event.objects.get(layer__kind="gold")
    assert {(a.role.key, a.span.text) for a in event.arguments.select_related("role", "span")} == {
        ("ARTIFACT", "حموشي"),
        ("DESTINATION", "باريس"),
    }
    assert Span.objects.filter(layer__kind="gold", text="رحلة").count() == 1
