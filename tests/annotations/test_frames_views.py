"""Event frames over HTTP (issue 12): the frame in the workspace and on the document page,
the incomplete count and the submit confirmation, setting realis and moving an argument
through the queue's POSTs, refusals that change nothing, and a workspace whose query
count stays flat with 200 events and 1,000 spans."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from newsreview.annotations import events, services
from newsreview.annotations.models import Argument, Event, Span
from newsreview.projects.models import RoleType
from tests.annotations.test_services import at, version
from tests.factories import DocumentFactory

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def url(name: str, document) -> str:
    return reverse(f"annotations:{name}", args=[document.project.slug, document.pk])


@pytest.fixture
def client_of(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login


def frame_html(body: str, trigger_id: int) -> str:
    match = re.search(
        rf'<section class="frame[^"]*" id="frame-{trigger_id}".*?</section>\s*(?=<section|</div>)',
        body,
        re.S,
    )
    assert match, f"no frame for {trigger_id}"
    return match.group(0)


def test_workspace_shows_the_focused_events_frame_with_its_roles_in_schema_order(
    client_of, seed_document, layer, meeting, participant, annotator
):
    response = client_of(annotator).get(url("annotate", seed_document) + f"?span={meeting.pk}")
    body = response.content.decode()
    frame = frame_html(body, meeting.pk)
    assert " hidden" not in frame[: frame.index(">")]  # the focused event's frame is shown
    slots = re.findall(r'data-slot="([A-Z_]+)"', frame)
    assert slots == ["PARTICIPANT", "PLACE", "TIME"]
    assert "حموشي" in frame and "(required)" in frame
    assert frame.count('class="slot__empty"') == 2  # PLACE and TIME
    assert 'data-attribute-value="planned"' in frame
    assert "Complete" in frame
    assert "data-incomplete-count" not in body


def test_an_incomplete_event_is_flagged_in_frame_list_and_layer_bar_and_submit_asks(
    client_of, seed_document, layer, meeting, annotator
):
    c = client_of(annotator)
    body = c.get(url("annotate", seed_document)).content.decode()
    # Not focused: a placeholder, fetched on focus (the page does not grow with events).
    placeholder = re.search(rf'<section [^>]*data-frame-for="{meeting.pk}"[^>]*>', body).group(0)
    assert "data-lazy" in placeholder and "hidden" in placeholder
    fetched = c.get(url("annotate", seed_document) + f"?frame={meeting.pk}", headers=HX)
    frame = fetched.content.decode()
    assert frame.startswith('<section class="frame frame--incomplete"')
    assert "required role empty" in frame and "Participant" in frame
    assert 'data-incomplete-count="1"' in body and "1 event incomplete" in body
    assert re.search(r'value="done"[^>]*data-confirm="1 event is incomplete', body)
    item = re.search(rf'<li id="item-{meeting.pk}" class="([^"]*)"', body)
    assert "is-incomplete" in item.group(1)


def test_setting_realis_from_the_frame_answers_with_the_frame_pressed(
    client_of, seed_document, layer, meeting, annotator
):
    data = {"trigger": meeting.pk, "name": "realis", "value": "planned", "version": version(layer)}
    response = client_of(annotator).post(url("event-attribute", seed_document), data, headers=HX)
    assert response.status_code == 200
    assert Event.objects.get(pk=meeting.event.pk).attributes == {"realis": "planned"}
    frame = frame_html(response.content.decode(), meeting.pk)
    assert re.search(r'aria-pressed="true" data-attribute-value="planned"', frame)
    assert response["X-Layer-Version"] == str(version(layer))
    assert "Realis: planned" in response.content.decode()  # the side list says it too


def test_setting_a_value_the_schema_lacks_is_refused_with_422_and_changes_nothing(
    client_of, seed_document, layer, meeting, annotator
):
    data = {"trigger": meeting.pk, "name": "realis", "value": "soon", "version": version(layer)}
    response = client_of(annotator).post(url("event-attribute", seed_document), data, headers=HX)
    assert response.status_code == 422
    assert "soon" in response.content.decode()
    assert Event.objects.get(pk=meeting.event.pk).attributes == {}


def test_without_htmx_setting_an_attribute_redirects_back_to_the_event(
    client_of, seed_document, layer, meeting, annotator
):
    data = {"trigger": meeting.pk, "name": "realis", "value": "actual", "version": version(layer)}
    response = client_of(annotator).post(url("event-attribute", seed_document), data)
    assert response.status_code == 302
    assert f"span={meeting.pk}" in response["Location"]


def test_another_annotators_event_is_not_found(
    client_of, seed_document, layer, meeting, other_annotator
):
    services.get_or_create_layer(document=seed_document, user=other_annotator)
    data = {"trigger": meeting.pk, "name": "realis", "value": "actual", "version": 0}
    response = client_of(other_annotator).post(
        url("event-attribute", seed_document), data, headers=HX
    )
    assert response.status_code == 404
    assert Event.objects.get(pk=meeting.event.pk).attributes == {}


def test_changing_an_arguments_role_from_the_frame(
    client_of, seed_document, layer, meeting, text, annotator
):
    start, end = at(text, "باريس")
    paris = services.add_span(layer=layer, start=start, end=end, label="GPE", by=annotator)
    argument = services.add_argument(
        layer=layer, event=meeting.event, role="PARTICIPANT", span=paris, by=annotator
    )
    layer.refresh_from_db()
    data = {"argument": argument.pk, "role": "PLACE", "version": version(layer)}
    response = client_of(annotator).post(url("argument-update", seed_document), data, headers=HX)
    assert response.status_code == 200
    assert Argument.objects.get(pk=argument.pk).role.key == "PLACE"
    frame = frame_html(response.content.decode(), meeting.pk)
    place = re.search(r'data-slot="PLACE".*?</li>', frame, re.S).group(0)
    assert "باريس" in place


def test_filling_a_slot_from_the_frame_does_not_open_the_picker(
    client_of, seed_document, layer, meeting, hammouchi, annotator
):
    layer.refresh_from_db()
    data = {
        "trigger": meeting.pk,
        "role": "PARTICIPANT",
        "span": hammouchi.pk,
        "frame": "1",
        "version": version(layer),
    }
    response = client_of(annotator).post(url("argument-create", seed_document), data, headers=HX)
    assert response.status_code == 200
    assert "data-open-dialog" not in response.content.decode()
    assert Argument.objects.filter(event=meeting.event, span=hammouchi).exists()


def test_a_type_change_shows_the_flagged_argument_in_the_frame(
    client_of, seed_document, layer, meeting, participant, text, annotator
):
    start, end = at(text, "باريس")
    paris = services.add_span(layer=layer, start=start, end=end, label="GPE", by=annotator)
    services.add_argument(layer=layer, event=meeting.event, role="PLACE", span=paris, by=annotator)
    layer.refresh_from_db()
    data = {"span": meeting.pk, "label": "CONTACT_PHONE_WRITE", "version": version(layer)}
    response = client_of(annotator).post(url("span-update", seed_document), data, headers=HX)
    assert response.status_code == 200
    frame = frame_html(response.content.decode(), meeting.pk)
    assert "data-orphans" in frame and "باريس" in frame.split("data-orphans")[1]
    assert "1 argument has a role that" in frame


def test_the_document_page_lists_every_frame_read_only(
    client_of, seed_document, layer, meeting, participant, annotator
):
    events.set_event_attribute(
        layer=layer, event=meeting.event, name="realis", value="actual", by=annotator
    )
    body = (
        client_of(annotator)
        .get(
            reverse(
                "documents:document-detail", args=[seed_document.project.slug, seed_document.pk]
            )
        )
        .content.decode()
    )
    frame = frame_html(body, meeting.pk)
    assert " hidden" not in frame[: frame.index(">")]
    assert "حموشي" in frame and "actual" in frame
    assert "<form" not in frame and "data-fill-slot" not in frame
    assert "js/frame.js" in body


def test_the_side_list_escapes_a_free_note(client_of, seed_document, layer, meeting, annotator):
    events.set_event_attribute(
        layer=layer, event=meeting.event, name="note", value="<b>x</b>", by=annotator
    )
    body = client_of(annotator).get(url("annotate", seed_document)).content.decode()
    assert "<b>x</b>" not in body and "&lt;b&gt;x&lt;/b&gt;" in body


# --- the query count --------------------------------------------------------------------------


def _fill_events(project, user, events_count: int, entities_count: int):
    """A long document with `entities_count` entity spans and `events_count` CONTACT_MEET
    events, each with two participants and a realis."""
    word = "حموشي "
    document = DocumentFactory(project=project, text=word * (events_count + entities_count))
    layer = services.get_or_create_layer(document=document, user=user)
    schema = project.schema
    pers = schema.entity_types.get(key="PERS")
    meet = schema.event_types.get(key="CONTACT_MEET")
    participant = RoleType.objects.get(event_type=meet, key="PARTICIPANT")
    spans = [
        Span(layer=layer, start=i * 6, end=i * 6 + 5, text="حموشي", entity_type=pers)
        for i in range(entities_count)
    ]
    triggers = [
        Span(layer=layer, start=i * 6, end=i * 6 + 5, text="حموشي", event_type=meet)
        for i in range(entities_count, entities_count + events_count)
    ]
    Span.objects.bulk_create(spans + triggers)
    made = Event.objects.bulk_create(
        Event(layer=layer, trigger=t, event_type=meet, attributes={"realis": "actual"})
        for t in triggers
    )
    Argument.objects.bulk_create(
        Argument(event=e, role=participant, span=spans[(n * 2 + k) % len(spans)])
        for n, e in enumerate(made)
        for k in (0, 1)
    )
    return document


@pytest.mark.parametrize(("events_count", "entities_count"), [(2, 5), (200, 1000)])
def test_workspace_and_document_page_queries_stay_flat_with_200_events_and_1000_spans(
    client_of, project, annotator, events_count, entities_count, django_assert_max_num_queries
):
    document = _fill_events(project, annotator, events_count, entities_count)
    c = client_of(annotator)
    # 18: the workspace (12), the frames, and the comment threads (review) added together
    with django_assert_max_num_queries(18):
        response = c.get(url("annotate", document))
    assert response.status_code == 200
    assert response.content.decode().count("data-frame-for=") == events_count
    with django_assert_max_num_queries(14):
        response = c.get(reverse("documents:document-detail", args=[project.slug, document.pk]))
    assert response.status_code == 200


def test_a_frame_of_another_layer_or_no_event_is_not_found(
    client_of, seed_document, layer, meeting, hammouchi, other_annotator, annotator
):
    c = client_of(annotator)
    entity = c.get(url("annotate", seed_document) + f"?frame={hammouchi.pk}", headers=HX)
    assert entity.status_code == 404
    c = client_of(other_annotator)
    other = c.get(url("annotate", seed_document) + f"?frame={meeting.pk}", headers=HX)
    assert other.status_code == 404
