"""The per-document history page: the audit trail for reviewers and managers."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from newsreview.annotations import services
from newsreview.annotations.models import Change
from tests.security.conftest import World


def _url(world: World, page: int | None = None) -> str:
    url = reverse("documents:document-history", args=["news", world.news.document.pk])
    return f"{url}?page={page}" if page else url


def _client(world: World, role: str) -> Client:
    client = Client()
    client.force_login(world.user(role))
    return client


def _change_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-change-id="(\d+)"', html)]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["reviewer", "manager", "superuser"])
def test_reviewers_and_managers_see_the_history(world: World, role):
    response = _client(world, role).get(_url(world))
    assert response.status_code == 200


@pytest.mark.django_db
def test_annotator_is_forbidden_the_history_of_a_document_they_can_see(world: World):
    client = _client(world, "annotator")
    detail = reverse("documents:document-detail", args=["news", world.news.document.pk])
    assert client.get(detail).status_code == 200
    assert client.get(_url(world)).status_code == 403


@pytest.mark.django_db
def test_history_is_newest_first_and_only_this_documents(world: World):
    response = _client(world, "reviewer").get(_url(world))
    ids = _change_ids(response.text)
    expected = list(
        Change.objects.filter(document=world.news.document)
        .order_by("-id")
        .values_list("id", flat=True)
    )
    assert ids == expected
    assert not set(ids) & set(
        Change.objects.filter(document=world.other.document).values_list("id", flat=True)
    )


@pytest.mark.django_db
def test_history_shows_who_what_and_before_after_in_words(world: World):
    layer = world.news.layer
    services.update_span(layer=layer, span=world.news.span, label="ORG", by=world.user("annotator"))
    services.undo(layer=layer, by=world.user("annotator"))
    text = _client(world, "reviewer").get(_url(world)).text
    assert "Added annotation" in text
    assert "PERS «حموشي» [43, 48)" in text
    assert "ORG «حموشي» [43, 48)" in text
    assert "Changed annotation" in text
    assert "Linked argument" in text
    assert "PARTICIPANT → «حموشي»" in text
    assert "event CONTACT_MEET" in text
    assert "Commented" in text
    assert "«راجع الحدود»" in text
    assert "Undid" in text
    assert "(undone)" in text
    assert "<bdi>annotator</bdi>" in text
    assert "<bdi>gold</bdi>" in text


@pytest.mark.django_db
def test_history_is_paginated(world: World):
    layer = world.news.layer
    annotator = world.user("annotator")
    for _n in range(30):
        span = services.add_span(layer=layer, start=6, end=12, label="OCC", by=annotator)
        services.delete_span(layer=layer, span=span, by=annotator)
    total = Change.objects.filter(document=world.news.document).count()
    assert total > 50
    client = _client(world, "reviewer")
    first = _change_ids(client.get(_url(world)).text)
    second = _change_ids(client.get(_url(world, 2)).text)
    assert len(first) == 50
    assert len(first) + len(second) == total
    assert min(first) > max(second)


@pytest.mark.django_db
def test_history_query_count_does_not_grow_with_changes(
    world: World, django_assert_max_num_queries
):
    layer = world.news.layer
    annotator = world.user("annotator")
    client = _client(world, "reviewer")
    with django_assert_max_num_queries(10) as small:
        client.get(_url(world))
    for _n in range(40):
        span = services.add_span(layer=layer, start=6, end=12, label="OCC", by=annotator)
        services.delete_span(layer=layer, span=span, by=annotator)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(_url(world))


@pytest.mark.django_db
def test_history_escapes_hostile_text(world: World):
    services.add_comment(
        layer=world.news.layer, text="<script>alert(1)</script>", by=world.user("reviewer")
    )
    text = _client(world, "reviewer").get(_url(world)).text
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


@pytest.mark.django_db
def test_history_of_a_change_by_a_deleted_user_says_system(world: World):
    world.user("reviewer").delete()
    text = _client(world, "manager").get(_url(world)).text
    assert '<span class="muted">system</span>' in text
