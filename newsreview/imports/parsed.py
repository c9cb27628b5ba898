"""What every format parser returns: documents with their layers, spans, relations and
comments, plus the problems found, each located (file, line, field).

Pure Python, no Django: parsers only read the file. Whether a label exists in the
project's schema, whether offsets fit the text and whether a span's text matches are
checked once for every format, in `services.validate` (same rules as the annotation
services).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Problems shown in full; the rest are counted (the command and the preview page).
MAX_SHOWN_PROBLEMS = 20


@dataclass(frozen=True, slots=True)
class Problem:
    """One error or warning, located precisely enough for the user to fix the file."""

    file: str
    where: str  # "line 3", "task 2", ".ann line 5", "" for the whole file
    message: str
    field: str = ""  # "entities[2].label", "T3", …

    def __str__(self) -> str:
        parts = [self.file or "(upload)"]
        if self.where:
            parts.append(self.where)
        if self.field:
            parts.append(self.field)
        return ", ".join(parts) + ": " + self.message


@dataclass(slots=True)
class ParsedSpan:
    key: str  # unique within its layer; relations and comments refer to it
    label: str
    start: Any  # code points once the parser is done; checked to be int in validate
    end: Any
    text: str | None  # what the file says the span covers, when it says it
    where: str
    field: str
    origin: str = ""  # Span.origin ("gazetteer", "mentions"); newsreview JSONL carries it


@dataclass(slots=True)
class ParsedRelation:
    """An event argument: trigger span → entity span, typed by the role."""

    source: str  # span key of the trigger
    target: str  # span key of the entity
    role: str
    where: str
    field: str


@dataclass(slots=True)
class ParsedComment:
    text: str
    author: str | None
    span: str | None  # span key
    created_at: str | None  # ISO 8601 as exported
    where: str
    field: str


@dataclass(slots=True)
class ParsedLayer:
    """One layer of one document. `target` is decided by the file (newsreview JSONL) or
    left None and filled from the command's/page's choice of layer."""

    kind: str | None = None  # "gold", "annotator", "pre"; None = the import's target layer
    name: str = ""  # gold / pre-annotation layer name
    annotator: str | None = None  # username for kind "annotator"
    status: str | None = None
    spans: list[ParsedSpan] = field(default_factory=list)
    relations: list[ParsedRelation] = field(default_factory=list)
    attributes: dict[str, dict[str, Any]] = field(default_factory=dict)  # trigger key → attrs
    # (trigger key, attribute name) → (where, field): where the file gave it, for messages.
    attribute_where: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    comments: list[ParsedComment] = field(default_factory=list)
    where: str = ""


@dataclass(slots=True)
class ParsedDocument:
    file: str
    where: str
    text: str  # newlines already normalised to \n
    title: str | None = None
    external_id: str = ""
    language: str | None = None
    direction: str | None = None
    source_url: str = ""
    published_on: str | None = None  # ISO date
    metadata: dict[str, Any] = field(default_factory=dict)
    layers: list[ParsedLayer] = field(default_factory=list)


@dataclass
class ParseResult:
    format: str
    documents: list[ParsedDocument] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    # Tasks (Label Studio) whose annotations or predictions all failed to be read: the
    # preview says so before anything is saved.
    lost: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class SourceFile:
    """One file of the upload: a name for messages and its raw bytes."""

    name: str
    data: bytes
