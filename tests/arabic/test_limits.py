"""The limits that keep the Arabic tools fast on large projects: a document search ranks
and lists at most MAX_RANKED documents and says there are more; a project-wide mentions
search lists about MAX_LISTED mentions and counts the documents it left for the next
run. On PostgreSQL and SQLite alike (the test database is either)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from newsreview.annotations import services
from newsreview.arabic import mentions, search, tasks
from newsreview.arabic.search import search_documents
from newsreview.documents.models import Document
from newsreview.jobs.models import Job
from tests.factories import DocumentFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def found(project, query):
    result = search_documents(Document.objects.filter(project=project), query)
    return list(result.queryset.values_list("pk", flat=True)), result.more


# --- document search ------------------------------------------------------------------------


def test_more_matches_than_the_limit_list_the_limit_and_say_there_are_more(project, monkeypatch):
    monkeypatch.setattr(search, "MAX_RANKED", 2)
    documents = [
        DocumentFactory(project=project, text=f"خبر {n}: زار حموشي باريس") for n in range(3)
    ]
    listed, more = found(project, "حمّوشي")
    assert more is True
    assert len(listed) == 2 and set(listed) < {d.pk for d in documents}
    documents[0].delete()
    listed, more = found(project, "حمّوشي")
    assert (sorted(listed), more) == (sorted(d.pk for d in documents[1:]), False)


def test_a_full_list_keeps_word_matches_before_substring_ones(project, monkeypatch):
    """PostgreSQL: a document with the query only inside a longer token (بنكيران12 for
    بنكيران) ranks below every word match, so a full list holds the word matches even
    when the substring match comes first in the table."""
    if connection.vendor != "postgresql":
        pytest.skip("ranking is PostgreSQL's; SQLite lists substring matches in id order")
    monkeypatch.setattr(search, "MAX_RANKED", 1)
    DocumentFactory(project=project, text="زار السيد بنكيران12 الرباط")
    word = DocumentFactory(project=project, text="زار السيد بنكيران الرباط")
    assert found(project, "بنكيران") == ([word.pk], True)
    monkeypatch.setattr(search, "MAX_RANKED", 2)
    listed, more = found(project, "بنكيران")
    assert listed[0] == word.pk and len(listed) == 2 and more is False


def test_the_document_list_says_more_matched_than_it_lists_in_english_and_arabic(
    client, project, annotator, monkeypatch
):
    monkeypatch.setattr(search, "MAX_RANKED", 2)
    for n in range(3):
        DocumentFactory(project=project, text=f"خبر {n}: زار حموشي باريس")
    client.force_login(annotator)
    url = reverse("documents:document-list", args=[project.slug])
    page = client.get(url, {"q": "حموشي"}).text
    assert "More than 2 documents match: only the first 2 found are ranked and listed." in page
    assert page.count("data-document-id=") == 2
    arabic = client.get(url, {"q": "حموشي"}, headers={"Accept-Language": "ar"}).text
    assert '<html lang="ar" dir="rtl">' in arabic
    assert "data-search-more" in arabic and arabic.count("data-document-id=") == 2
    # Under the limit: no such line.
    assert "data-search-more" not in client.get(url, {"q": "باريس 0"}).text


# --- project-wide mentions ------------------------------------------------------------------


@pytest.fixture
def labelled(seed_document, annotator):
    """The annotator's layer with the first حموشي of the seed labelled PERS."""
    layer = services.get_or_create_layer(document=seed_document, user=annotator)
    start = seed_document.text.index("حموشي")
    span = services.add_span(layer=layer, start=start, end=start + 5, label="PERS", by=annotator)
    layer.refresh_from_db()
    return layer, span


@pytest.fixture
def others(project):
    """Four other documents, two mentions each, and one with the letters inside a longer
    word only (a candidate the exact matcher rejects)."""
    documents = [
        DocumentFactory(project=project, text=f"وصل حموشي {n}\nغادر لحموشي") for n in range(4)
    ]
    DocumentFactory(project=project, text="الحموشيون")
    return documents


def test_a_limited_project_search_stops_after_the_document_that_fills_it(labelled, others):
    layer, span = labelled
    result = mentions.search_project_mentions(layer=layer, span=span, limit=8)
    # The seed's own 5 first, then whole documents in id order until 8 are reached.
    assert len(result.mentions) == 9
    assert [m.document_id for m in result.mentions[5:]] == [
        others[0].pk,
        others[0].pk,
        others[1].pk,
        others[1].pk,
    ]
    assert result.unsearched == 3  # two documents with mentions, one with the letters only
    unlimited = mentions.search_project_mentions(layer=layer, span=span)
    assert (len(unlimited.mentions), unlimited.unsearched) == (13, 0)


def test_labelling_the_listed_mentions_then_looking_again_brings_the_next(
    labelled, others, annotator
):
    layer, span = labelled
    first = mentions.search_project_mentions(layer=layer, span=span, limit=8)
    mentions.label_mentions(
        layer=layer,
        span=span,
        chosen={(m.document_id, m.start, m.end) for m in first.mentions},
        by=annotator,
        version=layer.version,
        project_wide=True,
    )
    layer.refresh_from_db()
    again = mentions.search_project_mentions(layer=layer, span=span, limit=8)
    assert {m.document_id for m in again.mentions} == {others[2].pk, others[3].pk}
    assert again.unsearched == 0


def test_a_full_job_says_so_and_its_preview_counts_the_documents_left(
    client, labelled, others, seed_document, annotator, monkeypatch
):
    monkeypatch.setattr(tasks, "MAX_LISTED", 6)
    _layer, span = labelled
    client.force_login(annotator)
    client.post(
        reverse("arabic:mentions-project", args=[seed_document.project.slug, seed_document.pk]),
        {"span": span.pk},
        headers=HTMX,
    )
    job = Job.objects.get()
    assert job.message == "The first 7 mentions found (the list is full)."
    url = reverse(
        "arabic:mentions-job", args=[seed_document.project.slug, seed_document.pk, job.pk]
    )
    preview = client.get(url, headers=HTMX).text
    assert preview.count('name="mention"') == 7
    assert "The list is full: 4 more of your documents may mention it." in preview
    arabic = client.get(url, headers={"Accept-Language": "ar", **HTMX}).text
    assert "data-mentions-unsearched" in arabic and arabic.count('name="mention"') == 7


def test_a_job_result_stored_before_the_limit_reads_as_complete(labelled, annotator, project):
    """Results written by the previous version have no "unsearched": all was searched."""
    import io
    import json

    from newsreview.jobs.services import finish_job

    _layer, span = labelled
    job = Job.objects.create(
        user=annotator, project=project, kind=Job.Kind.MENTIONS, title="t", params={}
    )
    finish_job(
        job,
        message="",
        link="",
        result=io.BytesIO(json.dumps({"span": span.pk, "mentions": []}).encode()),
        result_name=tasks.RESULT_NAME,
    )
    job.refresh_from_db()
    result = tasks.project_result(job)
    assert result is not None and (result.mentions, result.unsearched) == ([], 0)
