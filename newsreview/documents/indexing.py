"""Indexing pending documents for search (PostgreSQL; documents migration 0004).

A big import writes its documents *pending*: their normalised text is in `search_text`
(computed in Python, newsreview/arabic/normalise.sql_twin) but their `arabic` tsvector is
NULL, so neither GIN index holds them yet. Filling the tsvector and those GIN entries is
most of the database's work in an import (bench/bench_import.py), so it happens here,
after the import has committed, in batches of BATCH_SIZE documents, one short
transaction each. Meanwhile search still finds a pending document by its normalised
text (newsreview/arabic/search.py), and the document list says indexing is in progress.

The batch recomputes `search_text` with PostgreSQL's own `nr_normalise`: the stored
value is then exactly what an ordinary write gives, whatever Python gave meanwhile.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django_tasks import task

from .models import Document

BATCH_SIZE = 500
# An import of at most this many documents is indexed at once, in its own transaction
# (a fraction of a second): it is searchable the way any document is as soon as it is
# saved. A bigger one is indexed by the task, after it commits.
INDEX_AT_ONCE_UP_TO = 200

# The same two values as the trigger's (documents migration 0004), computed once per row,
# and only for the batch's rows: the innermost query picks them (an expression in its own
# select list would be computed for every pending row before the sort and the limit).
_INDEX_BATCH = """
UPDATE documents_document AS d
   SET search_text = n.norm,
       search_vector = to_tsvector('arabic'::regconfig, n.norm)
  FROM (SELECT batch.id, nr_normalise(batch.text) AS norm
          FROM (SELECT id, text
                  FROM documents_document
                 WHERE search_vector IS NULL {where}
                 ORDER BY id
                 LIMIT %s
                   FOR UPDATE SKIP LOCKED) AS batch) AS n
 WHERE d.id = n.id
"""


def index_pending(*, ids: list[int] | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Index the pending documents (only those of `ids` when given), BATCH_SIZE per
    transaction; returns how many. Documents another process is indexing are skipped
    (SKIP LOCKED), so two workers never wait on each other. No-op on SQLite."""
    if connection.vendor != "postgresql":
        return 0
    where, params = ("AND id = ANY(%s)", [ids]) if ids is not None else ("", [])
    done = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_INDEX_BATCH.format(where=where), [*params, batch_size])
            count = cursor.rowcount
        done += count
        if count < batch_size:
            return done


def pending_count(project_id: int) -> int:
    """How many documents of the project are not indexed yet (the partial index
    `document_search_pending_idx` answers; 0 on SQLite)."""
    if connection.vendor != "postgresql":
        return 0
    pending = RawSQL(  # noqa: S611  (constant SQL, no input)
        "documents_document.search_vector IS NULL", [], output_field=BooleanField()
    )
    return Document.objects.filter(pending, project_id=project_id).count()


@task()
def index_pending_documents() -> int:
    """The background job a big import queues (in its own transaction, so the task
    exists exactly when the documents do). Indexes every pending document, not only
    that import's: a task lost or run twice leaves nothing behind and does nothing
    twice."""
    return index_pending()
