"""Simple JSON Lines: one document per line,
`{"title", "text", "meta"/"metadata", "external_id"/"id", "source_url",
"published"/"published_on", "language"}`. Lines of newsreview JSONL (`"format":
"newsreview/1"`) are handed to that parser, so `--format jsonl` restores an export too
(FORMATS.md §1)."""

from __future__ import annotations

import json
from typing import Any

from ..parsed import ParsedDocument, ParseResult, Problem, SourceFile
from . import newsreview
from .common import (
    FileRejected,
    check_date,
    is_int,
    json_records,
    utf8_lines,
)

NAME = "jsonl"
KNOWN = {
    "title",
    "text",
    "meta",
    "metadata",
    "external_id",
    "id",
    "source_url",
    "published",
    "published_on",
    "language",
    "direction",
}
ANNOTATION_KEYS = {"label", "labels", "entities", "relations", "spans", "annotations"}


def first_record(source: SourceFile) -> Any:
    """The first JSON line's value (None if unreadable): says which JSON Lines flavour."""
    try:
        for _number, line in utf8_lines(source.name, source.data):
            if line.strip():
                try:
                    return json.loads(line)
                except json.JSONDecodeError:
                    return None
    except FileRejected:
        return None
    return None


def parse(files: list[SourceFile]) -> ParseResult:
    if files:
        record = first_record(files[0])
        if isinstance(record, dict) and record.get("format") == newsreview.FORMAT_TAG:
            return newsreview.parse(files)
    result = ParseResult(format=NAME)
    for name, number, record in json_records(files, result.errors):
        document = parse_record(name, number, record, result)
        if document is not None:
            result.documents.append(document)
    return result


def parse_record(name: str, number: int, record: Any, result: ParseResult) -> ParsedDocument | None:
    where = f"line {number}"

    def error(field: str, message: str) -> None:
        result.errors.append(Problem(name, where, message, field))

    if not isinstance(record, dict):
        error("", "expected a JSON object")
        return None
    text = record.get("text")
    if not isinstance(text, str):
        error("text", "missing or not a string")
        return None
    title = record.get("title")
    if title is not None and not isinstance(title, str):
        error("title", "must be a string")
    metadata = record.get("metadata", record.get("meta", {}))
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        error("metadata", "must be a JSON object")
        metadata = {}
    external_id = record.get("external_id", record.get("id", ""))
    if is_int(external_id):
        external_id = str(external_id)
    if external_id is None:
        external_id = ""
    if not isinstance(external_id, str):
        error("external_id", "must be a string or a whole number")
        external_id = ""
    published = record.get("published_on", record.get("published"))
    if published is not None:
        published = check_date(published, lambda message: error("published_on", message))
    strings = {}
    for key in ("source_url", "language", "direction"):
        value = record.get(key)
        if value is not None and not isinstance(value, str):
            error(key, "must be a string")
            value = None
        strings[key] = value
    ignored = sorted((set(record) - KNOWN) & ANNOTATION_KEYS)
    if ignored:
        result.warnings.append(
            Problem(
                name,
                where,
                "annotations are not read from simple JSON Lines; choose "
                "the doccano or newsreview format to import them",
                ", ".join(ignored),
            )
        )
    return ParsedDocument(
        file=name,
        where=where,
        text=text.replace("\r\n", "\n").replace("\r", "\n"),
        title=title if isinstance(title, str) and title.strip() else None,
        external_id=external_id,
        language=strings["language"],
        direction=strings["direction"],
        source_url=strings["source_url"] or "",
        published_on=published,
        metadata=metadata,
    )
