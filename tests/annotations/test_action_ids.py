"""Workspace writes carry a client action id (issue 9): an action the layer has applied is
answered again, never applied twice; every answer says the layer version and the span."""

from __future__ import annotations

import pytest

from newsreview.annotations import services
from newsreview.annotations.models import AppliedAction, Change, Span
from tests.annotations.test_views import HX, create_data, state, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def annotator_client(client, annotator):
    client.force_login(annotator)
    return client


def test_create_answer_names_the_new_span_and_the_layer_version(annotator_client, seed_document):
    data = create_data(seed_document, "حموشي") | {"action": "a" * 32}
    response = annotator_client.post(url("span-create", seed_document), data, headers=HX)
    span = Span.objects.get()
    assert response.status_code == 200
    assert (response["X-Span-Id"], response["X-Layer-Version"]) == (str(span.pk), "1")
    data = create_data(seed_document, "باريس", "GPE", version=1) | {"action": "b" * 32}
    response = annotator_client.post(url("span-create", seed_document), data, headers=HX)
    paris = Span.objects.get(text="باريس")
    assert response["HX-Reswap"] == "none"  # the hot path
    assert (response["X-Span-Id"], response["X-Layer-Version"]) == (str(paris.pk), "2")


def test_create_sent_twice_with_one_action_id_is_applied_once(annotator_client, seed_document):
    data = create_data(seed_document, "حموشي") | {"action": "retry-0001"}
    first = annotator_client.post(url("span-create", seed_document), data, headers=HX)
    before = state()
    # The answer was lost; the queue sends the same action again, with the same version.
    again = annotator_client.post(url("span-create", seed_document), data, headers=HX)
    assert again.status_code == 200
    assert state() == before
    assert again["X-Span-Id"] == first["X-Span-Id"] == str(Span.objects.get().pk)
    assert again["X-Layer-Version"] == "1"
    assert AppliedAction.objects.get().result == {"span": Span.objects.get().pk}


def test_delete_retried_after_a_later_action_is_not_a_conflict(
    annotator_client, seed_document, annotator
):
    layer = services.get_or_create_layer(document=seed_document, user=annotator)
    start = seed_document.text.index("حموشي")
    span = services.add_span(layer=layer, start=start, end=start + 5, label="PERS", by=annotator)
    data = {"span": span.pk, "version": 1, "action": "delete-0001"}
    assert (
        annotator_client.post(url("span-delete", seed_document), data, headers=HX).status_code
        == 200
    )
    before = state()
    response = annotator_client.post(url("span-delete", seed_document), data, headers=HX)
    assert response.status_code == 200  # not 409 (stale) nor 404 (gone): it was applied
    assert state() == before
    assert Change.objects.filter(action="span.delete").count() == 1


def test_same_action_id_in_another_layer_is_a_new_action(
    client, seed_document, annotator, other_annotator
):
    data = create_data(seed_document, "حموشي") | {"action": "shared-0001"}
    for user in (annotator, other_annotator):
        client.force_login(user)
        assert client.post(url("span-create", seed_document), data, headers=HX).status_code == 200
    assert Span.objects.count() == 2
    assert AppliedAction.objects.count() == 2


@pytest.mark.parametrize("bad", ["short", "x" * 65, "has space!", "<script>1</script>"])
def test_malformed_action_id_is_refused_and_changes_nothing(annotator_client, seed_document, bad):
    before = state()
    data = create_data(seed_document, "حموشي") | {"action": bad}
    response = annotator_client.post(url("span-create", seed_document), data, headers=HX)
    assert response.status_code == 422
    assert "action id" in response.content.decode()
    assert state() == before


def test_refused_action_is_not_remembered(annotator_client, seed_document):
    data = create_data(seed_document, "حموشي", label="NOPE") | {"action": "refused-0001"}
    response = annotator_client.post(url("span-create", seed_document), data, headers=HX)
    assert response.status_code == 422
    assert not AppliedAction.objects.exists()


def test_keyed_span_create_costs_a_bounded_number_of_queries(
    annotator_client, seed_document, django_assert_max_num_queries
):
    annotator_client.post(
        url("span-create", seed_document), create_data(seed_document, "باريس", "GPE"), headers=HX
    )
    data = create_data(seed_document, "حموشي", version=1) | {"action": "count-0001"}
    # The unkeyed hot path's bound (test_views) plus the look-up, the insert and a savepoint.
    with django_assert_max_num_queries(20):
        response = annotator_client.post(url("span-create", seed_document), data, headers=HX)
    assert response.status_code == 200 and response["HX-Reswap"] == "none"
