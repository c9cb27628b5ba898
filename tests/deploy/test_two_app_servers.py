"""Two app servers and one job worker against one PostgreSQL behave as one app: a user's
requests go alternately to both (login on one, annotate on the other, upload on one,
confirm on the other, the worker imports; export on one, download from the other). No
state lives in a server: sessions and jobs are in the database, files in the shared
storage."""

from __future__ import annotations

import json
import re
import time

import httpx
import pytest
from django.db import connection

from newsreview.annotations.models import Span
from newsreview.documents.models import Document
from newsreview.jobs.models import Job
from newsreview.projects.models import Membership
from tests.core.test_database_outage import real_password_hashers
from tests.factories import DocumentFactory, MembershipFactory, UserFactory
from tests.servers import (
    database_url,
    free_port,
    server_env,
    start_gunicorn,
    start_worker,
    stop,
)

HEADLINE = "حموشي يعيد الدفء إلى علاقات المغرب بفرنسا ورحلة قريبة ستأخذه إلى باريس"


class Browser:
    """One person's cookies, sending each request to the server it is told to."""

    def __init__(self, ports: list[int]) -> None:
        self.client = httpx.Client(timeout=30)
        self.bases = [f"http://127.0.0.1:{port}" for port in ports]

    def url(self, server: int, path: str) -> str:
        return self.bases[server] + path

    def get(self, server: int, path: str, **kwargs) -> httpx.Response:
        return self.client.get(self.url(server, path), **kwargs)

    def post(self, server: int, path: str, htmx: bool = True, **kwargs) -> httpx.Response:
        headers = {
            "X-CSRFToken": self.client.cookies["csrftoken"],
            "Referer": self.url(server, path),
        }
        if htmx:
            headers["HX-Request"] = "true"
        return self.client.post(self.url(server, path), headers=headers, **kwargs)


def _version(html: str) -> int:
    return int(re.search(r'data-(?:layer-)?version="(\d+)"', html).group(1))


@pytest.mark.django_db(transaction=True)
def test_two_app_servers_and_a_worker_behave_as_one_app(tmp_path, settings, default_schema):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: servers in other processes share the test database")
    real_password_hashers(settings)
    from newsreview.projects.models import Project

    project = Project.objects.create(slug="news", name="أخبار", schema=default_schema)
    manager = UserFactory(username="editor")
    MembershipFactory(project=project, user=manager, role=Membership.Role.MANAGER)
    document = DocumentFactory(project=project, text=HEADLINE, title="headline")

    env = server_env(database_url(), tmp_path / "storage")
    logs = tmp_path
    ports = [free_port(), free_port()]
    servers = [start_gunicorn(env, port, logs / f"app{n}.log") for n, port in enumerate(ports)]
    worker = start_worker(env, logs / "worker.log")
    browser = Browser(ports)
    try:
        # Log in on server 0.
        browser.get(0, "/accounts/login/")
        login = browser.post(
            0,
            "/accounts/login/",
            htmx=False,
            data={"username": "editor", "password": "demo",
                  "csrfmiddlewaretoken": browser.client.cookies["csrftoken"]},
        )  # fmt: skip
        assert login.status_code == 302, login.text[:300]

        # Annotate on server 1, relabel on server 0, delete on server 1.
        annotate = f"/projects/news/documents/{document.pk}/annotate/"
        page = browser.get(1, annotate)
        assert page.status_code == 200 and "editor" in page.text
        created = browser.post(
            1, annotate + "spans/",
            data={"start": 0, "end": 5, "text": HEADLINE[0:5], "label": "PERS",
                  "version": _version(page.text), "unit": "codepoint"},
        )  # fmt: skip
        assert created.status_code == 200, created.text[:300]
        span = Span.objects.get(layer__document=document)
        assert (span.start, span.end, span.entity_type.key) == (0, 5, "PERS")
        relabelled = browser.post(
            0, annotate + "spans/update/",
            data={"span": span.pk, "label": "ORG", "version": _version(created.text)},
        )  # fmt: skip
        assert relabelled.status_code == 200, relabelled.text[:300]
        span.refresh_from_db()
        assert span.entity_type.key == "ORG"
        second = browser.post(
            1, annotate + "spans/",
            data={"start": 65, "end": 70, "text": HEADLINE[65:70], "label": "GPE",
                  "version": _version(relabelled.text), "unit": "codepoint"},
        )  # fmt: skip
        assert second.status_code == 200
        deleted = browser.post(
            1, annotate + "spans/delete/", data={"span": span.pk, "version": _version(second.text)}
        )
        assert deleted.status_code == 200, deleted.text[:300]
        assert list(Span.objects.filter(layer__document=document).values_list("start", "end")) == [
            (65, 70)
        ]

        # Upload on server 0; the preview and the confirmation on server 1; the worker imports.
        lines = "\n".join(
            json.dumps({"text": f"{HEADLINE} {n}", "label": [[0, 5, "PERS"]]}, ensure_ascii=False)
            for n in range(30)
        ).encode()
        upload = browser.post(
            0, "/projects/news/import/", htmx=False,
            data={"format": "doccano", "csrfmiddlewaretoken": browser.client.cookies["csrftoken"]},
            files={"file": ("many.jsonl", lines)},
        )  # fmt: skip
        assert upload.status_code == 302, upload.text[:500]
        preview_path = upload.headers["location"]
        preview = browser.get(1, preview_path)
        assert preview.status_code == 200 and 'data-count-documents="30"' in preview.text
        token = preview_path.rstrip("/").rsplit("/", 1)[1]
        confirm = browser.post(1, f"/projects/news/import/{token}/confirm/", htmx=False)
        assert confirm.status_code == 302
        job_path = confirm.headers["location"]
        assert job_path.startswith("/jobs/")

        deadline = time.monotonic() + 60
        server = 0
        while True:
            state = browser.get(server, job_path, headers={"HX-Request": "true"})
            assert state.status_code == 200
            if 'data-job-status="done"' in state.text or 'data-job-status="failed"' in state.text:
                break
            assert time.monotonic() < deadline, "the worker never finished the import"
            server = 1 - server
            time.sleep(0.3)
        assert 'data-job-status="done"' in state.text, state.text[:500]
        assert Document.objects.filter(project=project).count() == 31
        documents = browser.get(1 - server, "/projects/news/")
        assert documents.status_code == 200 and f"{HEADLINE} 29"[:20] in documents.text

        # Export in the background from server 1; download the stored file from server 0.
        export = browser.post(
            1, "/projects/news/export/job/", data={"format": "jsonl", "layer": "all"}
        )
        export_job = export.headers["hx-redirect"]
        deadline = time.monotonic() + 60
        while Job.objects.get(kind="export").status not in ("done", "failed"):
            assert time.monotonic() < deadline, "the worker never finished the export"
            time.sleep(0.3)
        assert Job.objects.get(kind="export").status == "done"
        download = browser.get(0, export_job + "download/")
        assert download.status_code == 200
        rows = [json.loads(line) for line in download.text.splitlines()]
        assert len(rows) == 31  # the annotated headline and the 30 imported documents
        mine = [row for row in rows if row["document"]["text"] == HEADLINE]
        entities = [(s["start"], s["end"], s["label"]) for s in mine[0]["entities"]]
        assert entities == [(65, 70, "GPE")]
    finally:
        browser.client.close()
        for process in [*servers, worker]:
            stop(process)
