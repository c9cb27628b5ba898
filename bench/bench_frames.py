"""Benchmark of event frames (issue 12): the annotate page and the read-only document page
of a layer with 200 events (two participants and a realis each) and 1,000 entity spans,
rendered in process by Django's test client: median time, queries and HTML size, against
the same layer without events. Prints figures; asserts nothing (DEVELOPERS.md).

    .venv/bin/python bench/bench_frames.py
    DATABASE_URL=postgres://… .venv/bin/python bench/bench_frames.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GETS = 15


def _setup_django() -> None:
    if "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench_frames.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsreview.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _measure(client, url: str) -> tuple[float, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    for _ in range(GETS):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return statistics.median(times), len(queries), len(response.content)


def main() -> None:
    _setup_django()
    from django.test import Client
    from django.urls import reverse

    from newsreview.accounts.models import User
    from newsreview.annotations.models import Event
    from newsreview.projects.models import Membership, Project
    from newsreview.projects.services import install_default_schema
    from tests.annotations.test_frames_views import _fill_events

    schema = install_default_schema()
    project, _ = Project.objects.get_or_create(
        slug="bench-frames", defaults={"name": "bench", "schema": schema}
    )
    user, _ = User.objects.get_or_create(username="bench-frames")
    Membership.objects.get_or_create(project=project, user=user)
    client = Client(SERVER_NAME="localhost")
    client.force_login(user)
    rows = []
    for events, entities in ((0, 1_000), (200, 1_000)):
        document = _fill_events(project, user, events, entities)
        for page, url in (
            ("annotate", reverse("annotations:annotate", args=[project.slug, document.pk])),
            ("document", reverse("documents:document-detail", args=[project.slug, document.pk])),
        ):
            median, queries, size = _measure(client, url)
            rows.append((f"{page}, {events} events + {entities} spans", median, queries, size))
    Event.objects.filter(layer__document__project=project).delete()
    print(f"{'page':44} {'median ms':>10} {'queries':>8} {'HTML KB':>8}")
    for name, median, queries, size in rows:
        print(f"{name:44} {median:10.1f} {queries:8d} {size / 1024:8.1f}")
    js = (ROOT / "static/js/frame.js").stat().st_size
    print(f"frame.js: {js / 1024:.1f} KB")


if __name__ == "__main__":
    main()
