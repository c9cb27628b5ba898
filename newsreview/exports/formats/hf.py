"""Hugging Face datasets token classification (FORMATS.md §7): JSON Lines, one row per
sentence of the §4 tokens, `{"id": "<doc>:<layer>:<n>", "tokens": [...], "ner_tags": [...]}`
with integer tags indexing the label list (`O`, then `B-`/`I-` pairs in schema order).

`dataset_info.json` (a side file) declares the features in the form
`datasets.DatasetInfo.write_to_directory` writes and `DatasetInfo.from_directory` /
`Features.from_dict` read; sequences are written with the `"Sequence"` type name, which
every `datasets` version reads (version 4 writes `"List"`, which 2.x and 3.x do not know).

`--show-labels` hands the label list to `warn` (the command prints warnings on stderr),
so it never mixes with the data when the export goes to stdout."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any, BinaryIO

from django.utils.translation import gettext_noop

from newsreview.projects.models import Project

from ..left_out import LeftOutTally, problems
from ..reading import label_order
from ..records import ExportError, LayerRecord
from ..tokens import tokenise

KEY = "hf"
LABEL = gettext_noop("Hugging Face datasets (JSON Lines + dataset_info.json)")
MEDIA_TYPE = "application/x-ndjson; charset=utf-8"
EXTENSION = ".jsonl"
INFO_FILE = "dataset_info.json"


def add_arguments(parser: Any) -> None:
    parser.add_argument(
        "--show-labels",
        action="store_true",
        help=gettext_noop("hf: print the ner_tags label list (on stderr, with the warnings)"),
    )


def label_names(project: Project) -> list[str]:
    """`O`, then `B-KEY`, `I-KEY` for every entity key in schema order."""
    names = ["O"]
    for key in label_order(project)["entities"]:
        names += [f"B-{key}", f"I-{key}"]
    return names


def features_dict(names: list[str]) -> dict[str, Any]:
    """`Features({"id": Value("string"), "tokens": Sequence(Value("string")),
    "ner_tags": Sequence(ClassLabel(names=names))})` as `datasets` serialises it."""
    return {
        "id": {"dtype": "string", "_type": "Value"},
        "tokens": {"feature": {"dtype": "string", "_type": "Value"}, "_type": "Sequence"},
        "ner_tags": {"feature": {"names": names, "_type": "ClassLabel"}, "_type": "Sequence"},
    }


def side_files(project: Project, options: dict[str, Any]) -> dict[str, bytes]:
    """`dataset_info.json`, so a reader can rebuild the features (and the ClassLabel)."""
    info = {
        "description": (
            f"newsreview export of project {project.slug}, layer {options.get('layer', 'gold')}:"
            " one row per sentence, ner_tags are IOB2 tags (flat: outermost spans)."
        ),
        "citation": "",
        "homepage": "",
        "license": "",
        "features": features_dict(label_names(project)),
    }
    return {INFO_FILE: (json.dumps(info, ensure_ascii=False, indent=2) + "\n").encode()}


def write(
    records: Iterable[LayerRecord],
    out: BinaryIO,
    *,
    project: Project,
    options: dict[str, Any],
    warn: Callable[[str], None],
) -> None:
    """Stream one JSON line per sentence."""
    names = label_names(project)
    index = {name: number for number, name in enumerate(names)}
    if options.get("show_labels"):
        warn("labels (--show-labels; ner_tags index this list): " + json.dumps(names))
    align = options.get("align") or "split"
    events = LeftOutTally()
    for record in records:
        tokenised = tokenise(record, align)
        for message in problems(tokenised, fmt="hf", nested=False, triggers=False):
            warn(message)
        events.add(record)
        (tags,) = tokenised.entity_columns(1)
        try:
            ids = [index[tag] for tag in tags]
        except KeyError as error:
            raise ExportError(
                f"document {record.document_id}, layer {record.layer}: label "
                f"{error.args[0][2:]} is not in the project's schema",
                document=record.document_id,
                layer=record.layer,
            ) from None
        words = tokenised.words
        lines = []
        for number, sentence in enumerate(tokenised.sentences):
            row = {
                "id": f"{record.document_id}:{record.layer}:{number}",
                "tokens": [words[i] for i in sentence],
                "ner_tags": [ids[i] for i in sentence],
            }
            lines.append(json.dumps(row, ensure_ascii=False) + "\n")
        out.write("".join(lines).encode())
    summary = events.message("hf", "token classification has no events (use jsonl)")
    if summary:
        warn(summary)
