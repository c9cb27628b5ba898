"""Importing documents and annotations: one service for the command and the upload page.

`preview` parses and validates a batch without writing; `import_files` does the same and
then, only if there is no error at all, writes the whole batch in one transaction
(PRODUCT.md: an import that names file, line and field and saves none of the batch).
Validation is in `validation.py` (the rules of `annotations.services`), writing in
`writing.py` (bulk inserts: `add_span` once per span would take minutes for a corpus);
an import writes each chunk of the batch as soon as it is checked, and rolls the
transaction back if any problem turns up (`_check_and_write`).
One audit `Change` (action "import") is recorded per imported layer.
"""

from __future__ import annotations

import re
import time
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from newsreview.accounts.models import User
from newsreview.projects.models import LabelSchema, Project
from newsreview.projects.services import install_default_schema

from . import formats
from .formats.common import FileRejected
from .formats.doccano import DEFAULT_OFFSET_UNIT, OFFSET_UNITS
from .parsed import ParseResult, Problem, SourceFile
from .plans import PlannedDocument, summarise
from .results import ImportOptions, ImportResult, Progress, default_layer_name
from .sources import read_path, read_upload
from .validation import Validator
from .writing import BatchWriter

__all__ = [
    "ImportOptions",
    "ImportResult",
    "create_project",
    "default_layer_name",
    "import_files",
    "import_path",
    "parse_files",
    "preview",
    "read_uploaded",
]


def parse_files(files: list[SourceFile], options: ImportOptions) -> ParseResult:
    """Parse `files` in the chosen (or guessed) format; problems are in the result."""
    format_name = options.format
    if format_name is None:
        try:
            format_name = formats.guess_format(files)
        except formats.UnknownFormat as error:
            return ParseResult(
                format="", errors=[Problem(files[0].name if files else "", "", str(error))]
            )
    if format_name not in formats.PARSERS:
        return ParseResult(
            format=format_name,
            errors=[
                Problem(
                    "",
                    "",
                    _("unknown format “%(f)s”; choose one of: %(all)s")
                    % {"f": format_name, "all": ", ".join(formats.FORMAT_NAMES)},
                )
            ],
        )
    unit_problem = _offset_unit_problem(options.offset_unit, format_name, files)
    if unit_problem is not None:
        return ParseResult(format=format_name, errors=[unit_problem])
    if format_name == "txt" and len(files) > 1:
        txt_files = [f for f in files if PurePosixPath(f.name).suffix.lower() == ".txt"]
        skipped = [f for f in files if f not in txt_files]
        result = formats.parse("txt", txt_files)
        result.warnings += [Problem(f.name, "", _("not a .txt file; skipped")) for f in skipped]
        return result
    return formats.parse(format_name, files, offset_unit=options.offset_unit)


def _offset_unit_problem(
    unit: str | None, format_name: str, files: list[SourceFile]
) -> Problem | None:
    """Why `unit` cannot apply, if it cannot: a unit given for another format is refused,
    not ignored (the user expects the offsets to be read in it)."""
    if not unit or unit == DEFAULT_OFFSET_UNIT:
        return None
    if unit not in OFFSET_UNITS:
        return Problem(
            "",
            "",
            _("unknown offset unit “%(unit)s”; choose one of: %(all)s")
            % {"unit": unit, "all": ", ".join(OFFSET_UNITS)},
        )
    if format_name != "doccano":
        return Problem(
            files[0].name if files else "",
            "",
            _(
                "the offset unit “%(unit)s” is for doccano files; this file is read as "
                "%(format)s, whose offsets the format itself defines"
            )
            % {"unit": unit, "format": format_name},
        )
    return None


def _validator(
    *,
    project: Project,
    files: list[SourceFile],
    options: ImportOptions,
    progress: Progress | None,
    by: User | None,
) -> tuple[ImportResult, Validator | None]:
    """The parse of `files` (its problems in the result) and the validator of what it
    found; no validator when the options themselves are wrong."""
    result = ImportResult()
    if options.layer and options.annotator:
        result.errors.append(Problem("", "", _("choose a layer name or an annotator, not both")))
        return result, None
    if progress:
        progress("parse", 0, 1)
    parsed = parse_files(files, options)
    first_name = files[0].name if files else ""
    # The raw bytes are not needed once parsed: let them go before validating and
    # writing (a 50 MB upload would otherwise stay in memory to the end). Callers hand
    # their list over.
    files.clear()
    result.format = parsed.format
    result.errors.extend(parsed.errors)
    result.warnings.extend(parsed.warnings)
    result.lost_tasks.extend(parsed.lost)
    if not parsed.documents and not parsed.errors:
        result.errors.append(Problem(first_name, "", _("the file contains no documents")))
    validator = Validator(
        project=project, parsed=parsed, options=options, result=result, progress=progress, by=by
    )
    return result, validator


