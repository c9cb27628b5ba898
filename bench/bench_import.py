"""Import benchmark: 10,000 documents × 20 spans of newsreview JSON Lines into PostgreSQL.

Target (issue 14): at least 3,000 documents/s for `import_documents`, all or nothing in
one transaction. Prints documents/s, spans/s, the time of each stage and the peak memory
(RSS) of the process; asserts nothing (DEVELOPERS.md: targets live in benchmarks).

On PostgreSQL a big import leaves its documents pending search indexing (documents
migration 0004) to a background task. The bench then checks that search finds them
meanwhile (by their normalised text), runs that task itself as a worker would, and
prints how long it took and when the import was fully searchable.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/nr_bench_import python bench/bench_import.py
    (that URL is the default; the database is created and migrated when missing)
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/nr_bench_import")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsreview.settings")

DOCUMENTS = int(os.environ.get("BENCH_DOCUMENTS", "10000"))
SPANS_PER_DOCUMENT = 20
TARGET_DOCS_PER_SECOND = 3000  # issue 14
SLUG = "bench-import"
LABELS = ["PERS", "ORG", "GPE", "OCC", "DATE", "LOC", "FAC", "NORP"]


def ensure_database() -> None:
    """Create the benchmark database on first use (PostgreSQL only)."""
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    if "postgresql" not in config["ENGINE"]:
        return
    admin = psycopg.connect(
        host=config["HOST"] or "127.0.0.1",
        port=config["PORT"] or 5432,
        user=config["USER"] or "postgres",
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    with admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{config["NAME"]}"')


def seed_text() -> str:
    seed = ROOT / "newsreview" / "documents" / "seed" / "article-ar.txt"
    return seed.read_bytes().decode("utf-8").replace("\r\n", "\n")[:1500]


def generate(path: Path, documents: int) -> int:
    """Write `documents` newsreview/1 records (one gold layer each): 19 entity spans and
    one CONTACT_MEET trigger with two PARTICIPANT arguments. Returns the file size."""
    base = seed_text()
    with path.open("w", encoding="utf-8") as out:
        for number in range(documents):
            text = f"خبر {number}: {base}"
            words, position = [], 0
            for word in text.split(" "):
                if len(word) > 2 and word.isalpha():
                    words.append((position, position + len(word)))
                position += len(word) + 1
            chosen = words[:SPANS_PER_DOCUMENT]
            entities = [
                {
                    "id": f"e{i + 1}",
                    "label": LABELS[i % len(LABELS)],
                    "start": s,
                    "end": e,
                    "text": text[s:e],
                }
                for i, (s, e) in enumerate(chosen[:-1])
            ]
            ts, te = chosen[-1]
            record = {
                "format": "newsreview/1",
                "document": {
                    "id": f"bench-{number:06d}",
                    "title": f"خبر {number}",
                    "text": text,
                    "language": "ar",
                    "direction": "rtl",
                    "source_url": "",
                    "published_on": None,
                    "metadata": {},
                },
                "project": SLUG,
                "schema_version": 1,
                "layer": "gold",
                "layer_kind": "gold",
                "annotator": None,
                "status": "reviewed",
                "entities": entities,
                "events": [
                    {
                        "id": "v1",
                        "type": "CONTACT_MEET",
                        "trigger": {
                            "id": f"e{SPANS_PER_DOCUMENT}",
                            "start": ts,
                            "end": te,
                            "text": text[ts:te],
                        },
                        "arguments": [
                            {"role": "PARTICIPANT", "entity": "e1"},
                            {"role": "PARTICIPANT", "entity": "e3"},
                        ],
                        "attributes": {},
                    }
                ],
                "comments": [],
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path.stat().st_size


def backend_cpu_seconds(pid: int) -> float | None:
    """CPU time of the PostgreSQL backend serving this connection (same machine only)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def index_after_import(project, connection, backend_pid: int | None) -> dict:
    """PostgreSQL: search while the documents are pending, then the indexing task."""
    if connection.vendor != "postgresql":
        return {}
    from newsreview.arabic.search import search_documents
    from newsreview.documents.indexing import index_pending_documents, pending_count
    from newsreview.documents.models import Document

    pending = pending_count(project.pk)
    documents = Document.objects.filter(project=project)
    started = time.perf_counter()
    # «حمّوشي» (shadda) is in every document: pending ones match by normalised text.
    search = search_documents(documents, "حمّوشي")
    listed = search.queryset.count()
    search_ms = (time.perf_counter() - started) * 1000
    backend_started = backend_cpu_seconds(backend_pid) if backend_pid else None
    started = time.perf_counter()
    index_pending_documents.call()  # what the worker runs once the import has committed
    seconds = time.perf_counter() - started
    backend_ended = backend_cpu_seconds(backend_pid) if backend_pid else None
    return {
        "pending_after_import": pending,
        "pending_search_listed": listed,
        "pending_search_ms": round(search_ms),
        "indexing_seconds": round(seconds, 2),
        "indexing_backend_cpu_seconds": (
            round(backend_ended - backend_started, 2)
            if backend_started is not None and backend_ended is not None
            else None
        ),
        "pending_after_indexing": pending_count(project.pk),
    }


