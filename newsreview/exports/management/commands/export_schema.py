"""export_schema --project SLUG [-o PATH]: the project's label schema as JSON
(FORMATS.md §10), to stdout or PATH."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from newsreview.exports.schema import schema_bytes
from newsreview.exports.services import write_bytes_atomically
from newsreview.projects.models import Project


class Command(BaseCommand):
    help = "Write a project's label schema as JSON (FORMATS.md §10)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", required=True, metavar="SLUG")
        parser.add_argument("-o", "--output", metavar="PATH")

    def handle(self, *args: Any, **options: Any) -> None:
        project = Project.objects.select_related("schema").filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"no project “{options['project']}”")
        data = schema_bytes(project)
        if options["output"]:
            target = Path(options["output"])
            if not target.parent.is_dir():
                raise CommandError(f"cannot write {target}: {target.parent} does not exist")
            write_bytes_atomically(target, data)
        else:
            self.stdout.write(data.decode("utf-8"), ending="")
