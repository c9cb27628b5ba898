"""Search columns filled by a trigger, and a big import's indexing left to a background
task (documents migration 0004, newsreview/documents/indexing.py): a pending document is
found by its normalised text until the task indexes it."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.urls import reverse

from newsreview.arabic.search import search_documents
from newsreview.documents import indexing
from newsreview.documents.models import Document
from newsreview.imports import writing
from newsreview.imports.parsed import SourceFile
from newsreview.imports.services import ImportOptions, import_files
from tests.factories import DocumentFactory

pytestmark = pytest.mark.django_db

TEXTS = [
    "حموشي يعيد الدفء إلى علاقات المغرب بفرنسا",
    "مسؤولين في الأمن الوطني يزورون باريس",
    "تقرير عن الطقس في الرباط",
]

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="search columns exist on PostgreSQL only; CI runs the suite there",
)


def columns(document: Document) -> tuple[str | None, bool, str]:
    """(search_text, whether search_vector is set, nr_normalise(text))."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_text, search_vector IS NOT NULL, nr_normalise(text) "
            "FROM documents_document WHERE id = %s",
            [document.pk],
        )
        return cursor.fetchone()


def jsonl(texts: list[str], *, bad_line: bool = False) -> list[SourceFile]:
    lines = [
        json.dumps({"id": f"d{n}", "text": t}, ensure_ascii=False) for n, t in enumerate(texts)
    ]
    if bad_line:
        lines.append("{not json")
    return [SourceFile("batch.jsonl", ("\n".join(lines) + "\n").encode())]


def run_import(project, texts, **kwargs):
    return import_files(
        project=project, files=jsonl(texts, **kwargs), options=ImportOptions(format="jsonl")
    )


@pytest.fixture
def queued_tasks(settings):
    """Tasks are queued, not run (as with the database backend and no worker yet)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from django_tasks import default_task_backend

    return default_task_backend.results


@pytest.fixture
def big_import(monkeypatch):
    """Every import counts as big: indexed by the task, not at once."""
    monkeypatch.setattr(writing, "INDEX_AT_ONCE_UP_TO", 0)


def found(project, query):
    search = search_documents(Document.objects.filter(project=project), query)
    return sorted(search.queryset.values_list("pk", flat=True))


@needs_postgresql
def test_an_ordinary_write_is_indexed_at_once_and_again_when_the_text_changes(project):
    document = DocumentFactory(project=project, text=TEXTS[0])
    search_text, indexed, expected = columns(document)
    assert indexed and search_text == expected
    document.text = TEXTS[1]
    document.save()
    search_text, indexed, expected = columns(document)
    assert indexed and search_text == expected and "مسءولين" in search_text
    assert found(project, "مسئولين") == [document.pk]


@needs_postgresql
def test_a_big_import_is_pending_found_by_its_text_then_indexed_by_the_task(
    project, queued_tasks, big_import, client, django_user_model
):
    result = run_import(project, TEXTS)
    assert result.saved
    assert [t.task.name for t in queued_tasks] == ["index_pending_documents"]
    documents = list(Document.objects.filter(project=project).order_by("pk"))
    for document in documents:
        search_text, indexed, expected = columns(document)
        # Python's normalised text, exactly what PostgreSQL's function gives.
        assert not indexed and search_text == expected
    assert indexing.pending_count(project.pk) == 3
    # Found meanwhile, by the normalised text (no hamza, another carrier, a clitic).
    assert found(project, "مسئولين") == [documents[1].pk]
    assert found(project, "فرنسا") == [documents[0].pk]
    assert found(project, "الامن") == [documents[1].pk]
    # Not yet by a word the stemmer relates but no substring matches.
    assert found(project, "المسؤولين") == []
    manager = django_user_model.objects.create_superuser("boss", password="x")
    client.force_login(manager)
    page = client.get(reverse("documents:document-list", args=[project.slug]))
    assert b"data-search-pending" in page.content

    assert indexing.index_pending_documents.call() == 3
    assert indexing.pending_count(project.pk) == 0
    for document in documents:
        search_text, indexed, expected = columns(document)
        assert indexed and search_text == expected
    # Word matches now: the stemmer relates المسؤولين to مسؤولين.
    assert found(project, "المسؤولين") == [documents[1].pk]
    page = client.get(reverse("documents:document-list", args=[project.slug]))
    assert b"data-search-pending" not in page.content
    assert indexing.index_pending_documents.call() == 0  # run twice: nothing to do


@needs_postgresql
def test_a_small_import_is_indexed_in_its_own_transaction(project, queued_tasks):
    assert run_import(project, TEXTS).saved
    assert queued_tasks == []
    assert indexing.pending_count(project.pk) == 0
    assert all(columns(d)[1] for d in Document.objects.filter(project=project))


@needs_postgresql
def test_with_the_task_run_at_once_a_big_import_ends_indexed(project, big_import):
    assert run_import(project, TEXTS).saved
    assert indexing.pending_count(project.pk) == 0


def test_a_refused_import_saves_nothing_and_queues_nothing(project, queued_tasks, big_import):
    result = run_import(project, TEXTS, bad_line=True)
    assert not result.saved and result.errors
    assert Document.objects.filter(project=project).count() == 0
    assert queued_tasks == []


@needs_postgresql
def test_indexing_some_ids_leaves_the_others_pending(project, queued_tasks, big_import):
    assert run_import(project, TEXTS).saved
    first = Document.objects.filter(project=project).order_by("pk").first()
    assert indexing.index_pending(ids=[first.pk], batch_size=1) == 1
    assert columns(first)[1]
    assert indexing.pending_count(project.pk) == 2
    assert indexing.index_pending(batch_size=1) == 2  # several batches


def test_sqlite_has_nothing_pending(project):
    if connection.vendor == "postgresql":
        pytest.skip("the SQLite fallback")
    assert run_import(project, TEXTS).saved
    assert indexing.pending_count(project.pk) == 0
    assert indexing.index_pending() == 0
    assert len(found(project, "مسئولين")) == 1


@needs_postgresql
def test_the_index_documents_command_indexes_what_an_import_left_pending(
    project, queued_tasks, big_import
):
    from io import StringIO

    from django.core.management import call_command

    assert run_import(project, TEXTS).saved
    assert indexing.pending_count(project.pk) == 3
    out = StringIO()
    call_command("index_documents", "--batch-size", "2", stdout=out)
    assert out.getvalue().strip() == "indexed 3 pending documents"
    assert indexing.pending_count(project.pk) == 0
    assert all(columns(d)[1] for d in Document.objects.filter(project=project))
    out = StringIO()
    call_command("index_documents", stdout=out)  # nothing left: nothing done
    assert out.getvalue().strip() == "indexed 0 pending documents"


def test_the_index_documents_command_refuses_an_empty_batch():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="at least 1"):
        call_command("index_documents", "--batch-size", "0")
