"""Every URL of the app × every kind of user × GET and POST, against one table.

The URLs come from the URLconf, so a new URL fails `test_every_url_has_a_row_in_the_table`
until someone decides who may use it and adds a row to EXPECTED below.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db.models import Sum
from django.test import Client
from django.urls import reverse

from tests.security.conftest import ROLES, World
from tests.security.urlwalk import Route, app_routes

# Outcomes, as the user sees them.
LOGIN = "redirect to login"  # 302 to /accounts/login/?next=…
NOT_FOUND = "404"  # not a member: the object does not exist for them
FORBIDDEN = "403"  # a member whose role is too small
NOT_ALLOWED = "405"  # wrong method, for everyone
OK = "allowed"  # any answer below 500 that is none of the above (200, 302, 409, 422…)

MEMBER_ROLES = ("annotator", "reviewer", "manager")


def everyone(outcome: str = OK) -> dict[str, str]:
    return dict.fromkeys(ROLES, outcome)


def logged_in() -> dict[str, str]:
    return {**everyone(OK), "anonymous": LOGIN}


def project_page(*allowed: str) -> dict[str, str]:
    """A page inside a project: strangers get 404, members below `allowed` get 403."""
    table = {"anonymous": LOGIN, "outsider": NOT_FOUND, "superuser": OK}
    for role in MEMBER_ROLES:
        table[role] = OK if role in allowed else FORBIDDEN
    return table


ALL_MEMBERS = MEMBER_ROLES
REVIEWERS = ("reviewer", "manager")
MANAGERS = ("manager",)
GET_ONLY = everyone(NOT_ALLOWED)

# url name -> {method: {role: outcome}}. Add a row for every new URL.
EXPECTED: dict[str, dict[str, dict[str, str]]] = {
    "accounts:login": {"GET": everyone(), "POST": everyone()},
    "accounts:logout": {"GET": GET_ONLY, "POST": everyone()},
    "accounts:password-change": {"GET": logged_in(), "POST": logged_in()},
    "accounts:password-change-done": {
        "GET": logged_in(),
        "POST": {**GET_ONLY, "anonymous": LOGIN},
    },
    "accounts:password-reset": {"GET": everyone(), "POST": everyone()},
    "accounts:password-reset-done": {"GET": everyone(), "POST": GET_ONLY},
    "accounts:password-reset-confirm": {"GET": everyone(), "POST": everyone()},
    "accounts:password-reset-complete": {"GET": everyone(), "POST": GET_ONLY},
    "projects:project-list": {"GET": logged_in(), "POST": GET_ONLY},
    "projects:member-list": {"GET": project_page(*MANAGERS), "POST": project_page(*MANAGERS)},
    "projects:member-remove": {"GET": GET_ONLY, "POST": project_page(*MANAGERS)},
    "documents:document-list": {"GET": project_page(*ALL_MEMBERS), "POST": GET_ONLY},
    "documents:document-detail": {"GET": project_page(*ALL_MEMBERS), "POST": GET_ONLY},
    "documents:document-history": {"GET": project_page(*REVIEWERS), "POST": GET_ONLY},
    # The workspace: every member annotates their own layer (POSTs with an empty body
    # pass the permission check and are refused as bad input: 422 counts as allowed).
    "annotations:annotate": {"GET": project_page(*ALL_MEMBERS), "POST": GET_ONLY},
    **{
        f"annotations:{name}": {"GET": GET_ONLY, "POST": project_page(*ALL_MEMBERS)}
        for name in (
            "span-create",
            "span-update",
            "span-delete",
            "argument-create",
            "argument-delete",
            "argument-update",
            "event-attribute",
            "layer-undo",
            "layer-redo",
            "layer-status",
        )
    },
    # Label all mentions (issue 13): every member, in their own layer.
    "arabic:mentions-preview": {"GET": project_page(*ALL_MEMBERS), "POST": GET_ONLY},
    "arabic:mentions-apply": {"GET": GET_ONLY, "POST": project_page(*ALL_MEMBERS)},
    "arabic:annotation-search": {"GET": project_page(*ALL_MEMBERS), "POST": GET_ONLY},
    "arabic:suggestions": {"GET": project_page(*ALL_MEMBERS), "POST": GET_ONLY},
    "arabic:suggestions-accept": {"GET": GET_ONLY, "POST": project_page(*ALL_MEMBERS)},
    "arabic:suggestions-reject": {"GET": GET_ONLY, "POST": project_page(*ALL_MEMBERS)},
    # Exports: reviewers and managers (data scientists get a reviewer role).
    **{
        f"exports:{name}": {"GET": project_page(*REVIEWERS), "POST": GET_ONLY}
        for name in (
            "export",
            "export-download",
            "export-summary",
            "schema-download",
            "side-file-download",
        )
    },
    # Review (issue 10): the curation page and its writes are for reviewers and managers;
    # comments for every member on the layers they may see (an annotator: their own).
    "review:review": {"GET": project_page(*REVIEWERS), "POST": GET_ONLY},
    **{
        f"review:{name}": {"GET": GET_ONLY, "POST": project_page(*REVIEWERS)}
        for name in (
            "review-start",
            "candidate-accept",
            "group-reject",
            "review-undo",
            "review-redo",
            "gold-span-create",
            "gold-span-update",
            "gold-span-delete",
            "review-approve",
            "review-reopen",
            "changes-request",
        )
    },
    "review:comment-create": {"GET": GET_ONLY, "POST": project_page(*ALL_MEMBERS)},
    "review:queue": {"GET": project_page(*REVIEWERS), "POST": GET_ONLY},
    "review:queue-next": {"GET": project_page(*REVIEWERS), "POST": GET_ONLY},
    # Imports: managers. An upload token lives in the uploader's session (see PREPARE).
    "imports:upload": {"GET": project_page(*MANAGERS), "POST": project_page(*MANAGERS)},
    "imports:preview": {"GET": project_page(*MANAGERS), "POST": GET_ONLY},
    "imports:progress": {"GET": project_page(*MANAGERS), "POST": GET_ONLY},
    "imports:confirm": {"GET": GET_ONLY, "POST": project_page(*MANAGERS)},
    "imports:cancel": {"GET": GET_ONLY, "POST": project_page(*MANAGERS)},
    # Assignment (issue 11): managers hand out documents from the document list.
    "documents:assignment-update": {"GET": GET_ONLY, "POST": project_page(*MANAGERS)},
    "documents:assignment-auto": {"GET": GET_ONLY, "POST": project_page(*MANAGERS)},
    # The dashboard: reviewers and managers.
    "agreement:dashboard": {"GET": project_page(*REVIEWERS), "POST": GET_ONLY},
    # A background export: reviewers and managers, like the download.
    "exports:export-job": {"GET": GET_ONLY, "POST": project_page(*REVIEWERS)},
    # Jobs are personal: the list shows one's own; anybody else's job does not exist
    # for them, superusers included (they have the admin).
    "jobs:job-list": {"GET": logged_in(), "POST": GET_ONLY},
    **{
        f"jobs:{name}": {
            "GET": {**everyone(NOT_FOUND), "anonymous": LOGIN, "manager": OK},
            "POST": GET_ONLY,
        }
        for name in ("job-detail", "job-download")
    },  # fmt: skip
    # Project-wide label-all-mentions as a job: any member may start one on a document
    # they may open; its progress and preview are its owner's only (404 for anybody else).
    "arabic:mentions-project": {"GET": GET_ONLY, "POST": project_page(*ALL_MEMBERS)},
    "arabic:mentions-job": {
        "GET": {**everyone(NOT_FOUND), "anonymous": LOGIN, "manager": OK},
        "POST": GET_ONLY,
    },
    # The dashboard's computing job: reviewers and managers, its owner only.
    "agreement:dashboard-job": {
        "GET": {**project_page(*REVIEWERS), "reviewer": NOT_FOUND, "superuser": NOT_FOUND},
        "POST": GET_ONLY,
    },
    # Probes for load balancers: anybody, read only.
    "healthz": {"GET": everyone(), "POST": GET_ONLY},
    "readyz": {"GET": everyone(), "POST": GET_ONLY},
}

# Query strings some URLs need to reach their permission check with real input.
QUERY: dict[str, str] = {
    "exports:export-download": "format=jsonl&layer=gold",
    "exports:export-summary": "format=jsonl&layer=gold",
    "exports:side-file-download": "format=jsonl",
}


def _upload_token(client: Client, world: World) -> dict[str, str]:
    """A real upload in this client's session: the import pages need its token."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        reverse("imports:upload", args=[world.news.project.slug]),
        {"file": SimpleUploadedFile("a.txt", "خبر عاجل".encode())},
    )
    assert response.status_code == 302, response.status_code
    return {"token": response.url.rstrip("/").rsplit("/", 1)[-1]}


