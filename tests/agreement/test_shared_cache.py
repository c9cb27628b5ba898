"""The cache is shared by every process (settings.CACHES: a table in the database), and
the dashboard's figures in it follow the project's writes: a write made by one request
is seen by the next, the figures a worker process computes are served by the web
process, and two cache clients see the same values."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache, caches
from django.db import connection
from django.urls import reverse

from newsreview.annotations.models import AnnotationLayer
from newsreview.jobs.models import Job
from newsreview.settings import cache_from_url
from tests.servers import database_url, server_env, start_worker, stop

from .conftest import layer_with

ALICE = [("حموشي", "PERS"), ("المغرب", "GPE"), ("فرنسا", "GPE"), ("باريس", "GPE")]
BOB = [("حموشي", "PERS"), ("المغرب", "ORG"), ("بفرنسا", "GPE")]
CAROL = [("حموشي", "PERS"), ("باريس", "GPE")]
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _empty_cache(db):
    cache.clear()
    yield
    cache.clear()


def dashboard(project) -> str:
    return reverse("agreement:dashboard", args=[project.slug])


def cached_rows(key: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM newsreview_cache WHERE cache_key = %s",
            [cache.make_key(key)],
        )
        return cursor.fetchone()[0]


def test_the_default_cache_is_a_table_in_the_database():
    assert caches["default"].__class__.__name__ == "DatabaseCache"
    assert cache_from_url("locmem://")["BACKEND"].endswith("LocMemCache")
    assert cache_from_url("redis://cache:6379/1") == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://cache:6379/1",
    }


def test_an_unknown_cache_url_is_refused_clearly():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="NEWSREVIEW_CACHE_URL must start with"):
        cache_from_url("memcached://x")


def test_two_cache_clients_see_what_either_keeps():
    first, second = caches.create_connection("default"), caches.create_connection("default")
    assert first is not second
    first.set("shared-probe", {"figures": [1, 2]}, 60)
    assert second.get("shared-probe") == {"figures": [1, 2]}
    # Kept as a row of the database, which every process reads: not in this one's memory.
    assert cached_rows("shared-probe") == 1
    second.delete("shared-probe")
    assert first.get("shared-probe") is None


def test_a_write_in_one_request_changes_the_figures_the_next_request_shows(
    client, project, team, headline_doc
):
    layer_with(headline_doc, team["alice"], ALICE)
    layer_with(headline_doc, team["bob"], BOB)
    carol = layer_with(headline_doc, team["carol"], CAROL)
    client.force_login(team["rev"])
    before = client.get(dashboard(project)).text
    assert 'data-pair="bob|carol"' in before
    assert Job.objects.count() == 1  # computed once, then kept
    client.get(dashboard(project))
    assert Job.objects.count() == 1

    # Carol reopens her layer (another person's request): it no longer takes part.
    client.force_login(team["carol"])
    carol.refresh_from_db()
    reopened = client.post(
        reverse("annotations:layer-status", args=[project.slug, headline_doc.pk]),
        {"status": "in_progress", "version": carol.version},
        headers=HTMX,
    )
    assert reopened.status_code == 200
    assert AnnotationLayer.objects.get(pk=carol.pk).status == "in_progress"

    client.force_login(team["rev"])
    after = client.get(dashboard(project)).text
    assert 'data-pair="alice|bob"' in after
    assert 'data-pair="bob|carol"' not in after
    assert Job.objects.count() == 2  # the old figures were not served


@pytest.mark.django_db(transaction=True)
def test_figures_a_worker_process_computed_are_served_by_the_web_process(
    client, project, team, headline_doc, settings, tmp_path
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: a worker in another process shares the test database")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    layer_with(headline_doc, team["alice"], ALICE)
    layer_with(headline_doc, team["bob"], BOB)
    client.force_login(team["rev"])
    waiting = client.get(dashboard(project))
    assert "Computing the figures" in waiting.text
    job = Job.objects.get()
    worker = start_worker(server_env(database_url(), tmp_path / "storage"), tmp_path / "w.log")
    try:
        deadline = time.time() + 60
        while Job.objects.get(pk=job.pk).status != Job.Status.DONE:
            assert time.time() < deadline, (tmp_path / "w.log").read_text()[-2000:]
            time.sleep(0.2)
    finally:
        stop(worker)
    assert cached_rows(job.params["key"]) == 1
    page = client.get(dashboard(project))
    assert 'data-pair="alice|bob"' in page.text
    assert Job.objects.count() == 1  # served from what the worker kept, not computed again
