"""`make loadtest` / `make faulttest`: simulated annotators against the production server.

50 annotators (asyncio + httpx, one session each) log in through the login form, spread
over 20 s (their latency is reported apart: a login is a deliberately slow password
hash, once a day for a person), then work for 60 s against gunicorn served as
`make serve` serves it (gunicorn.conf.py, collected static files) on PostgreSQL: each
opens documents, and creates, relabels and deletes entity
spans and event triggers and links event arguments, pausing 1-4 s between actions as a
reader does. Each keeps its own record of what the server acknowledged (a 200 answer);
at the end the database must hold exactly that: `lost_writes` counts acknowledged writes
missing from it, `phantom_writes` rows it holds that nobody was told were written.

`--fault` (make faulttest) stops PostgreSQL for 10 s in the middle (`pg_ctlcluster …
stop`, then `start`). It never touches the machine's shared cluster: it uses its own
cluster (`newsreview_fault`, created on first use with pg_createcluster on a free port;
needs root or the postgres user), stopped again when the run ends. Requests in the gap
must get 503s; after the database returns, the app must answer again without a restart
(`recovery_s`: from PostgreSQL accepting connections to the first successful answer that
needed it). A write whose answer was a 503 or was lost is not acknowledged: the client
reloads the page and goes on from what the server shows, as the workspace does.

Prints requests/s, latency percentiles, errors by kind, and, last, one JSON object.
Asserts nothing (targets are met in benchmarks, not tests).

    .venv/bin/python bench/loadtest.py [--users 50] [--seconds 60] [--fault]
    LOADTEST_DATABASE_URL=postgres://…/nr_loadtest  (the plain load test's database)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "load-test-password"  # noqa: S105 (throwaway accounts in a throwaway database)
SLUG = "loadtest"
DOCUMENTS = 10
ENTITY_LABELS = ["PERS", "ORG", "GPE", "LOC"]
TRIGGERS = {"CONTACT_MEET": ("PARTICIPANT", {"PERS", "ORG", "GPE"}),
            "MOVEMENT_TRANSPORT": ("ARTIFACT", {"PERS", "ORG"})}  # fmt: skip
FAULT_CLUSTER = "newsreview_fault"
FAULT_AT, FAULT_SECONDS = 20.0, 10.0
ARRIVAL_S = 20.0  # logins spread over this before the timed work starts
MARK = re.compile(r"<mark\b[^>]*>")
ATTR = re.compile(r'data-(span-id|start|end|label|kind)="([^"]*)"')
VERSION = re.compile(r'data-(?:layer-)?version="(\d+)"')


# --- the database and the server --------------------------------------------------------


def _pg_version() -> str:
    return sorted(os.listdir("/etc/postgresql"))[-1]


def fault_cluster_url() -> str:
    """The dedicated cluster's URL (created and started if needed)."""
    version = _pg_version()
    listing = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=True)
    port = None
    for line in listing.stdout.splitlines():
        fields = line.split()
        if fields[:2] == [version, FAULT_CLUSTER]:
            port = int(fields[2])
            if fields[3] != "online":
                _pg_ctl("start")
    if port is None:
        port = _free_port()
        subprocess.run(
            ["pg_createcluster", version, FAULT_CLUSTER, "-p", str(port), "--start", "--",
             "--auth-host=trust", "--auth-local=trust"],
            check=True, capture_output=True,
        )  # fmt: skip
    _wait_ready(port)
    return f"postgres://postgres@127.0.0.1:{port}/nr_faulttest"


def _pg_ctl(action: str) -> None:
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", _pg_version(), FAULT_CLUSTER, action,
         *(["-m", "fast"] if action == "stop" else [])],
        check=True, capture_output=True,
    )  # fmt: skip


