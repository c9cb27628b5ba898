"""The import's PostgreSQL path: rows sent with COPY (writing._Writer is the same with
bulk_create, for any database).

bulk_create's per-object cost (model instances, SQL compilation) was most of an import of
200,000 spans (bench/bench_import.py), so the rows go as COPY data, their ids taken from
the tables' sequences first (one query per chunk) so that layers, spans, events and
arguments can point at each other. Each COPY is left open while the next rows are built
(`CopyStream`, `CopyWriter.write_chunk`): PostgreSQL stores one table's rows while this
process builds the next's or checks the next chunk, and closing a COPY then waits for
little. Foreign keys are checked once per
row referred to (imports/references.py) or, without that privilege, at COMMIT; the order
of the tables within the transaction does not matter to either.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, wraps
from types import TracebackType
from typing import Any

from django.db import connection, connections, models
from django.db.models import Model
from django.utils import timezone

from newsreview.annotations.models import (
    AnnotationLayer,
    Argument,
    Change,
    Comment,
    Event,
    Span,
)
from newsreview.arabic.normalise import sql_twin
from newsreview.documents.models import Document

from .plans import PlannedDocument, PlannedLayer
from .writing import _Writer

Row = tuple[Any, ...]


def _database_errors(method: Callable[..., Any]) -> Callable[..., Any]:
    """psycopg's errors as Django's (DatabaseError, IntegrityError…), as for any query: the
    COPY goes through psycopg's own cursor, where Django does not translate them, and a
    refused row would otherwise escape the import's `except DatabaseError`."""

    @wraps(method)
    def wrapped(self: CopyStream, *args: Any, **kwargs: Any) -> Any:
        with connections[connection.alias].wrap_database_errors:
            return method(self, *args, **kwargs)

    return wrapped


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

    @_database_errors
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
        self.close()
        if rows:
            copy = self._open_copy(model, names, extra_columns)
            for row in rows:
                copy.write_row(row)

    @_database_errors
    def send_lines(self, model: type[Model], names: Sequence[str], lines: list[str]) -> None:
        """COPY `lines`, rows already in COPY's text format (`line`), into the model's
        table, values for the fields `names` in that order. For the tables with the most
        rows: psycopg's write_row spent three times as long finding how to send each
        value as the f-string that makes the line (bench/bench_import.py)."""
        self.close()
        if lines:
            copy = self._open_copy(model, names, ())
            for offset in range(0, len(lines), _LINES_PER_WRITE):
                copy.write("".join(lines[offset : offset + _LINES_PER_WRITE]))

    def _open_copy(
        self, model: type[Model], names: Sequence[str], extra_columns: Sequence[str]
    ) -> Any:
        from psycopg.copy import QueuedLibpqWriter

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
        return copy

    @_database_errors
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
    ids of a chunk are taken first, in one query, so that no other statement closes a
    COPY early; rows are built while PostgreSQL stores the documents, and the spans
    are stored while the next chunk is checked. Layers, spans, events,
    arguments and audit rows go as lines of COPY text made here (`line`), without model
    instances: building them was a third of the import's time."""

    def __init__(self, *, stream: CopyStream, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stream = stream
        self.ids: dict[type[Model], Iterator[int]] = {}

    def write_chunk(self, chunk: list[PlannedDocument]) -> None:
        """COPY the chunk's rows; the spans' COPY, the longest, is left open: PostgreSQL
        stores the spans while the import checks the next chunk."""
        stream = self.stream
        stream.close()  # the ids' query follows
        layer_count = sum(len(p.layers) for p in chunk)
        self.ids = {
            model: iter(ids)
            for model, ids in _allocate(
                [
                    (Document, len(chunk)),
                    (AnnotationLayer, layer_count),
                    (Span, sum(len(layer.spans) for p in chunk for layer in p.layers)),
                    (
                        Event,
                        sum(
                            1
                            for p in chunk
                            for layer in p.layers
                            for span in layer.spans
                            if span[4] is not None
                        ),
                    ),
                    (Change, layer_count),
                ]
            ).items()
        }
        documents = [p.document for p in chunk]
        # Pending: a given search_text and no tsvector (the trigger keeps them so).
        names, document_rows = object_rows(
            Document,
            documents,
            self._ids(Document, len(documents)),
            extra={"search_text": [sql_twin(d.text) for d in documents]},
        )
        stream.send(Document, names, document_rows, extra_columns=["search_text"])
        # While PostgreSQL stores the documents: every other row of the chunk.
        rows = _Rows(stamp=timezone.now().isoformat())
        layers = self._layer_lines(chunk, rows)
        self._annotation_lines(layers, rows)
        self._change_lines(layers, rows)
        stream.send_lines(AnnotationLayer, LAYER_COLUMNS, rows.layers)
        stream.send_lines(Event, EVENT_COLUMNS, rows.events)
        stream.send_lines(Argument, ARGUMENT_COLUMNS, rows.arguments)
        stream.send_lines(Change, CHANGE_COLUMNS, rows.changes)
        if any(planned.comments for _i, _d, _c, planned in layers):
            stream.close()
            self._save_comments(layers, rows)
        stream.send_lines(Span, SPAN_COLUMNS, rows.spans)

    def _ids(self, model: type[Model], count: int) -> list[int]:
        return [next(self.ids[model]) for _n in range(count)]

    def _layer_lines(self, chunk: list[PlannedDocument], rows: _Rows) -> list[_Layer]:
        """The chunk's layers as (id, document, created_by, plan), their lines in `rows`;
        the documents have their ids."""
        layers: list[_Layer] = []
        new_ids = self.ids[AnnotationLayer]
        user_ids = self.user_ids
        stamp = rows.stamp
        for p in chunk:
            document = p.document
            for planned in p.layers:
                layer_id = next(new_ids)
                owner = user_ids[planned.owner] if planned.owner else None
                rows.layers.append(
                    line(
                        layer_id,
                        document.pk,
                        planned.kind,
                        owner,
                        planned.name,
                        planned.status,
                        0,  # version
                        stamp,
                        stamp,
                    )
                )
                layers.append((layer_id, document, owner or self.by_id, planned))
        return layers

    def _annotation_lines(self, layers: list[_Layer], rows: _Rows) -> None:
        """Lines of the layers' spans, events and arguments; the span and event ids by
        key in `rows` (comments refer to spans by key)."""
        new_span_ids, new_event_ids = self.ids[Span], self.ids[Event]
        stamp = rows.stamp
        spans, events, arguments = rows.spans, rows.events, rows.arguments
        for layer_id, document, created_by, planned in layers:
            text = document.text
            by_key: dict[str, int] = {}
            by_trigger: dict[str, int] = {}
            origins = planned.origins
            # Every span of a layer ends alike: written by, when, then its origin.
            ending = f"\t{_NULL if created_by is None else created_by}\t{stamp}\t"
            for key, start, end, entity_id, event_id in planned.spans:
                span_id = next(new_span_ids)
                by_key[key] = span_id
                covered = text[start:end]
                if _needs_escape(covered):
                    covered = escape(covered)
                origin = origins.get(key, "") if origins else ""
                if event_id is None:
                    types = f"{entity_id}\t{_NULL}"
                else:
                    types = f"{_NULL if entity_id is None else entity_id}\t{event_id}"
                    event_pk = next(new_event_ids)
                    by_trigger[key] = event_pk
                    events.append(
                        line(
                            event_pk,
                            layer_id,
                            span_id,
                            event_id,
                            json.dumps(planned.attributes.get(key, {}), ensure_ascii=False),
                            stamp,
                        )
                    )
                spans.append(
                    f"{span_id}\t{layer_id}\t{start}\t{end}\t{types}\t{covered}"
                    f"{ending}{escape(origin) if origin else ''}\n"
                )
            for trigger, entity, role_id in planned.arguments:
                arguments.append(f"{by_trigger[trigger]}\t{role_id}\t{by_key[entity]}\n")
            rows.span_ids.append(by_key)
            rows.event_ids.append(by_trigger)

    def _change_lines(self, layers: list[_Layer], rows: _Rows) -> None:
        """One audit row (action "import") per layer, as `_Writer.comments_and_changes`."""
        new_ids = self.ids[Change]
        for (layer_id, document, _created_by, planned), events in zip(
            layers, rows.event_ids, strict=True
        ):
            after = {
                "format": self.format_name,
                "spans": len(planned.spans),
                "events": len(events),
                "arguments": len(planned.arguments),
                "comments": len(planned.comments),
            }
            rows.changes.append(
                line(
                    next(new_ids),
                    document.pk,
                    layer_id,
                    self.by_id,
                    "import",
                    None,  # before
                    json.dumps(after, ensure_ascii=False),
                    False,  # is_undone
                    False,  # is_redoable
                    rows.stamp,
                )
            )

    def _save_comments(self, layers: list[_Layer], rows: _Rows) -> None:
        comments: list[Comment] = []
        dated: list[tuple[Comment, datetime]] = []
        for (layer_id, _document, _created_by, planned), spans in zip(
            layers, rows.span_ids, strict=True
        ):
            self.add_comments(layer_id, planned, spans, comments, dated)
        self.save_comments(comments, dated)


# (layer id, its document, who the spans are written by, the layer's plan)
_Layer = tuple[int, Document, int | None, PlannedLayer]


@dataclass(slots=True)
class _Rows:
    """One chunk's lines of COPY text, table by table."""

    stamp: str  # when: the chunk's rows share one time, as bulk_create stamps them
    layers: list[str] = field(default_factory=list)
    spans: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    arguments: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    span_ids: list[dict[str, int]] = field(default_factory=list)  # per layer, by key
    event_ids: list[dict[str, int]] = field(default_factory=list)


# The columns of each table's lines, in order. tests/imports/test_copying.py holds them to
# the models' fields: a field added later must be added here too.
LAYER_COLUMNS = (
    "id",
    "document",
    "kind",
    "owner",
    "name",
    "status",
    "version",
    "created_at",
    "updated_at",
)
SPAN_COLUMNS = (
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
EVENT_COLUMNS = ("id", "layer", "trigger", "event_type", "attributes", "created_at")
ARGUMENT_COLUMNS = ("event", "role", "span")
CHANGE_COLUMNS = (
    "id",
    "document",
    "layer",
    "user",
    "action",
    "before",
    "after",
    "is_undone",
    "is_redoable",
    "created_at",
)

_NULL = "\\N"
_LINES_PER_WRITE = 2000
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _needs_escape(value: str) -> bool:
    # Four substring tests cost less than translate on the many values that need none.
    return "\\" in value or "\t" in value or "\n" in value or "\r" in value


def escape(value: str) -> str:
    """`value` as a field of COPY's text format: backslash, tab, line feed and carriage
    return escaped (PostgreSQL's COPY, "Text Format")."""
    if not _needs_escape(value):
        return value
    # replace, not str.translate: translate looks every character of a non-ASCII text up
    # in its table, 60 times slower on an Arabic paragraph.
    return (
        value.replace("\\", "\\\\")  # first: the escapes below add backslashes
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


def line(*values: str | int | bool | None) -> str:
    """One row of COPY text: None is NULL, booleans t/f, strings escaped (JSON goes as
    its text)."""
    fields = []
    for value in values:
        if value is None:
            fields.append(_NULL)
        elif value is True or value is False:
            fields.append("t" if value else "f")
        elif isinstance(value, int):
            fields.append(str(value))
        else:
            fields.append(escape(value))
    return "\t".join(fields) + "\n"


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
        for prepared_field in prepared:
            row.append(
                prepared_field.get_db_prep_save(prepared_field.pre_save(obj, add=True), database)
            )
        rows.append((*row, *added))
        obj._state.adding = False
        obj._state.db = connection.alias
    names = {f.attname: f.name for f in fields}
    return ["id", *(names[c] for c in columns)], rows
