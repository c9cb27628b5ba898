"""Reading the next chunk in a thread (PostgreSQL, outside a transaction) gives the same
figures as reading chunk after chunk, and leaves no connection of its own open."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from newsreview.agreement.services import compute_agreement
from newsreview.documents.services import create_document

from .conftest import HEADLINE, layer_with

ALICE = [("حموشي", "PERS"), ("المغرب", "GPE"), ("فرنسا", "GPE"), ("باريس", "GPE")]
BOB = [("حموشي", "PERS"), ("المغرب", "ORG"), ("بفرنسا", "GPE")]
CAROL = [("حموشي", "PERS"), ("باريس", "GPE")]


def _backends() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_chunks_read_ahead_in_a_thread_give_the_figures_of_chunks_read_in_turn(project, team):
    if connection.vendor != "postgresql":
        pytest.skip("the read-ahead thread is used on PostgreSQL only")
    for n in range(7):
        document = create_document(project=project, text=HEADLINE + " " * n, external_id=f"d{n}")
        layer_with(document, team["alice"], ALICE[: 2 + n % 3])
        layer_with(document, team["bob"], BOB)
        if n % 2:
            layer_with(document, team["carol"], CAROL)
    before = _backends()
    ahead = compute_agreement(project, chunk_size=2)
    assert _backends() == before  # the thread's connection was closed
    with transaction.atomic():  # inside a transaction: no thread, chunk after chunk
        in_turn = compute_agreement(project, chunk_size=2)
    assert ahead.as_json() == in_turn.as_json()
    assert ahead.lowest == in_turn.lowest
    assert ahead.as_json()["alice|bob"]["documents"] == 7
    assert ahead.as_json()["bob|carol"]["documents"] == 3
