"""Full-text search the way Arabic is written (issue 13), on PostgreSQL only.

`nr_normalise(text)` (newsreview/arabic/sql.py, the twin of normalise.py) feeds two
generated columns that PostgreSQL keeps up to date on every write, whoever writes
(the ORM, bulk imports, raw SQL): `search_text`, the normalised text (pg_trgm GIN index:
substrings, clitic forms, similar names), and `search_vector`, its `arabic` tsvector
(GIN index: ranked full-text search). Django's model does not list them: only
newsreview/arabic/search.py reads them. SQLite gets nothing (search falls back to a
normalised substring scan there)."""

from django.db import migrations

# Frozen copy of newsreview.arabic.sql.function_sql() as of this migration (a migration
# must not change when the code does); tests/arabic/test_sql.py fails if they drift, so a
# change to normalise.py comes with a migration that replaces the function and columns.
NORMALISE_FUNCTION = "CREATE OR REPLACE FUNCTION nr_normalise(t text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$ SELECT lower(translate(regexp_replace(normalize(t, NFC), '[ؘؙؚؐؑؒؓؔؕؖؗـًٌٍَُِّْٰٕٖٜٟۣ۪ۭٓٔٗ٘ٙٚٛٝٞۖۗۘۙۚۛۜ۟۠ۡۢۤۧۨ۫۬]', '', 'g'), 'أإآٱٲٳىیېةہۃەؤئڤکگڪ٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹', 'اااااايييههههءءفككك01234567890123456789')) $fn$"

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    NORMALISE_FUNCTION,
    "ALTER TABLE documents_document ADD COLUMN search_text text "
    "GENERATED ALWAYS AS (nr_normalise(text)) STORED",
    "ALTER TABLE documents_document ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('arabic'::regconfig, nr_normalise(text))) STORED",
    "CREATE INDEX document_search_vector_idx ON documents_document USING gin (search_vector)",
    "CREATE INDEX document_search_trgm_idx ON documents_document "
    "USING gin (search_text gin_trgm_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS document_search_trgm_idx",
    "DROP INDEX IF EXISTS document_search_vector_idx",
    "ALTER TABLE documents_document DROP COLUMN IF EXISTS search_vector",
    "ALTER TABLE documents_document DROP COLUMN IF EXISTS search_text",
    "DROP FUNCTION IF EXISTS nr_normalise(text)",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("documents", "0002_text_lz4_compression")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
