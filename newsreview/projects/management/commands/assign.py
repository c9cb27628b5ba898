"""assign --project SLUG --per-document N [--annotators a,b,c]: give each document that
has fewer than N annotators enough more, balanced by the annotators' open load (issue 11)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from newsreview.projects.assignments import annotators_by_name, auto_assign
from newsreview.projects.models import Project
from newsreview.projects.services import ProjectError


class Command(BaseCommand):
    help = (
        "Give each unassigned document of a project to N annotators, balanced by their "
        "current open load (documents assigned and not yet submitted)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", required=True, metavar="SLUG")
        parser.add_argument("--per-document", required=True, type=int, metavar="N")
        parser.add_argument(
            "--annotators",
            metavar="a,b,c",
            help="usernames (default: every active annotator of the project)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        project = Project.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"no project “{options['project']}”")
        try:
            annotators = (
                annotators_by_name(project, options["annotators"].split(","))
                if options["annotators"]
                else None
            )
            result = auto_assign(
                project=project,
                per_document=options["per_document"],
                annotators=annotators,
                by=None,
            )
        except ProjectError as error:
            raise CommandError(error.message) from None
        self.stdout.write(f"{result.assignments} assignment(s) over {result.documents} document(s)")
        for username, load in sorted(result.load_after.items()):
            before = result.load_before.get(username, 0)
            self.stdout.write(f"  {username}: {before} → {load} open")
