"""An import on PostgreSQL checks its references to rows it did not create (the project,
labels, roles, users) once per row referred to, instead of PostgreSQL's foreign-key
trigger once per referring row (imports/writing.py, issue 14). Whichever way it ran, no
reference may dangle, the session's replication role must be as it was, and a label
deleted between checking and writing refuses the whole import."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ForeignKey
from django.test.utils import CaptureQueriesContext

from newsreview.annotations.models import AnnotationLayer, Argument, Change, Comment, Event, Span
from newsreview.documents.models import Document
from newsreview.imports import writing
from newsreview.imports.services import ImportOptions, _plan, import_path
from newsreview.imports.sources import read_path
from newsreview.projects.models import EntityType

from .conftest import arguments_of, row_counts, spans_of
from .test_roundtrip import annotated, empty_the_database, export  # noqa: F401

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the checks run once on PostgreSQL only (SQLite has no such triggers); "
        "CI runs the suite there",
    ),
]

IMPORTED = (Document, AnnotationLayer, Span, Event, Argument, Comment, Change)
REPLICA = "SET LOCAL session_replication_role = replica"


def dangling() -> dict[str, int]:
    """Every foreign key of the imported tables whose value names no row."""
    found = {}
    with connection.cursor() as cursor:
        for model in IMPORTED:
            for field in model._meta.concrete_fields:
                if not isinstance(field, ForeignKey):
                    continue
                parent = field.related_model._meta.db_table
                cursor.execute(
                    f'SELECT count(*) FROM {model._meta.db_table} c LEFT JOIN "{parent}" p '  # noqa: S608
                    f'ON p.id = c."{field.column}" WHERE c."{field.column}" IS NOT NULL '
                    "AND p.id IS NULL"
                )
                found[f"{model.__name__}.{field.name}"] = cursor.fetchone()[0]
    return {name: count for name, count in found.items() if count}


def replication_role() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('session_replication_role')")
        return cursor.fetchone()[0]


@pytest.fixture
def exported(annotated, tmp_path):  # noqa: F811
    """The annotated documents (events, arguments, comments, three kinds of layer) as a
    newsreview JSONL file, and what they held; then an empty database."""
    seed, tricky = annotated
    before = {d.title: (spans_of(d), arguments_of(d)) for d in (seed, tricky)}
    path = export(tmp_path, "all.jsonl", "jsonl")
    empty_the_database()
    return path, before


def restore(path) -> object:
    from django.core.management import call_command

    call_command("import_documents", str(path), "--project", "news", "--create-project")


def test_every_row_an_import_refers_to_without_creating_it_is_checked():
    from newsreview.imports.references import REFERRED

    targets = {
        field.related_model
        for model in IMPORTED
        for field in model._meta.concrete_fields
        if isinstance(field, ForeignKey)
    }
    assert targets - set(IMPORTED) == set(REFERRED)


def test_an_import_checks_references_once_and_leaves_none_dangling(exported):
    path, before = exported
    with CaptureQueriesContext(connection) as sent:
        restore(path)
    assert any(q["sql"] == REPLICA for q in sent)  # the once-per-row path ran
    assert dangling() == {}
    assert replication_role() == "origin"
    after = {d.title: (spans_of(d), arguments_of(d)) for d in Document.objects.all()}
    assert after == before


def test_without_the_privilege_postgresql_checks_every_row_and_the_import_works(exported):
    path, before = exported
    with connection.cursor() as cursor:
        # A role that may write the tables but not skip triggers (no superuser, no
        # GRANT SET ON PARAMETER): the import must fall back to the per-row checks.
        cursor.execute("CREATE ROLE nr_plain_importer NOLOGIN")
        cursor.execute("GRANT ALL ON ALL TABLES IN SCHEMA public TO nr_plain_importer")
        cursor.execute("GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO nr_plain_importer")
        cursor.execute("SET LOCAL ROLE nr_plain_importer")
    try:
        with CaptureQueriesContext(connection) as sent:
            restore(path)
        assert any(q["sql"] == REPLICA for q in sent)  # tried, refused, went on
        assert replication_role() == "origin"
        with connection.cursor() as cursor:
            # The per-row checks run at COMMIT; run them now, as that role.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
    assert dangling() == {}
    after = {d.title: (spans_of(d), arguments_of(d)) for d in Document.objects.all()}
    assert after == before


def test_a_label_deleted_between_checking_and_writing_refuses_the_whole_import(project, write):
    path = write(
        "batch.jsonl",
        [
            {"text": "حموشي في باريس", "label": [[0, 5, "PERS"], [9, 14, "GPE"]]},
            {"text": "لقاء في الرباط", "label": [[8, 14, "GPE"]]},
        ],
    )
    options = ImportOptions(format="doccano")
    files = read_path(path, 10**7)
    result, planned = _plan(project=project, files=files, options=options, progress=None, by=None)
    assert not result.errors and planned
    counts = row_counts()
    # The manager deletes GPE meanwhile (no span uses it yet, so nothing protects it).
    EntityType.objects.filter(schema=project.schema, key="GPE").delete()
    with pytest.raises(IntegrityError, match="no longer exists"), transaction.atomic():
        writer = writing.BatchWriter(project=project, by=None, format_name=result.format)
        writer.write(planned)
        writer.finish()
    assert row_counts() == counts
    assert replication_role() == "origin"
    # The same file through the front door now says what is wrong, and saves nothing.
    refused = import_path(project=project, path=path, options=options)
    assert not refused.saved and refused.errors
    assert row_counts() == counts
