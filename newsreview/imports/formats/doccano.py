"""doccano JSONL (FORMATS.md §2), both shapes doccano writes: `label` triples
(sequence labelling) and `entities`/`relations` (relations enabled). Relations from a
span labelled with an event type become that event's arguments (checked against the
schema in `services.validate`).

Offsets become code points here. By default they are UTF-16 code units, what a doccano
project stores (its browser annotator counts DOM offsets); a project with "Use
graphemes" on stores grapheme clusters (`offset_unit="graphemes"`), and files made by
other tools may count code points (`"codepoints"`). The text may be plain UTF-8, carry a
UTF-8 BOM, or be JSON `\\uXXXX` escapes (our events export): all read the same."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from newsreview.annotations.offsets import (
    grapheme_offsets_table,
    utf16_offsets_table,
    utf16_to_codepoint,
)

from ..parsed import (
    ParsedDocument,
    ParsedLayer,
    ParsedRelation,
    ParsedSpan,
    ParseResult,
    Problem,
    SourceFile,
)
from .common import crlf_map, is_int, json_records

NAME = "doccano"
RESERVED = {
    "id",
    "text",
    "label",
    "labels",
    "entities",
    "relations",
    "doc",
    "layer",
    "Comments",
    "comments",
    "meta",
    "metadata",
}


OFFSET_UNITS = ("utf16", "codepoints", "graphemes")
DEFAULT_OFFSET_UNIT = "utf16"
UNIT_NAMES = {"utf16": "UTF-16", "codepoints": "code point", "graphemes": "grapheme"}


class OffsetError(ValueError):
    pass


class OffsetConverter:
    """UTF-16 offsets of `text` → code points; identity for BMP-only text (all Arabic)."""

    def __init__(self, text: str) -> None:
        self.text = text
        table = utf16_offsets_table(text)
        self.identity = table[-1] == len(text)
        self.inverse = None if self.identity else {u16: cp for cp, u16 in enumerate(table)}

    def __call__(self, u16: Any) -> Any:
        if not is_int(u16):
            return u16  # reported as "offsets must be whole numbers" by validate
        if self.identity:
            return u16  # out-of-range values are reported by validate
        if u16 in self.inverse:
            return self.inverse[u16]
        try:
            return utf16_to_codepoint(self.text, u16)
        except ValueError as error:
            raise OffsetError(str(error)) from None


class GraphemeConverter:
    """Grapheme cluster offsets of `text` (doccano's "Use graphemes") → code points."""

    def __init__(self, text: str) -> None:
        self.table = grapheme_offsets_table(text)

    def __call__(self, grapheme: Any) -> Any:
        if not is_int(grapheme):
            return grapheme  # reported as "offsets must be whole numbers" by validate
        if not 0 <= grapheme < len(self.table):
            raise OffsetError(
                f"offset {grapheme} is outside the text, which has {len(self.table) - 1} "
                "grapheme clusters"
            )
        return self.table[grapheme]


def _identity(value: Any) -> Any:
    return value  # code points already; out-of-range values are reported by validate


def converter(unit: str, text: str) -> Callable[[Any], Any]:
    """A function turning an offset of `text` counted in `unit` into a code point offset
    (OffsetError when it cannot be one)."""
    if unit == "graphemes":
        return GraphemeConverter(text)
    if unit == "codepoints":
        return _identity
    return OffsetConverter(text)


def parse(files: list[SourceFile], *, offset_unit: str = DEFAULT_OFFSET_UNIT) -> ParseResult:
    if offset_unit not in OFFSET_UNITS:
        raise ValueError(f"unknown offset unit {offset_unit!r}")
    result = ParseResult(format=NAME)
    for name, number, record in json_records(files, result.errors):
        document = parse_record(name, number, record, result, offset_unit)
        if document is not None:
            result.documents.append(document)
    return result


def parse_record(
    name: str,
    number: int,
    record: Any,
    result: ParseResult,
    offset_unit: str = DEFAULT_OFFSET_UNIT,
) -> ParsedDocument | None:
    where = f"line {number}"
    errors_before = len(result.errors)

    def error(field: str, message: str) -> None:
        result.errors.append(Problem(name, where, message, field))

    if not isinstance(record, dict):
        error("", "expected a JSON object")
        return None
    raw_text = record.get("text")
    if not isinstance(raw_text, str):
        error("text", "missing or not a string")
        return None
    text, move = crlf_map(raw_text)
    # Offsets count in the text as the file has it (CR LF included: one grapheme
    # cluster, two UTF-16 units), then move to the normalised text.
    convert = converter(offset_unit, raw_text)

    def offset(value: Any, field: str) -> Any:
        try:
            cp = convert(value)
        except OffsetError as problem:
            error(field, f"{UNIT_NAMES[offset_unit]} {problem}")
            return None
        return move(cp) if move is not None and is_int(cp) else cp

    layer = ParsedLayer(where=where)
    if "entities" in record:
        entities = record.get("entities")
        if not isinstance(entities, list):
            error("entities", "must be a list")
            entities = []
        for index, data in enumerate(entities):
            field = f"entities[{index}]"
            if not isinstance(data, dict):
                error(field, "expected an object")
                continue
            key = data.get("id")
            if not is_int(key) and not isinstance(key, str):
                error(f"{field}.id", "missing or not a number")
                continue
            label = data.get("label")
            if not isinstance(label, str):
                error(f"{field}.label", "missing or not a string")
                continue
            start = offset(data.get("start_offset"), f"{field}.start_offset")
            end = offset(data.get("end_offset"), f"{field}.end_offset")
            layer.spans.append(ParsedSpan(str(key), label, start, end, None, where, field))
        relations = record.get("relations", [])
        if not isinstance(relations, list):
            error("relations", "must be a list")
            relations = []
        for index, data in enumerate(relations):
            field = f"relations[{index}]"
            if not isinstance(data, dict):
                error(field, "expected an object")
                continue
            source, target, role = data.get("from_id"), data.get("to_id"), data.get("type")
            if not (is_int(source) or isinstance(source, str)):
                error(f"{field}.from_id", "missing or not an entity id")
                continue
            if not (is_int(target) or isinstance(target, str)):
                error(f"{field}.to_id", "missing or not an entity id")
                continue
            if not isinstance(role, str) or not role:
                error(f"{field}.type", "missing or not a string")
                continue
            layer.relations.append(ParsedRelation(str(source), str(target), role, where, field))
    else:
        key = "label" if "label" in record else "labels"
        triples = record.get(key, [])
        if not isinstance(triples, list):
            error(key, "must be a list of [start, end, label]")
            triples = []
        for index, triple in enumerate(triples):
            field = f"{key}[{index}]"
            if not isinstance(triple, list) or len(triple) != 3 or not isinstance(triple[2], str):
                error(field, "expected [start, end, label]")
                continue
            start = offset(triple[0], f"{field}[0]")
            end = offset(triple[1], f"{field}[1]")
            layer.spans.append(ParsedSpan(f"s{index}", triple[2], start, end, None, where, field))
    if len(result.errors) > errors_before:
        return None
    doc_id = record.get("doc", "")
    if is_int(doc_id):
        doc_id = str(doc_id)
    if not isinstance(doc_id, str):
        error("doc", "must be a string")
        return None
    metadata = record.get("meta", record.get("metadata", {}))
    if not isinstance(metadata, dict):
        metadata = {"meta": metadata}
    metadata = dict(metadata)
    metadata.update({k: v for k, v in record.items() if k not in RESERVED})
    return ParsedDocument(
        file=name, where=where, text=text, external_id=doc_id, metadata=metadata, layers=[layer]
    )
