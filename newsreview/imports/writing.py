"""Writing a validated batch inside the caller's transaction.

Documents, layers, comments and the audit `Change`s go through `bulk_create`. Spans,
events and arguments (20 and more rows per document) go through `bulk_create` too,
except on PostgreSQL, where they are sent with COPY, their ids taken from the tables'
sequences first so that events and arguments can point at them: the benchmark
(bench/bench_import.py) showed bulk_create's per-object cost (model instances, SQL
compilation) taking most of an import of 200,000 spans. Either way the rows are the
same; SQLite returns ids from bulk_create (RETURNING, SQLite ≥ 3.35), so events and
arguments can point at the spans there as well.

On PostgreSQL the documents are written *pending* search indexing (documents migration
0004): their normalised text computed here, their tsvector and GIN entries left to
newsreview/documents/indexing.py, at once for a small import, else in a background task
queued in the import's own transaction. That work was most of the database's time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from django.db import connection, connections, models
from django.db.models import Model
from django.utils import timezone

from newsreview.accounts.models import User
from newsreview.annotations.models import AnnotationLayer, Argument, Change, Comment, Event, Span
from newsreview.arabic.normalise import sql_twin
from newsreview.documents.indexing import (
    INDEX_AT_ONCE_UP_TO,
    index_pending,
    index_pending_documents,
)
from newsreview.documents.models import Document
from newsreview.projects.models import Project

from . import references
from .results import ImportResult, Progress
from .validation import PlannedDocument, PlannedLayer

# Rows per INSERT, and documents per step (memory stays bounded for big corpora).
BATCH_SIZE = 2000
CHUNK_DOCUMENTS = 1000


class BatchWriter:
    """Writes a validated import chunk by chunk, inside the caller's transaction:
    `write_chunk` for each chunk of documents, in order, then `finish`."""

    def __init__(self, *, project: Project, by: User | None, format_name: str) -> None:
        self.user_ids: dict[str, int] = {}
        # Named by the file and not found (validation allowed it): created, inactive.
        self.created_users: set[str] = set()
        self.document_ids: list[int] = []
        self.rows = _Writer(
            user_ids=self.user_ids,
            by_id=by.pk if by is not None else None,
            format_name=format_name,
            use_copy=connection.vendor == "postgresql",
        )
        self.checks = references.OnceChecks(project) if self.rows.use_copy else None
        self.begun = False

    def write_chunk(self, chunk: list[PlannedDocument]) -> None:
        if not self.begun and self.checks is not None:
            self.checks.begin()
        self.begun = True
        self._resolve_users(chunk)
        if self.checks is not None:
            self.checks.chunk(chunk, [*self.user_ids.values(), self.rows.by_id])
        self.rows.write_chunk(chunk)
        self.document_ids.extend(p.document.pk for p in chunk)

    def _resolve_users(self, chunk: list[PlannedDocument]) -> None:
        names = {
            name
            for p in chunk
            for layer in p.layers
            for name in [layer.owner, *(c[1] for c in layer.comments)]
            if name and name not in self.user_ids
        }
        if not names:
            return
        self.user_ids.update(User.objects.filter(username__in=names).values_list("username", "id"))
        for username in sorted(names - set(self.user_ids)):
            self.user_ids[username] = _create_inactive_user(username)
            self.created_users.add(username)

    def finish(self) -> None:
        """After the last chunk: the per-row triggers back on, and the documents indexed
        for search (at once for a small import, else by a background task)."""
        if self.checks is not None:
            self.checks.end()
        if self.rows.use_copy:
            if len(self.document_ids) <= INDEX_AT_ONCE_UP_TO:
                index_pending(ids=self.document_ids)
            else:
                # Queued in this transaction: the task exists exactly when the documents do.
                index_pending_documents.enqueue()


def write(
    *,
    project: Project,
    planned: list[PlannedDocument],
    result: ImportResult,
    by: User | None,
    progress: Progress | None,
) -> None:
    """Create everything `planned` describes; the caller holds the transaction."""
    batch = BatchWriter(project=project, by=by, format_name=result.format)
    done = 0
    for offset in range(0, len(planned), CHUNK_DOCUMENTS):
        chunk = planned[offset : offset + CHUNK_DOCUMENTS]
        batch.write_chunk(chunk)
        done += len(chunk)
        if progress:
            progress("write", done, len(planned))
    batch.finish()


def _create_inactive_user(username: str) -> int:
    # Restored annotators and comment authors cannot log in until a manager acts.
    user = User(username=username, is_active=False)
    user.set_unusable_password()
    user.save()
    return user.pk


def _columns(model: type[Model], names: Sequence[str]) -> str:
    fields = [model._meta.get_field(name) for name in names]
    return ", ".join(connection.ops.quote_name(f.column) for f in fields)


class _Writer:
    def __init__(
        self, *, user_ids: dict[str, int], by_id: int | None, format_name: str, use_copy: bool
    ) -> None:
        self.user_ids = user_ids
        self.by_id = by_id
        self.format_name = format_name
        self.use_copy = use_copy

    def insert(self, model: type[Model], objects: list[Model]) -> None:
        """bulk_create, or its COPY equivalent on PostgreSQL (ids set on the objects)."""
        if self.use_copy:
            _copy_objects(model, objects)
        else:
            model.objects.bulk_create(objects, batch_size=BATCH_SIZE)

    def write_chunk(self, chunk: list[PlannedDocument]) -> None:
        documents = [p.document for p in chunk]
        if self.use_copy:
            # Pending: a given search_text and no tsvector (the trigger keeps them so).
            search_texts = [sql_twin(document.text) for document in documents]
            _copy_objects(Document, documents, extra={"search_text": search_texts})
        else:
            self.insert(Document, documents)
        layers: list[tuple[AnnotationLayer, PlannedLayer]] = [
            (
                AnnotationLayer(
                    document=p.document,
                    kind=planned.kind,
                    owner_id=self.user_ids[planned.owner] if planned.owner else None,
                    name=planned.name,
                    status=planned.status,
                ),
                planned,
            )
            for p in chunk
            for planned in p.layers
        ]
        for layer, _planned in layers:
            layer.document_id = layer.document.pk  # the document got its id just above
        self.insert(AnnotationLayer, [layer for layer, _p in layers])
        if self.use_copy:
            span_ids, event_ids = self._copy_annotations(layers)
        else:
            span_ids, event_ids = self._create_annotations(layers)
        comments: list[Comment] = []
        dated: list[tuple[Comment, datetime]] = []
        changes: list[Change] = []
        for (layer, planned), spans, events in zip(layers, span_ids, event_ids, strict=True):
            for text, author, span_key, created_at in planned.comments:
                comment = Comment(
                    layer=layer,
                    span_id=spans[span_key] if span_key else None,
                    author_id=self.user_ids[author] if author else None,
                    text=text,
                )
                comments.append(comment)
                if created_at is not None:
                    dated.append((comment, created_at))
            changes.append(
                Change(
                    document_id=layer.document_id,
                    layer=layer,
                    user_id=self.by_id,
                    action="import",
                    after={
                        "format": self.format_name,
                        "spans": len(planned.spans),
                        "events": len(events),
                        "arguments": len(planned.arguments),
                        "comments": len(planned.comments),
                    },
                )
            )
        Comment.objects.bulk_create(comments, batch_size=BATCH_SIZE)
        if dated:
            # bulk_create stamps auto_now_add fields; the exported times are restored after.
            for comment, created_at in dated:
                comment.created_at = created_at
            Comment.objects.bulk_update([c for c, _t in dated], ["created_at"], batch_size=500)
        self.insert(Change, changes)

    def _created_by(self, layer: AnnotationLayer) -> int | None:
        return layer.owner_id or self.by_id

    # --- any database: bulk_create ------------------------------------------------------

    def _create_annotations(
        self, layers: list[tuple[AnnotationLayer, PlannedLayer]]
    ) -> tuple[list[dict[str, int]], list[dict[str, int]]]:
        spans: list[Span] = []
        span_objects: list[dict[str, Span]] = []
        for layer, planned in layers:
            text = layer.document.text
            created_by = self._created_by(layer)
            by_key = {}
            for key, start, end, entity_id, event_id in planned.spans:
                span = Span(
                    layer=layer,
                    start=start,
                    end=end,
                    entity_type_id=entity_id,
                    event_type_id=event_id,
                    text=text[start:end],
                    created_by_id=created_by,
                    origin=planned.origins.get(key, ""),
                )
                by_key[key] = span
                spans.append(span)
            span_objects.append(by_key)
        Span.objects.bulk_create(spans, batch_size=BATCH_SIZE)
        events: list[Event] = []
        event_objects: list[dict[str, Event]] = []
        for (layer, planned), by_key in zip(layers, span_objects, strict=True):
            by_trigger = {}
            for key, _start, _end, _entity_id, event_id in planned.spans:
                if event_id is not None:
                    event = Event(
                        layer=layer,
                        trigger=by_key[key],
                        event_type_id=event_id,
                        attributes=planned.attributes.get(key, {}),
                    )
                    by_trigger[key] = event
                    events.append(event)
            event_objects.append(by_trigger)
        Event.objects.bulk_create(events, batch_size=BATCH_SIZE)
        arguments = [
            Argument(event=by_trigger[trigger], role_id=role_id, span=by_key[entity])
            for (_layer, planned), by_key, by_trigger in zip(
                layers, span_objects, event_objects, strict=True
            )
            for trigger, entity, role_id in planned.arguments
        ]
        Argument.objects.bulk_create(arguments, batch_size=BATCH_SIZE)
        return (
            [{key: span.pk for key, span in by_key.items()} for by_key in span_objects],
            [{key: event.pk for key, event in by_trigger.items()} for by_trigger in event_objects],
        )

    # --- PostgreSQL: COPY -----------------------------------------------------------------

    def _copy_annotations(
        self, layers: list[tuple[AnnotationLayer, PlannedLayer]]
    ) -> tuple[list[dict[str, int]], list[dict[str, int]]]:
        from psycopg.types.json import Jsonb

        now = timezone.now()
        span_total = sum(len(planned.spans) for _layer, planned in layers)
        event_total = sum(
            1 for _layer, planned in layers for span in planned.spans if span[4] is not None
        )
        new_span_ids = iter(_next_ids(Span, span_total))
        new_event_ids = iter(_next_ids(Event, event_total))
        event_rows: list[tuple[Any, ...]] = []
        argument_rows: list[tuple[Any, ...]] = []
        span_ids: list[dict[str, int]] = []
        event_ids: list[dict[str, int]] = []

        def span_rows() -> Iterator[tuple[Any, ...]]:
            # Built as COPY sends them: the database stores each batch of rows while the
            # next is built. Events and arguments are collected on the way.
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
                    yield (
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
                    if event_id is not None:
                        event_pk = next(new_event_ids)
                        by_trigger[key] = event_pk
                        event_rows.append(
                            (
                                event_pk,
                                layer_id,
                                span_id,
                                event_id,
                                Jsonb(planned.attributes.get(key, {})),
                                now,
                            )
                        )
                for trigger, entity, role_id in planned.arguments:
                    argument_rows.append((by_trigger[trigger], role_id, by_key[entity]))
                span_ids.append(by_key)
                event_ids.append(by_trigger)

        _copy(
            Span,
            (
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
            ),
            span_rows(),
        )
        _copy(
            Event,
            ("id", "layer", "trigger", "event_type", "attributes", "created_at"),
            event_rows,
        )
        _copy(Argument, ("event", "role", "span"), argument_rows)
        return span_ids, event_ids


def _next_ids(model: type[Model], count: int) -> list[int]:
    """`count` fresh ids from the table's own sequence (safe with concurrent writers)."""
    if not count:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(%s::regclass) FROM generate_series(1, %s)",
            [_sequence(connection.alias, model._meta.db_table), count],
        )
        return [row[0] for row in cursor.fetchall()]


