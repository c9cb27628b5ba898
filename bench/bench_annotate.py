"""Benchmark of the annotation workspace through a real gunicorn server.

A 20,000-character Arabic document (the seed paragraphs repeated) whose layer holds
1,000 spans (some nested, some event triggers); measured: span creation request → response
(median, p95 over 120 requests, each with the session cookie, the CSRF token and the
current layer version), the annotate page GET (median), and the size of our JS + CSS.
Prints a table against the issue's targets; asserts nothing (DEVELOPERS.md).

    .venv/bin/python bench/bench_annotate.py
    DATABASE_URL=postgres://… .venv/bin/python bench/bench_annotate.py
"""

from __future__ import annotations

import gzip
import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/nr_bench_annotate"
DOC_LENGTH = 20_000
SPANS = 1_000
CREATES = 120
PAGE_GETS = 30


STATIC_ROOT = Path(tempfile.gettempdir()) / "nr_bench_static"


def _setup_django() -> None:
    os.environ.setdefault("DATABASE_URL", DEFAULT_DB)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsreview.settings")
    # Served as `make serve` does: collected, hashed, compressed static files.
    os.environ["NEWSREVIEW_STATIC_ROOT"] = str(STATIC_ROOT)
    os.environ["DEBUG"] = "0"
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"
    sys.path.insert(0, str(ROOT))
    _create_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)


