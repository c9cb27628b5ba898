"""Model instances from hand-written SQL rows, for the few fixed-shape queries every write
runs (opening a document on the workspace's and the curation page's POSTs). There,
compiling the ORM query cost more CPU than the database spent answering it
(bench/bench_annotate.py, bench/bench_review.py); everywhere else the ORM is the rule.

The values go through the same converters the ORM applies (JSON, SQLite's dates and
booleans), so an instance is the one the ORM would have built.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any, TypeVar

from django.db import connections
from django.db.models import Model

M = TypeVar("M", bound=Model)


def columns(model: type[Model], alias: str) -> str:
    """`alias."column", …` for every concrete field of `model`, in field order."""
    return ", ".join(f'{alias}."{field.column}"' for field in model._meta.concrete_fields)


def width(model: type[Model]) -> int:
    return len(model._meta.concrete_fields)


@cache
def _converters(model: type[Model], using: str) -> tuple[tuple[int, tuple[Any, ...]], ...]:
    # The same for every thread's connection to `using`: found once per process.
    connection = connections[using]
    found = []
    for index, field in enumerate(model._meta.concrete_fields):
        col = field.get_col(model._meta.db_table)
        converters = (*connection.ops.get_db_converters(col), *col.get_db_converters(connection))
        if converters:
            found.append((index, (col, tuple(converters))))
    return tuple(found)


def instance(model: type[M], values: Sequence[Any], using: str = "default") -> M:
    """A `model` instance from `values` (its concrete fields, in order, as `columns`
    selects them), as if the ORM had read it."""
    connection = connections[using]
    values = list(values)
    for index, (col, converters) in _converters(model, using):
        for converter in converters:
            values[index] = converter(values[index], col, connection)
    return model.from_db(using, [f.attname for f in model._meta.concrete_fields], values)
