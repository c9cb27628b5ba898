"""One parser module per import format, and the guess made when none is chosen."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import PurePosixPath

from ..parsed import ParseResult, SourceFile
from . import brat, conll, doccano, jsonl, labelstudio, newsreview, txt

PARSERS: dict[str, Callable[[list[SourceFile]], ParseResult]] = {
    "txt": txt.parse,
    "jsonl": jsonl.parse,
    "newsreview": newsreview.parse,
    "doccano": doccano.parse,
    "labelstudio": labelstudio.parse,
    "brat": brat.parse,
    "conll": conll.parse,
}
FORMAT_NAMES = list(PARSERS)
EXTENSION_FALLBACK = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "labelstudio"}
CONLL_SUFFIXES = {".conll", ".iob", ".iob2", ".bio", ".conllu", ".tsv"}


class UnknownFormat(Exception):
    pass


def _first_line(data: bytes) -> str:
    text = data[:200_000].decode("utf-8", errors="replace").lstrip("\ufeff")
    for line in text.split("\n"):
        if line.strip():
            return line.strip()
    return ""


def _sniff_json_line(line: str) -> str | None:
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        return None
    if not isinstance(record, dict):
        return None
    if record.get("format") == newsreview.FORMAT_TAG:
        return "newsreview"
    if "data" in record and isinstance(record["data"], dict):
        return "labelstudio"
    if isinstance(record.get("label"), list) or isinstance(record.get("entities"), list):
        return "doccano"
    return "jsonl"


def guess_format(files: list[SourceFile]) -> str:
    """The format of `files`, from their names and first line; UnknownFormat if unsure."""
    suffixes = {PurePosixPath(f.name).suffix.lower() for f in files}
    if ".ann" in suffixes:
        return "brat"
    if suffixes and suffixes <= {".txt"}:
        return "txt"
    if suffixes & CONLL_SUFFIXES:
        return "conll"
    for source in files:
        first = _first_line(source.data)
        if first.startswith("-DOCSTART-"):
            return "conll"
        if first.startswith("["):
            return "labelstudio"
        if first.startswith("{"):
            guessed = _sniff_json_line(first)
            if guessed:
                return guessed
            # A pretty-printed single Label Studio task or a broken line.
            if PurePosixPath(source.name).suffix.lower() == ".json":
                return "labelstudio"
            return "jsonl"
        break
    # Nothing to sniff (an empty file): the extension decides, the parser then says why.
    for suffix, name in EXTENSION_FALLBACK.items():
        if suffix in suffixes:
            return name
    raise UnknownFormat(
        "cannot tell the format of the file; choose one of: " + ", ".join(FORMAT_NAMES)
    )


def parse(
    format_name: str, files: list[SourceFile], *, offset_unit: str | None = None
) -> ParseResult:
    """`files` read as `format_name`; `offset_unit` is doccano's (default UTF-16)."""
    if format_name == "doccano":
        return doccano.parse(files, offset_unit=offset_unit or doccano.DEFAULT_OFFSET_UNIT)
    return PARSERS[format_name](files)
