"""Label Studio JSON (FORMATS.md §3): an array of tasks, `data.text`, regions of type
`labels` in an annotation's (or else a prediction's) `result`, relations between regions
as event arguments. Offsets are code points (Label Studio's `<Text>` since 2022).

A task with several annotations contributes one: the ground-truth one, else the first
not cancelled; predictions are read only when there is no annotation. Whatever is left
out (other annotations, predictions given only as ids, result types we do not read) is a
warning naming the task and field."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ..parsed import (
    ParsedDocument,
    ParsedLayer,
    ParsedRelation,
    ParsedSpan,
    ParseResult,
    Problem,
    SourceFile,
)
from .common import (
    FileRejected,
    UnusableJSON,
    crlf_map,
    decode_utf8,
    is_int,
    load_json,
    normalise_span_text,
    require_content,
)

NAME = "labelstudio"
SPAN_TYPES = {"labels", "hypertextlabels"}
ErrorFn = Callable[[str, str], None]  # (field, message)


def parse(files: list[SourceFile]) -> ParseResult:
    result = ParseResult(format=NAME)
    for source in files:
        try:
            text = decode_utf8(source.name, source.data)
            require_content(source.name, text)
        except FileRejected as rejected:
            result.errors.append(rejected.problem)
            continue
        try:
            tasks = load_json(text)
        except json.JSONDecodeError as error:
            result.errors.append(
                Problem(
                    source.name,
                    f"line {error.lineno}",
                    f"not valid JSON: {error.msg} (column {error.colno})",
                )
            )
            continue
        except UnusableJSON as error:
            result.errors.append(Problem(source.name, "", str(error), error.field))
            continue
        if isinstance(tasks, dict):
            tasks = [tasks]
        if not isinstance(tasks, list):
            result.errors.append(Problem(source.name, "", "expected a JSON array of tasks"))
            continue
        for index, task in enumerate(tasks, start=1):
            document = parse_task(source.name, index, task, result)
            if document is not None:
                result.documents.append(document)
    return result


SNAPSHOT_HINT = (
    "export the project with Label Studio's export-snapshot API and full predictions "
    '(POST /api/projects/ID/exports/ with {"serialization_options": {"predictions": '
    '{"only_id": false}}}, then download it as JSON), or submit the tasks in Label '
    "Studio first and export again"
)


class TaskReader:
    """Reads one task's annotations and predictions into a layer, and says what it could
    not read (never a silent loss: a task whose annotations or predictions all fail
    arrives without annotations, and the preview and the command say so)."""

    def __init__(self, name: str, where: str, task: dict[str, Any], result: ParseResult) -> None:
        self.name, self.where, self.task, self.result = name, where, task, result
        self.dropped = 0  # annotations, predictions or results not imported

    def warn(self, field: str, message: str) -> None:
        self.dropped += 1
        self.result.warnings.append(Problem(self.name, self.where, message, field))

    def choose(self, error: ErrorFn) -> tuple[str, list[Any]] | None:
        """(field prefix, result items) of the one annotation or prediction imported: the
        ground-truth annotation, else the first not cancelled, else the first prediction.
        Each one left out is a warning naming it."""
        annotations = self.task.get("annotations") or []
        predictions = self.task.get("predictions") or []
        if not isinstance(annotations, list) or not isinstance(predictions, list):
            error("annotations", "annotations and predictions must be lists")
            return None
        usable = []
        for index, annotation in enumerate(annotations):
            field = f"annotations[{index}]"
            if not isinstance(annotation, dict):
                self.warn(
                    field,
                    f"annotation given only as {_shown(annotation)}, without its result: "
                    "not imported",
                )
            elif annotation.get("was_cancelled"):
                if annotation.get("result"):
                    self.warn(field, "a cancelled (skipped) annotation is not imported")
            else:
                usable.append((index, annotation))
        readable, ids = [], []
        for index, prediction in enumerate(predictions):
            if isinstance(prediction, dict):
                readable.append((index, prediction))
            else:
                ids.append((index, prediction))
        if ids:
            # Label Studio's Export dialog writes predictions as ids ("predictions": [1]).
            fields = ", ".join(f"predictions[{i}]" for i, _p in ids)
            shown = ", ".join(_shown(p) for _i, p in ids)
            if usable:
                self.warn(
                    fields,
                    f"prediction(s) given only as ids ({shown}): not imported (the "
                    "task's annotation is)",
                )
            else:
                self.warn(
                    fields,
                    f"prediction(s) given only as ids ({shown}), without their results: "
                    f"nothing of them can be imported; {SNAPSHOT_HINT}",
                )
        usable.sort(key=lambda item: not item[1].get("ground_truth"))
        if usable:
            index, chosen = usable[0]
            left_out = [f"annotations[{i}]" for i, _a in usable[1:]]
            left_out += [f"predictions[{i}]" for i, p in readable if p.get("result")]
            if left_out:
                self.warn(
                    ", ".join(left_out),
                    "not imported: one annotation per task is imported, the ground-truth "
                    f"one or else the first (annotations[{index}])",
                )
            return f"annotations[{index}].result", chosen.get("result") or []
        if readable:
            index, chosen = readable[0]
            left_out = [f"predictions[{i}]" for i, p in readable[1:] if p.get("result")]
            if left_out:
                self.warn(
                    ", ".join(left_out),
                    f"not imported: one prediction per task is imported, the first "
                    f"(predictions[{index}])",
                )
            return f"predictions[{index}].result", chosen.get("result") or []
        return None

    def check_lost(self, layer: ParsedLayer) -> None:
        """Record the task as lost when it had annotations or predictions and nothing of
        them is imported (an empty submitted annotation is not a loss)."""
        if self.dropped and not layer.spans:
            self.result.lost.append(
                Problem(
                    self.name,
                    self.where,
                    "has annotations or predictions, but none can be imported: the "
                    "document would arrive without annotations",
                )
            )


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:39] + "…"


def parse_task(name: str, index: int, task: Any, result: ParseResult) -> ParsedDocument | None:
    where = f"task {index}"
    errors_before = len(result.errors)

    def error(field: str, message: str) -> None:
        result.errors.append(Problem(name, where, message, field))

    if not isinstance(task, dict):
        error("", "expected a task object")
        return None
    data = task.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        error("data.text", "missing or not a string")
        return None
    text, move = crlf_map(data["text"])

    def offset(value: Any) -> Any:
        return move(value) if move is not None and is_int(value) else value

    layer = ParsedLayer(where=where)
    reader = TaskReader(name, where, task, result)
    chosen = reader.choose(error)
    regions: dict[str, list[str]] = {}
    if chosen is not None:
        prefix, items = chosen
        if not isinstance(items, list):
            error(prefix, "must be a list")
            items = []
        for number, item in enumerate(items):
            field = f"{prefix}[{number}]"
            if not isinstance(item, dict):
                error(field, "expected an object")
                continue
            kind = item.get("type")
            if kind in SPAN_TYPES:
                _read_region(item, field, layer, regions, offset, error, where)
            elif kind == "relation":
                _read_relation(item, field, layer, error, where, result, name)
            else:
                reader.warn(field, f"result type “{kind}” is not imported")
    if len(result.errors) > errors_before:
        return None
    reader.check_lost(layer)
    doc_id = data.get("doc", "")
    if is_int(doc_id):
        doc_id = str(doc_id)
    title = data.get("title")
    metadata = {k: v for k, v in data.items() if k not in {"text", "doc", "layer", "title"}}
    return ParsedDocument(
        file=name,
        where=where,
        text=text,
        title=title if isinstance(title, str) and title.strip() else None,
        external_id=doc_id if isinstance(doc_id, str) else "",
        metadata=metadata,
        layers=[layer],
    )


def _read_region(
    item: dict[str, Any],
    field: str,
    layer: ParsedLayer,
    regions: dict[str, list[str]],
    offset: Callable[[Any], Any],
    error: ErrorFn,
    where: str,
) -> None:
    region_id = item.get("id")
    value = item.get("value")
    if not isinstance(region_id, str | int) or isinstance(region_id, bool):
        error(f"{field}.id", "missing region id")
        return
    if not isinstance(value, dict):
        error(f"{field}.value", "missing or not an object")
        return
    labels = value.get("labels", value.get("hypertextlabels"))
    if not isinstance(labels, list) or not labels or not all(isinstance(x, str) for x in labels):
        error(f"{field}.value.labels", "must be a non-empty list of label keys")
        return
    text = value.get("text")
    if text is not None and not isinstance(text, str):
        error(f"{field}.value.text", "must be a string")
        return
    keys = regions.setdefault(str(region_id), [])
    for label in labels:
        key = f"{region_id}" if not keys else f"{region_id}#{label}"
        keys.append(key)
        layer.spans.append(
            ParsedSpan(
                key=key,
                label=label,
                start=offset(value.get("start")),
                end=offset(value.get("end")),
                text=normalise_span_text(text),
                where=where,
                field=f"{field}.value",
            )
        )


def _read_relation(
    item: dict[str, Any],
    field: str,
    layer: ParsedLayer,
    error: ErrorFn,
    where: str,
    result: ParseResult,
    name: str,
) -> None:
    source, target = item.get("from_id"), item.get("to_id")
    labels = item.get("labels") or []
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        error(f"{field}.labels", "must be a list of role keys")
        return
    if not labels:
        result.warnings.append(
            Problem(name, where, "a relation without a role label is not imported", field)
        )
        return
    direction = item.get("direction", "right")
    if direction == "left":
        source, target = target, source
    elif direction == "bi":
        result.warnings.append(
            Problem(
                name,
                where,
                "a two-way relation cannot be an event argument; read as from → to",
                field,
            )
        )
    for role in labels:
        layer.relations.append(ParsedRelation(str(source), str(target), role, where, field))
