"""The search columns become plain columns filled by a trigger, so that a big import can
leave their indexing to a background job (issue 14: an import of 10,000 documents spent
32 of its 36 s in PostgreSQL computing the generated columns and their GIN entries).

- `search_text` (the normalised text) and `search_vector` (its `arabic` tsvector) keep
  their values; only the generation expression goes (DROP EXPRESSION keeps the data).
- The trigger `document_search` fills both on every INSERT and on every UPDATE that sets
  `text`, whoever writes (the ORM, raw SQL, COPY), as the generated columns did, with one
  exception: an INSERT that brings its own `search_text` and no `search_vector` (only
  the import does, newsreview/imports/writing.py) leaves the document *pending*: its
  tsvector NULL, its normalised text as given. newsreview/documents/indexing.py fills
  the pending ones later, in batches.
- Both GIN indexes become partial (`WHERE search_vector IS NOT NULL`): a pending document
  costs them nothing at insert time. A pending document is still found, by its
  normalised text, through the small partial index `document_search_pending_idx`
  (newsreview/arabic/search.py).

PostgreSQL only; SQLite has no search columns (search.py scans in Python there)."""

from django.db import migrations

# Frozen here (a migration must not change when the code does).
TRIGGER_FUNCTION = """
CREATE OR REPLACE FUNCTION nr_document_search() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP = 'INSERT' AND NEW.search_text IS NOT NULL AND NEW.search_vector IS NULL THEN
        RETURN NEW;  -- pending: indexed later (documents/indexing.py)
    END IF;
    NEW.search_text := nr_normalise(NEW.text);
    NEW.search_vector := to_tsvector('arabic'::regconfig, NEW.search_text);
    RETURN NEW;
END
$fn$
"""

FORWARD = [
    "ALTER TABLE documents_document ALTER COLUMN search_text DROP EXPRESSION",
    "ALTER TABLE documents_document ALTER COLUMN search_vector DROP EXPRESSION",
    TRIGGER_FUNCTION,
    "CREATE TRIGGER document_search BEFORE INSERT OR UPDATE OF text ON documents_document "
    "FOR EACH ROW EXECUTE FUNCTION nr_document_search()",
    "DROP INDEX IF EXISTS document_search_vector_idx",
    "DROP INDEX IF EXISTS document_search_trgm_idx",
    "CREATE INDEX document_search_vector_idx ON documents_document "
    "USING gin (search_vector) WHERE search_vector IS NOT NULL",
    "CREATE INDEX document_search_trgm_idx ON documents_document "
    "USING gin (search_text gin_trgm_ops) WHERE search_vector IS NOT NULL",
    "CREATE INDEX document_search_pending_idx ON documents_document (project_id) "
    "WHERE search_vector IS NULL",
]

BACKWARD = [
    "DROP INDEX IF EXISTS document_search_pending_idx",
    "DROP INDEX IF EXISTS document_search_trgm_idx",
    "DROP INDEX IF EXISTS document_search_vector_idx",
    "DROP TRIGGER IF EXISTS document_search ON documents_document",
    "DROP FUNCTION IF EXISTS nr_document_search()",
    # Back to generated columns (0003_search), which recomputes every row.
    "ALTER TABLE documents_document DROP COLUMN search_vector",
    "ALTER TABLE documents_document DROP COLUMN search_text",
    "ALTER TABLE documents_document ADD COLUMN search_text text "
    "GENERATED ALWAYS AS (nr_normalise(text)) STORED",
    "ALTER TABLE documents_document ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('arabic'::regconfig, nr_normalise(text))) STORED",
    "CREATE INDEX document_search_vector_idx ON documents_document USING gin (search_vector)",
    "CREATE INDEX document_search_trgm_idx ON documents_document "
    "USING gin (search_text gin_trgm_ops)",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    return run


def search_columns_lz4(apps, schema_editor):
    """As for `text` (0002): lz4 compresses the normalised text and its tsvector several
    times faster than the default pglz, which the import and the indexing pay for every
    document."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' "
            "AND 'lz4' = ANY(enumvals)"
        )
        if cursor.fetchone() is not None:
            cursor.execute(
                "ALTER TABLE documents_document ALTER COLUMN search_text SET COMPRESSION lz4, "
                "ALTER COLUMN search_vector SET COMPRESSION lz4"
            )


class Migration(migrations.Migration):
    dependencies = [("documents", "0003_search")]

    operations = [
        migrations.RunPython(_run(FORWARD), _run(BACKWARD)),
        migrations.RunPython(search_columns_lz4, migrations.RunPython.noop),
    ]
