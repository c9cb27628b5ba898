"""doccano JSONL (FORMATS.md §2): what doccano's sequence-labelling export writes and its
importer reads. Offsets are UTF-16 code units (doccano's browser annotator counts DOM
offsets). `--doccano-mode events` (default) writes entities and relations;
`--doccano-mode spans` the plain `label` triples.

Encoding (FORMATS.md §2): the events file is pure ASCII, every other character a JSON
`\\uXXXX` escape (astral ones as surrogate pairs, as `json.dumps` writes them). doccano
reads it only through its JSONL(Relation) import, which guesses the encoding with
chardet 4; chardet 4 takes UTF-8 holding any 4-byte sequence (an emoji) for TIS-620 or
the like and doccano then stores garbled text without a word. ASCII is read the same
whatever the guess, and the text is exact once parsed. The spans file stays plain
UTF-8: doccano's JSONL dialog sends the encoding it was told."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any, BinaryIO

from django.utils.translation import gettext_noop

from newsreview.annotations.offsets import utf16_converter
from newsreview.projects.models import Project

from ..left_out import comment_tally
from ..records import LayerRecord

KEY = "doccano"
LABEL = gettext_noop("doccano JSONL")
MEDIA_TYPE = "application/x-ndjson; charset=utf-8"
EXTENSION = ".jsonl"
MODES = ("events", "spans")


def add_arguments(parser: Any) -> None:
    parser.add_argument(
        "--doccano-mode",
        choices=MODES,
        default="events",
        help=gettext_noop(
            "doccano: entities + relations (events, default: ASCII with \\u escapes, for "
            "doccano's JSONL(Relation) import) or label triples (spans: UTF-8, for its "
            "JSONL import)"
        ),
    )


def line_dict(number: int, record: LayerRecord, mode: str = "events") -> dict[str, Any]:
    """One doccano example; `number` is its integer id (the record's position, from 1)."""
    u16 = utf16_converter(record.text)
    line: dict[str, Any] = {"id": number, "text": record.text}
    if mode == "spans":
        line["label"] = [[u16(s.start), u16(s.end), s.label] for s in record.spans_in_text_order]
    else:
        # Entity ids are the numbers of the record's span ids (e1 → 1), so relations
        # point at entities of the same line.
        line["entities"] = [
            {
                "id": int(s.id[1:]),
                "label": s.label,
                "start_offset": u16(s.start),
                "end_offset": u16(s.end),
            }
            for s in record.all_spans
        ]
        relations = []
        for event in record.events:
            for argument in event.arguments:
                relations.append(
                    {
                        "id": len(relations) + 1,
                        "from_id": int(event.trigger.id[1:]),
                        "to_id": int(argument.entity.id[1:]),
                        "type": argument.role,
                    }
                )
        line["relations"] = relations
    # Extra keys doccano keeps as metadata (§2 allows them).
    line["doc"] = record.document_id
    line["layer"] = record.layer
    return line


def write(
    records: Iterable[LayerRecord],
    out: BinaryIO,
    *,
    project: Project,
    options: dict[str, Any],
    warn: Callable[[str], None],
) -> None:
    mode = options.get("doccano_mode") or "events"
    notes = comment_tally()
    for number, record in enumerate(records, start=1):
        notes.add(record)
        arguments = sum(len(event.arguments) for event in record.events)
        if mode == "spans" and arguments:
            warn(
                f"document {record.document_id}, layer {record.layer}: {arguments} event "
                "argument(s) left out (--doccano-mode spans has no relations)"
            )
        # Escapes in events mode, UTF-8 in spans mode (see the module docstring).
        line = json.dumps(line_dict(number, record, mode), ensure_ascii=mode == "events")
        out.write(line.encode("utf-8") + b"\n")
    summary = notes.message("doccano", "use jsonl (or brat for span comments)")
    if summary:
        warn(summary)
