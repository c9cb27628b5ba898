"""`manage.py run_worker`: run background jobs (django-tasks' database worker), after
marking as failed the jobs a stopped worker left running. Start as many as needed, on
any machine that reaches the database and the shared storage. SIGTERM lets the current
job finish first."""

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from newsreview.jobs.services import fail_stale_jobs, remove_old_jobs


class Command(BaseCommand):
    help = "Run background jobs (imports, exports) until stopped."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
        parser.add_argument("--batch", action="store_true", help="run what is queued, then exit")

    def handle(self, *args: Any, interval: float, batch: bool, **options: Any) -> None:
        stale = fail_stale_jobs()
        removed = remove_old_jobs()
        if stale or removed:
            self.stdout.write(f"jobs: {stale} interrupted marked failed, {removed} old removed")
        call_command(
            "db_worker",
            interval=interval,
            batch=batch,
            reload=False,
            startup_delay=not batch,
            verbosity=options["verbosity"],
        )
