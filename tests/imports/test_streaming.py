"""An import writes each chunk of the batch as soon as it is checked (services.
_check_and_write), so PostgreSQL stores one chunk while the next is checked. These tests
hold it to the all-or-nothing contract: a problem found after chunks were written saves
nothing, the report lists every problem of every chunk, and checks against the project
do not mistake what this import wrote for what was there before. Chunks of two
documents here (the import uses 1,000)."""

from __future__ import annotations

import pytest

from newsreview.accounts.models import User
from newsreview.documents.models import Document
from newsreview.imports import validation
from newsreview.imports.services import ImportOptions, import_path, preview
from newsreview.imports.sources import read_path

from ..factories import DocumentFactory, MembershipFactory, UserFactory
from .conftest import HEADLINE, row_counts

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    monkeypatch.setattr(validation, "CHUNK_DOCUMENTS", 2)


def record(number: int, *, label: str = "PERS", annotator: str | None = None, doc_id=None):
    return {
        "format": "newsreview/1",
        "document": {
            "id": f"doc-{number}" if doc_id is None else doc_id,
            "title": f"خبر {number}",
            "text": HEADLINE,
        },
        "project": "news",
        "layer": "annotator" if annotator else "gold",
        "annotator": annotator,
        "status": "in_progress",
        "entities": [{"id": "e1", "label": label, "start": 0, "end": 5, "text": "حموشي"}],
        "events": [],
    }


def run(project, path, by=None, progress=None):
    return import_path(
        project=project,
        path=path,
        options=ImportOptions(format="newsreview"),
        by=by,
        progress=progress,
    )


def test_a_problem_after_written_chunks_saves_nothing_and_every_chunk_is_reported(project, write):
    records = [record(n) for n in range(1, 8)]
    records[5] = record(6, label="NOPE")  # chunk 3: written chunks 1 and 2 roll back
    # Chunk 4, found once the writing has stopped: newsreview JSONL reads a record with a
    # document id seen before as another layer of that document (the first, written).
    records[6] = record(7, doc_id="doc-1")
    path = write("batch.jsonl", records)
    before = row_counts()
    result = run(project, path)
    assert not result.saved
    messages = [str(e) for e in result.errors]
    assert len(messages) == 2, messages
    assert "line 6" in messages[0] and "no label “NOPE”" in messages[0]
    assert (
        "line 7" in messages[1]
        and "the layer “gold” of document “doc-1” appears twice" in (messages[1])
    )
    assert row_counts() == before
    assert result.documents == 6  # the summary counts the whole batch, as the preview


def test_an_id_the_project_has_is_refused_by_name_in_a_later_chunk(project, write):
    DocumentFactory(project=project, external_id="doc-5")
    path = write("batch.jsonl", [record(n) for n in range(1, 7)])
    before = row_counts()
    result = run(project, path)
    assert not result.saved
    (error,) = result.errors
    assert "line 5" in str(error)
    assert "a document with the id “doc-5” already exists" in str(error)
    assert row_counts() == before


def test_a_non_member_named_in_a_later_chunk_refuses_the_upload_and_creates_no_user(project, write):
    manager = UserFactory(username="manager")
    MembershipFactory(project=project, user=manager, role="manager")
    member = UserFactory(username="ريم")
    MembershipFactory(project=project, user=member)
    records = [record(n, annotator="ريم") for n in range(1, 5)]
    records.append(record(5, annotator="غريب"))
    path = write("batch.jsonl", records)
    before = row_counts()
    result = run(project, path, by=manager)
    assert not result.saved
    (error,) = result.errors
    assert "“غريب” is not a member of this project" in str(error)
    assert row_counts() == before
    assert not User.objects.filter(username="غريب").exists()


def test_users_named_across_chunks_are_restored_once_each(project, write):
    names = ["سارة", "omar", "سارة", "ليلى", "omar"]
    path = write("batch.jsonl", [record(n, annotator=name) for n, name in enumerate(names, 1)])
    result = run(project, path)
    assert result.saved, result.error_report()
    assert result.users_to_create == sorted({"سارة", "omar", "ليلى"})
    restored = User.objects.filter(username__in=names)
    assert sorted(restored.values_list("username", flat=True)) == sorted(set(names))
    assert not any(user.is_active for user in restored)


def test_same_text_warning_counts_what_was_there_before_not_earlier_chunks(project, write):
    existing = DocumentFactory(project=project, text="نص موجود من قبل", external_id="")
    records = []
    for number in range(1, 6):
        r = record(number, doc_id="")
        r["document"]["text"] = HEADLINE  # five copies of one text, no ids
        records.append(r)
    again = record(6, doc_id="")
    again["document"]["text"] = existing.text
    again["entities"] = []
    records.append(again)
    path = write("batch.jsonl", records)
    previewed = preview(
        project=project,
        files=read_path(path, 10**8),
        options=ImportOptions(format="newsreview"),
    )
    result = run(project, path)
    assert result.saved, result.error_report()
    assert [str(w) for w in result.warnings] == [str(w) for w in previewed.warnings]
    (warning,) = result.warnings
    assert "line 6" in str(warning) and f"(document {existing.pk})" in str(warning)
    assert Document.objects.filter(project=project).count() == 7


def test_progress_reports_saving_as_chunks_are_written_then_checking_after_a_problem(
    project, write
):
    seen: list[tuple[str, int, int]] = []
    path = write("ok.jsonl", [record(n) for n in range(1, 6)])
    assert run(project, path, progress=lambda *state: seen.append(state)).saved
    assert seen == [("parse", 0, 1), ("write", 2, 5), ("write", 4, 5), ("write", 5, 5)]
    seen.clear()
    bad = [record(n, label="NOPE" if n == 11 else "PERS") for n in range(11, 16)]
    assert not run(project, write("bad.jsonl", bad), progress=lambda *s: seen.append(s)).saved
    assert seen == [("parse", 0, 1), ("validate", 2, 5), ("validate", 4, 5), ("validate", 5, 5)]


def test_a_database_refusal_mid_batch_saves_nothing_and_the_report_goes_on(project, write):
    """A rule only the database knows (here a constraint this test adds) refuses chunk 2
    as PostgreSQL stores it; the chunks after it are still checked, the one whose checks
    were about to run included."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "ALTER TABLE annotations_span ADD CONSTRAINT test_refused CHECK (text <> 'باريس')"
            )
        else:
            cursor.execute(
                "CREATE TRIGGER test_refused BEFORE INSERT ON annotations_span "
                "WHEN NEW.text = 'باريس' BEGIN SELECT RAISE(ABORT, 'test_refused'); END"
            )
    DocumentFactory(project=project, external_id="doc-6")
    records = [record(n) for n in range(1, 8)]
    records[2]["entities"].append(
        {"id": "e2", "label": "GPE", "start": 65, "end": 70, "text": "باريس"}
    )
    records[6] = record(7, label="NOPE")
    before = row_counts()
    result = run(project, write("batch.jsonl", records))
    assert not result.saved
    messages = [str(e) for e in result.errors]
    assert len(messages) == 3, messages
    assert "the database refused the import, nothing was saved" in messages[0]
    assert "test_refused" in messages[0]
    assert "line 6" in messages[1] and "“doc-6” already exists" in messages[1]
    assert "line 7" in messages[2] and "no label “NOPE”" in messages[2]
    assert row_counts() == before
