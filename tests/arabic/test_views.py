"""The label-all-mentions views: preview fragment, apply with the workspace's OOB parts,
scoping, stale pages and bad input."""

from __future__ import annotations

import pytest
from django.urls import reverse

from newsreview.annotations import services
from newsreview.annotations.models import Span

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def labelled(seed_document, annotator):
    layer = services.get_or_create_layer(document=seed_document, user=annotator)
    start = seed_document.text.index("حموشي")
    span = services.add_span(layer=layer, start=start, end=start + 5, label="PERS", by=annotator)
    layer.refresh_from_db()
    return layer, span


def preview_url(document, span, scope=""):
    url = reverse("arabic:mentions-preview", args=[document.project.slug, document.pk])
    return f"{url}?span={span.pk}" + (f"&scope={scope}" if scope else "")


def apply_url(document):
    return reverse("arabic:mentions-apply", args=[document.project.slug, document.pk])


def test_preview_fragment_lists_the_mentions_with_checkboxes(
    client, labelled, seed_document, annotator, django_assert_max_num_queries
):
    layer, span = labelled
    client.force_login(annotator)
    with django_assert_max_num_queries(12):
        response = client.get(preview_url(seed_document, span), headers=HTMX)
    assert response.status_code == 200
    assert response.text.startswith('<div id="mentions-body"')
    assert response.text.count('name="mention"') == 5
    assert f'name="version" value="{layer.version}"' in response.text


def test_preview_without_htmx_is_a_page(client, labelled, seed_document, annotator):
    _layer, span = labelled
    client.force_login(annotator)
    response = client.get(preview_url(seed_document, span))
    assert response.status_code == 200
    assert "<html" in response.text and 'name="mention"' in response.text


def test_another_annotator_cannot_preview_or_apply_my_span(
    client, labelled, seed_document, other_annotator, outsider
):
    _layer, span = labelled
    for user in (other_annotator, outsider):
        client.force_login(user)
        assert client.get(preview_url(seed_document, span), headers=HTMX).status_code == 404
        response = client.post(
            apply_url(seed_document), {"span": span.pk, "version": 1, "mention": []}, headers=HTMX
        )
        assert response.status_code == 404
    assert Span.objects.count() == 1


def test_apply_labels_the_checked_ones_and_answers_with_the_workspace(
    client, labelled, seed_document, annotator
):
    layer, span = labelled
    client.force_login(annotator)
    preview = client.get(preview_url(seed_document, span), headers=HTMX).text
    keys = [part.split('"')[0] for part in preview.split('name="mention" value="')[1:]]
    response = client.post(
        apply_url(seed_document),
        {"span": span.pk, "version": layer.version, "mention": keys[:2]},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert 'id="doc-text"' in response.text
    assert 'id="layer-version"' in response.text and 'hx-swap-oob="true"' in response.text
    assert 'id="mentions-status"' in response.text and "Labelled 2 mentions" in response.text
    assert Span.objects.filter(layer=layer).count() == 3


def test_apply_on_a_stale_page_is_a_conflict_with_a_fresh_view(
    client, labelled, seed_document, annotator
):
    layer, span = labelled
    client.force_login(annotator)
    start = seed_document.text.index("حموشي", span.end)
    response = client.post(
        apply_url(seed_document),
        {
            "span": span.pk,
            "version": layer.version - 1,
            "mention": [f"{seed_document.pk}:{start}:{start + 5}"],
        },
        headers=HTMX,
    )
    assert response.status_code == 409
    assert 'id="doc-text"' in response.text
    assert Span.objects.filter(layer=layer).count() == 1


@pytest.mark.parametrize("mention", ["garbage", "1:2", "999:0:5"])
def test_bad_choices_are_refused_and_change_nothing(
    client, labelled, seed_document, annotator, mention
):
    layer, span = labelled
    client.force_login(annotator)
    response = client.post(
        apply_url(seed_document),
        {"span": span.pk, "version": layer.version, "mention": [mention]},
        headers=HTMX,
    )
    assert response.status_code == 422
    assert 'id="mentions-problem"' in response.text
    assert Span.objects.filter(layer=layer).count() == 1


def test_workspace_shows_the_button_and_the_shortcut(client, labelled, seed_document, annotator):
    client.force_login(annotator)
    url = reverse("annotations:annotate", args=[seed_document.project.slug, seed_document.pk])
    response = client.get(url)
    assert "data-mentions-open" in response.text
    assert 'id="mentions-dialog"' in response.text
    assert "js/mentions.js" in response.text
    assert "<kbd>=</kbd>" in response.text
