"""Label Studio JSON (FORMATS.md §3): a JSON array of tasks with annotations (or
predictions with --as-predictions), offsets in code points, plus the labeling config
whose `from_name`/`to_name` the results use."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any, BinaryIO
from xml.sax.saxutils import quoteattr

from django.utils.translation import gettext_noop

from newsreview.projects.models import Project

from ..left_out import comment_tally
from ..reading import label_order, roles_by_event
from ..records import LayerRecord

KEY = "labelstudio"
LABEL = gettext_noop("Label Studio JSON")
MEDIA_TYPE = "application/json; charset=utf-8"
EXTENSION = ".json"
CONFIG_NAME = "labelstudio_config.xml"
SIDE_FILE_OPTIONS = {CONFIG_NAME: "config_out"}
MODEL_VERSION = "newsreview"


def add_arguments(parser: Any) -> None:
    parser.add_argument(
        "--as-predictions",
        action="store_true",
        help=gettext_noop(
            "Label Studio: write predictions (to pre-annotate) instead of annotations"
        ),
    )
    parser.add_argument(
        "--config-out",
        metavar="PATH",
        help=f"Label Studio: where to write the labeling config (default: {CONFIG_NAME} "
        "next to -o)",
    )


def _region(span_id: str, name: str, start: int, end: int, text: str, label: str, origin: str):
    return {
        "id": span_id,
        "from_name": name,
        "to_name": "text",
        "type": "labels",
        "origin": origin,
        "value": {"start": start, "end": end, "text": text, "labels": [label]},
    }


def task_dict(number: int, record: LayerRecord, as_predictions: bool = False) -> dict[str, Any]:
    """One task; `number` is its id and its annotation's (the record's position, from 1)."""
    origin = "prediction" if as_predictions else "manual"
    result: list[dict[str, Any]] = []
    for span in record.all_spans:
        name = "event" if span.kind == "trigger" else "entity"
        region_id = "s" + span.id[1:]
        result.append(_region(region_id, name, span.start, span.end, span.text, span.label, origin))
    for event in record.events:
        for argument in event.arguments:
            result.append(
                {
                    "from_id": "s" + event.trigger.id[1:],
                    "to_id": "s" + argument.entity.id[1:],
                    "type": "relation",
                    "direction": "right",
                    "labels": [argument.role],
                }
            )
    task: dict[str, Any] = {
        "id": number,
        "data": {"text": record.text, "doc": record.document_id, "layer": record.layer},
    }
    if as_predictions:
        task["annotations"] = []
        task["predictions"] = [
            {"model_version": f"{MODEL_VERSION}:{record.layer}", "result": result}
        ]
    else:
        task["annotations"] = [
            {
                "id": number,
                "ground_truth": record.layer_kind == "gold",
                "was_cancelled": False,
                "result": result,
            }
        ]
        task["predictions"] = []
    return task


def write(
    records: Iterable[LayerRecord],
    out: BinaryIO,
    *,
    project: Project,
    options: dict[str, Any],
    warn: Callable[[str], None],
) -> None:
    # One task per line inside the array: still valid JSON, streamed, and diffable.
    as_predictions = bool(options.get("as_predictions"))
    out.write(b"[")
    notes = comment_tally()
    for number, record in enumerate(records, start=1):
        notes.add(record)
        if number > 1:
            out.write(b",\n")
        task = json.dumps(task_dict(number, record, as_predictions), ensure_ascii=False)
        out.write(task.encode("utf-8"))
    out.write(b"]\n")
    summary = notes.message("labelstudio", "use jsonl (or brat for span comments)")
    if summary:
        warn(summary)


def labeling_config(project: Project) -> str:
    """The labeling config matching the results: `entity` and `event` label sets over
    the `text` object, one relation label per role, the text shown right to left."""
    labels = label_order(project)
    colours = dict(project.schema.entity_types.values_list("key", "colour"))
    colours.update(project.schema.event_types.values_list("key", "colour"))
    roles: list[str] = []
    for role_list in roles_by_event(project).values():
        for role in role_list:
            if role["key"] not in roles:
                roles.append(role["key"])
    lines = ["<View>", "  <Relations>"]
    lines += [f"    <Relation value={quoteattr(role)}/>" for role in roles]
    lines += ["  </Relations>", '  <Labels name="entity" toName="text">']
    lines += [
        f"    <Label value={quoteattr(key)} background={quoteattr(colours[key])}/>"
        for key in labels["entities"]
    ]
    lines += ["  </Labels>", '  <Labels name="event" toName="text">']
    lines += [
        f"    <Label value={quoteattr(key)} background={quoteattr(colours[key])}/>"
        for key in labels["events"]
    ]
    lines += [
        "  </Labels>",
        '  <View style="direction: rtl">',
        '    <Text name="text" value="$text" granularity="symbol"/>',
        "  </View>",
        "</View>",
    ]
    return "\n".join(lines) + "\n"


def side_files(project: Project, options: dict[str, Any]) -> dict[str, bytes]:
    return {CONFIG_NAME: labeling_config(project).encode("utf-8")}
