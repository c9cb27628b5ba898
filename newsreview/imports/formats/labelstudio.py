"""Label Studio JSON (FORMATS.md §3): an array of tasks, `data.text`, regions of type
`labels` in an annotation's (or else a prediction's) `result`, relations between regions
as event arguments. Offsets are code points (Label Studio's `<Text>` since 2022).

A task with several annotations contributes one: the ground-truth one, else the first
not cancelled; predictions are read only when there is no annotation."""

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


def _choose_result(task: dict[str, Any], error: ErrorFn) -> tuple[str, list[Any]] | None:
    annotations = task.get("annotations") or []
    predictions = task.get("predictions") or []
    if not isinstance(annotations, list) or not isinstance(predictions, list):
        error("annotations", "annotations and predictions must be lists")
        return None
    usable = [
        (index, a)
        for index, a in enumerate(annotations)
        if isinstance(a, dict) and not a.get("was_cancelled")
    ]
    usable.sort(key=lambda item: not item[1].get("ground_truth"))
    if usable:
        index, chosen = usable[0]
        return f"annotations[{index}].result", chosen.get("result") or []
    for index, prediction in enumerate(predictions):
        if isinstance(prediction, dict):
            return f"predictions[{index}].result", prediction.get("result") or []
    return None


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
    chosen = _choose_result(task, error)
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
                result.warnings.append(
                    Problem(name, where, f"result type “{kind}” is not imported", field)
                )
    if len(result.errors) > errors_before:
        return None
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
