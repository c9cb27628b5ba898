"""`import_documents PATH --project SLUG [--format …] [--layer NAME | --annotator USERNAME]`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from newsreview.imports.formats import FORMAT_NAMES
from newsreview.imports.formats.doccano import OFFSET_UNITS
from newsreview.imports.services import ImportOptions, create_project, import_path
from newsreview.projects.models import LabelSchema, Project
from newsreview.projects.services import ProjectError, install_schema_document


class Command(BaseCommand):
    help = (
        "Import documents (and annotations) from a file, a folder of .txt files or a zip. "
        "All or nothing: any error saves none of the batch."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="A file, a folder or a .zip (brat).")
        parser.add_argument("--project", required=True, help="The project's slug.")
        parser.add_argument(
            "--format",
            choices=FORMAT_NAMES,
            help="Guessed from the file name and content when left out. txt: one document "
            "per file; jsonl: simple records or newsreview/1 records; doccano offsets are "
            "UTF-16 unless --offset-unit says otherwise; conll: the text is rebuilt from the "
            "tokens (one space between tokens, one line per sentence), so offsets differ "
            "from the original text.",
        )
        parser.add_argument(
            "--offset-unit",
            choices=OFFSET_UNITS,
            help="doccano only: what the file's offsets count. utf16 (default): UTF-16 code "
            "units, what a doccano project stores; graphemes: grapheme clusters, what a "
            "doccano project with 'Use graphemes' on stores; codepoints: Unicode code "
            "points (files made by other tools).",
        )
        target = parser.add_mutually_exclusive_group()
        target.add_argument(
            "--layer",
            help="Put the annotations in this pre-annotation layer ('gold' for the gold "
            "layer). Default: import-FORMAT; newsreview JSONL keeps its own layers.",
        )
        target.add_argument("--annotator", help="Put the annotations in this user's layer.")
        parser.add_argument(
            "--create-project",
            action="store_true",
            help="Create the project when it does not exist, with the schema of --schema, "
            "else of a schema.json next to PATH (what a jsonl export writes), else the "
            "default schema.",
        )
        parser.add_argument(
            "--schema",
            type=Path,
            help="With --create-project: the label schema JSON (export_schema's output).",
        )

    def handle(self, *args, **options) -> None:
        slug = options["project"]
        import_options = ImportOptions(
            format=options["format"],
            layer=options["layer"],
            annotator=options["annotator"],
            offset_unit=options.get("offset_unit"),
        )
        is_tty = self.stderr.isatty()

        def progress(stage: str, done: int, total: int) -> None:
            label = {"parse": "reading", "validate": "checking", "write": "writing"}[stage]
            line = f"{label}: {done}/{total} documents" if stage != "parse" else "reading…"
            # A terminal gets one line rewritten in place; a log gets one line per step.
            self.stderr.write(
                ("\r" + line + " " * 10) if is_tty else line, ending="" if is_tty else "\n"
            )
            self.stderr.flush()

        with transaction.atomic():
            project = Project.objects.filter(slug=slug).first()
            if project is None:
                if not options["create_project"]:
                    raise CommandError(
                        f"There is no project “{slug}” (add --create-project to create it "
                        "with the default schema)."
                    )
                project = create_project(slug=slug, schema=self._schema(options))
            elif options["schema"] is not None:
                raise CommandError(
                    f"The project “{slug}” exists and keeps its schema: --schema is only "
                    "for a project --create-project makes."
                )
            result = import_path(
                project=project, path=options["path"], options=import_options, progress=progress
            )
            if not result.saved:
                # Nothing of the batch, not even a project created for it, is kept.
                transaction.set_rollback(True)
        if is_tty:
            self.stderr.write("")
        for warning in result.shown_warnings:
            self.stderr.write(f"warning: {warning}")
        if result.hidden_warnings:
            self.stderr.write(f"… and {result.hidden_warnings} more warnings.")
        for lost in result.lost_tasks:
            # Every one listed, whatever the warning limit: each is a document that
            # would otherwise arrive without its annotations unnoticed.
            self.stderr.write(self.style.WARNING(f"warning: {lost}"))
        if not result.saved:
            raise CommandError(
                f"Nothing was imported: {len(result.errors)} error(s).\n" + result.error_report()
            )
        if result.users_to_create:
            self.stdout.write(
                "Created inactive accounts (no password) for: " + ", ".join(result.users_to_create)
            )
        if result.lost_tasks:
            self.stdout.write(
                self.style.WARNING(
                    f"{len(result.lost_tasks)} task(s) had annotations or predictions and "
                    "were imported without any (see the warnings)."
                )
            )
        rate = result.documents / result.seconds if result.seconds else 0
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.documents} documents ({result.format}) into “{project.slug}”: "
                f"{result.layers} layers, {result.spans} spans, {result.events} events, "
                f"{result.arguments} arguments, {result.comments} comments "
                f"in {result.seconds:.1f} s ({rate:.0f} documents/s)."
            )
        )

    def _schema(self, options: dict[str, Any]) -> LabelSchema | None:
        """The schema for a new project: --schema, else schema.json beside the data."""
        path = options["schema"]
        if path is None:
            data = options["path"]
            beside = (data if data.is_dir() else data.parent) / "schema.json"
            if not beside.is_file():
                return None
            path = beside
        try:
            document = json.loads(path.read_text("utf-8"))
            schema = install_schema_document(document)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise CommandError(f"{path}: not a readable schema JSON file ({error})") from None
        except ProjectError as error:
            raise CommandError(f"{path}: {error.message}") from None
        self.stderr.write(f"schema “{schema.name}” (version {schema.version}) from {path}")
        return schema
