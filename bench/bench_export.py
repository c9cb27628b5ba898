"""Export throughput and memory (issue 4): 10,000 documents × 20 spans in PostgreSQL.

Targets: `jsonl` ≥ 5,000 documents/s (issue 14), `conll` ≥ 500 documents/s, peak memory under
250 MB and not growing with the number of documents (measured in a fresh process per
run, at 2,000 and 10,000 documents). Prints figures; asserts nothing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/nr_bench_export \\
        .venv/bin/python bench/bench_export.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/nr_bench_export")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsreview.settings")

DOCUMENTS = 10_000
SMALL = 2_000  # the first SMALL gold layers are "reviewed", the rest "done"
SPANS_PER_DOCUMENT = 20
SLUG = "bench-export"
TARGETS = {"jsonl": 5_000, "conll": 500}  # issue 14 for jsonl
MEMORY_LIMIT_MB = 250


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


def _seed() -> None:
    """10,000 documents, each with a gold layer of 18 entity spans and 2 event triggers
    (one with 2 arguments), made with bulk_create (a few seconds)."""
    from django.db import transaction

    from newsreview.annotations.models import AnnotationLayer, Argument, Event, Span
    from newsreview.documents.models import Document, text_checksum
    from newsreview.projects.models import EntityType, EventType, Project, RoleType
    from newsreview.projects.services import install_default_schema

    schema = install_default_schema()
    project, _created = Project.objects.get_or_create(
        slug=SLUG, defaults={"name": "Export benchmark", "schema": schema}
    )
    if Document.objects.filter(project=project).count() == DOCUMENTS:
        return
    Document.objects.filter(project=project).delete()
    seed = (ROOT / "newsreview/documents/seed/article-ar.txt").read_bytes().decode("utf-8")
    words = [(m_start, m_start + len(w)) for m_start, w in _words(seed) if len(w) >= 4]
    entity_ids = list(EntityType.objects.filter(schema=schema).values_list("id", flat=True))
    meet = EventType.objects.get(schema=schema, key="CONTACT_MEET")
    trip = EventType.objects.get(schema=schema, key="MOVEMENT_TRANSPORT")
    participant = RoleType.objects.get(event_type=meet, key="PARTICIPANT")
    started = time.perf_counter()
    with transaction.atomic():
        for first in range(0, DOCUMENTS, 1_000):
            documents = Document.objects.bulk_create(
                [
                    Document(
                        project=project,
                        title=f"وثيقة {n}",
                        text=f"{n:05d} {seed}",
                        checksum=text_checksum(f"{n:05d} {seed}"),
                        external_id=f"bench-{n:05d}",
                    )
                    for n in range(first, first + 1_000)
                ]
            )
            layers = AnnotationLayer.objects.bulk_create(
                [
                    AnnotationLayer(
                        document=d,
                        kind="gold",
                        name="gold",
                        status="reviewed" if n + first < SMALL else "done",
                    )
                    for n, d in enumerate(documents)
                ]
            )
            spans = []
            for n, (layer, document) in enumerate(zip(layers, documents, strict=True)):
                chosen = words[(n % 7) :: max(1, len(words) // SPANS_PER_DOCUMENT)][
                    :SPANS_PER_DOCUMENT
                ]
                for k, (start, end) in enumerate(chosen):
                    start, end = start + 6, end + 6  # the "NNNNN " prefix
                    is_trigger = k >= SPANS_PER_DOCUMENT - 2
                    spans.append(
                        Span(
                            layer=layer,
                            start=start,
                            end=end,
                            text=document.text[start:end],
                            entity_type_id=None if is_trigger else entity_ids[k % 3],
                            event_type=(meet if k % 2 else trip) if is_trigger else None,
                        )
                    )
            spans = Span.objects.bulk_create(spans)
            events, arguments = [], []
            for i in range(0, len(spans), SPANS_PER_DOCUMENT):
                group = spans[i : i + SPANS_PER_DOCUMENT]
                for trigger in group[-2:]:
                    events.append(
                        Event(layer=trigger.layer, trigger=trigger, event_type=trigger.event_type)
                    )
            events = Event.objects.bulk_create(events)
            for i, event in enumerate(events):
                if event.event_type_id == meet.pk:
                    group = spans[(i // 2) * SPANS_PER_DOCUMENT :][:2]
                    arguments += [Argument(event=event, role=participant, span=s) for s in group]
            Argument.objects.bulk_create(arguments)
    from django.db import connection

    if connection.vendor == "postgresql":
        # Fresh statistics, as autovacuum gives a real database after a bulk load:
        # without them the planner scans every span instead of using the layer index.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"seeded {DOCUMENTS:,} documents in {time.perf_counter() - started:.1f} s", flush=True)


def _words(text: str):
    import re

    for match in re.finditer(r"\w+", text):
        yield match.start(), match.group()


def _export_once(fmt: str, statuses: list[str], out: Path) -> dict:
    """One export in this process: documents/s and memory (peak RSS, traced peak)."""
    import resource
    import tracemalloc

    from django.core.management import call_command

    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    args = ["export_annotations", "--project", SLUG, "--format", fmt, "-o", str(out)]
    for status in statuses:
        args += ["--status", status]
    trace = os.environ.get("BENCH_TRACEMALLOC") == "1"
    if trace:
        tracemalloc.start()
    started, cpu = time.perf_counter(), time.process_time()
    call_command(*args, progress_every=0, stderr=open(os.devnull, "w"))  # noqa: SIM115
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    traced = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "peak_rss_mb": peak,
        "baseline_rss_mb": baseline,
        "traced_mb": traced,
    }


def _child(fmt: str, statuses: list[str], documents: int, trace: bool = False) -> dict:
    out = Path("/tmp") / f"bench_export_{os.getpid()}_{fmt}"
    env = {**os.environ, "BENCH_TRACEMALLOC": "1" if trace else "0"}
    completed = subprocess.run(
        [sys.executable, __file__, "--child", fmt, ",".join(statuses), str(out)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    for leftover in out.parent.glob(out.name + "*"):
        leftover.unlink()
    for side in ("schema.json", "dataset_info.json"):
        (out.parent / side).unlink(missing_ok=True)
    if completed.returncode != 0:
        raise RuntimeError(completed.stderr[-2000:])
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    result["documents"] = documents
    result["docs_per_s"] = documents / result["seconds"]
    # This process's CPU only (PostgreSQL works in its own): what the export costs when
    # the machine is shared, as the benchmark machine often is.
    result["cpu_docs_per_s"] = documents / result["cpu_seconds"]
    return result


def main() -> dict:
    _ensure_database()
    _setup()
    _seed()
    from newsreview.exports import registry

    figures: dict = {}
    available = registry.formats()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'format':8} {'docs':>7} {'seconds':>8} {'docs/s':>8} {'cpu d/s':>8} {'target':>7} "
          f"{'peak RSS MB':>12} {'start MB':>9} {'traced MB':>10}")  # fmt: skip
    for fmt in ("jsonl", "conll"):
        if fmt not in available:
            print(f"{fmt:8} skipped: newsreview/exports/formats/{fmt}.py is not there yet")
            figures[fmt] = None
            continue
        runs = {}
        for documents, statuses in ((SMALL, ["reviewed"]), (DOCUMENTS, [])):
            result = _child(fmt, statuses, documents)
            traced = _child(fmt, statuses, documents, trace=True)["traced_mb"]
            result["traced_mb"] = traced
            runs[documents] = result
            print(
                f"{fmt:8} {documents:>7,} {result['seconds']:>8.2f} {result['docs_per_s']:>8,.0f} "
                f"{result['cpu_docs_per_s']:>8,.0f} "
                f"{TARGETS[fmt]:>7,} {result['peak_rss_mb']:>12.1f} "
                f"{result['baseline_rss_mb']:>9.1f} {traced:>10.1f}",
                flush=True,
            )
        growth = runs[DOCUMENTS]["peak_rss_mb"] - runs[SMALL]["peak_rss_mb"]
        verdict = "met" if runs[DOCUMENTS]["docs_per_s"] >= TARGETS[fmt] else "MISSED"
        memory = "met" if runs[DOCUMENTS]["peak_rss_mb"] < MEMORY_LIMIT_MB else "MISSED"
        print(
            f"{fmt}: speed target {verdict}; peak memory {memory} "
            f"(growth from {SMALL:,} to {DOCUMENTS:,} documents: {growth:+.1f} MB)"
        )
        figures[fmt] = {"runs": runs, "rss_growth_mb": growth}
    return figures


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _setup(migrate=False)
        from newsreview.exports import registry

        registry.formats()  # format modules (spaCy for the token formats) load before the baseline
        fmt, statuses, out = (
            sys.argv[2],
            [s for s in sys.argv[3].split(",") if s],
            Path(sys.argv[4]),
        )
        print(json.dumps(_export_once(fmt, statuses, out)))
    else:
        print("BENCH_JSON " + json.dumps(main()))