@cache
def _sequence(alias: str, table: str) -> str:
    # Looked up once per process: in nextval's argument, pg_get_serial_sequence ran for
    # every id, two thirds of the import's id time (bench/bench_import.py).
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        return cursor.fetchone()[0]


def _copy(
    model: type[Model],
    names: Sequence[str],
    rows: Iterable[tuple[Any, ...]],
    *,
    extra_columns: Sequence[str] = (),
) -> None:
    """COPY `rows` into the model's table: values for the fields `names`, then for the
    `extra_columns` (columns the model does not list, named as in the table)."""
    from psycopg.copy import QueuedLibpqWriter

    columns = ", ".join(
        [_columns(model, names), *(connection.ops.quote_name(c) for c in extra_columns)]
    )
    sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor:
        raw = cursor.cursor
        # A writer thread sends the data while the next rows are being built.
        with raw.copy(sql, writer=QueuedLibpqWriter(raw)) as copy:
            for row in rows:
                copy.write_row(row)


# Fields whose Python value is already what the driver sends: bulk_create's per-value
# preparation (the field's get_db_prep_save for every value of every row) is skipped
# for them; any other field (JSON, a field added later) goes through it as before.
_PLAIN_FIELDS = (models.CharField, models.TextField, models.IntegerField, models.BooleanField)


def _copy_objects(
    model: type[Model], objects: list[Model], *, extra: dict[str, list[Any]] | None = None
) -> None:
    """What bulk_create does (auto_now stamps, each field's database value), sent with
    COPY; ids come from the sequence first and are set on the objects. `extra`: values,
    one per object, for table columns the model does not list."""
    if not objects:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    ids = _next_ids(model, len(objects))
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
    rows = []
    for obj, pk in zip(objects, ids, strict=True):
        obj.pk = pk
        values = obj.__dict__
        for name in stamped:  # one time for the whole batch, as for the spans
            values[name] = now
        row = [pk, *(values[name] for name in stamped), *(values[name] for name in plain)]
        for field in prepared:
            row.append(field.get_db_prep_save(field.pre_save(obj, add=True), database))
        rows.append(tuple(row))
    for obj in objects:
        obj._state.adding = False
        obj._state.db = connection.alias
    extra = extra or {}
    if extra:
        rows = [
            (*row, *more) for row, more in zip(rows, zip(*extra.values(), strict=True), strict=True)
        ]
    names = {f.attname: f.name for f in fields}
    _copy(model, ["id", *(names[c] for c in columns)], rows, extra_columns=list(extra))
