"""The SQL twin of normalise.py for PostgreSQL: the function `nr_normalise(text)` that the
documents' generated search columns and every search query use (documents migration
0003_search). Built from the same tables as normalise.py so the two cannot drift apart.

Pure Python: it only builds SQL text."""

from __future__ import annotations

from .normalise import DELETED, LETTERS

FUNCTION = "nr_normalise"


def function_sql() -> str:
    """CREATE FUNCTION nr_normalise(text): NFC, delete tashkeel and tatweel, unify letters
    and digits, lower-case. IMMUTABLE, so generated columns and indexes may use it."""
    deleted = "".join(sorted(DELETED))
    sources = "".join(LETTERS)
    targets = "".join(LETTERS[c] for c in LETTERS)
    return (
        f"CREATE OR REPLACE FUNCTION {FUNCTION}(t text) RETURNS text "
        "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$ "
        "SELECT lower(translate(regexp_replace(normalize(t, NFC), "
        f"'[{deleted}]', '', 'g'), '{sources}', '{targets}')) $fn$"
    )
