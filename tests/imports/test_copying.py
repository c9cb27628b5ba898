"""CopyStream (the import's COPY path on PostgreSQL): each COPY stays open until the next
statement, and an error while one is open aborts it, so the caller's transaction rolls
back cleanly and the connection stays usable."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from newsreview.annotations.models import Comment
from newsreview.imports.copying import CopyStream

from ..factories import AnnotationLayerFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="COPY is PostgreSQL's; CI runs the suite there",
    ),
]


def comment_rows(layer, texts):
    return [(layer.pk, None, None, text, "2026-12-06T10:00:00+00:00") for text in texts]


FIELDS = ("layer", "span", "author", "text", "created_at")


def test_rows_sent_are_stored_once_the_next_statement_closes_the_copy():
    layer = AnnotationLayerFactory()
    texts = ["تعليق «أول»\tمع علامة جدولة", "back\\slash and\nnew line", "😀 𝐀 ـــ"]
    with CopyStream() as stream:
        stream.send(Comment, FIELDS, comment_rows(layer, texts[:2]))
        stream.send(Comment, FIELDS, comment_rows(layer, texts[2:]))  # closes the first
    assert sorted(Comment.objects.filter(layer=layer).values_list("text", flat=True)) == sorted(
        texts
    )


def test_an_error_while_a_copy_is_open_aborts_it_and_the_transaction_rolls_back():
    layer = AnnotationLayerFactory()
    with pytest.raises(ValueError, match="bad row"), transaction.atomic(), CopyStream() as stream:
        stream.send(Comment, FIELDS, comment_rows(layer, ["kept open"]))
        raise ValueError("bad row")  # building the next rows fails while the COPY is open
    assert not Comment.objects.filter(layer=layer).exists()  # the connection still works
    with CopyStream() as stream:
        stream.send(Comment, FIELDS, comment_rows(layer, ["after"]))
    assert list(Comment.objects.filter(layer=layer).values_list("text", flat=True)) == ["after"]