def _wait_ready(port: int, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", str(port)]).returncode:
        if time.time() > deadline:
            raise RuntimeError(f"PostgreSQL on port {port} did not start")
        time.sleep(0.1)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(database_url: str, users: int) -> list[int]:
    """Database, schema, project, annotators, documents; the document ids."""
    import psycopg

    base, name = database_url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsreview.settings")
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from newsreview.accounts.models import User
    from newsreview.documents.models import Document
    from newsreview.projects.models import Membership, Project
    from newsreview.projects.services import install_default_schema

    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    Project.objects.filter(slug=SLUG).delete()
    project = Project.objects.create(slug=SLUG, name="Load test", schema=install_default_schema())
    hashed = make_password(PASSWORD)
    User.objects.filter(username__startswith="load-").delete()
    people = User.objects.bulk_create(
        User(username=f"load-{n:02d}", password=hashed) for n in range(users)
    )
    Membership.objects.bulk_create(
        Membership(project=project, user=user, role=Membership.Role.ANNOTATOR) for user in people
    )
    seed = (ROOT / "newsreview/documents/seed/article-ar.txt").read_text("utf-8")
    documents = Document.objects.bulk_create(
        Document(project=project, title=f"load {n}", text=seed) for n in range(DOCUMENTS)
    )
    from django.db import connections

    connections.close_all()
    return [d.pk for d in documents]


def start_server(env: dict[str, str], port: int) -> subprocess.Popen:
    log = open(Path(tempfile.gettempdir()) / f"nr_loadtest_{port}.log", "wb")  # noqa: SIM115
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "newsreview.wsgi",
         "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    import httpx

    deadline = time.time() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if server.poll() is not None or time.time() > deadline:
            raise RuntimeError(f"gunicorn did not start; see {log.name}")
        time.sleep(0.2)


# --- the simulated annotators -----------------------------------------------------------


@dataclass
class Span:
    start: int
    end: int
    label: str


@dataclass
class Layer:
    """What the server acknowledged for one annotator's layer on one document."""

    version: int = 0
    spans: dict[int, Span] = field(default_factory=dict)
    arguments: set[tuple[int, str, int]] = field(default_factory=set)  # trigger, role, span
    # Writes sent since the record last matched the server whose answer never came (or
    # was an error): each may or may not have happened.
    uncertain: list[tuple] = field(default_factory=list)


@dataclass
class Record:
    at: float
    ms: float
    status: int  # 0: no answer (connection refused or reset, timeout)
    kind: str


class Stats:
    def __init__(self) -> None:
        self.records: list[Record] = []
        self.unacknowledged_writes = 0
        self.mismatches = 0
        self.lost = 0
        self.phantom = 0
        self.unacknowledged_applied = 0
        self.client_cpu_s = 0.0


def compare(layer: Layer, stored: dict[int, tuple], arguments: set | None) -> tuple[int, int, int]:
    """(lost, phantom, explained): acknowledged rows missing from `stored`, rows in it
    nobody was told about, and differences an unacknowledged write explains."""
    expected = {i: (s.start, s.end, s.label) for i, s in layer.spans.items()}
    creates = {op[1:] for op in layer.uncertain if op[0] == "create"}
    deletes = {op[1] for op in layer.uncertain if op[0] == "delete"}
    relabels = {op[1:] for op in layer.uncertain if op[0] == "relabel"}
    links = {op[1:] for op in layer.uncertain if op[0] == "argument"}
    # Acknowledged creates whose answer did not show the new span's id.
    acked = {op[1:] for op in layer.uncertain if op[0] == "acknowledged create"}
    lost = len(acked - set(stored.values()))
    phantom = explained = 0
    for i, value in expected.items():
        if stored.get(i) == value:
            continue
        if i not in stored and i in deletes or (i, stored.get(i, (0, 0, ""))[2]) in relabels:
            explained += 1
        else:
            lost += 1
    for i, value in stored.items():
        if expected.get(i) == value or (i, value[2]) in relabels or value in acked:
            continue
        if i not in expected and value in creates:
            explained += 1
        else:
            phantom += 1
    if arguments is not None:
        for argument in layer.arguments - arguments:
            if argument[0] in deletes or argument[2] in deletes:
                explained += 1
            else:
                lost += 1
        for argument in arguments - layer.arguments:
            if argument in links:
                explained += 1
            else:
                phantom += 1
    return lost, phantom, explained


def marks(html: str) -> dict[int, Span]:
    found: dict[int, Span] = {}
    for tag in MARK.findall(html):
        attrs = dict(ATTR.findall(tag))
        if "span-id" in attrs and "start" in attrs:
            found.setdefault(
                int(attrs["span-id"]),
                Span(int(attrs["start"]), int(attrs["end"]), attrs.get("label", "")),
            )
    return found


class Annotator:
    def __init__(self, name: str, base: str, documents: list[int], text: str, stats: Stats):
        import httpx

        self.name = name
        self.client = httpx.AsyncClient(base_url=base, timeout=30)
        self.documents = documents
        self.text = text
        self.words = [m.span() for m in re.finditer(r"\w{2,}", text)]
        self.stats = stats
        self.layers: dict[int, Layer] = {}
        self.random = random.Random(name)

    async def request(self, kind: str, method: str, url: str, **kwargs):
        import httpx

        started = time.perf_counter()
        try:
            response = await self.client.request(method, url, **kwargs)
            status = response.status_code
        except httpx.HTTPError:
            response, status = None, 0
        self.stats.records.append(
            Record(started, (time.perf_counter() - started) * 1000, status, kind)
        )
        return response

    async def login(self) -> bool:
        await self.request("login_page", "GET", "/accounts/login/")
        response = await self.request(
            "login", "POST", "/accounts/login/",
            data={"username": self.name, "password": PASSWORD,
                  "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", "")},
        )  # fmt: skip
        return response is not None and response.status_code == 302

    def _path(self, document: int) -> str:
        return f"/projects/{SLUG}/documents/{document}/annotate/"

    async def open(self, document: int) -> bool:
        response = await self.request("page", "GET", self._path(document))
        if response is None or response.status_code != 200:
            return False
        layer = self.layers.setdefault(document, Layer())
        found = VERSION.search(response.text)
        layer.version = int(found.group(1)) if found else 0
        shown = marks(response.text)
        stored = {i: (s.start, s.end, s.label) for i, s in shown.items()}
        lost, phantom, explained = compare(layer, stored, None)
        if lost or phantom or explained:
            # Only an unacknowledged write may explain a difference; the client goes on
            # from what the server shows, as a person reloading the page would.
            self.stats.mismatches += 1
            self.stats.lost += lost
            self.stats.phantom += phantom
            self.stats.unacknowledged_applied += explained
            layer.spans = shown
            layer.arguments = {a for a in layer.arguments if a[0] in shown and a[2] in shown}
        layer.uncertain = [op for op in layer.uncertain if op[0] == "argument"]
        return True

    async def post(self, kind: str, document: int, path: str, data: dict, op: tuple) -> str | None:
        layer = self.layers[document]
        data = {**data, "version": layer.version, "action": uuid.uuid4().hex}
        headers = {
            "HX-Request": "true",
            "X-CSRFToken": self.client.cookies.get("csrftoken", ""),
            "Referer": f"{self.client.base_url}{self._path(document)}",
        }
        response = await self.request(
            kind, "POST", self._path(document) + path, data=data, headers=headers
        )
        if response is None or response.status_code != 200:
            # Not acknowledged: it may or may not have happened. Reload, as a person would.
            self.stats.unacknowledged_writes += 1
            layer.uncertain.append(op)
            layer.version = -1
            return None
        found = VERSION.search(response.text)
        if found:
            layer.version = int(found.group(1))
        return response.text

    async def act(self, document: int) -> None:
        layer = self.layers[document]
        entities = [i for i, s in layer.spans.items() if s.label in ENTITY_LABELS]
        triggers = [i for i, s in layer.spans.items() if s.label in TRIGGERS]
        linked = {a[0] for a in layer.arguments} | {a[2] for a in layer.arguments}
        roll = self.random.random()
        if roll < 0.45 or not layer.spans:
            await self.create(document, self.random.choice(ENTITY_LABELS) if roll < 0.35
                              else self.random.choice(list(TRIGGERS)))  # fmt: skip
        elif roll < 0.6 and triggers and entities:
            await self.link(document, self.random.choice(triggers), entities)
        elif roll < 0.8:
            candidates = [i for i in layer.spans if i not in linked]
            if candidates:
                await self.relabel(document, self.random.choice(candidates))
        else:
            await self.delete(document, self.random.choice(list(layer.spans)))

    async def create(self, document: int, label: str) -> None:
        layer = self.layers[document]
        taken = {(s.start, s.end) for s in layer.spans.values()}
        covered = [(s.start, s.end) for s in layer.spans.values()]
        free = [w for w in self.words if w not in taken
                and not any(a < w[1] and w[0] < b for a, b in covered)]  # fmt: skip
        if not free:
            return
        start, end = self.random.choice(free)
        html = await self.post(
            "create", document, "spans/",
            {"start": start, "end": end, "text": self.text[start:end], "label": label,
             "unit": "codepoint"},
            ("create", start, end, label),
        )  # fmt: skip
        if html is None:
            return
        created = [i for i, s in marks(html).items() if (s.start, s.end) == (start, end)]
        if created:
            layer.spans[created[0]] = Span(start, end, label)
        else:
            # Acknowledged but not shown: learn its id from the page.
            layer.uncertain.append(("acknowledged create", start, end, label))
            layer.version = -1

    async def relabel(self, document: int, span_id: int) -> None:
        layer = self.layers[document]
        span = layer.spans[span_id]
        choices = ENTITY_LABELS if span.label in ENTITY_LABELS else list(TRIGGERS)
        label = self.random.choice([c for c in choices if c != span.label])
        data = {"span": span_id, "label": label}
        if await self.post("relabel", document, "spans/update/", data, ("relabel", span_id, label)):
            span.label = label

    async def delete(self, document: int, span_id: int) -> None:
        layer = self.layers[document]
        data = {"span": span_id}
        if await self.post("delete", document, "spans/delete/", data, ("delete", span_id)):
            del layer.spans[span_id]
            layer.arguments = {a for a in layer.arguments if span_id not in (a[0], a[2])}

    async def link(self, document: int, trigger: int, entities: list[int]) -> None:
        layer = self.layers[document]
        role, accepted = TRIGGERS[layer.spans[trigger].label]
        fitting = [e for e in entities if layer.spans[e].label in accepted
                   and (trigger, role, e) not in layer.arguments]  # fmt: skip
        if not fitting:
            return
        entity = self.random.choice(fitting)
        data = {"trigger": trigger, "role": role, "span": entity}
        op = ("argument", trigger, role, entity)
        if await self.post("argument", document, "arguments/", data, op) is not None:
            layer.arguments.add((trigger, role, entity))

    async def arrive(self, spread: float) -> None:
        """Log in, at a random moment within `spread` seconds: people do not all arrive at
        once, and a login is a deliberately slow password hash (about half a second of
        CPU, once a day for a person)."""
        await asyncio.sleep(self.random.uniform(0, spread))
        while not await self.login():
            await asyncio.sleep(1)

    async def run(self, deadline: float) -> None:
        await asyncio.sleep(self.random.uniform(0, 4.0))  # not all at the same instant
        while time.perf_counter() < deadline:
            document = self.random.choice(self.documents)
            if not await self.open(document):
                await asyncio.sleep(1)
                continue
            for _ in range(self.random.randint(4, 10)):
                await asyncio.sleep(self.random.uniform(1.0, 4.0))
                if time.perf_counter() > deadline:
                    break
                if self.layers[document].version < 0 and not await self.open(document):
                    break
                await self.act(document)
        await self.client.aclose()


