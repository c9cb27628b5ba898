"""newsreview JSON Lines (FORMATS.md §1), the lossless format: one record per
(document, layer). Records of the same document id become one document with several
layers; the document id becomes `Document.external_id`, so a re-export carries the same
id. Layers keep their kind (gold / annotator / pre-annotation), name and status; spans,
events (trigger, arguments, attributes) and comments (author, text, span, time) are
restored."""

from __future__ import annotations

from typing import Any

from ..parsed import (
    ParsedComment,
    ParsedDocument,
    ParsedLayer,
    ParsedRelation,
    ParsedSpan,
    ParseResult,
    Problem,
    SourceFile,
)
from .common import (
    check_date,
    crlf_map,
    is_int,
    json_records,
    normalise_span_text,
)

NAME = "newsreview"
FORMAT_TAG = "newsreview/1"
ORIGIN_LENGTH = 32  # Span.origin's max_length
DOCUMENT_FIELDS = ("title", "language", "direction", "source_url", "published_on", "metadata")


def parse(files: list[SourceFile]) -> ParseResult:
    result = ParseResult(format=NAME)
    by_id: dict[str, ParsedDocument] = {}
    for name, number, record in json_records(files, result.errors):
        _Record(name, number, result, by_id).read(record)
    return result


class _Record:
    """Reads one line; every problem is recorded with its line and field."""

    def __init__(
        self, name: str, number: int, result: ParseResult, by_id: dict[str, ParsedDocument]
    ) -> None:
        self.name = name
        self.where = f"line {number}"
        self.result = result
        self.by_id = by_id
        self.ok = True

    def error(self, field: str, message: str) -> None:
        self.ok = False
        self.result.errors.append(Problem(self.name, self.where, message, field))

    def read(self, record: Any) -> None:
        if not isinstance(record, dict):
            self.error("", "expected a JSON object")
            return
        if record.get("format") != FORMAT_TAG:
            self.error("format", f'expected "{FORMAT_TAG}", found {record.get("format")!r}')
            return
        document = self.document(record)
        if document is None:
            return
        layer = self.layer(record, document.text)
        if layer is None or not self.ok:
            return
        document.layers.append(layer)

    def document(self, record: dict[str, Any]) -> ParsedDocument | None:
        data = record.get("document")
        if not isinstance(data, dict):
            self.error("document", "missing or not an object")
            return None
        raw_text = data.get("text")
        if not isinstance(raw_text, str):
            self.error("document.text", "missing or not a string")
            return None
        text, self.move = crlf_map(raw_text)
        doc_id = data.get("id", "")
        if is_int(doc_id):
            doc_id = str(doc_id)
        if not isinstance(doc_id, str):
            self.error("document.id", "must be a string")
            return None
        # Document fields may sit in "document" (preferred) or at the top level.
        fields = {key: data.get(key, record.get(key)) for key in DOCUMENT_FIELDS}
        for key in ("title", "language", "direction", "source_url"):
            if fields[key] is not None and not isinstance(fields[key], str):
                self.error(f"document.{key}", "must be a string")
                fields[key] = None
        if fields["metadata"] is not None and not isinstance(fields["metadata"], dict):
            self.error("document.metadata", "must be an object")
            fields["metadata"] = None
        if fields["published_on"] is not None:
            fields["published_on"] = check_date(
                fields["published_on"], lambda m: self.error("document.published_on", m)
            )
        if doc_id and doc_id in self.by_id:
            existing = self.by_id[doc_id]
            if existing.text != text:
                self.error(
                    "document.text",
                    f"document “{doc_id}” appears with a different text in {existing.where}",
                )
                return None
            return existing
        document = ParsedDocument(
            file=self.name,
            where=self.where,
            text=text,
            title=fields["title"],
            external_id=doc_id,
            language=fields["language"],
            direction=fields["direction"],
            source_url=fields["source_url"] or "",
            published_on=fields["published_on"],
            metadata=fields["metadata"] or {},
        )
        if doc_id:
            self.by_id[doc_id] = document
        self.result.documents.append(document)
        return document

    def offsets(self, value: Any) -> Any:
        return self.move(value) if self.move is not None and is_int(value) else value

    def layer(self, record: dict[str, Any], text: str) -> ParsedLayer | None:
        name = record.get("layer")
        annotator = record.get("annotator")
        status = record.get("status")
        kind = record.get("layer_kind", record.get("kind"))
        if not isinstance(name, str) or not name:
            self.error("layer", "missing or not a string")
            return None
        if annotator is not None and (not isinstance(annotator, str) or not annotator):
            self.error("annotator", "must be a username or null")
            return None
        if status is not None and not isinstance(status, str):
            self.error("status", "must be a string")
            status = None
        if kind is None:
            kind = "annotator" if annotator else ("gold" if name == "gold" else "pre")
        if kind not in ("gold", "annotator", "pre"):
            self.error("layer_kind", f"unknown layer kind “{kind}”")
            return None
        if kind == "annotator" and not annotator:
            self.error("annotator", "an annotator layer needs the annotator's username")
            return None
        layer = ParsedLayer(
            kind=kind,
            name="" if kind == "annotator" else name,
            annotator=annotator if kind == "annotator" else None,
            status=status,
            where=self.where,
        )
        self.entities(record.get("entities", []), layer)
        self.events(record.get("events", []), layer)
        self.comments(record.get("comments", []), layer)
        return layer

    def span(self, data: Any, field: str, key: str, label: Any) -> ParsedSpan | None:
        if not isinstance(data, dict):
            self.error(field, "expected an object")
            return None
        if not isinstance(label, str) or not label:
            self.error(f"{field}.label", "missing or not a string")
            return None
        text = data.get("text")
        if text is not None and not isinstance(text, str):
            self.error(f"{field}.text", "must be a string")
            return None
        origin = data.get("origin", "")
        if not isinstance(origin, str) or len(origin) > ORIGIN_LENGTH:
            self.error(f"{field}.origin", f"must be a string of at most {ORIGIN_LENGTH} characters")
            return None
        return ParsedSpan(
            key=key,
            label=label,
            start=self.offsets(data.get("start")),
            end=self.offsets(data.get("end")),
            text=normalise_span_text(text),
            where=self.where,
            field=field,
            origin=origin,
        )

    def entities(self, entities: Any, layer: ParsedLayer) -> None:
        if not isinstance(entities, list):
            self.error("entities", "must be a list")
            return
        move, where, spans = self.move, self.where, layer.spans
        for index, data in enumerate(entities):
            # The common case, checked cheaply (a corpus has millions of spans); anything
            # unusual takes the careful path below, which names the faulty field.
            if type(data) is dict and move is None:
                key, label, text = data.get("id"), data.get("label"), data.get("text")
                origin = data.get("origin", "")
                if (
                    type(key) is str
                    and key
                    and type(label) is str
                    and label
                    and (text is None or (type(text) is str and "\r" not in text))
                    and type(origin) is str
                    and len(origin) <= ORIGIN_LENGTH
                ):
                    spans.append(
                        ParsedSpan(
                            key,
                            label,
                            data.get("start"),
                            data.get("end"),
                            text,
                            where,
                            f"entities[{index}]",
                            origin,
                        )
                    )
                    continue
            field = f"entities[{index}]"
            key = data.get("id") if isinstance(data, dict) else None
            if not isinstance(key, str) or not key:
                self.error(f"{field}.id", "missing or not a string")
                continue
            span = self.span(data, field, key, data.get("label"))
            if span is not None:
                layer.spans.append(span)

    def events(self, events: Any, layer: ParsedLayer) -> None:
        if not isinstance(events, list):
            self.error("events", "must be a list")
            return
        keys = {span.key: span for span in layer.spans}
        for index, data in enumerate(events):
            field = f"events[{index}]"
            if not isinstance(data, dict):
                self.error(field, "expected an object")
                continue
            event_type = data.get("type")
            trigger = data.get("trigger")
            if not isinstance(trigger, dict):
                self.error(f"{field}.trigger", "missing or not an object")
                continue
            event_id = data.get("id") if isinstance(data.get("id"), str) else f"v{index + 1}"
            trigger_key = trigger.get("id")
            if isinstance(trigger_key, str) and trigger_key in keys:
                # The trigger is also listed among the spans: the same span, not a second one.
                span = keys[trigger_key]
                if span.label != event_type:
                    self.error(
                        f"{field}.type",
                        f"the event type “{event_type}” differs from its trigger's label "
                        f"“{span.label}”",
                    )
                    continue
            else:
                trigger_key = trigger_key if isinstance(trigger_key, str) else f"{event_id}.trigger"
                span = self.span(trigger, f"{field}.trigger", trigger_key, event_type)
                if span is None:
                    continue
                layer.spans.append(span)
                keys[trigger_key] = span
            attributes = data.get("attributes", {})
            if attributes is None:
                attributes = {}
            if not isinstance(attributes, dict):
                self.error(f"{field}.attributes", "must be an object")
            elif attributes:
                layer.attributes[trigger_key] = attributes
                for name in attributes:
                    layer.attribute_where[(trigger_key, name)] = (
                        self.where,
                        f"{field}.attributes.{name}",
                    )
            arguments = data.get("arguments", [])
            if not isinstance(arguments, list):
                self.error(f"{field}.arguments", "must be a list")
                continue
            for number, argument in enumerate(arguments):
                afield = f"{field}.arguments[{number}]"
                if not isinstance(argument, dict):
                    self.error(afield, "expected an object")
                    continue
                role, entity = argument.get("role"), argument.get("entity")
                if isinstance(entity, dict):
                    entity = entity.get("id")
                if not isinstance(role, str) or not role:
                    self.error(f"{afield}.role", "missing or not a string")
                    continue
                if not isinstance(entity, str) or not entity:
                    self.error(f"{afield}.entity", "missing or not an entity id")
                    continue
                layer.relations.append(
                    ParsedRelation(trigger_key, entity, role, self.where, afield)
                )

    def comments(self, comments: Any, layer: ParsedLayer) -> None:
        if comments is None:
            return
        if not isinstance(comments, list):
            self.error("comments", "must be a list")
            return
        for index, data in enumerate(comments):
            field = f"comments[{index}]"
            if not isinstance(data, dict):
                self.error(field, "expected an object")
                continue
            text, author = data.get("text"), data.get("author")
            span, created_at = data.get("span"), data.get("created_at")
            if isinstance(span, dict):
                span = span.get("id")
            if not isinstance(text, str):
                self.error(f"{field}.text", "missing or not a string")
                continue
            if author is not None and (not isinstance(author, str) or not author):
                self.error(f"{field}.author", "must be a username or null")
                continue
            if span is not None and not isinstance(span, str):
                self.error(f"{field}.span", "must be a span id or null")
                continue
            if created_at is not None and not isinstance(created_at, str):
                self.error(f"{field}.created_at", "must be an ISO 8601 time")
                continue
            layer.comments.append(ParsedComment(text, author, span, created_at, self.where, field))
