"""CoNLL-2003 style IOB2 (FORMATS.md §4): per (document, layer) the line
`-DOCSTART- -X- O O` and a blank line, then one `TOKEN<TAB>TAG` line per token, each
sentence followed by a blank line (so the file ends with one, as CoNLL-2003 files do).

The default file has exactly two columns (what `spacy convert --converter ner` reads).
`--nested` adds one column per nesting depth, outer to inner, the same number on every
line of the file (padded with O); `--with-triggers` adds a last column with the event
types of the triggers. Tokens and tags come from `newsreview.exports.tokens`."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from typing import Any, BinaryIO

from django.utils.translation import gettext_noop

from newsreview.projects.models import Project

from ..left_out import LeftOutTally, problems
from ..records import ExportError, LayerRecord
from ..tokens import ALIGN_CHOICES, Tokenised, tokenise

KEY = "conll"
LABEL = gettext_noop("CoNLL IOB2 (token per line)")
MEDIA_TYPE = "text/plain; charset=utf-8"
EXTENSION = ".conll"
DOCSTART = "-DOCSTART- -X- O O\n\n"


def add_arguments(parser: Any) -> None:
    parser.add_argument(
        "--nested",
        action="store_true",
        help=gettext_noop(
            "conll: one more tag column per nesting depth, outer to inner (Wojood style)"
        ),
    )
    parser.add_argument(
        "--align",
        choices=ALIGN_CHOICES,
        default="split",
        help=gettext_noop(
            "conll/hf: split tokens at span boundaries (default; exact) or expand spans "
            "to whole tokens (Wojood/ANERcorp word tagging)"
        ),
    )
    parser.add_argument(
        "--with-triggers",
        action="store_true",
        help=gettext_noop(
            "conll: a last column with event triggers as IOB2 tags of the event type"
        ),
    )


def side_files(project: Project, options: dict[str, Any]) -> dict[str, bytes]:
    return {}


def document_text(
    tokenised: Tokenised, *, depth: int | None, with_triggers: bool
) -> str:  # fmt: skip
    """One record's lines: the DOCSTART line, then its sentences. `depth` is the number
    of entity columns (None: the record's own nesting depth); 1 is the flat file."""
    columns = tokenised.entity_columns(depth)
    if with_triggers:
        columns.append(tokenised.trigger_column())
    if not tokenised.words:
        return DOCSTART
    rows = list(map("\t".join, zip(tokenised.words, *columns, strict=True)))
    for sentence in tokenised.sentences:
        rows[sentence[-1]] += "\n"  # a blank line after every sentence
    return DOCSTART + "\n".join(rows) + "\n"


def write(
    records: Iterable[LayerRecord],
    out: BinaryIO,
    *,
    project: Project,
    options: dict[str, Any],
    warn: Callable[[str], None],
) -> None:
    """Stream the records as CoNLL; warnings name every span the tags cannot hold."""
    if options.get("layer") == "all":
        # FORMATS.md §0 tags each record with its layer; a CoNLL record is the exact line
        # `-DOCSTART- -X- O O` (§4), with no room for a name: refuse rather than write
        # copies of a document nobody can tell apart.
        raise ExportError(
            "CoNLL has no place for a layer name, so “all layers” would repeat each document "
            "without saying whose it is: export one layer per file (gold or an annotator)"
        )
    nested = bool(options.get("nested"))
    with_triggers = bool(options.get("with_triggers"))
    align = options.get("align") or "split"
    events = LeftOutTally()
    if not nested:
        for record in records:
            tokenised = tokenise(record, align)
            for message in problems(tokenised, fmt="conll", nested=False, triggers=with_triggers):
                warn(message)
            events.add(record)
            out.write(document_text(tokenised, depth=1, with_triggers=with_triggers).encode())
    else:
        # Every line must have the same number of columns, and the deepest nesting is
        # only known at the end: spool each document with its own depth (memory up to
        # 8 MB, then disk, so memory stays constant), then copy, padding with O.
        deepest = 1
        with tempfile.SpooledTemporaryFile(max_size=8 * 2**20, mode="w+b") as spool:
            for record in records:
                tokenised = tokenise(record, align)
                for message in problems(
                    tokenised, fmt="conll", nested=True, triggers=with_triggers
                ):
                    warn(message)
                events.add(record)
                deepest = max(deepest, len(tokenised.entities.levels))
                spool.write(
                    document_text(tokenised, depth=None, with_triggers=with_triggers).encode()
                )
            spool.seek(0)
            for line in spool:
                out.write(_padded(line, deepest, with_triggers))
    hint = (
        "their triggers are in the last column, their arguments are not (use jsonl)"
        if with_triggers
        else "use --with-triggers for the triggers, jsonl for everything"
    )
    summary = events.message("conll", hint)
    if summary:
        warn(summary)


def _padded(line: bytes, depth: int, with_triggers: bool) -> bytes:
    if b"\t" not in line:
        return line  # DOCSTART or a blank line
    cells = line.rstrip(b"\n").split(b"\t")
    missing = depth + 1 + with_triggers - len(cells)
    if missing <= 0:
        return line
    at = len(cells) - 1 if with_triggers else len(cells)
    cells[at:at] = [b"O"] * missing
    return b"\t".join(cells) + b"\n"
