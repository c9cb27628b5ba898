"""index_documents: index every document still pending search indexing, now, in this
process (documents/indexing.py). A big import leaves that to a background job; this is
for a deployment that ran an import with no worker up, or wants it done before going on."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from newsreview.documents.indexing import BATCH_SIZE, index_pending


class Command(BaseCommand):
    help = (
        "Index the documents a big import left pending search indexing (PostgreSQL), in "
        "batches of short transactions; safe beside running workers, which skip the "
        "batches this command holds."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=BATCH_SIZE,
            help=f"documents per transaction (default {BATCH_SIZE})",
        )

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size takes a whole number of at least 1")
        done = index_pending(batch_size=batch_size)
        self.stdout.write(f"indexed {done} pending document{'s' if done != 1 else ''}")