def _create_database(url: str) -> None:
    if not url.startswith("postgres"):
        return
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def _make_data() -> tuple[str, int, str, str, list[tuple[int, int]]]:
    """The bench project, document and annotator (recreated on every run); returns the
    document's annotate path, its layer version, a session key, the text and the
    (start, end) of words no span covers yet."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.urls import reverse

    from newsreview.accounts.models import User
    from newsreview.annotations import services
    from newsreview.annotations.models import Span
    from newsreview.documents.models import Document
    from newsreview.projects.models import Membership, Project
    from newsreview.projects.services import install_default_schema

    Project.objects.filter(slug="bench-annotate").delete()
    schema = install_default_schema()
    project = Project.objects.create(name="Bench", slug="bench-annotate", schema=schema)
    user, _ = User.objects.get_or_create(username="bench-annotator")
    Membership.objects.create(project=project, user=user, role=Membership.Role.ANNOTATOR)
    seed = (ROOT / "newsreview" / "documents" / "seed" / "article-ar.txt").read_text("utf-8")
    text = ""
    while len(text) < DOC_LENGTH:
        text += seed.rstrip("\n") + "\n"
    text = text[:DOC_LENGTH]
    document = Document.objects.create(project=project, title="bench", text=text)
    Document.objects.create(project=project, title="bench 2", text=seed)
    layer = services.get_or_create_layer(document=document, user=user)

    words = [m.span() for m in re.finditer(r"\S+", text)]
    entity_types = list(schema.entity_types.all())
    spans, seen = [], set()
    # Every other word (in the first half of the words) as an entity, and every tenth pair of
    # words as an outer span around them (nested); the rest of the text stays free for creates.
    for i, (start, end) in enumerate(words[: len(words) // 2]):
        if len(spans) >= SPANS - 20:
            break
        if i % 2 == 0 and (start, end) not in seen:
            seen.add((start, end))
            spans.append((start, end))
        if i % 10 == 0 and i + 1 < len(words):
            outer = (start, words[i + 1][1])
            if outer not in seen:
                seen.add(outer)
                spans.append(outer)
    Span.objects.bulk_create(
        Span(
            layer=layer,
            start=s,
            end=e,
            text=text[s:e],
            entity_type=entity_types[n % len(entity_types)],
            created_by=user,
        )
        for n, (s, e) in enumerate(spans[: SPANS - 20])
    )
    for start, end in words[1::2][:20]:  # 20 triggers with their events
        services.add_span(layer=layer, start=start, end=end, label="CONTACT_MEET", by=user)
    layer.refresh_from_db()

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    path = reverse("annotations:annotate", args=[project.slug, document.pk])
    free = list(words[len(words) // 2 + 2 :])
    return path, layer.version, session.session_key, text, free


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(port: int, method: str, path: str, headers: dict, body: str | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    started = time.perf_counter()
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    content = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    conn.close()
    return response, content, elapsed


def _static_size() -> int:
    total = 0
    for folder in ("static/js", "static/css"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and "htmx" not in path.name:
                total += path.stat().st_size
    return total


SEED_CREATES = 60
LABELS = ["PERS", "ORG", "GPE", "LOC", "DATE"]


def _seed_target() -> tuple[str, int, str, list[tuple[int, int]]]:
    """The seed article's document in the bench project: its annotate path, the layer's
    version, the text and its words (none annotated yet)."""
    from django.urls import reverse

    from newsreview.accounts.models import User
    from newsreview.annotations import services
    from newsreview.documents.models import Document

    user = User.objects.get(username="bench-annotator")
    document = Document.objects.get(project__slug="bench-annotate", title="bench 2")
    layer = services.get_or_create_layer(document=document, user=user)
    path = reverse("annotations:annotate", args=["bench-annotate", document.pk])
    words = [m.span() for m in re.finditer(r"\w+", document.text)]
    return path, layer.version, document.text, words


def _create_spans(port, path, cookie, csrf, text, version, words, count) -> list[float]:
    """Create `count` spans one after the other, each over a fresh connection (as a
    browser's new request after a pause would often be); the times in ms."""
    headers = {
        "Cookie": cookie,
        "X-CSRFToken": csrf,
        "HX-Request": "true",
        "Content-Type": "application/x-www-form-urlencoded",
        "Referer": f"http://127.0.0.1:{port}{path}",
        "Sec-Fetch-Site": "same-origin",
        "Accept-Encoding": "gzip",
    }
    times = []
    for n, (start, end) in enumerate(words[:count]):
        body = urlencode(
            {"start": start, "end": end, "text": text[start:end], "label": LABELS[n % 5],
             "version": version, "unit": "codepoint"}
        )  # fmt: skip
        response, content, elapsed = _request(port, "POST", path + "spans/", headers, body)
        if response.status != 200:
            raise RuntimeError(f"span create answered {response.status}: {content[:300]!r}")
        if response.getheader("Content-Encoding") == "gzip":
            content = gzip.decompress(content)
        version = int(re.search(rb'data-(?:layer-)?version="(\d+)"', content).group(1))
        times.append(elapsed)
    return times


# What Chromium sends: whitenoise serves the brotli copy of a static file when asked.
BROWSER_ENCODINGS = "gzip, deflate, br, zstd"
MODULE_IMPORT = re.compile(rb"""(?:import|from)\s*["']([^"']+\.js)["']""")


def _decoded(response, body: bytes) -> bytes:
    encoding = response.getheader("Content-Encoding")
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "br":
        import brotli

        return brotli.decompress(body)
    return body


def _page_weight(port: int, path: str, cookie: str) -> dict[str, int]:
    """What a cold browser downloads to show the annotate page: the HTML, every script
    and stylesheet it names and every module those scripts import (followed, as the
    browser does), uncompressed sizes by kind and the compressed total."""
    headers = {"Cookie": cookie, "Accept-Encoding": BROWSER_ENCODINGS, "Sec-Fetch-Site": "none"}
    response, content, _ = _request(port, "GET", path, headers)
    wire = len(content)
    html = _decoded(response, content)
    sizes = {"html": len(html), "js": 0, "css": 0}
    queue = [a.decode() for a in re.findall(rb'(?:src|href)="(/static/[^"]+\.(?:js|css))"', html)]
    seen: set[str] = set()
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response, body, _ = _request(port, "GET", url, {"Accept-Encoding": BROWSER_ENCODINGS})
        wire += len(body)
        raw = _decoded(response, body)
        sizes["js" if url.endswith(".js") else "css"] += len(raw)
        if url.endswith(".js"):
            folder = url.rsplit("/", 1)[0]
            for name in MODULE_IMPORT.findall(raw):
                target = name.decode()
                queue.append(
                    target
                    if target.startswith("/")
                    else f"{folder}/{target[2:]}"
                    if target.startswith("./")
                    else f"{folder}/{target}"
                )
    return {**sizes, "wire": wire, "files": len(seen) + 1}


def _query_counts() -> dict[str, int]:
    """SQL queries of the annotate page and of one span creation, on documents holding 5
    and 2,000 spans (in this process, through Django's test client)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from newsreview.accounts.models import User
    from newsreview.annotations import services
    from newsreview.annotations.models import Span
    from newsreview.documents.models import Document
    from newsreview.projects.models import Project

    user = User.objects.get(username="bench-annotator")
    project = Project.objects.get(slug="bench-annotate")
    seed = Document.objects.get(project=project, title="bench 2").text
    text = (seed.rstrip("\n") + "\n") * 12
    words = [m.span() for m in re.finditer(r"\w+", text)]
    entity_types = list(project.schema.entity_types.all())
    client = Client()
    client.force_login(user)
    counts = {}
    for spans in (5, 2000):
        document = Document.objects.create(project=project, title=f"queries {spans}", text=text)
        layer = services.get_or_create_layer(document=document, user=user)
        Span.objects.bulk_create(
            Span(layer=layer, start=s, end=e, text=text[s:e], created_by=user,
                 entity_type=entity_types[n % len(entity_types)])
            for n, (s, e) in enumerate(words[:spans])
        )  # fmt: skip
        path = reverse("annotations:annotate", args=[project.slug, document.pk])
        with CaptureQueriesContext(connection) as page:
            client.get(path)
        start, end = words[spans + 1]
        layer.refresh_from_db()
        with CaptureQueriesContext(connection) as create:
            response = client.post(
                path + "spans/",
                {"start": start, "end": end, "text": text[start:end], "label": "PERS",
                 "version": layer.version, "unit": "codepoint"},
                headers={"HX-Request": "true"},
            )  # fmt: skip
        if response.status_code != 200:
            raise RuntimeError(f"create answered {response.status_code}")
        counts[f"annotate_page_{spans}"] = len(page.captured_queries)
        counts[f"create_span_{spans}"] = len(create.captured_queries)
    return {
        key: counts[key]
        for key in ("annotate_page_5", "annotate_page_2000", "create_span_5", "create_span_2000")
    }


def _memory_mb(pid: int) -> tuple[float, float]:
    """(RSS, PSS) of one process in MB: PSS shares pages between the workers that map them."""
    rss = pss = 0.0
    with open(f"/proc/{pid}/smaps_rollup") as rollup:
        for line in rollup:
            if line.startswith("Rss:"):
                rss = int(line.split()[1]) / 1024
            elif line.startswith("Pss:"):
                pss = int(line.split()[1]) / 1024
    return rss, pss


def _idle_memory(master: int) -> dict[str, float]:
    children = [
        int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()
    ]
    workers = [_memory_mb(pid) for pid in children]
    own_rss, own_pss = _memory_mb(master)
    return {
        "worker_rss_mb": max(rss for rss, _pss in workers),
        "server_pss_mb": own_pss + sum(pss for _rss, pss in workers),
        "server_rss_mb": own_rss + sum(rss for rss, _pss in workers),
        "workers": len(workers),
    }


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * share + 0.5) - 1)]


def main() -> dict:
    """Run the benchmark; returns the figures under the issue's keys."""
    _setup_django()
    path, version, session_key, text, free_words = _make_data()
    seed_path, seed_version, seed_text, seed_words = _seed_target()
    queries = _query_counts()
    port = _free_port()
    env = {**os.environ, "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1,localhost"}
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "newsreview.wsgi",
            "-w",
            "2",
            "--threads",
            "4",
            "-b",
            f"127.0.0.1:{port}",
        ],  # fmt: skip
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        cookie = f"sessionid={session_key}"
        deadline = time.time() + 30
        while True:
            try:
                response, content, _ = _request(port, "GET", path, {"Cookie": cookie})
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        if response.status != 200:
            raise RuntimeError(f"annotate page answered {response.status}")
        csrf = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie") or "").group(1)
        cookie = f"sessionid={session_key}; csrftoken={csrf}"
        for _ in range(4):  # every worker has served a page before memory is read
            _request(port, "GET", path, {"Cookie": cookie})
        time.sleep(1)
        memory = _idle_memory(server.pid)
        # The floor on this machine: a small page (login form, no queries) through the
        # same server, to read the figures below against (shared CI machines vary a lot).
        baseline = [_request(port, "GET", "/accounts/login/", {})[2] for _ in range(PAGE_GETS)]
        page_times = [_request(port, "GET", path, {"Cookie": cookie})[2] for _ in range(PAGE_GETS)]
        weight = _page_weight(port, path, cookie)
        # The seed article's page too: the peers' figures (doccano, Label Studio) are for
        # an article like it; the 20k/1,000-span page above is this bench's worst case.
        seed_weight = _page_weight(port, seed_path, cookie)
        create_times = _create_spans(port, path, cookie, csrf, text, version, free_words, CREATES)
        seed_times = _create_spans(
            port, seed_path, cookie, csrf, seed_text, seed_version, seed_words, SEED_CREATES
        )
    finally:
        server.terminate()
        server.wait(timeout=10)

    figures = {
        "create_span_ms": {
            "p50": round(statistics.median(create_times), 1),
            "p95": round(_percentile(create_times, 0.95), 1),
        },
        "create_span_seed_ms": {
            "p50": round(statistics.median(seed_times), 1),
            "p95": round(_percentile(seed_times, 0.95), 1),
        },
        "annotate_page_ms": {"p50": round(statistics.median(page_times), 1)},
        "annotate_page_bytes": weight,
        "annotate_page_bytes_seed": seed_weight,
        "queries": queries,
        "idle_rss_mb": round(memory["worker_rss_mb"], 1),
        "idle_server": {k: round(v, 1) for k, v in memory.items()},
        "baseline_login_page_ms": round(statistics.median(baseline), 1),
    }
    database = os.environ["DATABASE_URL"].split("://", 1)[0]
    print(
        f"annotation workspace: {DOC_LENGTH:,}-character document, {SPANS:,} spans, and the "
        f"seed article; gunicorn -w 2 --threads 4, {database}"
    )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {os.cpu_count()} CPUs, load average {load:.1f} (timings scale with it)")
    rows = [
        ("create span, 20k/1,000 spans, p50 ms", figures["create_span_ms"]["p50"], "<= 12"),
        ("create span, 20k/1,000 spans, p95 ms", figures["create_span_ms"]["p95"], ""),
        ("create span, seed article, p50 ms", figures["create_span_seed_ms"]["p50"], "<= 8"),
        ("create span, seed article, p95 ms", figures["create_span_seed_ms"]["p95"], ""),
        ("annotate page GET p50 ms", figures["annotate_page_ms"]["p50"], ""),
        ("annotate page on the wire, cold (kB)", round(weight["wire"] / 1000, 1), "<= 78"),
        ("  the same, seed article page (kB)", round(seed_weight["wire"] / 1000, 1), "<= 78"),
        ("  html / js / css, uncompressed (kB)",
         f"{weight['html'] / 1000:.1f} / {weight['js'] / 1000:.1f} / {weight['css'] / 1000:.1f}",
         ""),
        ("queries: page 5 / 2000 spans", f"{queries['annotate_page_5']} / "
         f"{queries['annotate_page_2000']}", "equal"),
        ("queries: create 5 / 2000 spans", f"{queries['create_span_5']} / "
         f"{queries['create_span_2000']}", "equal"),
        ("idle RSS of one gunicorn worker (MB)", figures["idle_rss_mb"], "<= 120"),
        (f"idle server, master + {memory['workers']} workers, PSS (MB)",
         round(memory["server_pss_mb"], 1), ""),
        ("baseline: login page GET p50 ms", figures["baseline_login_page_ms"], ""),
    ]  # fmt: skip
    for name, value, target in rows:
        print(f"{name:<44}{value!s:>16}  {target}")
    return figures


if __name__ == "__main__":
    print("BENCH_JSON " + json.dumps(main()))
