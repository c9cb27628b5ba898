"""Benchmark of the curation page through a real gunicorn server.

A 20,000-character Arabic document (the seed paragraphs repeated) with 3 submitted
annotator layers of 1,000 entity spans each (most identical, every 7th word labelled
differently by one annotator, every 11th missing from another, every 13th with other
boundaries), the review started (agreed spans pre-accepted). Measured: the curation page
GET (server time, median and p95 over 30 requests) and accepting a candidate (POST and
the swapped fragment, median and p95 over 40 requests, each with the current gold
version), with the server's CPU time per request (the machine is often shared: wall time
follows its load, CPU time much less) and the queries of each (in process). Prints a
table against issue 10's targets and a BENCH_JSON line for bench/run.py; asserts nothing.

    .venv/bin/python bench/bench_review.py
    DATABASE_URL=postgres://… .venv/bin/python bench/bench_review.py
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from bench_annotate import _create_database, _free_port, _request

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/nr_bench_review"
DOC_LENGTH = 20_000
ANNOTATORS = 3
SPANS = 1_000
PAGE_GETS = 30
ACCEPTS = 40
TARGETS = {"page GET median (ms)": 150, "accept median (ms)": 30}


def _setup_django() -> None:
    os.environ.setdefault("DATABASE_URL", DEFAULT_DB)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsreview.settings")
    sys.path.insert(0, str(ROOT))
    _create_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _make_data() -> tuple[str, int, str, list[str]]:
    """The bench project (recreated each run); returns the curation page path, the gold
    version, a reviewer's session key and ids of candidates to accept."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.urls import reverse

    from newsreview.accounts.models import User
    from newsreview.annotations.models import AnnotationLayer, Span
    from newsreview.documents.models import Document
    from newsreview.projects.models import Membership, Project
    from newsreview.projects.services import install_default_schema
    from newsreview.review import merge, services

    Project.objects.filter(slug="bench-review").delete()
    schema = install_default_schema()
    project = Project.objects.create(
        name="Bench review", slug="bench-review", schema=schema, annotators_per_document=3
    )
    reviewer, _ = User.objects.get_or_create(username="bench-reviewer")
    Membership.objects.create(project=project, user=reviewer, role=Membership.Role.REVIEWER)
    seed = (ROOT / "newsreview" / "documents" / "seed" / "article-ar.txt").read_text("utf-8")
    text = ""
    while len(text) < DOC_LENGTH:
        text += seed.rstrip("\n") + "\n"
    text = text[:DOC_LENGTH]
    document = Document.objects.create(project=project, title="bench", text=text)
    words = [m.span() for m in re.finditer(r"\S+", text)]
    types = list(schema.entity_types.all())
    for n in range(ANNOTATORS):
        user, _ = User.objects.get_or_create(username=f"bench-annotator{n + 1}")
        Membership.objects.create(project=project, user=user, role=Membership.Role.ANNOTATOR)
        layer = AnnotationLayer.objects.create(
            document=document, owner=user, kind="annotator", status="done"
        )
        spans, i = [], 0
        while len(spans) < SPANS and i < len(words):
            start, end = words[i]
            label = types[i % 5]
            if i % 11 == 0 and n == 2:
                i += 1
                continue  # missing in the third layer
            if i % 7 == 0 and n == 1:
                label = types[(i + 1) % 5]  # another label
            if i % 13 == 0 and n == 0 and i + 1 < len(words):
                end = words[i + 1][1]  # other boundaries
            spans.append(Span(layer=layer, start=start, end=end, text=text[start:end],
                              entity_type=label))  # fmt: skip
            i += 1
        Span.objects.bulk_create(spans)
    services.start_review(document=document, by=reviewer)
    layers = services.read_layers(document)
    result = merge.merge(layers.inputs)
    candidates = [g.candidates[0].id for g in result.groups][: ACCEPTS + 1]
    gold = AnnotationLayer.objects.get(document=document, kind="gold")

    session = SessionStore()
    session[SESSION_KEY] = str(reviewer.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = reviewer.get_session_auth_hash()
    session.create()
    path = reverse("review:review", args=[project.slug, document.pk])
    print(
        f"{len(result.groups)} disagreement groups, {len(result.agreed)} agreed candidates, "
        f"{Span.objects.filter(layer__document=document).count()} spans in all layers"
    )
    return path, gold.version, session.session_key, candidates


def _server_cpu(pid: int) -> float:
    """CPU seconds (user + system) of the gunicorn master `pid` and its workers so far."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the command: state, ppid, … utime (14th field of stat), stime (15th).
        if int(entry.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _queries(path: str, candidate: str | None) -> dict[str, int]:
    """Queries of the page GET and of one accept, counted in process (Django's client)."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from newsreview.accounts.models import User
    from newsreview.annotations.models import AnnotationLayer

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(User.objects.get(username="bench-reviewer"))
    with CaptureQueriesContext(connection) as page:
        client.get(path)
    counts = {"page": len(page)}
    if candidate:
        gold = AnnotationLayer.objects.get(document__project__slug="bench-review", kind="gold")
        with CaptureQueriesContext(connection) as accept:
            client.post(
                path + "accept/",
                {"candidate": candidate, "version": gold.version},
                headers={"HX-Request": "true"},
            )
        counts["accept"] = len(accept)
    return counts


def main() -> dict[str, float]:
    _setup_django()
    path, version, session_key, candidates = _make_data()
    spare = candidates[ACCEPTS] if len(candidates) > ACCEPTS else None  # for the query count
    port = _free_port()
    env = {**os.environ, "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1,localhost"}
    gunicorn = ROOT / ".venv/bin/gunicorn"
    if not gunicorn.exists():
        gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(
        [str(gunicorn), "newsreview.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}"],
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
            raise RuntimeError(f"curation page answered {response.status}")
        csrf = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie") or "").group(1)
        cookie = f"sessionid={session_key}; csrftoken={csrf}"
        baseline = [_request(port, "GET", "/accounts/login/", {})[2] for _ in range(PAGE_GETS)]
        page_times = []
        cpu = _server_cpu(server.pid)
        for _ in range(PAGE_GETS):
            _, page, elapsed = _request(port, "GET", path, {"Cookie": cookie})
            page_times.append(elapsed)
        page_cpu = (_server_cpu(server.pid) - cpu) * 1000 / PAGE_GETS
        headers = {
            "Cookie": cookie,
            "X-CSRFToken": csrf,
            "HX-Request": "true",
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://127.0.0.1:{port}{path}",
        }
        accept_times = []
        cpu = _server_cpu(server.pid)
        for candidate in candidates[:ACCEPTS]:
            body = urlencode({"candidate": candidate, "version": version})
            response, content, elapsed = _request(port, "POST", path + "accept/", headers, body)
            if response.status != 200:
                raise RuntimeError(f"accept answered {response.status}: {content[:300]!r}")
            version = int(re.search(rb'data-version="(\d+)"', content).group(1))
            accept_times.append(elapsed)
        accept_cpu = (_server_cpu(server.pid) - cpu) * 1000 / len(accept_times)
    finally:
        server.terminate()
        server.wait(timeout=10)

    page_times.sort()
    accept_times.sort()
    figures = {
        "page GET median (ms)": statistics.median(page_times),
        "page GET p95 (ms)": page_times[int(len(page_times) * 0.95) - 1],
        "page server CPU (ms/request)": page_cpu,
        "accept median (ms)": statistics.median(accept_times),
        "accept p95 (ms)": accept_times[int(len(accept_times) * 0.95) - 1],
        "accept server CPU (ms/request)": accept_cpu,
        "baseline GET login (ms)": statistics.median(baseline),
        "page size (KB)": len(page) / 1024,
        "accept response size (KB)": len(content) / 1024,
    }
    database = os.environ["DATABASE_URL"].split("://", 1)[0]
    print(
        f"curation page: {DOC_LENGTH:,}-character document, {ANNOTATORS} annotators × "
        f"{SPANS:,} spans, gunicorn -w 2, {database}"
    )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {os.cpu_count()} CPUs, load average {load:.1f} (timings scale with it)")
    print(f"{'figure':<31}{'measured':>12}{'target':>10}  ok")
    for name, value in figures.items():
        target = TARGETS.get(name)
        ok = "" if target is None else ("yes" if value < target else "NO")
        target_text = "" if target is None else f"< {target}"
        print(f"{name:<31}{value:>12.1f}{target_text:>10}  {ok}")
    queries = _queries(path, spare)
    print(f"{'queries: page / accept':<31}{queries['page']:>6} / {queries.get('accept', '-')}")
    return {
        "review_page_ms": round(figures["page GET median (ms)"], 1),
        "review_page_p95_ms": round(figures["page GET p95 (ms)"], 1),
        "review_page_cpu_ms": round(page_cpu, 1),
        "review_accept_ms": round(figures["accept median (ms)"], 1),
        "review_accept_p95_ms": round(figures["accept p95 (ms)"], 1),
        "review_accept_cpu_ms": round(accept_cpu, 1),
        "review_queries": queries,
        "load_average": round(load, 1),
    }


if __name__ == "__main__":
    print("BENCH_JSON " + json.dumps(main()))
