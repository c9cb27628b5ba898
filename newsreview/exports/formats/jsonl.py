"""newsreview JSON Lines (FORMATS.md §1), the lossless export: one line per (document,
layer) with the document and its metadata, every span, event, argument, attribute,
the layer's status and its comments. `import_documents --format jsonl` restores it, and
exporting again gives the same bytes."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any, BinaryIO

from django.utils.translation import gettext_noop

from newsreview.projects.models import Project

from ..records import CommentRecord, EventRecord, LayerRecord, SpanRecord
from ..schema import schema_bytes

KEY = "jsonl"
LABEL = gettext_noop("newsreview JSON Lines (lossless)")
MEDIA_TYPE = "application/x-ndjson; charset=utf-8"
EXTENSION = ".jsonl"
FORMAT_VERSION = "newsreview/1"


def record_dict(
    record: LayerRecord,
    warn: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """The JSON object of one record (key order is part of the format: byte-identical).
    `record_line` writes exactly this, encoded."""
    if warn is not None:
        _warn_lone_triggers(record, warn)
    return {
        "format": FORMAT_VERSION,
        "document": {
            "id": record.document_id,
            "title": record.title,
            "text": record.text,
            "language": record.language,
            "direction": record.direction,
            "source_url": record.source_url,
            "published_on": record.published_on,
            "metadata": record.metadata,
        },
        "project": record.project,
        "schema_version": record.schema_version,
        "layer": record.layer,
        "layer_kind": record.layer_kind,
        "annotator": record.annotator,
        "status": record.status,
        "entities": [_entity(s) for s in record.entities],
        "events": [
            {
                "id": event.id,
                "type": event.type,
                "trigger": _trigger(event.trigger),
                "arguments": [{"role": a.role, "entity": a.entity.id} for a in event.arguments],
                "attributes": dict(sorted(event.attributes.items())),
            }
            for event in record.events
        ],
        "comments": [
            {
                "author": c.author,
                "text": c.text,
                "span": c.span.id if c.span is not None else None,
                "created_at": c.created_at,
            }
            for c in record.comments
        ],
    }


def _warn_lone_triggers(record: LayerRecord, warn: Callable[[str], None]) -> None:
    with_event = {event.trigger.pk for event in record.events}
    for trigger in record.triggers:
        if trigger.pk not in with_event:
            warn(
                f"document {record.document_id}, layer {record.layer}: trigger "
                f"{trigger.label} [{trigger.start}, {trigger.end}) has no event"
            )


def _entity(span: SpanRecord) -> dict[str, Any]:
    entity = {"id": span.id, "label": span.label, "start": span.start, "end": span.end}
    entity["text"] = span.text
    # Only spans that did not come from a person's selection say where they came from
    # (an accepted gazetteer suggestion, label all mentions): hand-made spans export as
    # they always did, byte for byte.
    if span.origin:
        entity["origin"] = span.origin
    return entity


def _trigger(span: SpanRecord) -> dict[str, Any]:
    trigger = {"id": span.id, "start": span.start, "end": span.end, "text": span.text}
    if span.origin:
        trigger["origin"] = span.origin
    return trigger


def write(
    records: Iterable[LayerRecord],
    out: BinaryIO,
    *,
    project: Project,
    options: dict[str, Any],
    warn: Callable[[str], None],
) -> None:
    lines: list[str] = []
    for record in records:
        lines.append(record_line(record, warn))
        if len(lines) == _LINES_PER_WRITE:
            out.write(("\n".join(lines) + "\n").encode("utf-8"))
            lines.clear()
    if lines:
        out.write(("\n".join(lines) + "\n").encode("utf-8"))


# Lines encoded and written together: one call per few megabytes, not per line.
_LINES_PER_WRITE = 200


# Default separators, as in FORMATS.md's examples; ensure_ascii off so Arabic stays
# readable (UTF-8, no BOM). One encoder for the whole export: `json.dumps` with any
# option makes a new one for every line.
_encode = json.JSONEncoder(ensure_ascii=False).encode


def side_files(project: Project, options: dict[str, Any]) -> dict[str, bytes]:
    """The label schema (§10) next to the data, so an empty database can be set up."""
    return {"schema.json": schema_bytes(project)}


# What that encoder does to a string (the same C function).
_string = json.encoder.encode_basestring


def record_line(record: LayerRecord, warn: Callable[[str], None] | None = None) -> str:
    """`json.dumps(record_dict(record), ensure_ascii=False)`, exactly, built faster: the
    line is written here from strings and ints, each string escaped by the encoder's own
    C function, and only JSON values of any shape (metadata, attributes) go through the
    encoder. Building and encoding the record's dicts took half an export's time."""
    if warn is not None and record.triggers:
        _warn_lone_triggers(record, warn)
    # Most documents have no metadata and most events no attributes: not encoded.
    metadata = "{}" if record.metadata == {} else _encode(record.metadata)
    # `_entity` encoded, inline: a call per entity was a fifth of the writing.
    entities = ", ".join(
        [
            f'{{"id": {_string(s.id)}, "label": {_string(s.label)}, "start": {s.start:d}, '
            f'"end": {s.end:d}, "text": {_string(s.text)}'
            f"{_ORIGIN + _string(s.origin) if s.origin else ''}}}"
            for s in record.entities
        ]
    )
    events = ", ".join(map(_event_json, record.events))
    comments = ", ".join(map(_comment_json, record.comments))
    return (
        f'{{"format": "{FORMAT_VERSION}", "document": {{"id": {_string(record.document_id)}, '
        f'"title": {_string(record.title)}, "text": {_string(record.text)}, '
        f'"language": {_string(record.language)}, "direction": {_string(record.direction)}, '
        f'"source_url": {_string(record.source_url)}, '
        f'"published_on": {_nullable(record.published_on)}, "metadata": {metadata}}}, '
        f'"project": {_string(record.project)}, "schema_version": {record.schema_version:d}, '
        f'"layer": {_string(record.layer)}, "layer_kind": {_string(record.layer_kind)}, '
        f'"annotator": {_nullable(record.annotator)}, "status": {_string(record.status)}, '
        f'"entities": [{entities}], "events": [{events}], "comments": [{comments}]}}'
    )


def _nullable(value: str | None) -> str:
    return "null" if value is None else _string(value)


_ORIGIN = ', "origin": '


def _origin(span: SpanRecord) -> str:
    return _ORIGIN + _string(span.origin) if span.origin else ""


def _event_json(event: EventRecord) -> str:
    """An event of `record_dict`, encoded."""
    trigger = event.trigger
    arguments = ", ".join(
        [
            f'{{"role": {_string(a.role)}, "entity": {_string(a.entity.id)}}}'
            for a in event.arguments
        ]
    )
    attributes = _encode(dict(sorted(event.attributes.items()))) if event.attributes else "{}"
    return (
        f'{{"id": {_string(event.id)}, "type": {_string(event.type)}, "trigger": '
        f'{{"id": {_string(trigger.id)}, "start": {trigger.start:d}, "end": {trigger.end:d}, '
        f'"text": {_string(trigger.text)}{_origin(trigger)}}}, "arguments": [{arguments}], '
        f'"attributes": {attributes}}}'
    )


def _comment_json(comment: CommentRecord) -> str:
    """A comment of `record_dict`, encoded."""
    span = comment.span
    return (
        f'{{"author": {_nullable(comment.author)}, "text": {_string(comment.text)}, '
        f'"span": {"null" if span is None else _string(span.id)}, '
        f'"created_at": {_string(comment.created_at)}}}'
    )
