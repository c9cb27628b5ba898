"""The events admin (issue 12): filters by realis and by completeness, arguments inline."""

from __future__ import annotations

import pytest
from django.urls import reverse

from newsreview.annotations import events, services
from tests.annotations.test_services import at
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_events(seed_document, annotator):
    """A complete meeting with realis planned, and an incomplete one without realis."""
    layer = services.get_or_create_layer(document=seed_document, user=annotator)
    text = seed_document.text
    start, end = at(text, "حموشي")
    person = services.add_span(layer=layer, start=start, end=end, label="PERS", by=annotator)
    made = []
    for word in ("اللقاءات", "استقبل"):
        start, end = at(text, word)
        made.append(
            services.add_span(layer=layer, start=start, end=end, label="CONTACT_MEET", by=annotator)
        )
    complete, incomplete = (m.event for m in made)
    services.add_argument(
        layer=layer, event=complete, role="PARTICIPANT", span=person, by=annotator
    )
    events.set_event_attribute(
        layer=layer, event=complete, name="realis", value="planned", by=annotator
    )
    return complete, incomplete


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    return client


def listed(client, query: str) -> set[int]:
    response = client.get(reverse("admin:annotations_event_changelist") + query)
    assert response.status_code == 200
    return {obj.pk for obj in response.context["cl"].result_list}


def test_events_filter_by_completeness(admin_client, two_events):
    complete, incomplete = two_events
    assert listed(admin_client, "?complete=yes") == {complete.pk}
    assert listed(admin_client, "?complete=no") == {incomplete.pk}


def test_events_filter_by_realis_and_by_realis_not_set(admin_client, two_events):
    complete, incomplete = two_events
    assert listed(admin_client, "?realis=planned") == {complete.pk}
    assert listed(admin_client, "?realis=actual") == set()
    assert listed(admin_client, "?realis=-") == {incomplete.pk}


def test_event_page_shows_its_arguments_inline(admin_client, two_events):
    complete, _incomplete = two_events
    response = admin_client.get(reverse("admin:annotations_event_change", args=[complete.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "PARTICIPANT" in body and "حموشي" in body and "planned" in body
