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

from ..records import LayerRecord, SpanRecord
from ..schema import schema_bytes

KEY = "jsonl"
LABEL = gettext_noop("newsreview JSON Lines (lossless)")
MEDIA_TYPE = "application/x-ndjson; charset=utf-8"
EXTENSION = ".jsonl"
FORMAT_VERSION = "newsreview/1"


def record_dict(
    record: LayerRecord,
    warn: Callable[[str], None] | None = None,
    *,
    with_entities: bool = True,
) -> dict[str, Any]:
    """The JSON object of one record (key order is part of the format: byte-identical).
    Without entities for `record_line`, which writes them itself."""
    with_event = {event.trigger.pk for event in record.events}
    if warn is not None:
        for trigger in record.triggers:
            if trigger.pk not in with_event:
                warn(
                    f"document {record.document_id}, layer {record.layer}: trigger "
                    f"{trigger.label} [{trigger.start}, {trigger.end}) has no event"
                )
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
        **({"entities": [_entity(s) for s in record.entities]} if with_entities else {}),
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
    for record in records:
        out.write((record_line(record, warn) + "\n").encode("utf-8"))


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
    entities (most of a record) are written here from strings and ints, the rest by the
    encoder. Encoding the entities' small dicts took a third of an export's time."""
    data = record_dict(record, warn, with_entities=False)
    events, comments = data.pop("events"), data.pop("comments")
    entities = ", ".join(map(_entity_json, record.entities))
    # The encoder writes the same bytes for a value alone as inside its record.
    return (
        f'{_encode(data)[:-1]}, "entities": [{entities}], "events": {_encode(events)}, '
        f'"comments": {_encode(comments)}}}'
    )


def _entity_json(span: SpanRecord) -> str:
    """`_entity(span)`, encoded."""
    origin = ', "origin": ' + _string(span.origin) if span.origin else ""
    return (
        f'{{"id": {_string(span.id)}, "label": {_string(span.label)}, "start": {span.start}, '
        f'"end": {span.end}, "text": {_string(span.text)}{origin}}}'
    )
