"""Gold events as frames on the curation page (issues 10 and 12): the same read-only
frames as the document page (roles in schema order, required roles, realis), following a
decision out of band, and a query count that does not grow with the events."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from newsreview.annotations import events as event_services
from newsreview.annotations import services as annotate
from newsreview.annotations.models import AnnotationLayer, Event
from newsreview.review import merge, services
from tests.factories import DocumentFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def review_url(document) -> str:
    return reverse("review:review", args=[document.project.slug, document.pk])


def trip_candidate(document, supporter: str) -> str:
    result = merge.merge(services.read_layers(document).inputs)
    (found,) = [c for c in result.events if c.supporters == [supporter]]
    return found.id


def frames_section(html: str) -> str:
    found = re.search(r'<section id="review-frames".*?</section>\s*</div>\s*</section>', html, re.S)
    return found[0]


def test_curation_page_shows_a_gold_events_frame_with_its_roles_and_realis(
    client, scenario, reviewer
):
    document = scenario.a1.document
    gold = services.start_review(document=document, by=reviewer)
    client.force_login(reviewer)
    before = client.get(review_url(document)).content.decode()
    assert "No event in gold yet." in before  # the trip differs: not pre-accepted

    # Accept annotator2's trip (Destination → باريس, no Artifact) through the page: the
    # answer brings gold's frames out of band.
    response = client.post(
        reverse("review:candidate-accept", args=["news", document.pk]),
        {"candidate": trip_candidate(document, "annotator2"), "version": gold.version},
        headers=HX,
    )
    assert response.status_code == 200
    swapped = response.content.decode()
    assert '<section id="review-frames" class="review-frames"' in swapped
    assert 'hx-swap-oob="true"' in re.search(r'<section id="review-frames"[^>]*>', swapped)[0]
    assert 'data-slot="DESTINATION"' in swapped

    gold.refresh_from_db()
    event = Event.objects.get(layer=gold)
    event_services.set_event_attribute(
        layer=gold, event=event, name="realis", value="planned", by=reviewer
    )
    html = client.get(review_url(document)).content.decode()
    section = frames_section(html)
    trip_start, trip_end = scenario.spans["trip"]
    frame = re.search(
        rf'<section class="frame frame--incomplete" id="frame-{event.trigger_id}".*?</section>',
        section,
        re.S,
    )[0]
    assert f'<bdi lang="ar">{scenario.text[trip_start:trip_end]}</bdi>' in frame
    slots = re.findall(r'data-slot="([A-Z_]+)"', frame)
    assert slots.index("ARTIFACT") < slots.index("DESTINATION")  # the schema's order
    artifact = re.search(r'<li class="slot[^"]*" data-slot="ARTIFACT">.*?</li>', frame, re.S)[0]
    assert "slot--missing" in artifact and "(required)" in artifact
    destination = re.search(r'<li class="slot[^"]*" data-slot="DESTINATION">.*?</li>', frame, re.S)[
        0
    ]
    assert "باريس" in destination and "slot--empty" not in destination
    assert "required role empty" in frame
    assert re.search(r"Realis</span>: <bdi>planned</bdi>", frame)
    assert "1 event incomplete" in section
    # Read-only: no workspace form in the frames.
    assert "<form" not in section and "data-fill-slot" not in section


def test_the_complete_trip_is_shown_complete(client, scenario, reviewer):
    document = scenario.a1.document
    services.start_review(document=document, by=reviewer)
    services.accept_candidate(
        document=document, candidate=trip_candidate(document, "annotator1"), by=reviewer
    )
    client.force_login(reviewer)
    section = frames_section(client.get(review_url(document)).content.decode())
    assert "frame__state--ok" in section and "incomplete" not in section
    artifact = re.search(r'data-slot="ARTIFACT">.*?</li>', section, re.S)[0]
    assert "حموشي" in artifact


def _gold_with_events(project, reviewer, events: int) -> tuple:
    """A document with 3 submitted layers and a gold layer of `events` events, each with
    an argument and realis, written in bulk through the services."""
    project.annotators_per_document = 1
    project.save()
    text = ("زار حموشي باريس أمس " * 400)[:8_000]
    document = DocumentFactory(project=project, text=text)
    user = UserFactory(username="a0")
    MembershipFactory(project=project, user=user, role="annotator")
    layer = annotate.get_or_create_layer(document=document, user=user)
    annotate.set_layer_status(layer=layer, status="done", by=user)
    gold = services.start_review(document=document, by=reviewer)
    for n in range(events):
        base = n * 20
        trip = annotate.add_span(
            layer=gold, start=base, end=base + 3, label="MOVEMENT_TRANSPORT", by=reviewer
        )
        place = annotate.add_span(
            layer=gold, start=base + 10, end=base + 15, label="GPE", by=reviewer
        )
        annotate.add_argument(
            layer=gold, event=trip.event, role="DESTINATION", span=place, by=reviewer
        )
        event_services.set_event_attribute(
            layer=gold, event=trip.event, name="realis", value="actual", by=reviewer
        )
    return document, gold


@pytest.mark.parametrize("events", [1, 60])
def test_curation_page_query_count_does_not_grow_with_gold_events(
    client, project, reviewer, django_assert_max_num_queries, events
):
    document, gold = _gold_with_events(project, reviewer, events)
    assert AnnotationLayer.objects.get(pk=gold.pk).spans.count() == 2 * events
    client.force_login(reviewer)
    with django_assert_max_num_queries(20):
        html = client.get(review_url(document)).content.decode()
    assert html.count('<section class="frame') == events
    assert html.count("Realis</span>: <bdi>actual</bdi>") == events
