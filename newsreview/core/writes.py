"""Hand-written writes for the few statements every workspace write runs (insert the
span, audit it, bump the layer's version). There, compiling the ORM's INSERT and UPDATE
cost more CPU than the database spent on them, and each statement was a round trip of
its own (bench/bench_annotate.py); everywhere else the ORM is the rule.

Values go through each field's own `get_db_prep_save`, as the ORM sends them (JSON,
dates), so the rows are the ones `Model.objects.create` would have written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from django.db import connections
from django.db.models import Model

Statement = tuple[str, Sequence[Any]]


@cache
def insert_sql(
    model: type[Model], names: tuple[str, ...], returning: bool = True, using: str = "default"
) -> str:
    """INSERT of the fields `names` (names or attnames), returning the id or not."""
    quote = connections[using].ops.quote_name
    meta = model._meta
    columns = ", ".join(quote(meta.get_field(name).column) for name in names)
    marks = ", ".join(["%s"] * len(names))
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
    return f"{sql} RETURNING {quote(meta.pk.column)}" if returning else sql


def prepared(model: type[Model], values: Mapping[str, Any], using: str = "default") -> list[Any]:
    """`values` (by field name or attname) as the database driver takes them."""
    connection = connections[using]
    meta = model._meta
    return [meta.get_field(name).get_db_prep_save(v, connection) for name, v in values.items()]


def insert(model: type[Model], values: Mapping[str, Any], using: str = "default") -> int:
    """INSERT one row of `model` (`values` by field name; fields left out take their
    database default) and return its id. RETURNING: PostgreSQL, and SQLite ≥ 3.35."""
    sql = insert_sql(model, tuple(values), True, using)
    with connections[using].cursor() as cursor:
        cursor.execute(sql, prepared(model, values, using))
        return cursor.fetchone()[0]


def run_together(statements: Sequence[Statement], using: str = "default") -> None:
    """Run `statements` in order, in one round trip where the driver allows it.

    PostgreSQL with psycopg's client-side binding (Django's default) takes several
    statements in one `execute`; a failing one stops the rest and raises, as running them
    one by one would. Elsewhere (SQLite; PostgreSQL with server-side binding) they run one
    by one. No statement's rows are returned: these are writes."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if _takes_many(connection, cursor):
            cursor.execute(
                ";\n".join(sql for sql, _params in statements),
                [value for _sql, params in statements for value in params],
            )
        else:
            for sql, params in statements:
                cursor.execute(sql, params)


def _takes_many(connection: Any, cursor: Any) -> bool:
    if connection.vendor != "postgresql":
        return False
    import psycopg

    return isinstance(cursor.cursor, psycopg.ClientCursor)
