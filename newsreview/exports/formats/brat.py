"""brat standoff (FORMATS.md §5): per (document, layer) `NAME.txt` (the stored text) and
`NAME.ann`, plus `annotation.conf` (from the schema, so brat opens the collection as is)
and `visual.conf` (the schema's colours), in one zip. The command unpacks it into a
folder when -o names a directory."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterable
from typing import Any, BinaryIO

from django.utils.translation import gettext_noop

from newsreview.projects.models import Project

from ..reading import label_order, roles_by_event
from ..records import EventRecord, LayerRecord

KEY = "brat"
LABEL = gettext_noop("brat standoff (zip)")
MEDIA_TYPE = "application/zip"
EXTENSION = ".zip"
IS_ARCHIVE = True  # the command may unpack it into a directory

# Characters that are unsafe in a file name on some system (and zip's "/").
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')
# A fixed date keeps the zip byte-identical from one export to the next.
_ZIP_DATE = (2020, 1, 1, 0, 0, 0)


def safe_name(name: str) -> str:
    name = _UNSAFE.sub("_", name).strip(" .") or "_"
    return name[:120]


def role_names(event: EventRecord) -> list[str]:
    """Role keys as brat wants them: a role used again gets a numeric suffix from its
    second use (PARTICIPANT, PARTICIPANT2, …)."""
    seen: dict[str, int] = {}
    names = []
    for argument in event.arguments:
        seen[argument.role] = seen.get(argument.role, 0) + 1
        count = seen[argument.role]
        names.append(argument.role if count == 1 else f"{argument.role}{count}")
    return names


def _one_line(text: str) -> str:
    # A line of the .ann file cannot hold a newline or a tab; offsets stay exact.
    return text.replace("\r", " ").replace("\n", " ").replace("\t", " ")


def ann_text(
    record: LayerRecord,
    warn: Callable[[str], None],
    attributes_seen: dict[str, set[Any]] | None = None,
) -> str:
    """The .ann file of one record."""
    lines = []
    t_id = {}
    for number, span in enumerate(record.all_spans, start=1):
        t_id[span.pk] = f"T{number}"
        lines.append(f"T{number}\t{span.label} {span.start} {span.end}\t{_one_line(span.text)}")
    attribute_number = 0
    for number, event in enumerate(record.events, start=1):
        parts = [f"{event.type}:{t_id[event.trigger.pk]}"]
        for role, argument in zip(role_names(event), event.arguments, strict=True):
            parts.append(f"{role}:{t_id[argument.entity.pk]}")
        lines.append(f"E{number}\t" + " ".join(parts))
        for name, value in sorted(event.attributes.items()):
            if value is False or value is None:
                continue  # a binary attribute that is off is simply absent in brat
            attribute_number += 1
            if attributes_seen is not None:
                attributes_seen.setdefault(name, set()).add(value)
            suffix = "" if value is True else f" {_one_line(str(value)).replace(' ', '_')}"
            lines.append(f"A{attribute_number}\t{name} E{number}{suffix}")
    note_number = 0
    for comment in record.comments:
        if comment.span is None:
            warn(
                f"document {record.document_id}, layer {record.layer}: a comment not attached "
                "to a span cannot be written in brat (AnnotatorNotes need a span)"
            )
            continue
        note_number += 1
        lines.append(
            f"#{note_number}\tAnnotatorNotes {t_id[comment.span.pk]}\t{_one_line(comment.text)}"
        )
    return "".join(line + "\n" for line in lines)


def annotation_conf(project: Project, attributes_seen: dict[str, set[Any]] | None = None) -> str:
    """brat's annotation.conf for the schema: every entity type, every event type with its
    roles in brat's notation: `ROLE*` may repeat, `ROLE+` must appear and may repeat,
    `ROLE?` optional, `ROLE` required once; allowed types joined by |. (FORMATS.md §5 says
    `PARTICIPANT+`, but in brat `+` means "at least one", which would flag every event
    without that optional role as incomplete.)"""
    labels = label_order(project)
    roles = roles_by_event(project)
    lines = ["[entities]", *labels["entities"], "", "[relations]", "", "[events]"]
    for event_key in labels["events"]:
        parts = []
        for role in roles.get(event_key, []):
            if role["multiple"]:
                cardinality = "+" if role["required"] else "*"
            else:
                cardinality = "" if role["required"] else "?"
            allowed = "|".join(role["allowed"]) or "<ENTITY>"
            parts.append(f"{role['key']}{cardinality}:{allowed}")
        lines.append(event_key + ("\t" + ", ".join(parts) if parts else ""))
    lines += ["", "[attributes]"]
    for name in sorted(attributes_seen or {}):
        values = sorted(
            str(v).replace(" ", "_") for v in (attributes_seen or {})[name] if v is not True
        )
        lines.append(f"{name}\tArg:<EVENT>" + (", Value:" + "|".join(values) if values else ""))
    return "\n".join(lines) + "\n"


def visual_conf(project: Project) -> str:
    """Display names stay out (labels are keys everywhere); colours come from the schema."""
    schema = project.schema
    lines = ["[labels]", "", "[drawing]"]
    for key, colour in schema.entity_types.order_by("order", "key").values_list("key", "colour"):
        lines.append(f"{key}\tbgColor:{colour}")
    for key, colour in schema.event_types.order_by("order", "key").values_list("key", "colour"):
        lines.append(f"{key}\tbgColor:{colour}")
    return "\n".join(lines) + "\n"


def _add(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


def write(
    records: Iterable[LayerRecord],
    out: BinaryIO,
    *,
    project: Project,
    options: dict[str, Any],
    warn: Callable[[str], None],
) -> None:
    # With one layer per document the name is the document id; with --layer all the
    # layer is part of it (doc.layer), so no two records share a name.
    with_layer = options.get("layer") == "all"
    used: set[str] = set()
    attributes_seen: dict[str, set[Any]] = {}
    with zipfile.ZipFile(out, "w") as archive:
        for record in records:
            base = safe_name(
                f"{record.document_id}.{record.layer}" if with_layer else record.document_id
            )
            name, n = base, 1
            while name in used:
                n += 1
                name = f"{base}-{n}"
            used.add(name)
            _add(archive, f"{name}.txt", record.text.encode("utf-8"))
            _add(archive, f"{name}.ann", ann_text(record, warn, attributes_seen).encode("utf-8"))
        # Written last: the attributes it declares are those the data used.
        _add(archive, "annotation.conf", annotation_conf(project, attributes_seen).encode())
        _add(archive, "visual.conf", visual_conf(project).encode())
