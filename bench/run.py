"""`make bench`: run every benchmark in its own process, show its table, and print, last,
one JSON object with the figures the production issue asks for (nested objects).

Each script prints a table of measured figures against the targets and a final
`BENCH_JSON {...}` line that this collects; nothing here asserts a time (targets are met
in a benchmark, not in tests). A script that is missing or fails leaves its keys null.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
BENCHES = [
    "bench_annotate.py",
    "bench_sqlite.py",
    "bench_queue.py",
    "bench_export.py",
    "bench_import.py",
    "bench_agreement.py",
    "bench_frames.py",
    "bench_review.py",
    "bench_arabic.py",
]
MARK = "BENCH_JSON "


def _run(name: str) -> dict[str, Any] | None:
    script = HERE / name
    print(f"\n=== {name} ===", flush=True)
    if not script.exists():
        print(f"missing: {script} (its figures are null)")
        return None
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, str(script)], cwd=HERE.parent, stdout=subprocess.PIPE, text=True
    )
    figures = None
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith(MARK):
            figures = json.loads(line[len(MARK) :])
        else:
            print(line, end="", flush=True)
    if process.wait() != 0:
        print(f"{name} failed (exit {process.returncode}); its figures are null")
        return None
    print(f"({name}: {time.perf_counter() - started:.0f} s)")
    return figures or {}  # a script with a table only


def _export(figures: dict[str, Any] | None, fmt: str) -> dict[str, Any] | None:
    runs = ((figures or {}).get(fmt) or {}).get("runs") or {}
    if not runs:
        return None
    largest = runs[max(runs, key=int)]
    return {
        "docs_per_s": round(largest["docs_per_s"]),
        "peak_mb": round(largest["peak_rss_mb"], 1),
        "documents": largest["documents"],
    }


def _median_p95(figures: dict[str, Any], name: str) -> dict[str, Any] | None:
    if figures.get(f"{name}_ms") is None:
        return None
    return {"p50": figures[f"{name}_ms"], "p95": figures.get(f"{name}_p95_ms")}


def collect(results: dict[str, dict[str, Any] | None]) -> dict[str, Any]:
    annotate = results.get("bench_annotate.py") or {}
    exported = results.get("bench_export.py")
    imported = results.get("bench_import.py")
    review = results.get("bench_review.py") or {}
    return {
        "create_span_ms": annotate.get("create_span_ms"),
        "create_span_seed_ms": annotate.get("create_span_seed_ms"),
        "create_span_sqlite_ms": (results.get("bench_sqlite.py") or {}).get(
            "create_span_sqlite_ms"
        ),
        "annotate_page_ms": annotate.get("annotate_page_ms"),
        "annotate_page_bytes": annotate.get("annotate_page_bytes"),
        "queries": annotate.get("queries"),
        "export": {"jsonl": _export(exported, "jsonl"), "conll": _export(exported, "conll")},
        "import": {
            "jsonl": {
                "docs_per_s": imported["documents_per_second"],
                "peak_mb": imported["peak_rss_mb"],
            }
            if imported
            else None
        },
        # Nested like the other timings ({p50, p95}), as the production issue names them.
        "review_page_ms": _median_p95(review, "review_page"),
        "review_accept_ms": _median_p95(review, "review_accept"),
        "idle_rss_mb": annotate.get("idle_rss_mb"),
    }


def main() -> int:
    started = time.perf_counter()
    results = {name: _run(name) for name in BENCHES}
    print(f"\nall benchmarks: {time.perf_counter() - started:.0f} s")
    print(json.dumps(collect(results)))
    failed = [name for name, figures in results.items() if figures is None]
    return 1 if any((HERE / name).exists() for name in failed) else 0


if __name__ == "__main__":
    sys.exit(main())
