"""The gazetteer suggestions in the workspace: panel, accept (workspace answer), reject
(panel answer), scoping and bad input; and the admin's CSV upload."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from newsreview.annotations.models import Span
from newsreview.arabic.models import GazetteerEntry, RejectedSuggestion
from newsreview.projects.models import EntityType

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def entries(project):
    for text, key in (("حموشي", "PERS"), ("باريس", "GPE")):
        GazetteerEntry.objects.create(
            project=project,
            text=text,
            entity_type=EntityType.objects.get(schema=project.schema, key=key),
        )


def url(name, document):
    return reverse(f"arabic:{name}", args=[document.project.slug, document.pk])


def test_panel_lists_suggestions_with_keys(
    client, seed_document, annotator, entries, django_assert_max_num_queries
):
    client.force_login(annotator)
    # The first opening also builds the gold entries (a fixed handful of queries).
    with django_assert_max_num_queries(20):
        response = client.get(url("suggestions", seed_document), headers=HTMX)
    assert response.status_code == 200
    assert response.text.startswith('<section id="suggestions"')
    assert response.text.count("data-suggestion ") == 10  # 6 × حموشي, 4 × باريس
    assert "data-suggestions-accept-all" in response.text


def test_accept_one_answers_with_the_workspace(client, seed_document, annotator, entries):
    client.force_login(annotator)
    start = seed_document.text.index("حموشي")
    response = client.post(
        url("suggestions-accept", seed_document),
        {"version": 0, "suggestion": f"{start}:{start + 5}:PERS"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert 'id="doc-text"' in response.text and 'id="layer-version"' in response.text
    span = Span.objects.get()
    assert (span.start, span.origin) == (start, "gazetteer")


def test_reject_all_answers_with_an_empty_panel(client, seed_document, annotator, entries):
    client.force_login(annotator)
    response = client.post(url("suggestions-reject", seed_document), {"all": "1"}, headers=HTMX)
    assert response.status_code == 200
    assert response.text.startswith('<section id="suggestions"')
    assert "data-suggestion " not in response.text
    assert RejectedSuggestion.objects.count() == 10


@pytest.mark.parametrize("value", ["x", "1:2", "0:5:GPE"])
def test_bad_or_stale_choices_are_refused_and_change_nothing(
    client, seed_document, annotator, entries, value
):
    client.force_login(annotator)
    response = client.post(
        url("suggestions-accept", seed_document),
        {"version": 0, "suggestion": value},
        headers=HTMX,
    )
    assert response.status_code == 422
    assert not Span.objects.exists()


def test_strangers_get_404(client, seed_document, outsider, entries):
    client.force_login(outsider)
    assert client.get(url("suggestions", seed_document), headers=HTMX).status_code == 404
    response = client.post(url("suggestions-accept", seed_document), {"all": 1, "version": 0})
    assert response.status_code == 404
    assert not Span.objects.exists()


def test_workspace_loads_the_panel(client, seed_document, annotator):
    client.force_login(annotator)
    response = client.get(
        reverse("annotations:annotate", args=[seed_document.project.slug, seed_document.pk])
    )
    assert f'hx-get="{url("suggestions", seed_document)}"' in response.text


def test_admin_csv_upload_adds_entries_and_shows_problems(admin_client, project):
    upload_url = reverse("admin:arabic_gazetteerentry_upload")
    bad = SimpleUploadedFile("g.csv", "text,label\nباريس,NOPE\n".encode())
    response = admin_client.post(upload_url, {"project": project.pk, "file": bad})
    assert response.status_code == 200
    assert "NOPE" in response.content.decode()
    assert not GazetteerEntry.objects.exists()
    good = SimpleUploadedFile("g.csv", "text,label\nباريس,GPE\n".encode())
    response = admin_client.post(upload_url, {"project": project.pk, "file": good})
    assert response.status_code == 302
    assert GazetteerEntry.objects.get().source == "upload"
    changelist = admin_client.get(reverse("admin:arabic_gazetteerentry_changelist"))
    assert "باريس" in changelist.content.decode()