# --- checks and figures -----------------------------------------------------------------


def check_writes(annotators: list[Annotator], stats: Stats) -> tuple[int, int]:
    """(lost, phantom) over the whole run: acknowledged writes missing from the database
    (or from a page reloaded on the way), and rows there that no annotator was told were
    written. Differences that a write without an answer explains (it happened though its
    answer was lost) are counted apart, in `stats.unacknowledged_applied`."""
    from django.db import connections

    from newsreview.annotations.models import Argument
    from newsreview.annotations.models import Span as SpanRow

    connections.close_all()
    lost, phantom = stats.lost, stats.phantom
    for annotator in annotators:
        for document, layer in annotator.layers.items():
            rows = SpanRow.objects.filter(
                layer__document_id=document, layer__owner__username=annotator.name
            ).select_related("entity_type", "event_type")
            stored = {r.pk: (r.start, r.end, (r.entity_type or r.event_type).key) for r in rows}
            arguments = set(
                Argument.objects.filter(
                    event__layer__document_id=document,
                    event__layer__owner__username=annotator.name,
                ).values_list("event__trigger_id", "role__key", "span_id")
            )
            missing, extra, explained = compare(layer, stored, arguments)
            lost += missing
            phantom += extra
            stats.unacknowledged_applied += explained
    return lost, phantom


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


