"""Span creation on `make run`'s default: SQLite, Django's development server, DEBUG on
(issue 14: ≤ 20 ms median on the seed article, measured over fresh connections).

Sets up its own SQLite database in a temporary folder (the same data as
bench_annotate.py), starts `manage.py runserver --noreload` as `make run` does, creates
spans one after the other, each over a new connection, and prints the median and p95.
Asserts nothing (targets are met in benchmarks, not tests).

    .venv/bin/python bench/bench_sqlite.py
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
FOLDER = Path(tempfile.mkdtemp(prefix="nr_bench_sqlite_"))
os.environ["DATABASE_URL"] = f"sqlite:///{FOLDER / 'bench.sqlite3'}"

import bench_annotate  # noqa: E402  (reads DATABASE_URL when it sets Django up)

CREATES = 60


def main() -> dict:
    bench_annotate._setup_django()
    _path, _version, session_key, _text, _free = bench_annotate._make_data()
    seed_path, seed_version, seed_text, seed_words = bench_annotate._seed_target()
    from django.db import connections

    connections.close_all()  # the server writes to the file now
    port = bench_annotate._free_port()
    env = {**os.environ, "DEBUG": "1", "ALLOWED_HOSTS": "127.0.0.1,localhost"}
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        cookie = f"sessionid={session_key}"
        deadline = time.time() + 30
        while True:
            try:
                response, _content, _ms = bench_annotate._request(
                    port, "GET", seed_path, {"Cookie": cookie}
                )
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    raise RuntimeError("runserver did not start") from None
                time.sleep(0.2)
        csrf = response.getheader("Set-Cookie").split("csrftoken=", 1)[1].split(";", 1)[0]
        cookie = f"sessionid={session_key}; csrftoken={csrf}"
        times = bench_annotate._create_spans(
            port, seed_path, cookie, csrf, seed_text, seed_version, seed_words, CREATES
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
    figures = {
        "create_span_sqlite_ms": {
            "p50": round(statistics.median(times), 1),
            "p95": round(sorted(times)[int(len(times) * 0.95) - 1], 1),
        }
    }
    load = os.getloadavg()[0]
    print(
        f"make run's default: SQLite, runserver, DEBUG on; {CREATES} spans on the seed "
        f"article, each over a new connection; load average {load:.1f}"
    )
    print(f"{'create span p50 ms':<30}{figures['create_span_sqlite_ms']['p50']:>10}  <= 20")
    print(f"{'create span p95 ms':<30}{figures['create_span_sqlite_ms']['p95']:>10}")
    return figures


if __name__ == "__main__":
    print("BENCH_JSON " + json.dumps(main()))