def _finished_export(client: Client, world: World) -> dict[str, int]:
    """A job of news's manager whose result is in this test's storage."""
    import io

    from newsreview.jobs.services import finish_job
    from tests.factories import JobFactory

    job = JobFactory(user=world.user("manager"), project=world.news.project)
    finish_job(job, message="", result=io.BytesIO(b"{}\n"), result_name="news-gold.jsonl")
    return {"job_id": job.pk}


def _mentions_job(client: Client, world: World) -> dict[str, int]:
    """A waiting label-all-mentions job of news's manager, on a span of their own."""
    from newsreview.annotations import services
    from newsreview.jobs.models import Job
    from tests.factories import JobFactory

    manager, document = world.user("manager"), world.news.document
    layer = services.get_or_create_layer(document=document, user=manager)
    start = document.text.index("حموشي")
    span = services.add_span(layer=layer, start=start, end=start + 5, label="PERS", by=manager)
    job = JobFactory(
        user=manager,
        project=world.news.project,
        kind=Job.Kind.MENTIONS,
        params={"document": document.pk, "span": span.pk},
    )
    return {"job_id": job.pk}


def _agreement_job(client: Client, world: World) -> dict[str, int]:
    """A waiting dashboard job of news's manager."""
    from newsreview.jobs.models import Job
    from tests.factories import JobFactory

    job = JobFactory(
        user=world.user("manager"),
        project=world.news.project,
        kind=Job.Kind.AGREEMENT,
        params={"key": "k", "url": "/"},
    )
    return {"job_id": job.pk}