async def drive(base: str, users: int, seconds: float, documents: list[int], text: str,
                fault: dict | None) -> tuple[Stats, list[Annotator], float]:  # fmt: skip
    stats = Stats()
    annotators = [Annotator(f"load-{n:02d}", base, documents, text, stats) for n in range(users)]
    # The morning's logins first (their latency is reported apart), then the timed work:
    # 50 password hashes squeezed into the working minute would measure the hashing, not
    # a day of annotation.
    await asyncio.gather(*(a.arrive(ARRIVAL_S) for a in annotators))
    started = time.perf_counter()
    cpu = time.process_time()
    deadline = started + seconds
    tasks = [asyncio.create_task(a.run(deadline)) for a in annotators]
    if fault is not None:
        tasks.append(asyncio.create_task(outage(started, fault)))
        tasks.append(asyncio.create_task(probe(base, deadline, fault)))
    await asyncio.gather(*tasks)
    stats.client_cpu_s = time.process_time() - cpu  # this process: the simulated annotators
    return stats, annotators, started


async def outage(started: float, fault: dict) -> None:
    await asyncio.sleep(FAULT_AT)
    fault["stopping"] = time.perf_counter()
    await asyncio.to_thread(_pg_ctl, "stop")
    fault["stopped"] = time.perf_counter()
    await asyncio.sleep(FAULT_SECONDS)
    fault["starting"] = time.perf_counter()
    await asyncio.to_thread(_pg_ctl, "start")
    await asyncio.to_thread(_wait_ready, fault["port"])
    fault["back"] = time.perf_counter()


