"""Writing a checked batch inside the caller's transaction, chunk by chunk: the users a
chunk names, then its documents, layers, spans, events, arguments, comments and one
audit `Change` per layer (memory stays bounded for big corpora).

`BatchWriter` takes the chunks as they come: an import hands it each chunk as soon as
it is checked (services._check_and_write). `_Writer` builds a chunk's rows and writes
them with bulk_create (any database); on PostgreSQL copying.CopyWriter sends them with
COPY, and the import checks its references once per row referred to (references.py).

On PostgreSQL the documents are written *pending* search indexing (documents migration
0004): their normalised text computed here, their tsvector and GIN entries left to
newsreview/documents/indexing.py, at once for a small import, else in a background task
queued in the import's own transaction. That work was most of the database's time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection

from newsreview.accounts.models import User
from newsreview.annotations.models import AnnotationLayer, Argument, Change, Comment, Event, Span
from newsreview.documents.indexing import (
    INDEX_AT_ONCE_UP_TO,
    index_pending,
    index_pending_documents,
)
from newsreview.documents.models import Document
from newsreview.projects.models import Project

from . import references
from .plans import PlannedDocument, PlannedLayer

# Rows per INSERT.
BATCH_SIZE = 2000


class BatchWriter:
    """Writes a batch chunk by chunk, in the caller's transaction: bulk_create on any
    database (`_Writer`), COPY on PostgreSQL (`copying.CopyWriter`). An import hands it
    each chunk as soon as the chunk is checked, so that PostgreSQL stores one chunk
    while this process checks the next (services.import_files); `pause` before any
    other query, `finish` once the whole batch is written."""

    def __init__(self, *, project: Project, by: User | None, format_name: str) -> None:
        self.by_id = by.pk if by is not None else None
        self.user_ids: dict[str, int] = {}
        self.document_ids: list[int] = []
        self.stream: Any = None
        self.checks: references.OnceChecks | None = None
        if connection.vendor == "postgresql":
            from .copying import CopyStream, CopyWriter  # copying builds on _Writer, below

            self.checks = references.OnceChecks(project)
            self.checks.begin()
            self.checks.refer([], [self.by_id])
            self.stream = CopyStream()
            self.writer: _Writer = CopyWriter(
                stream=self.stream,
                user_ids=self.user_ids,
                by_id=self.by_id,
                format_name=format_name,
            )
        else:
            self.writer = _Writer(user_ids=self.user_ids, by_id=self.by_id, format_name=format_name)

    def write(self, chunk: list[PlannedDocument]) -> None:
        self.pause()
        new_users = _add_user_ids(chunk, self.user_ids)
        if self.checks is not None:
            self.checks.refer(chunk, new_users)
        self.writer.write_chunk(chunk)
        self.document_ids += [p.document.pk for p in chunk]

    def pause(self) -> None:
        """Let PostgreSQL finish the rows sent so far: another query may follow."""
        if self.stream is not None:
            self.stream.close()

    def abort(self, error: BaseException) -> None:
        """End an open COPY after `error` (the caller rolls the transaction back)."""
        if self.stream is not None:
            self.stream.close(type(error), error, error.__traceback__)

    def finish(self) -> None:
        self.pause()
        if self.checks is None:
            return
        self.checks.end()
        if len(self.document_ids) <= INDEX_AT_ONCE_UP_TO:
            index_pending(ids=self.document_ids)
        else:
            # Queued in this transaction: the task exists exactly when the documents do.
            index_pending_documents.enqueue()


def _add_user_ids(planned: list[PlannedDocument], user_ids: dict[str, int]) -> list[int]:
    """Add to `user_ids` the users `planned` names (layer owners, comment authors) that
    it lacks; those not found (validation allowed them) are created, inactive. Returns
    the ids added."""
    names = {
        name
        for p in planned
        for layer in p.layers
        for name in [layer.owner, *(c[1] for c in layer.comments)]
        if name and name not in user_ids
    }
    if not names:
        return []
    found = dict(User.objects.filter(username__in=names).values_list("username", "id"))
    for username in sorted(names - set(found)):
        found[username] = _create_inactive_user(username)
    user_ids.update(found)
    return list(found.values())


def _create_inactive_user(username: str) -> int:
    # Restored annotators and comment authors cannot log in until a manager acts.
    user = User(username=username, is_active=False)
    user.set_unusable_password()
    user.save()
    return user.pk


class _Writer:
    """Builds a chunk's rows (the same for every database) and writes them with
    bulk_create; copying.CopyWriter sends them with COPY on PostgreSQL."""

    def __init__(self, *, user_ids: dict[str, int], by_id: int | None, format_name: str) -> None:
        self.user_ids = user_ids
        self.by_id = by_id
        self.format_name = format_name

    def write_chunk(self, chunk: list[PlannedDocument]) -> None:
        """Any database: bulk_create (copying.CopyWriter does the same with COPY)."""
        Document.objects.bulk_create([p.document for p in chunk], batch_size=BATCH_SIZE)
        layers = self.layers(chunk)
        AnnotationLayer.objects.bulk_create([layer for layer, _p in layers], batch_size=BATCH_SIZE)
        span_ids, event_ids = self._create_annotations(layers)
        comments, dated, changes = self.comments_and_changes(layers, span_ids, event_ids)
        self.save_comments(comments, dated)
        Change.objects.bulk_create(changes, batch_size=BATCH_SIZE)

    def layers(self, chunk: list[PlannedDocument]) -> list[tuple[AnnotationLayer, PlannedLayer]]:
        """The chunk's layers, unsaved, each with the plan it comes from."""
        return [
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

    def comments_and_changes(
        self,
        layers: list[tuple[AnnotationLayer, PlannedLayer]],
        span_ids: list[dict[str, int]],
        event_ids: list[dict[str, int]],
    ) -> tuple[list[Comment], list[tuple[Comment, datetime]], list[Change]]:
        """The layers' comments (with their exported times, if any) and one audit
        `Change` per layer, unsaved; the layers have their ids."""
        comments: list[Comment] = []
        dated: list[tuple[Comment, datetime]] = []
        changes: list[Change] = []
        for (layer, planned), spans, events in zip(layers, span_ids, event_ids, strict=True):
            layer.document_id = layer.document.pk  # the document has its id by now
            self.add_comments(layer.pk, planned, spans, comments, dated)
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
        return comments, dated, changes

    def add_comments(
        self,
        layer_id: int,
        planned: PlannedLayer,
        span_ids: dict[str, int],
        comments: list[Comment],
        dated: list[tuple[Comment, datetime]],
    ) -> None:
        """Add to `comments` the layer's comments, unsaved, and to `dated` those with an
        exported time; the layer and its spans have their ids (`span_ids`, by key)."""
        for text, author, span_key, created_at in planned.comments:
            comment = Comment(
                layer_id=layer_id,
                span_id=span_ids[span_key] if span_key else None,
                author_id=self.user_ids[author] if author else None,
                text=text,
            )
            comments.append(comment)
            if created_at is not None:
                dated.append((comment, created_at))

    def save_comments(self, comments: list[Comment], dated: list[tuple[Comment, datetime]]) -> None:
        Comment.objects.bulk_create(comments, batch_size=BATCH_SIZE)
        if dated:
            # bulk_create stamps auto_now_add fields; the exported times are restored after.
            for comment, created_at in dated:
                comment.created_at = created_at
            Comment.objects.bulk_update([c for c, _t in dated], ["created_at"], batch_size=500)

    def _created_by(self, layer: AnnotationLayer) -> int | None:
        return layer.owner_id or self.by_id

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