def _conclude(result: ImportResult, validator: Validator | None) -> None:
    if validator is not None:
        summarise(result, validator.planned, validator.schema)
    # Reading order (file, then line), whichever stage found the problem.
    result.errors.sort(key=_location)
    result.warnings.sort(key=_location)


def _plan(
    *,
    project: Project,
    files: list[SourceFile],
    options: ImportOptions,
    progress: Progress | None,
    by: User | None,
) -> tuple[ImportResult, list[PlannedDocument]]:
    """Check the whole batch without writing: every problem, and the plan."""
    result, validator = _validator(
        project=project, files=files, options=options, progress=progress, by=by
    )
    planned = validator.run() if validator is not None else []
    _conclude(result, validator)
    return result, planned


class _Refused(Exception):
    """A problem was found: the transaction rolls back what was written."""


def _check_and_write(
    *,
    project: Project,
    result: ImportResult,
    validator: Validator,
    by: User | None,
    progress: Progress | None,
) -> bool:
    """Check the batch chunk by chunk and write each chunk once it is checked, while no
    problem is known, in one transaction: PostgreSQL stores a chunk while this process
    checks the next (they were one after the other: a third of an import's time). On the
    first problem the writing stops and the checking goes on, so that the report lists
    every problem; then the transaction rolls back. True if the batch was saved."""
    chunks = validator.chunks()
    total = len(validator.parsed.documents)
    unchecked: list[list[PlannedDocument]] = []  # a chunk whose project checks are to run
    try:
        with transaction.atomic():
            writer = BatchWriter(project=project, by=by, format_name=result.format)
            try:
                for chunk in chunks:
                    unchecked = [chunk]
                    # The chunk's checks query the project: PostgreSQL finishes storing
                    # the last chunk first, and may refuse it here.
                    writer.pause()
                    validator.check_chunk(chunk)
                    unchecked = []
                    if not result.errors:
                        writer.write(chunk)
                    if progress:
                        stage = "validate" if result.errors else "write"
                        progress(stage, validator.checked, total)
                writer.pause()
                validator.finish()
                if result.errors:
                    raise _Refused
                writer.finish()
            except BaseException as error:
                writer.abort(error)
                raise
    except _Refused:
        return False
    except DatabaseError as error:
        # A concurrent import took an id first, or a rule the checks above missed.
        result.errors.append(
            Problem(
                "",
                "",
                _("the database refused the import, nothing was saved: %(e)s") % {"e": error},
            )
        )
        for chunk in [*unchecked, *chunks]:  # the rest of the report
            validator.check_chunk(chunk)
        validator.finish()
        return False
    return True


def _location(problem: Problem) -> tuple[str, int]:
    number = re.search(r"\d+", problem.where)
    return problem.file, int(number.group()) if number else 0


def preview(
    *,
    project: Project,
    files: list[SourceFile],
    options: ImportOptions,
    by: User | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """What importing `files` would create, and every problem; writes nothing. `files`
    is emptied once parsed."""
    started = time.perf_counter()
    result, _planned = _plan(
        project=project, files=files, options=options, progress=progress, by=by
    )
    result.seconds = time.perf_counter() - started
    return result


def import_files(
    *,
    project: Project,
    files: list[SourceFile],
    options: ImportOptions,
    by: User | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Validate the whole batch and write it in one transaction, or write nothing at all
    when there is any error (`result.saved` says which). `files` is emptied once parsed."""
    started = time.perf_counter()
    result, validator = _validator(
        project=project, files=files, options=options, progress=progress, by=by
    )
    if validator is not None:
        result.saved = _check_and_write(
            project=project, result=result, validator=validator, by=by, progress=progress
        )
    _conclude(result, validator)
    result.seconds = time.perf_counter() - started
    return result


def import_path(
    *,
    project: Project,
    path: Path,
    options: ImportOptions,
    by: User | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """`import_files` for a file, a folder or a zip on disk."""
    try:
        files = read_path(path, settings.NEWSREVIEW_MAX_UPLOAD_BYTES)
    except FileRejected as rejected:
        return ImportResult(errors=[rejected.problem])
    return import_files(project=project, files=files, options=options, by=by, progress=progress)


def read_uploaded(name: str, data: bytes) -> list[SourceFile] | Problem:
    """The files of an upload (a zip is unpacked safely), or the problem that refuses it."""
    try:
        return read_upload(name, data, settings.NEWSREVIEW_MAX_UPLOAD_BYTES)
    except FileRejected as rejected:
        return rejected.problem


@transaction.atomic
def create_project(
    *, slug: str, name: str | None = None, schema: LabelSchema | None = None
) -> Project:
    """A project (for restoring an export into an empty site) with `schema`, else the
    default one."""
    schema = schema or install_default_schema()
    return Project.objects.create(slug=slug, name=name or slug, schema=schema)