async def probe(base: str, deadline: float, fault: dict) -> None:
    """/readyz every 0.1 s (what a load balancer asks): when it first answers 200 again
    after PostgreSQL is back, without the queue of user requests in front of it."""
    import httpx

    async with httpx.AsyncClient(base_url=base, timeout=5) as client:
        while time.perf_counter() < deadline:
            asked = time.perf_counter()
            try:
                ok = (await client.get("/readyz")).status_code == 200
            except httpx.HTTPError:
                ok = False
            if ok and "back" in fault and asked >= fault["back"] and "ready_again" not in fault:
                fault["ready_again"] = time.perf_counter()
            await asyncio.sleep(0.1)


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--fault", action="store_true", help="stop PostgreSQL for 10 s")
    options = parser.parse_args()
    try:
        return run(options)
    finally:
        if options.fault:
            _stop_fault_cluster()


def _stop_fault_cluster() -> None:
    """Stop the dedicated cluster (kept on disk for next time): nothing left running. Not
    checked: if the run failed before the cluster existed, that failure is the news."""
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", _pg_version(), FAULT_CLUSTER, "stop",
         "-m", "fast"],
        capture_output=True,
    )  # fmt: skip


def run(options: argparse.Namespace) -> dict:
    if options.fault:
        database_url = fault_cluster_url()
    else:
        database_url = os.environ.get(
            "LOADTEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/nr_loadtest"
        )
    static_root = Path(tempfile.gettempdir()) / "nr_loadtest_static"
    os.environ.update(
        {"DEBUG": "0", "NEWSREVIEW_STATIC_ROOT": str(static_root),
         "ALLOWED_HOSTS": "127.0.0.1,localhost", "AXES_FAILURE_LIMIT": "1000"}
    )  # fmt: skip
    documents = prepare(database_url, options.users)
    text = (ROOT / "newsreview/documents/seed/article-ar.txt").read_text("utf-8")
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    server = start_server(env, port)
    fault = {"port": int(database_url.rsplit(":", 1)[1].split("/")[0])} if options.fault else None
    try:
        stats, annotators, started = asyncio.run(
            drive(f"http://127.0.0.1:{port}", options.users, options.seconds, documents, text,
                  fault)
        )  # fmt: skip
        workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * (os.cpu_count() or 1) + 1)
    finally:
        server.terminate()
        server.wait(timeout=30)
    lost, phantom = check_writes(annotators, stats)

    logins = [r.ms for r in stats.records if r.kind == "login" and r.status == 302]
    records = [r for r in stats.records if r.at >= started]  # the timed work
    elapsed = max(r.at + r.ms / 1000 for r in records) - started
    window = None
    if fault:
        # The fault window: from the stop command to the first successful answer that
        # needed the database after it is back (requests in flight at either edge belong
        # to it; the login page alone needs no database).
        recovered_at = min(
            (r.at + r.ms / 1000 for r in records
             if r.at >= fault["back"] and r.status == 200 and r.kind != "login_page"),
            default=None,
        )  # fmt: skip
        window = (fault["stopping"], recovered_at or float("inf"))
    outside = [r for r in records if not window or not (window[0] <= r.at + r.ms / 1000
                                                          and r.at <= window[1])]  # fmt: skip
    inside = [r for r in records if r not in outside] if window else []
    # A login costs a deliberately slow password hash (once a day for a person): its
    # latency is shown apart, not mixed into the working requests' percentiles.
    ok = [r.ms for r in outside if r.status and r.status < 500 and r.kind != "login"]
    errors = [r for r in outside if r.status == 0 or r.status >= 400 and r.status != 302]
    by_kind = _count(errors)
    acknowledged = [r.ms for r in outside if r.kind in WRITES and r.status == 200]
    figures = {
        "users": options.users,
        "seconds": round(elapsed, 1),
        "requests": len(records),
        "requests_per_s": round(len(records) / elapsed, 1),
        "writes_acknowledged": sum(1 for r in records if r.kind in WRITES and r.status == 200),
        "latency_ms": {
            "p50": round(percentile(ok, 0.50), 1),
            "p95": round(percentile(ok, 0.95), 1),
            "p99": round(percentile(ok, 0.99), 1),
        },
        "login_ms": {
            "p50": round(percentile(logins, 0.5), 1),
            "p95": round(percentile(logins, 0.95), 1),
        },
        "write_latency_ms": {
            "p50": round(percentile(acknowledged, 0.5), 1),
            "p95": round(percentile(acknowledged, 0.95), 1),
        },
        # Where the time goes: each kind of request apart.
        "latency_by_kind_ms": {
            kind: {
                "n": len(times),
                "p50": round(percentile(times, 0.5), 1),
                "p95": round(percentile(times, 0.95), 1),
            }
            for kind in sorted({r.kind for r in outside if r.kind != "login"})
            if (times := [r.ms for r in outside if r.kind == kind and r.status == 200])
        },
        "client_cpu_s": round(stats.client_cpu_s, 1),  # during the timed work
        "errors": len(errors),
        "errors_by_kind": by_kind,
        "lost_writes": lost,
        "phantom_writes": phantom,
        "page_mismatches": stats.mismatches,
        "unacknowledged_writes": stats.unacknowledged_writes,
        "unacknowledged_applied": stats.unacknowledged_applied,
        "gunicorn_workers": workers,
        "load_average": round(os.getloadavg()[0], 2),
    }
    if fault:
        status_503 = sum(1 for r in inside if r.status == 503)
        other = [r for r in inside if r.status not in (200, 302, 503)]
        figures.update(
            {
                "errors_outside_window": len(errors),
                "status_503": status_503,
                "other_in_window": len(other),
                "other_in_window_by_kind": _count(other),
                "database_down_s": round(fault["back"] - fault["stopping"], 1),
                "recovery_s": round(window[1] - fault["back"], 2)
                if window[1] != float("inf")
                else None,
                "readyz_recovery_s": round(fault["ready_again"] - fault["back"], 2)
                if "ready_again" in fault
                else None,
            }
        )
    threads = os.environ.get("GUNICORN_THREADS", "4")
    print(
        f"{options.users} annotators for {elapsed:.0f} s against gunicorn ({workers} workers "
        f"× {threads} threads) on PostgreSQL; load average {figures['load_average']} on "
        f"{os.cpu_count()} CPUs"
    )
    for key, value in figures.items():
        print(f"  {key:<24} {value}")
    if fault:
        keys = ["errors_outside_window", "status_503", "lost_writes", "phantom_writes",
                "recovery_s"]  # fmt: skip
        summary = {key: figures[key] for key in keys}
        summary.update({k: figures[k] for k in figures if k not in summary})
        return summary
    return figures


WRITES = {"create", "relabel", "delete", "argument"}


def _count(records: list[Record]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in records:
        key = f"{r.kind}:{r.status or 'no answer'}"
        counts[key] = counts.get(key, 0) + 1
    return counts


if __name__ == "__main__":
    print(json.dumps(main()))
