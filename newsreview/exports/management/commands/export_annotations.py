"""export_annotations --project SLUG --format FMT [--layer gold|USERNAME|all]
[--status …] [-o PATH]: the project's annotations in one of the formats of FORMATS.md,
to stdout or to PATH (a file, or a folder for brat). Nothing is written when it fails."""

from __future__ import annotations

import codecs
import shutil
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from newsreview.exports import registry
from newsreview.exports.records import ExportError, LayerRecord
from newsreview.exports.services import (
    STATUSES,
    check_layer,
    export_to_path,
    parse_statuses,
    spooled_export,
    write_bytes_atomically,
)
from newsreview.projects.models import Project

# Problems listed one by one; the rest are counted.
# Options of BaseCommand and of this command, not passed on to formats.
OWN_OPTIONS = {
    "verbosity",
    "settings",
    "pythonpath",
    "traceback",
    "no_color",
    "force_color",
    "skip_checks",
    "project",
    "format",
    "layer",
    "status",
    "output",
    "progress_every",
    "batch_size",
}


class Command(BaseCommand):
    help = "Export a project's annotations (FORMATS.md) to stdout or to -o PATH."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", required=True, metavar="SLUG")
        parser.add_argument(
            "--format",
            required=True,
            metavar="FMT",
            help="one of: " + ", ".join(registry.formats()),
        )
        parser.add_argument(
            "--layer",
            default="gold",
            help="gold (default), an annotator's USERNAME, or all (one record per layer)",
        )
        parser.add_argument(
            "--status",
            action="append",
            metavar="STATUS",
            help=(
                f"only layers with this status ({', '.join(STATUSES)}; 'submitted' means "
                "done, as the UI says); repeat or use commas"
            ),
        )
        parser.add_argument(
            "-o",
            "--output",
            metavar="PATH",
            help="file to write (default stdout); a folder (ending in / or existing) for brat",
        )
        parser.add_argument("--progress-every", type=int, default=500, metavar="N")
        parser.add_argument("--batch-size", type=int, default=500, metavar="N")
        registry.add_all_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            self._export(options)
        except ExportError as error:
            raise CommandError(f"export failed: {error}") from None

    def _export(self, options: dict[str, Any]) -> None:
        project = Project.objects.select_related("schema").filter(slug=options["project"]).first()
        if project is None:
            known = ", ".join(Project.objects.values_list("slug", flat=True)) or "none yet"
            raise ExportError(f"no project “{options['project']}” (projects: {known})")
        export_format = registry.get_format(options["format"])
        layer = options["layer"]
        check_layer(project, layer)
        statuses = parse_statuses(options["status"])
        format_options = {k: v for k, v in options.items() if k not in OWN_OPTIONS}
        warnings: list[str] = []
        run = {
            "project": project,
            "export_format": export_format,
            "layer": layer,
            "statuses": statuses,
            "options": format_options,
            "warn": warnings.append,
            "progress": self._progress(options["progress_every"]),
            "batch_size": options["batch_size"],
        }
        output = options["output"]
        if output:
            target = Path(output)
            as_directory = output.endswith(("/", "\\")) or target.is_dir()
            written = export_to_path(target=target, as_directory=as_directory, **run)
            self._done()
            for path in written:
                self.stderr.write(f"wrote {path}")
        else:
            self._to_stdout(run, export_format, project, format_options | {"layer": layer})
        self._report(warnings, export_format.key)

    def _to_stdout(self, run: dict[str, Any], export_format, project, options) -> None:
        # Spooled first, so a failed export prints nothing at all (FORMATS.md §0).
        spool, _count = spooled_export(**run)
        self._done()
        with spool:
            binary = getattr(self.stdout._out, "buffer", None)
            if binary is not None:
                self.stdout.flush()
                shutil.copyfileobj(spool, binary)
                binary.flush()
            elif export_format.is_text:
                # A text-only stream (call_command's StringIO): decoded chunk by chunk.
                decoder = codecs.getincrementaldecoder("utf-8")()
                while chunk := spool.read(2**16):
                    self.stdout._out.write(decoder.decode(chunk))
                self.stdout._out.write(decoder.decode(b"", final=True))
            else:
                raise ExportError(f"{export_format.key} is a binary format: use -o PATH")
        for name, data in export_format.side_files(project, options).items():
            option = export_format.side_file_options.get(name)
            if option and options.get(option):
                write_bytes_atomically(Path(options[option]), data)
                self.stderr.write(f"wrote {options[option]}")
            else:
                also = f", or --{option.replace('_', '-')} PATH" if option else ""
                self.stderr.write(f"note: {name} not written (give -o PATH to get it{also})")

    def _progress(self, every: int):
        stream = self.stderr
        interactive = sys.stderr.isatty()
        self._shown = False

        def show(number: int, total: int, record: LayerRecord) -> None:
            if every <= 0 or (number % every and number != total):
                return
            line = f"exported {number}/{total} records (document {record.document_id})"
            if interactive:
                stream.write("\r" + line, ending="")
                self._shown = True
            else:
                stream.write(line)

        return show

    def _done(self) -> None:
        if getattr(self, "_shown", False):
            self.stderr.write("")

    def _report(self, warnings: list[str], key: str) -> None:
        if not warnings:
            return
        self.stderr.write(f"{len(warnings)} problem(s): not represented in {key}:")
        # Every one, never a sample: the export page sends users here for the full list.
        for warning in warnings:
            self.stderr.write(f"  {warning}")