# URL kwargs that exist only after the user did something: url name -> maker of kwargs,
# used for the users the table allows (the others are refused before the lookup).
PREPARE = dict.fromkeys(
    ("imports:preview", "imports:progress", "imports:confirm", "imports:cancel"), _upload_token
)
PREPARE["jobs:job-download"] = _finished_export
PREPARE["arabic:mentions-job"] = _mentions_job
PREPARE["agreement:dashboard-job"] = _agreement_job
ROUTES = app_routes()


def url_for(world: World, route: Route, objects=None, overrides=None) -> str:
    kwargs = {**world.kwargs(list(route.params), objects), **(overrides or {})}
    url = reverse(route.name, kwargs=kwargs)
    return f"{url}?{QUERY[route.name]}" if route.name in QUERY else url


METHODS = ("GET", "POST")


def outcome_of(response) -> str:
    if response.status_code == 302 and response.url.startswith(
        reverse("accounts:login") + "?next="
    ):
        return LOGIN
    if response.status_code == 404:
        return NOT_FOUND
    if response.status_code == 403:
        return FORBIDDEN
    if response.status_code == 405:
        return NOT_ALLOWED
    if response.status_code >= 500:
        return f"server error {response.status_code}"
    return OK


def database_state() -> dict[str, object]:
    """Row counts of every model of ours, plus layer versions and membership roles:
    what any write would change."""
    state: dict[str, object] = {}
    for model in apps.get_models():
        if model._meta.app_label in {"accounts", "projects", "documents", "annotations"}:
            state[model._meta.label] = model.objects.count()
    layer = apps.get_model("annotations", "AnnotationLayer")
    membership = apps.get_model("projects", "Membership")
    state["layer versions"] = layer.objects.aggregate(v=Sum("version"))["v"]
    state["roles"] = sorted(membership.objects.values_list("user_id", "project_id", "role"))
    return state


def client_for(world: World, role: str) -> Client:
    client = Client()
    if world.user(role) is not None:
        client.force_login(world.user(role))
    return client


def test_every_url_has_a_row_in_the_table():
    missing = [str(r) for r in ROUTES if r.name not in EXPECTED]
    assert not missing, (
        "URLs without a row in EXPECTED (tests/security/test_permission_matrix.py): "
        + ", ".join(missing)
    )


def test_every_row_of_the_table_is_a_url():
    names = {r.name for r in ROUTES}
    stale = sorted(set(EXPECTED) - names)
    assert not stale, f"EXPECTED has rows for URLs that no longer exist: {stale}"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_url_answers_each_user_as_the_table_says(world: World, route: Route, method, role):
    if route.name not in EXPECTED:
        pytest.fail(f"{route} has no row in EXPECTED: decide who may use it and add one")
    expected = EXPECTED[route.name][method][role]
    client = client_for(world, role)
    overrides = {}
    if route.name in PREPARE and role in ("manager", "superuser"):
        overrides = PREPARE[route.name](client, world)
    url = url_for(world, route, overrides=overrides)
    before = database_state()
    response = client.generic(method, url)
    assert outcome_of(response) == expected, (
        f"{method} {url} ({route.name}) as {role}: got {response.status_code} "
        f"({outcome_of(response)}), table says {expected}"
    )
    if method == "GET":
        assert database_state() == before, f"GET {url} as {role} changed the database"
