"""`make bench` ends with one JSON object whose keys and nesting the production issue
names; `bench/run.py` gathers it from each script's own figures. These tests feed it
figures in the shape each script returns and read back the keys a reader of the report
looks for (no timing is asserted: targets are met in the benchmark, not in tests)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

RUN = Path(__file__).resolve().parents[2] / "bench" / "run.py"


def _run_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_run", RUN)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _script_figures() -> dict[str, dict]:
    """Figures shaped as bench_annotate, bench_sqlite, bench_export, bench_import and
    bench_review return them (their BENCH_JSON lines)."""
    run = {"seconds": 1.0, "cpu_seconds": 0.9, "peak_rss_mb": 151.25, "baseline_rss_mb": 90}
    return {
        "bench_annotate.py": {
            "create_span_ms": {"p50": 6.5, "p95": 8.6},
            "create_span_seed_ms": {"p50": 6.2, "p95": 9.5},
            "annotate_page_ms": {"p50": 41.7},
            "annotate_page_bytes": {"html": 500467, "js": 103213, "css": 20701, "wire": 73031},
            "queries": {
                "annotate_page_5": 13,
                "annotate_page_2000": 13,
                "create_span_5": 20,
                "create_span_2000": 20,
            },
            "idle_rss_mb": 64.6,
        },
        "bench_sqlite.py": {"create_span_sqlite_ms": {"p50": 4.7, "p95": 5.5}},
        "bench_export.py": {
            fmt: {
                "runs": {
                    "2000": {**run, "documents": 2000, "docs_per_s": 9000.4},
                    "10000": {**run, "documents": 10000, "docs_per_s": 10134.2},
                },
                "rss_growth_mb": 0.0,
            }
            for fmt in ("jsonl", "conll")
        },
        "bench_import.py": {"documents_per_second": 3506, "peak_rss_mb": 283.0},
        "bench_review.py": {
            "review_page_ms": 48.3,
            "review_page_p95_ms": 61.0,
            "review_accept_ms": 12.0,
            "review_accept_p95_ms": 15.5,
        },
    }


def test_the_final_json_has_every_key_the_issue_names_nested_as_it_names_them() -> None:
    report = json.loads(json.dumps(_run_module().collect(_script_figures())))

    assert set(report["create_span_ms"]) >= {"p50", "p95"}
    assert set(report["create_span_seed_ms"]) >= {"p50", "p95"}
    assert "p50" in report["annotate_page_ms"]
    assert set(report["annotate_page_bytes"]) >= {"html", "js", "css", "wire"}
    assert set(report["queries"]) == {
        "annotate_page_5",
        "annotate_page_2000",
        "create_span_5",
        "create_span_2000",
    }
    for fmt in ("jsonl", "conll"):
        assert set(report["export"][fmt]) >= {"docs_per_s", "peak_mb"}
    assert set(report["import"]["jsonl"]) >= {"docs_per_s", "peak_mb"}
    assert report["review_page_ms"] == {"p50": 48.3, "p95": 61.0}
    assert report["review_accept_ms"] == {"p50": 12.0, "p95": 15.5}
    assert report["idle_rss_mb"] == 64.6


def test_the_export_figures_are_those_of_the_largest_run() -> None:
    report = _run_module().collect(_script_figures())

    assert report["export"]["jsonl"] == {"docs_per_s": 10134, "peak_mb": 151.2, "documents": 10000}


def test_a_script_that_failed_leaves_its_keys_null_and_the_others_in_place() -> None:
    figures = _script_figures()
    figures["bench_review.py"] = None
    figures["bench_import.py"] = None

    report = _run_module().collect(figures)

    assert report["review_page_ms"] is None
    assert report["import"] == {"jsonl": None}
    assert report["create_span_ms"] == {"p50": 6.5, "p95": 8.6}
