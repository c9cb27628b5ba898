"""Agreement and dashboard speed (issue 11): 10,000 documents × 3 annotators × 20 spans in
PostgreSQL.

Targets: `manage.py agreement` under 10 s and under 250 MB peak RSS (a fresh process);
the dashboard page p50 under 300 ms (served from the shared cache while nothing changes,
measured in another process than the one that computed the figures; the first, computing
request is printed too). Prints figures; asserts nothing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/nr_bench_agreement \\
        .venv/bin/python bench/bench_agreement.py
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/nr_bench_agreement")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsreview.settings")

DOCUMENTS = 10_000
ANNOTATORS = ("bench_a1", "bench_a2", "bench_a3")
SPANS_PER_DOCUMENT = 20
SLUG = "bench-agreement"
TIME_LIMIT_S = 10
MEMORY_LIMIT_MB = 250
DASHBOARD_P50_MS = 300
DASHBOARD_RUNS = 20


def _ensure_database() -> None:
    """Create the benchmark database on first use (PostgreSQL only)."""
    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres"):
        return
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def _setup(migrate: bool = True) -> None:
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def _words(text: str):
    import re

    for match in re.finditer(r"\w+", text):
        yield match.start(), match.group()


def _seed() -> None:
    """10,000 documents (the seed article), each with three submitted annotator layers of
    18 entity spans and 2 triggers (one with 2 arguments). The annotators differ on
    purpose: the second relabels every seventh span, the third drops every fifth and
    widens every ninth, so the figures are neither all 1 nor all 0."""
    from django.db import connection, transaction

    from newsreview.accounts.models import User
    from newsreview.annotations.models import AnnotationLayer, Argument, Event, Span
    from newsreview.documents.models import Document, text_checksum
    from newsreview.projects.models import EntityType, EventType, Membership, Project, RoleType
    from newsreview.projects.services import install_default_schema

    schema = install_default_schema()
    project, _created = Project.objects.get_or_create(
        slug=SLUG, defaults={"name": "Agreement benchmark", "schema": schema}
    )
    users = []
    for name in (*ANNOTATORS, "bench_reviewer"):
        user, _c = User.objects.get_or_create(username=name)
        role = Membership.Role.REVIEWER if name == "bench_reviewer" else Membership.Role.ANNOTATOR
        Membership.objects.get_or_create(project=project, user=user, defaults={"role": role})
        users.append(user)
    annotators = users[:3]
    if Document.objects.filter(project=project).count() == DOCUMENTS:
        return
    Document.objects.filter(project=project).delete()
    seed = (ROOT / "newsreview/documents/seed/article-ar.txt").read_bytes().decode("utf-8")
    words = [(start, start + len(w)) for start, w in _words(seed) if len(w) >= 4]
    entity_ids = list(EntityType.objects.filter(schema=schema).values_list("id", flat=True))
    meet = EventType.objects.get(schema=schema, key="CONTACT_MEET")
    trip = EventType.objects.get(schema=schema, key="MOVEMENT_TRANSPORT")
    participant = RoleType.objects.get(event_type=meet, key="PARTICIPANT")
    started = time.perf_counter()
    with transaction.atomic():
        for first in range(0, DOCUMENTS, 500):
            texts = [f"{n:05d} {seed}" for n in range(first, first + 500)]
            documents = Document.objects.bulk_create(
                [
                    Document(
                        project=project,
                        title=f"وثيقة {first + i}",
                        text=text,
                        checksum=text_checksum(text),
                        external_id=f"bench-{first + i:05d}",
                    )
                    for i, text in enumerate(texts)
                ]
            )
            layers = AnnotationLayer.objects.bulk_create(
                [
                    AnnotationLayer(document=d, owner=u, kind="annotator", status="done")
                    for d in documents
                    for u in annotators
                ]
            )
            spans = []
            groups = []
            for index, layer in enumerate(layers):
                n, who = divmod(index, 3)
                document = documents[n]
                chosen = words[(n % 7) :: max(1, len(words) // SPANS_PER_DOCUMENT)][
                    :SPANS_PER_DOCUMENT
                ]
                group = []
                for k, (start, end) in enumerate(chosen):
                    start, end = start + 6, end + 6  # the "NNNNN " prefix
                    is_trigger = k >= SPANS_PER_DOCUMENT - 2
                    entity = entity_ids[k % 3]
                    if who == 1 and k % 7 == 3 and not is_trigger:
                        entity = entity_ids[(k + 1) % 3]
                    if who == 2 and k % 5 == 4 and not is_trigger:
                        continue
                    if who == 2 and k % 9 == 1 and not is_trigger:
                        end += 1
                    span = Span(
                        layer=layer,
                        start=start,
                        end=end,
                        text=document.text[start:end],
                        entity_type_id=None if is_trigger else entity,
                        event_type=(meet if k % 2 else trip) if is_trigger else None,
                    )
                    spans.append(span)
                    group.append(span)
                groups.append(group)
            Span.objects.bulk_create(spans)
            events, pending = [], []
            for group in groups:
                for trigger in group[-2:]:
                    event = Event(
                        layer=trigger.layer, trigger=trigger, event_type=trigger.event_type
                    )
                    events.append(event)
                    if trigger.event_type_id == meet.pk:
                        pending.append((event, group[:2]))
            Event.objects.bulk_create(events)
            Argument.objects.bulk_create(
                [
                    Argument(event=event, role=participant, span=span)
                    for event, entities in pending
                    for span in entities
                ]
            )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"seeded {DOCUMENTS:,} documents in {time.perf_counter() - started:.1f} s", flush=True)


def _agreement_once() -> dict:
    """`agreement --json` in this (fresh) process: seconds and peak RSS."""
    import io
    import resource

    from django.core.management import call_command

    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = io.StringIO()
    started, cpu = time.perf_counter(), time.process_time()
    call_command("agreement", "--project", SLUG, "--json", stdout=out)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    figures = json.loads(out.getvalue())
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "baseline_rss_mb": baseline,
        "pairs": {k: (v["documents"], round(v["exact"]["f1"], 3)) for k, v in figures.items()},
    }


def _dashboard_client():
    from django.test import Client
    from django.urls import reverse

    from newsreview.accounts.models import User

    client = Client(HTTP_HOST="localhost")  # an ALLOWED_HOSTS name
    client.force_login(User.objects.get(username="bench_reviewer"))
    return client, reverse("agreement:dashboard", args=[SLUG])


def _shows_figures(response) -> bool:
    return response.status_code == 200 and b"data-pair=" in response.content


def _dashboard_cold() -> dict:
    """The first request after the figures left the cache, in this process: it computes
    them (the job run at once, as a worker would, with the immediate task backend) and
    keeps them in the shared cache."""
    from django.core.cache import cache
    from django.test import override_settings

    from newsreview.agreement.dashboard import figures_key
    from newsreview.jobs.models import Job
    from newsreview.projects.models import Project

    client, url = _dashboard_client()
    project = Project.objects.get(slug=SLUG)
    cache.delete(figures_key(project, date_from=None, date_to=None))
    # A job an earlier run left waiting (no worker runs here) would be waited for.
    Job.objects.filter(project=project, kind=Job.Kind.AGREEMENT).delete()
    immediate = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with override_settings(TASKS=immediate):
        started, cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        cold, cpu = time.perf_counter() - started, time.process_time() - cpu
    if not _shows_figures(response):
        raise RuntimeError(f"the cold dashboard showed no figures ({response.status_code})")
    return {"cold_ms": cold * 1000, "cold_cpu_ms": cpu * 1000}


def _dashboard_warm() -> dict:
    """The dashboard in another process than the one that computed the figures: served
    from the shared cache (a job would be started, and the page say "computing", if the
    figures were not there)."""
    client, url = _dashboard_client()
    timings = []
    for _ in range(DASHBOARD_RUNS + 1):
        started = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - started)
        if not _shows_figures(response):
            raise RuntimeError("the warm dashboard showed no figures: not from the cache")
    warm = timings[1:]  # the first request also opens the connection and loads templates
    return {"first_ms": timings[0] * 1000, "p50_ms": statistics.median(warm) * 1000}


def _child(mode: str) -> dict:
    completed = subprocess.run(
        [sys.executable, __file__, "--child", mode], capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise RuntimeError(completed.stderr[-3000:])
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> dict:
    _ensure_database()
    _setup()
    _seed()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    result = _child("agreement")
    print(
        f"agreement  {DOCUMENTS:,} docs × {len(ANNOTATORS)} annotators × {SPANS_PER_DOCUMENT} "
        f"spans: {result['seconds']:.2f} s (cpu {result['cpu_seconds']:.2f} s; target "
        f"< {TIME_LIMIT_S} s: {'met' if result['seconds'] < TIME_LIMIT_S else 'MISSED'}), "
        f"peak RSS {result['peak_rss_mb']:.0f} MB (start {result['baseline_rss_mb']:.0f} MB; "
        f"target < {MEMORY_LIMIT_MB} MB: "
        f"{'met' if result['peak_rss_mb'] < MEMORY_LIMIT_MB else 'MISSED'})"
    )
    for pair, (documents, f1) in sorted(result["pairs"].items()):
        print(f"  {pair}: {documents:,} documents, exact F1 {f1}")
    dashboard = {**_child("dashboard-cold"), **_child("dashboard-warm")}
    print(
        f"dashboard  cold (computing, one process) {dashboard['cold_ms']:.0f} ms "
        f"(cpu {dashboard['cold_cpu_ms']:.0f} ms); warm from the shared cache in another "
        f"process: p50 over {DASHBOARD_RUNS} {dashboard['p50_ms']:.1f} ms (target < "
        f"{DASHBOARD_P50_MS} ms: {'met' if dashboard['p50_ms'] < DASHBOARD_P50_MS else 'MISSED'})"
    )
    return {"agreement": result, "dashboard": dashboard}


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _setup(migrate=False)
        if sys.argv[2] == "agreement":
            from newsreview.exports.tokens import word_tokens

            word_tokens("بفرنسا")  # the tokenizer loads before the baseline, as in every process
            print(json.dumps(_agreement_once()))
        elif sys.argv[2] == "dashboard-cold":
            print(json.dumps(_dashboard_cold()))
        else:
            print(json.dumps(_dashboard_warm()))
    else:
        main()
