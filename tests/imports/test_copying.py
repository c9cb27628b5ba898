"""CopyStream (the import's COPY path on PostgreSQL): each COPY stays open until the next
statement, and an error while one is open aborts it, so the caller's transaction rolls
back cleanly and the connection stays usable."""

from __future__ import annotations

import json

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


# The COPY path writes lines of COPY text it makes itself (copying.line): it must store
# exactly what bulk_create stores, for every table the import writes.

TRICKY = "قال\tالوزير \\ «محمّد» 😀 𝐀\nفي الربـــاط 2026 Paris\\n"


def _tricky_record(document_id: str) -> dict:
    def span(key: str, needle: str, label: str) -> dict:
        start = TRICKY.index(needle)  # code points: astral characters count one
        return {"id": key, "label": label, "start": start, "end": start + len(needle)}

    return {
        "format": "newsreview/1",
        "document": {
            "id": document_id,
            "title": "عنوان\tمع جدولة \\ و«اقتباس»",
            "text": TRICKY,
            "metadata": {"مصدر": 'وكالة \\ "س"\t1'},
            "published_on": "2026-03-05",
            "source_url": "https://example.org/خبر?a=1&b=\\t",
        },
        "project": "news",
        "layer": "annotator",
        "annotator": "مراجع_1",
        "status": "in_progress",
        "entities": [
            {**span("e1", "قال\tالوزير", "PERS"), "origin": "mentions"},
            span("e2", "\\ «محمّد»", "PERS"),
            span("e3", "𝐀\nفي", "ORG"),
            span("e4", "الربـــاط", "GPE"),
            span("e5", "Paris\\n", "GPE"),
        ],
        "events": [
            {
                "id": "v1",
                "type": "MOVEMENT_TRANSPORT",
                "trigger": span("t1", "2026", "MOVEMENT_TRANSPORT"),
                "arguments": [
                    {"role": "ARTIFACT", "entity": "e2"},
                    {"role": "DESTINATION", "entity": "e4"},
                ],
                "attributes": {"realis": "planned", "note": 'مؤجلة \\ "بعد"\tغد\n😀'},
            }
        ],
        "comments": [
            {"author": "مراجع_1", "text": "راجع\t«هذا» \\ 😀", "span": "e3"},
            {"author": None, "text": "عام\nسطر ثان", "span": None},
        ],
    }


def _stored(project) -> dict[str, list]:
    """What the import stored for `project`, without ids and times."""
    from newsreview.annotations.models import AnnotationLayer, Argument, Change, Event, Span
    from newsreview.documents.models import Document

    documents = Document.objects.filter(project=project)
    layers = AnnotationLayer.objects.filter(document__project=project)
    return {
        "documents": sorted(
            documents.values_list(
                "title",
                "text",
                "language",
                "direction",
                "source_url",
                "published_on",
                "external_id",
                "metadata",
                "checksum",
            )
        ),
        "layers": sorted(
            layers.values_list("kind", "owner__username", "name", "status", "version")
        ),
        "spans": sorted(
            Span.objects.filter(layer__in=layers).values_list(
                "start",
                "end",
                "entity_type__key",
                "event_type__key",
                "text",
                "origin",
                "created_by__username",
            ),
            key=repr,
        ),
        "events": list(
            Event.objects.filter(layer__in=layers).values_list(
                "trigger__text", "event_type__key", "attributes"
            )
        ),
        "arguments": sorted(
            Argument.objects.filter(event__layer__in=layers).values_list(
                "event__trigger__text", "role__key", "span__text"
            )
        ),
        "comments": sorted(
            Comment.objects.filter(layer__in=layers).values_list(
                "text", "author__username", "span__text"
            ),
            key=repr,
        ),
        "changes": list(
            Change.objects.filter(layer__in=layers).values_list(
                "action", "before", "after", "is_undone", "is_redoable", "user__username"
            )
        ),
    }


def test_copy_lines_store_what_bulk_create_stores_with_tabs_backslashes_and_astral_text(
    default_schema, tmp_path
):
    from newsreview.accounts.models import User
    from newsreview.imports import writing
    from newsreview.imports.parsed import SourceFile
    from newsreview.imports.services import ImportOptions, _plan

    from ..factories import ProjectFactory, UserFactory

    by = UserFactory(username="مدير", is_superuser=True)
    User.objects.create(username="مراجع_1")
    stored = []
    for slug, through_copy in (("copy", True), ("bulk", False)):
        project = ProjectFactory(slug=slug, schema=default_schema)
        data = "\n".join(
            json.dumps(_tricky_record(f"{slug}-{n}"), ensure_ascii=False) for n in range(3)
        )
        result, planned = _plan(
            project=project,
            files=[SourceFile(name="tricky.jsonl", data=data.encode("utf-8"))],
            options=ImportOptions(format="newsreview"),
            progress=None,
            by=by,
        )
        assert not result.errors, result.error_report()
        with transaction.atomic():
            if through_copy:
                writer = writing.BatchWriter(project=project, by=by, format_name=result.format)
                writer.write(planned)
                writer.finish()
            else:
                user_ids: dict[str, int] = {}
                writing._add_user_ids(planned, user_ids)
                writing._Writer(
                    user_ids=user_ids, by_id=by.pk, format_name=result.format
                ).write_chunk(planned)
        stored.append(_stored(project))
    through_copy, through_bulk_create = stored
    for rows in (through_copy, through_bulk_create):
        for key, value in rows.items():
            assert value, key  # every table has rows to compare
    # The documents differ by their external ids only (one project each).
    for rows in stored:
        rows["documents"] = [d[:6] + d[7:] for d in rows["documents"]]
    assert through_copy == through_bulk_create
    # And the values are the file's, character for character.
    spans = {s[4] for s in through_copy["spans"]}
    assert {"قال\tالوزير", "\\ «محمّد»", "𝐀\nفي", "الربـــاط", "Paris\\n", "2026"} == spans
    note = 'مؤجلة \\ "بعد"\tغد\n😀'
    assert [a for _t, _k, a in through_copy["events"]] == [{"note": note, "realis": "planned"}] * 3
    assert through_copy["changes"][0][2]["spans"] == 6


def test_copy_columns_name_every_field_of_their_models():
    """A field added to a model must be added to the COPY path's columns too (else its
    default would silently never be written by imports on PostgreSQL)."""
    from newsreview.annotations.models import AnnotationLayer, Argument, Change, Event, Span
    from newsreview.imports import copying

    for model, columns in (
        (AnnotationLayer, copying.LAYER_COLUMNS),
        (Span, copying.SPAN_COLUMNS),
        (Event, copying.EVENT_COLUMNS),
        (Argument, ("id", *copying.ARGUMENT_COLUMNS)),  # its id comes from its sequence
        (Change, copying.CHANGE_COLUMNS),
    ):
        assert sorted(columns) == sorted(f.name for f in model._meta.concrete_fields), model
