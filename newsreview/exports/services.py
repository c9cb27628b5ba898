"""Running an export: check the request, stream records into a format, and put the result
in place only once it is complete (FORMATS.md §0: never fail half-way). The command and
the export page both call these."""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from newsreview.annotations.models import AnnotationLayer
from newsreview.projects.models import Project

from .reading import iter_records
from .records import ExportError, LayerRecord, layer_choices, layers_queryset
from .registry import ExportFormat

Progress = Callable[[int, int, LayerRecord], None]
STATUSES = tuple(AnnotationLayer.Status.values)
# The UI says "submitted" for the stored status "done" (issue 10); both are accepted.
STATUS_ALIASES = {"submitted": AnnotationLayer.Status.DONE.value}


def parse_statuses(values: list[str] | None) -> list[str]:
    """`--status done --status reviewed` or `--status submitted,reviewed`; checked."""
    statuses: list[str] = []
    for value in values or []:
        statuses += [
            STATUS_ALIASES.get(s.strip(), s.strip()) for s in value.split(",") if s.strip()
        ]
    unknown = [s for s in statuses if s not in STATUSES]
    if unknown:
        raise ExportError(
            f"unknown status “{unknown[0]}”: use {', '.join(STATUSES)} (several allowed)"
        )
    return list(dict.fromkeys(statuses))


def check_layer(project: Project, layer: str) -> None:
    """`layer` is gold, all, an annotator's username or a pre-annotation layer's name."""
    if layer in ("gold", "all"):
        return
    choices = layer_choices(project)
    if layer not in choices:
        others = ", ".join(choices) if choices else "no annotator yet"
        raise ExportError(
            f"no layer “{layer}” in project “{project.slug}”: use gold, all, or one of: {others}"
        )


def count_records(project: Project, layer: str, statuses: list[str]) -> int:
    return layers_queryset(project, layer, statuses).count()


def _counted(
    records: Iterator[LayerRecord], total: int, progress: Progress | None
) -> Iterator[LayerRecord]:
    for number, record in enumerate(records, start=1):
        yield record
        if progress is not None:
            progress(number, total, record)


def write_export(
    *,
    project: Project,
    export_format: ExportFormat,
    layer: str,
    statuses: list[str],
    options: dict[str, Any],
    out: IO[bytes],
    warn: Callable[[str], None],
    progress: Progress | None = None,
    batch_size: int = 500,
) -> int:
    """Write the export to `out` as it is read (constant memory); the number of records.
    Raises ExportError (a span whose text no longer matches) possibly after part of `out`
    is written: callers write to a temporary place first."""
    options = {**options, "layer": layer, "statuses": statuses, "format": export_format.key}
    total = count_records(project, layer, statuses)
    count = 0

    def counting(number: int, of: int, record: LayerRecord) -> None:
        nonlocal count
        count = number
        if progress is not None:
            progress(number, of, record)

    records = _orphans_told(iter_records(project, layer, statuses, batch_size=batch_size), warn)
    export_format.write(
        _counted(records, total, counting), out, project=project, options=options, warn=warn
    )
    return count


def _orphans_told(
    records: Iterator[LayerRecord], warn: Callable[[str], None]
) -> Iterator[LayerRecord]:
    """Count the arguments left out because their role is not one of their event's type
    (a type change flagged them, issue 12): no format can carry them, none drops them
    silently."""
    total = documents = 0
    for record in records:
        if record.orphaned_arguments:
            total += record.orphaned_arguments
            documents += 1
        yield record
    if total:
        warn(
            f"{total} event argument(s) in {documents} document(s) are left out: their role "
            "is not one of their event's type (the type was changed); move or remove them "
            "in the event frame"
        )


def spooled_export(**kwargs: Any) -> tuple[IO[bytes], int]:
    """The whole export in a temporary file (memory up to 8 MB, then disk), rewound; the
    caller streams it once complete. Nothing reaches the reader if the export fails."""
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 2**20)  # noqa: SIM115 (returned)
    try:
        count = write_export(out=spool, **kwargs)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool, count


def _temp_beside(target: Path) -> tuple[IO[bytes], Path]:
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed by the caller)
        dir=target.parent, prefix=f".{target.name}.", suffix=".part", delete=False
    )
    return handle, Path(handle.name)


def write_bytes_atomically(target: Path, data: bytes) -> None:
    handle, temp = _temp_beside(target)
    try:
        with handle:
            handle.write(data)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def export_to_path(
    *,
    target: Path,
    as_directory: bool,
    export_format: ExportFormat,
    project: Project,
    layer: str,
    options: dict[str, Any],
    **kwargs: Any,
) -> list[Path]:
    """Export into `target` (a file, or a directory: archives are unpacked into it),
    writing to a temporary file first and renaming at the end; then the format's side
    files. On error nothing is left behind. The paths written."""
    if target.exists() and not target.is_file() and not target.is_dir():
        # A device or pipe (/dev/stdout, /dev/null, a FIFO): never renamed over; the
        # complete export is copied into it.
        spool, _count = spooled_export(
            export_format=export_format, project=project, layer=layer, options=options, **kwargs
        )
        with spool, target.open("wb") as special:
            shutil.copyfileobj(spool, special)
        return [target]
    if as_directory:
        target.mkdir(parents=True, exist_ok=True)
        directory = target
    else:
        if not target.parent.is_dir():
            raise ExportError(f"cannot write {target}: the folder {target.parent} does not exist")
        directory = target.parent
    archive = getattr(export_format.module, "IS_ARCHIVE", False)
    if as_directory and not archive:
        target = directory / f"{project.slug}-{layer}{export_format.extension}"
    handle, temp = _temp_beside(target if not as_directory else directory / ".export")
    written: list[Path] = []
    try:
        with handle:
            write_export(
                out=handle,
                export_format=export_format,
                project=project,
                layer=layer,
                options=options,
                **kwargs,
            )
        if as_directory and archive:
            written += _unpack(temp, directory)
            temp.unlink()
        else:
            os.replace(temp, target)
            written.append(target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    full_options = {**options, "layer": layer}
    for name, data in export_format.side_files(project, full_options).items():
        option = export_format.side_file_options.get(name)
        side_target = Path(options[option]) if option and options.get(option) else directory / name
        write_bytes_atomically(side_target, data)
        written.append(side_target)
    return written


def _unpack(archive_path: Path, directory: Path) -> list[Path]:
    """Each member of a complete zip into `directory`, each by temporary file + rename."""
    written = []
    with zipfile.ZipFile(archive_path) as archive:
        for info in archive.infolist():
            name = Path(info.filename).name  # members are flat; never leave the folder
            target = directory / name
            handle, temp = _temp_beside(target)
            try:
                with handle, archive.open(info) as member:
                    shutil.copyfileobj(member, handle)
                os.replace(temp, target)
            except BaseException:
                temp.unlink(missing_ok=True)
                raise
            written.append(target)
    return written
