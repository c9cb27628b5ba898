"""CSV (FORMATS.md §8): one row per span for spreadsheets and quick counts, RFC 4180
quoting, UTF-8, with a BOM only with --excel (Excel needs it to read Arabic)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from typing import Any, BinaryIO

from django.utils.translation import gettext_noop

from newsreview.projects.models import Project

from ..left_out import LeftOutTally
from ..records import LayerRecord

KEY = "csv"
LABEL = gettext_noop("CSV (one row per span)")
MEDIA_TYPE = "text/csv; charset=utf-8"
EXTENSION = ".csv"
HEADER = ["document", "layer", "annotator", "status", "start", "end", "label", "text", "kind"]


def add_arguments(parser: Any) -> None:
    parser.add_argument(
        "--excel",
        action="store_true",
        help=gettext_noop(
            "CSV: start with a UTF-8 BOM so Excel reads Arabic, and put ' before a cell that "
            "starts with = + - @ so Excel shows it instead of running it as a formula"
        ),
    )


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _inert(value: str) -> str:
    """A cell Excel shows as text: documents are untrusted, and a cell such as
    `=HYPERLINK(…)` would otherwise run when the file is opened (CSV injection)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def write(
    records: Iterable[LayerRecord],
    out: BinaryIO,
    *,
    project: Project,
    options: dict[str, Any],
    warn: Callable[[str], None],
) -> None:
    buffer = io.StringIO()
    # csv's default dialect is RFC 4180: CRLF line ends, quotes doubled, fields with a
    # comma, quote or line break quoted.
    writer = csv.writer(buffer, lineterminator="\r\n")
    if options.get("excel"):
        out.write("\ufeff".encode())
    writer.writerow(HEADER)
    # Only an event with arguments loses anything: its trigger is a row.
    events = LeftOutTally(count=lambda record: sum(1 for e in record.events if e.arguments))
    cell = _inert if options.get("excel") else str
    for record in records:
        events.add(record)
        for span in record.spans_in_text_order:
            writer.writerow(
                [
                    cell(record.document_id),
                    cell(record.layer),
                    cell(record.annotator or ""),
                    record.status,
                    span.start,
                    span.end,
                    span.label,
                    cell(span.text),
                    span.kind,
                ]
            )
        out.write(buffer.getvalue().encode("utf-8"))
        buffer.seek(0)
        buffer.truncate()
    out.write(buffer.getvalue().encode("utf-8"))
    summary = events.message(
        "csv", "their triggers are rows (kind “trigger”), their arguments are not (use jsonl)"
    )
    if summary:
        warn(summary)