def main() -> dict:
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from newsreview.documents.models import Document
    from newsreview.imports.services import ImportOptions, create_project, import_path
    from newsreview.projects.models import Project

    call_command("migrate", verbosity=0)
    Project.objects.filter(slug=SLUG).delete()  # documents, layers and spans cascade
    project = create_project(slug=SLUG)

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.jsonl"
        size = generate(path, DOCUMENTS)
        rss_before = peak_rss_mb()
        stages: dict[str, float] = {}
        backend_pid = None
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                backend_pid = cursor.fetchone()[0]
        backend_started = backend_cpu_seconds(backend_pid) if backend_pid else None
        cpu_started = time.process_time()
        started = time.perf_counter()

        def progress(stage: str, done: int, total: int) -> None:
            stages.setdefault(stage, time.perf_counter() - started)

        result = import_path(
            project=project,
            path=path,
            options=ImportOptions(format="newsreview"),
            progress=progress,
        )
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
        backend_ended = backend_cpu_seconds(backend_pid) if backend_pid else None
    if not result.saved:
        print(result.error_report())
        raise SystemExit(1)
    count = Document.objects.filter(project=project).count()
    indexing = index_after_import(project, connection, backend_pid)
    figures = {
        "database": connection.vendor,
        "documents": count,
        "spans": result.spans,
        "file_mb": round(size / 2**20, 1),
        "seconds": round(seconds, 2),
        "documents_per_second": round(count / seconds),
        "spans_per_second": round(result.spans / seconds),
        # Until the first chunk (validation.CHUNK_DOCUMENTS) is written: parsing,
        # checking, first write.
        "seconds_to_first_chunk": round(stages.get("write", seconds), 2),
        # This process only (the database server works in parallel): with other work
        # on the machine, wall time rises but this figure stays put.
        "python_cpu_seconds": round(cpu_seconds, 2),
        "postgres_backend_cpu_seconds": (
            round(backend_ended - backend_started, 2)
            if backend_started is not None and backend_ended is not None
            else None
        ),
        **indexing,
        "load_average_1min": round(os.getloadavg()[0], 2),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "rss_before_import_mb": round(rss_before, 1),
        "target_documents_per_second": TARGET_DOCS_PER_SECOND,
        # The export's memory target, shown for comparison: an all-or-nothing import
        # validates the whole batch before writing, so its memory grows with the batch.
        "export_memory_target_mb": 250,
    }
    figures["meets_target"] = figures["documents_per_second"] >= TARGET_DOCS_PER_SECOND
    if "indexing_seconds" in figures:
        searchable = seconds + figures["indexing_seconds"]
        figures["seconds_until_fully_searchable"] = round(searchable, 2)
        figures["documents_per_second_until_fully_searchable"] = round(count / searchable)
    width = max(map(len, figures))
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")
    Project.objects.filter(slug=SLUG).delete()
    return figures


if __name__ == "__main__":
    print("BENCH_JSON " + json.dumps(main()))
