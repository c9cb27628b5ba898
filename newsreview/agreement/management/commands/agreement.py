"""agreement --project SLUG [--json] [--documents ID,…] [--from DATE] [--to DATE]: the
inter-annotator agreement figures of a project (issue 11), as a table or as JSON."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from newsreview.agreement.services import compute_agreement
from newsreview.projects.models import Project


def _ids(value: str) -> list[int]:
    try:
        return [int(part) for part in value.split(",") if part.strip()]
    except ValueError:
        raise CommandError(
            f"--documents takes document ids separated by commas, not “{value}”"
        ) from None


def _date(value: str | None, option: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option} takes a date like 2024-12-14, not “{value}”") from None


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


class Command(BaseCommand):
    help = (
        "Inter-annotator agreement of a project: span F1 (exact and overlap), token-level "
        "Cohen's kappa and event F1, per pair of annotators and each annotator with gold."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", required=True, metavar="SLUG")
        parser.add_argument("--json", action="store_true", help="one JSON object keyed by pair")
        parser.add_argument("--documents", metavar="ID,…", help="only these document ids")
        parser.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        project = Project.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"no project “{options['project']}”")
        documents = _ids(options["documents"]) if options["documents"] else None
        result = compute_agreement(
            project,
            documents=documents,
            date_from=_date(options["date_from"], "--from"),
            date_to=_date(options["date_to"], "--to"),
            lowest=0,
        )
        figures = result.as_json()
        if options["json"]:
            self.stdout.write(json.dumps(figures, ensure_ascii=False, sort_keys=True))
            return
        if not figures:
            self.stdout.write("no pair of layers shares a document (nothing submitted yet?)")
            return
        header = (
            f"{'pair':32} {'docs':>6} {'exact P':>8} {'exact R':>8} {'exact F1':>8} "
            f"{'ovl F1':>8} {'kappa':>7} {'trig F1':>8} {'arg F1':>8}"
        )
        self.stdout.write(header)
        for key, value in figures.items():
            exact, overlap, events = value["exact"], value["overlap"], value["events"]
            self.stdout.write(
                f"{key:32} {value['documents']:>6} {_pct(exact['precision']):>8} "
                f"{_pct(exact['recall']):>8} {_pct(exact['f1']):>8} {_pct(overlap['f1']):>8} "
                f"{_pct(value['token_kappa']):>7} {_pct(events['trigger']['f1']):>8} "
                f"{_pct(events['arguments']['f1']):>8}"
            )
        for key, value in figures.items():
            self.stdout.write(f"\n{key}: exact F1 per label (support)")
            for label, scores in value["exact"]["per_label"].items():
                self.stdout.write(f"  {label:24} {_pct(scores['f1']):>8} ({scores['support']})")
