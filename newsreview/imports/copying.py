"""The import's PostgreSQL path: rows sent with COPY (writing._Writer is the same with
bulk_create, for any database).

bulk_create's per-object cost (model instances, SQL compilation) was most of an import of
200,000 spans (bench/bench_import.py), so the rows go as COPY data, their ids taken from
the tables' sequences first (one query for the batch) so that layers, spans, events and
arguments can point at each other. Each COPY is left open while the next rows are built
(`CopyStream`, `CopyWriter.write`): PostgreSQL stores one table's rows while this process
builds the next's, and closing a COPY then waits for little. Foreign keys are checked once per
row referred to (imports/references.py) or, without that privilege, at COMMIT; the order
of the tables within the transaction does not matter to either.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cache
from types import TracebackType
from typing import Any

from django.db import connection, connections, models
from django.db.models import Model
from django.utils import timezone

from newsreview.annotations.models import AnnotationLayer, Argument, Change, Event, Span
from newsreview.arabic.normalise import sql_twin
from newsreview.documents.models import Document

from .results import Progress
from .validation import PlannedDocument, PlannedLayer
from .writing import CHUNK_DOCUMENTS, _Writer

Row = tuple[Any, ...]


class CopyStream:
    """COPY into one table after another, each COPY left open until the next statement:
    `send` closes the open one (waiting for PostgreSQL to finish it) and opens the next;
    `close` before any other query. As a context manager, an error aborts the open COPY
    (the transaction is then rolled back by the caller)."""

    def __init__(self) -> None:
        self._open: tuple[Any, Any] | None = None  # (psycopg copy context, cursor)

    def __enter__(self) -> CopyStream:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close(kind, error, trace)

    def send(
        self,
        model: type[Model],
        names: Sequence[str],
        rows: Sequence[Row],
        *,
        extra_columns: Sequence[str] = (),
    ) -> None:
        """COPY `rows` into the model's table: values for the fields `names`, then for the
        `extra_columns` (columns the model does not list, named as in the table)."""
        from psycopg.copy import QueuedLibpqWriter

        self.close()
        if not rows:
            return
        quote = connection.ops.quote_name
        columns = ", ".join(
            [
                *(quote(model._meta.get_field(name).column) for name in names),
                *(quote(c) for c in extra_columns),
            ]
        )
        cursor = connection.cursor()
        raw = cursor.cursor
        # A writer thread sends the data as rows are formatted.
        context = raw.copy(
            f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN",
            writer=QueuedLibpqWriter(raw),
        )
        copy = context.__enter__()
        self._open = (context, cursor)
        for row in rows:
            copy.write_row(row)

    def close(
        self,
        kind: type[BaseException] | None = None,
        error: BaseException | None = None,
        trace: TracebackType | None = None,
    ) -> None:
        if self._open is None:
            return
        context, cursor = self._open
        self._open = None
        try:
            context.__exit__(kind, error, trace)
        finally:
            cursor.close()


class CopyWriter(_Writer):
    """writing._Writer's rows, sent with COPY through `stream`, chunk after chunk. The
    ids of the whole batch are taken first, in one query, so that no other statement
    closes a COPY early; the rows of the next table are built while PostgreSQL stores
    the last (the documents and the spans take it longest)."""

    def __init__(self, *, stream: CopyStream, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stream = stream
        self.ids: dict[type[Model], Iterator[int]] = {}

    def write(self, planned: list[PlannedDocument], progress: Progress | None) -> None:
        layer_count = sum(len(p.layers) for p in planned)
        self.ids = {
            model: iter(ids)
            for model, ids in _allocate(
                [
                    (Document, len(planned)),
                    (AnnotationLayer, layer_count),
                    (Span, sum(len(layer.spans) for p in planned for layer in p.layers)),
                    (
                        Event,
                        sum(
                            1
                            for p in planned
                            for layer in p.layers
                            for span in layer.spans
                            if span[4] is not None
                        ),
                    ),
                    (Change, layer_count),
                ]
            ).items()
        }
        stream = self.stream
        for offset in range(0, len(planned), CHUNK_DOCUMENTS):
            chunk = planned[offset : offset + CHUNK_DOCUMENTS]
            documents = [p.document for p in chunk]
            # Pending: a given search_text and no tsvector (the trigger keeps them so).
            names, rows = object_rows(
                Document,
                documents,
                self._ids(Document, len(documents)),
                extra={"search_text": [sql_twin(d.text) for d in documents]},
            )
            stream.send(Document, names, rows, extra_columns=["search_text"])
            # While PostgreSQL stores the documents: the layers' and annotations' rows.
            layers = self.layers(chunk)  # the documents have their ids
            objects = [layer for layer, _p in layers]
            layer_rows = object_rows(
                AnnotationLayer, objects, self._ids(AnnotationLayer, len(objects))
            )
            span_rows, event_rows, argument_rows, span_ids, event_ids = self._annotation_rows(
                layers, self.ids[Span], self.ids[Event]
            )
            stream.send(AnnotationLayer, *layer_rows)
            stream.send(Span, _SPAN_FIELDS, span_rows)
            # While PostgreSQL stores the spans: comments and the audit rows.
            comments, dated, changes = self.comments_and_changes(layers, span_ids, event_ids)
            change_rows = object_rows(Change, changes, self._ids(Change, len(changes)))
            stream.send(Event, _EVENT_FIELDS, event_rows)
            stream.send(Argument, ("event", "role", "span"), argument_rows)
            if comments:
                stream.close()
                self.save_comments(comments, dated)
            stream.send(Change, *change_rows)  # left open while the next chunk is built
            if progress:
                progress("write", offset + len(chunk), len(planned))
        stream.close()

    def _ids(self, model: type[Model], count: int) -> list[int]:
        return [next(self.ids[model]) for _n in range(count)]

    def _annotation_rows(
        self,
        layers: list[tuple[AnnotationLayer, PlannedLayer]],
        new_span_ids: Any,
        new_event_ids: Any,
    ) -> tuple[list[Row], list[Row], list[Row], list[dict[str, int]], list[dict[str, int]]]:
        from psycopg.types.json import Jsonb

        now = timezone.now()
        span_rows: list[Row] = []
        event_rows: list[Row] = []
        argument_rows: list[Row] = []
        span_ids: list[dict[str, int]] = []
        event_ids: list[dict[str, int]] = []
        for layer, planned in layers:
            text = layer.document.text
            created_by = self._created_by(layer)
            layer_id = layer.pk
            by_key: dict[str, int] = {}
            by_trigger: dict[str, int] = {}
            origins = planned.origins
            for key, start, end, entity_id, event_id in planned.spans:
                span_id = next(new_span_ids)
                by_key[key] = span_id
                span_rows.append(
                    (
                        span_id,
                        layer_id,
                        start,
                        end,
                        entity_id,
                        event_id,
                        text[start:end],
                        created_by,
                        now,
                        origins.get(key, ""),
                    )
                )
                if event_id is not None:
                    event_pk = next(new_event_ids)
                    by_trigger[key] = event_pk
                    attributes = Jsonb(planned.attributes.get(key, {}))
                    event_rows.append((event_pk, layer_id, span_id, event_id, attributes, now))
            for trigger, entity, role_id in planned.arguments:
                argument_rows.append((by_trigger[trigger], role_id, by_key[entity]))
            span_ids.append(by_key)
            event_ids.append(by_trigger)
        return span_rows, event_rows, argument_rows, span_ids, event_ids


_SPAN_FIELDS = (
    "id",
    "layer",
    "start",
    "end",
    "entity_type",
    "event_type",
    "text",
    "created_by",
    "created_at",
    "origin",
)
_EVENT_FIELDS = ("id", "layer", "trigger", "event_type", "attributes", "created_at")


def _allocate(wanted: list[tuple[type[Model], int]]) -> dict[type[Model], list[int]]:
    """Fresh ids from each table's own sequence (safe with concurrent writers), for all
    the tables in one query."""
    parts, params = [], []
    for index, (model, count) in enumerate(wanted):
        if count:
            parts.append(f"SELECT {index}, nextval(%s::regclass) FROM generate_series(1, %s)")  # noqa: S608
            params += [_sequence(connection.alias, model._meta.db_table), count]
    ids: dict[type[Model], list[int]] = {model: [] for model, _count in wanted}
    if parts:
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            for index, pk in cursor.fetchall():
                ids[wanted[index][0]].append(pk)
    return ids


@cache
def _sequence(alias: str, table: str) -> str:
    # Looked up once per process: in nextval's argument, pg_get_serial_sequence ran for
    # every id, two thirds of the import's id time (bench/bench_import.py).
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        return cursor.fetchone()[0]


# Fields whose Python value is already what the driver sends: bulk_create's per-value
# preparation (the field's get_db_prep_save for every value of every row) is skipped
# for them; any other field (JSON, a field added later) goes through it as before.
_PLAIN_FIELDS = (models.CharField, models.TextField, models.IntegerField, models.BooleanField)


def object_rows(
    model: type[Model],
    objects: list[Model],
    ids: list[int],
    *,
    extra: dict[str, list[Any]] | None = None,
) -> tuple[list[str], list[Row]]:
    """What bulk_create would send for `objects` (auto_now stamps, each field's database
    value), as COPY rows with the ids `ids`, which are set on the objects; and the field
    names of the columns. `extra`: values, one per object, for table columns the model
    does not list (they come last)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    # The proxy `connection` resolves a thread-local on every use: take the real one once.
    database = connections[connection.alias]
    now = timezone.now()
    stamped = [
        f.attname
        for f in fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    plain = [
        f.attname
        for f in fields
        if f.attname not in stamped
        and (
            isinstance(f, models.ForeignKey)  # its id as set, or None
            or (
                isinstance(f, _PLAIN_FIELDS)
                and type(f).get_db_prep_save is models.Field.get_db_prep_save
            )
        )
    ]
    prepared = [f for f in fields if f.attname not in stamped and f.attname not in plain]
    columns = [*stamped, *plain, *(f.attname for f in prepared)]
    rows: list[Row] = []
    more = list(zip(*extra.values(), strict=True)) if extra else [()] * len(objects)
    for obj, pk, added in zip(objects, ids, more, strict=True):
        obj.pk = pk
        values = obj.__dict__
        for name in stamped:  # one time for the whole batch, as for the spans
            values[name] = now
        row = [pk, *(values[name] for name in stamped), *(values[name] for name in plain)]
        for field in prepared:
            row.append(field.get_db_prep_save(field.pre_save(obj, add=True), database))
        rows.append((*row, *added))
        obj._state.adding = False
        obj._state.db = connection.alias
    names = {f.attname: f.name for f in fields}
    return ["id", *(names[c] for c in columns)], rows
