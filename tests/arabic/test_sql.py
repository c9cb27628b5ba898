"""nr_normalise(), the SQL twin of normalise.py that PostgreSQL's search columns use."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection

from newsreview.arabic.normalise import normalise_text
from newsreview.arabic.sql import function_sql


def test_the_migration_creates_the_function_the_code_describes():
    migration = importlib.import_module("newsreview.documents.migrations.0003_search")
    assert function_sql() == migration.NORMALISE_FUNCTION


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text",
    ["حمّوشي", "الأمن", "مسئولين مسؤولين", "ڤـــو", "المملكة المغربية", "١٤ و۱۵", "Veaux"],
)
def test_postgresql_normalises_as_python_does(text):
    if connection.vendor != "postgresql":
        pytest.skip("nr_normalise exists on PostgreSQL only; CI runs the suite there")
    with connection.cursor() as cursor:
        cursor.execute("SELECT nr_normalise(%s)", [text])
        assert cursor.fetchone()[0] == normalise_text(text)
