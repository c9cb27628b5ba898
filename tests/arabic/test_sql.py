"""nr_normalise(), the SQL twin of normalise.py that PostgreSQL's search columns use."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsreview.arabic.normalise import normalise_text, sql_twin
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


# --- sql_twin: the import's Python copy of nr_normalise ----------------------------------

EDGE_CASES = [
    "",
    "حَمُّوشِيّ",  # tashkeel and shadda
    "مُحَمَّدٌ رَسُولُ ٱللَّهِ",  # tanween, alef wasla, superscript alef
    "الـــمـغـرب",  # tatweel
    "أإآٱٲٳ ؤئء ىیې ةہۃە",  # hamza forms, alef forms, yeh and heh forms
    "\u0627\u0654 \u0627\u0655 \u0648\u0654 \u064a\u0654",  # hamza as a combining mark
    "\u0628\u064e\u0654",  # a deleted mark between a letter and hamza above
    "e\u0301 \u0628\u064e\u0301",  # decomposed Latin; a mark after a deleted one
    "ڤ ک گ ڪ",  # Persian/Urdu letters
    "١٤ و۱۵ 2024",  # Arabic-Indic, Extended Arabic-Indic and ASCII digits
    "𐐀𐐁 𝔸𝕓 😀 𓂀",  # astral: Deseret capitals, mathematical letters, emoji, hieroglyph
    "İstanbul ΟΔΟΣ ΣΑΣ ǅ ẞ Å",  # lower-casing: dotted I, final sigma, titlecase, sharp s
    "ﻻ ﷲ ﺍﻟﻌﺮﺑﻴﺔ",  # presentation forms (compatibility: NFC keeps them)
    "Veaux\u200f حموشي\u200e\tMixed",  # bidi marks, tab
]


def _sql(texts: list[str]) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nr_normalise(t) FROM unnest(%s::text[]) WITH ORDINALITY AS u(t, n) ORDER BY n",
            [texts],
        )
        return [row[0] for row in cursor.fetchall()]


needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="nr_normalise exists on PostgreSQL only; CI runs the suite there",
)


@needs_postgresql
@pytest.mark.django_db
def test_sql_twin_gives_what_postgresql_gives_on_edge_cases():
    assert [sql_twin(t) for t in EDGE_CASES] == _sql(EDGE_CASES)


@needs_postgresql
@pytest.mark.django_db
def test_sql_twin_lower_cases_every_character_as_postgresql_does():
    # Every cased or Arabic-block code point, alone and after a letter (PostgreSQL's
    # lower() follows the C library, Python its own Unicode tables).
    points = [
        chr(p)
        for p in range(1, 0x110000)
        if not 0xD800 <= p < 0xE000
        and (chr(p).lower() != chr(p) or chr(p).upper() != chr(p) or 0x0600 <= p < 0x0900)
    ]
    texts = points + ["ب" + p for p in points]
    assert [sql_twin(t) for t in texts] == _sql(texts)


@needs_postgresql
@pytest.mark.django_db
@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.text(
        alphabet=st.one_of(
            st.sampled_from("اأإآبتةثىيؤئءوـًٌٍَُِّْٰٕٓٔٔ٠٩۰۹ڤکگ"),
            st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
        ),
        max_size=40,
    )
)
def test_sql_twin_gives_what_postgresql_gives_on_any_text(text):
    assert sql_twin(text) == _sql([text])[0]
