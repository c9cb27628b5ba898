"""brat standoff (FORMATS.md §5): pairs NAME.txt + NAME.ann from a zip or a folder.

`T` lines are spans (code points into NAME.txt, which brat reads with universal
newlines, so offsets count a CRLF as one character); `E` lines make the trigger's
event and its arguments (a role's numeric suffix is dropped: PARTICIPANT2 →
PARTICIPANT); `A`/`M` lines are event attributes; `#… AnnotatorNotes` lines become
comments. Discontinuous spans are refused: newsreview spans are contiguous."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

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
from .common import FileRejected, decode_utf8

NAME = "brat"
IGNORED_FILES = {"annotation.conf", "visual.conf", "tools.conf", "kb_shortcuts.conf"}
T_LINE = re.compile(r"^(T\d+)\t(\S+) (\d+ \d+(?:;\d+ \d+)*)\t(.*)$", re.DOTALL)
ROLE_SUFFIX = re.compile(r"\d+$")


def parse(files: list[SourceFile]) -> ParseResult:
    result = ParseResult(format=NAME)
    texts: dict[str, SourceFile] = {}
    anns: dict[str, SourceFile] = {}
    for source in files:
        path = PurePosixPath(source.name)
        if path.name in IGNORED_FILES:
            continue
        stem = str(path.with_suffix(""))
        if path.suffix == ".txt":
            texts[stem] = source
        elif path.suffix == ".ann":
            anns[stem] = source
        else:
            result.warnings.append(
                Problem(source.name, "", "not a brat .txt or .ann file; skipped")
            )
    for stem in sorted(set(anns) - set(texts)):
        result.errors.append(Problem(anns[stem].name, "", f"no {stem}.txt next to this .ann file"))
    if not texts:
        result.errors.append(Problem("", "", "no .txt files found"))
    for stem in texts:  # the archive's (or folder's) order: an export's document order
        document = parse_pair(texts[stem], anns.get(stem), result)
        if document is not None:
            result.documents.append(document)
    return result


def parse_pair(
    text_file: SourceFile, ann_file: SourceFile | None, result: ParseResult
) -> ParsedDocument | None:
    try:
        text = decode_utf8(text_file.name, text_file.data)
        ann = decode_utf8(ann_file.name, ann_file.data) if ann_file is not None else ""
    except FileRejected as rejected:
        result.errors.append(rejected.problem)
        return None
    if not text.strip():
        result.errors.append(Problem(text_file.name, "", "the file is empty"))
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    layer = ParsedLayer(where=ann_file.name if ann_file else "")
    if ann_file is not None:
        read_ann(ann_file.name, ann, layer, result)
    stem = PurePosixPath(text_file.name).stem
    return ParsedDocument(
        file=text_file.name,
        where="",
        text=text,
        metadata={"source_file": PurePosixPath(text_file.name).name, "brat_name": stem},
        layers=[layer],
    )


def read_ann(name: str, ann: str, layer: ParsedLayer, result: ParseResult) -> None:
    spans: dict[str, ParsedSpan] = {}
    events: dict[str, str] = {}  # E id → trigger T id
    pending_events: list[tuple[str, str, str, list[str], str]] = []
    pending_other: list[tuple[str, str, str]] = []

    def error(where: str, field: str, message: str) -> None:
        result.errors.append(Problem(name, where, message, field))

    for number, line in enumerate(ann.replace("\r\n", "\n").split("\n"), start=1):
        where = f".ann line {number}"
        if not line.strip():
            continue
        kind = line[0]
        if kind == "T":
            match = T_LINE.match(line)
            if not match:
                error(where, line.split("\t", 1)[0], "expected “T<n><TAB>LABEL START END<TAB>text”")
                continue
            key, label, offsets, covered = match.groups()
            if ";" in offsets:
                error(where, key, "discontinuous spans (START END;START END) are not supported")
                continue
            if key in spans:
                error(where, key, f"{key} is defined twice")
                continue
            start, end = (int(x) for x in offsets.split())
            spans[key] = ParsedSpan(key, label, start, end, covered, where, key)
            layer.spans.append(spans[key])
        elif kind == "E":
            parts = line.split("\t")
            if len(parts) < 2 or ":" not in parts[1].split(" ", 1)[0]:
                error(where, parts[0], "expected “E<n><TAB>TYPE:T<n> ROLE:T<n> …”")
                continue
            key = parts[0]
            head, *arguments = parts[1].split()
            event_type, trigger = head.split(":", 1)
            pending_events.append((key, event_type, trigger, arguments, where))
        elif kind in "AM" or line.startswith("#"):
            pending_other.append((kind if kind != "#" else "#", line, where))
        elif kind in "RN*":
            result.warnings.append(
                Problem(
                    name,
                    where,
                    "relations and normalisations are not imported",
                    line.split("\t", 1)[0],
                )
            )
        else:
            error(where, "", "unknown annotation line")
    for key, event_type, trigger, arguments, where in pending_events:
        if key in events:
            error(where, key, f"{key} is defined twice")
            continue
        span = spans.get(trigger)
        if span is None:
            error(where, key, f"trigger {trigger} is not a T line of this file")
            continue
        if span.label != event_type:
            error(where, key, f"trigger {trigger} is labelled {span.label}, not {event_type}")
            continue
        if trigger in events.values():
            error(where, key, f"trigger {trigger} already has an event; one event per trigger")
            continue
        events[key] = trigger
        for argument in arguments:
            if ":" not in argument:
                error(where, key, f"argument “{argument}” is not ROLE:T<n>")
                continue
            role, target = argument.split(":", 1)
            role = ROLE_SUFFIX.sub("", role)
            if target.startswith("E"):
                error(where, f"{key} {argument}", "an argument must be an entity (T), not an event")
                continue
            layer.relations.append(
                ParsedRelation(trigger, target, role, where, f"{key} {argument}")
            )
    for kind, line, where in pending_other:
        parts = line.split("\t")
        if kind == "#":
            head = parts[1].split() if len(parts) > 1 else []
            if len(parts) < 3 or len(head) != 2 or head[0] != "AnnotatorNotes":
                result.warnings.append(
                    Problem(name, where, "only AnnotatorNotes notes are imported", parts[0])
                )
                continue
            target = events.get(head[1], head[1])
            if target not in spans:
                error(where, parts[0], f"the note refers to {head[1]}, which is not in this file")
                continue
            layer.comments.append(
                ParsedComment("\t".join(parts[2:]), None, target, None, where, parts[0])
            )
        else:
            head = parts[1].split() if len(parts) > 1 else []
            if len(head) not in (2, 3):
                error(where, parts[0], "expected “A<n><TAB>NAME E<n> [VALUE]”")
                continue
            if head[1] not in events:
                error(
                    where,
                    parts[0],
                    f"attributes are imported for events only; {head[1]} is not one",
                )
                continue
            value = head[2] if len(head) == 3 else True
            layer.attributes.setdefault(events[head[1]], {})[head[0]] = value
            layer.attribute_where[(events[head[1]], head[0])] = (where, parts[0])
