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

import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/nr_bench_annotate"
DOC_LENGTH = 20_000
SPANS = 1_000
CREATES = 120
PAGE_GETS = 30
TARGETS = {
    "create median (ms)": 30,
    "create p95 (ms)": 60,
    "page GET median (ms)": 150,
    "JS+CSS (KB)": 40,
}


def _setup_django() -> None:
    os.environ.setdefault("DATABASE_URL", DEFAULT_DB)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsreview.settings")
    sys.path.insert(0, str(ROOT))
    _create_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


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


def main() -> dict[str, float]:
    """Run the benchmark; returns the figures (the lead's bench/run.py calls this)."""
    _setup_django()
    path, version, session_key, text, free_words = _make_data()
    port = _free_port()
    env = {**os.environ, "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1,localhost"}
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "newsreview.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}"],
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
        # The floor on this machine: a small page (login form, no queries) through the
        # same server, to read the figures below against (shared CI machines vary a lot).
        baseline = [_request(port, "GET", "/accounts/login/", {})[2] for _ in range(PAGE_GETS)]
        page_times = []
        for _ in range(PAGE_GETS):
            _, page, elapsed = _request(port, "GET", path, {"Cookie": cookie})
            page_times.append(elapsed)
        create_times = []
        post_headers = {
            "Cookie": cookie,
            "X-CSRFToken": csrf,
            "HX-Request": "true",
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://127.0.0.1:{port}{path}",
        }
        labels = ["PERS", "ORG", "GPE", "LOC", "DATE"]
        for n, (start, end) in enumerate(free_words[:CREATES]):
            body = urlencode(
                {
                    "start": start,
                    "end": end,
                    "text": text[start:end],
                    "label": labels[n % len(labels)],
                    "version": version,
                    "unit": "codepoint",
                }
            )
            response, content, elapsed = _request(port, "POST", path + "spans/", post_headers, body)
            if response.status != 200:
                raise RuntimeError(f"span create answered {response.status}: {content[:300]!r}")
            version = int(re.search(rb'data-(?:layer-)?version="(\d+)"', content).group(1))
            create_times.append(elapsed)
    finally:
        server.terminate()
        server.wait(timeout=10)

    create_times.sort()
    figures = {
        "create median (ms)": statistics.median(create_times),
        "create p95 (ms)": create_times[int(len(create_times) * 0.95) - 1],
        "page GET median (ms)": statistics.median(page_times),
        "JS+CSS (KB)": _static_size() / 1024,
        "baseline GET login (ms)": statistics.median(baseline),
        "page size (KB)": len(page) / 1024,
        "create response size (KB)": len(content) / 1024,
        "spans in layer at the end": SPANS + len(create_times),
    }
    database = os.environ["DATABASE_URL"].split("://", 1)[0]
    print(
        f"annotation workspace: {DOC_LENGTH:,}-character document, {SPANS:,} spans, "
        f"gunicorn -w 2, {database}"
    )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {os.cpu_count()} CPUs, load average {load:.1f} (timings scale with it)")
    print(f"{'figure':<28}{'measured':>12}{'target':>10}  ok")
    for name, value in figures.items():
        target = TARGETS.get(name)
        ok = "" if target is None else ("yes" if value < target else "NO")
        target_text = "" if target is None else f"< {target}"
        print(f"{name:<28}{value:>12.1f}{target_text:>10}  {ok}")
    return figures


if __name__ == "__main__":
    main()
