"""The "my jobs" pages: one's own jobs only, a progress bar polled while a job runs, the
outcome when it ends, a result offered only once complete."""

from __future__ import annotations

import io
import time

import pytest
from django.urls import reverse

from newsreview.jobs import services
from tests.factories import JobFactory, UserFactory


@pytest.mark.django_db
def test_my_jobs_lists_only_my_jobs_and_polls_while_one_runs(client):
    me, other = UserFactory(), UserFactory()
    running = JobFactory(user=me, running=True, title="big.jsonl")
    services.write_progress(
        running.pk, {"stage": "write", "done": 40, "total": 100, "at": time.time()}
    )
    JobFactory(user=other, title="not-mine.jsonl")
    client.force_login(me)
    page = client.get(reverse("jobs:job-list"))
    assert page.status_code == 200
    assert "big.jsonl" in page.text and "not-mine.jsonl" not in page.text
    assert '<progress max="100" value="40"' in page.text
    assert 'hx-trigger="load delay:1s"' in page.text
    fragment = client.get(reverse("jobs:job-list"), headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<section id="job-table"')


@pytest.mark.django_db
def test_my_jobs_stops_polling_once_every_job_ended(client):
    me = UserFactory()
    JobFactory(user=me, done=True)
    JobFactory(user=me, status="failed", message="no layer “bob”")
    client.force_login(me)
    page = client.get(reverse("jobs:job-list"))
    assert "hx-trigger" not in page.text
    assert "no layer “bob”" in page.text


@pytest.mark.django_db
def test_another_persons_job_is_not_found(client):
    job = JobFactory(done=True)
    client.force_login(UserFactory())
    assert client.get(reverse("jobs:job-detail", args=[job.pk])).status_code == 404
    assert client.get(reverse("jobs:job-download", args=[job.pk])).status_code == 404


@pytest.mark.django_db
def test_the_result_is_offered_only_once_the_job_is_done(client):
    job = JobFactory(running=True)
    client.force_login(job.user)
    detail = client.get(reverse("jobs:job-detail", args=[job.pk]), headers={"HX-Request": "true"})
    assert 'id="job-state"' in detail.text and "data-job-download" not in detail.text
    assert 'hx-trigger="load delay:1s"' in detail.text
    assert client.get(reverse("jobs:job-download", args=[job.pk])).status_code == 404

    services.finish_job(
        job, message="1 record exported.", result=io.BytesIO(b"{}\n"), result_name="news-gold.jsonl"
    )
    detail = client.get(reverse("jobs:job-detail", args=[job.pk]))
    assert "data-job-download" in detail.text and "hx-trigger" not in detail.text
    download = client.get(reverse("jobs:job-download", args=[job.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"{}\n"
    assert 'filename="news-gold.jsonl"' in download["Content-Disposition"]


@pytest.mark.django_db
def test_job_pages_need_a_login(client):
    response = client.get(reverse("jobs:job-list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_my_jobs_query_count_does_not_grow_with_the_jobs(client, django_assert_max_num_queries):
    me = UserFactory()
    client.force_login(me)
    JobFactory.create_batch(3, user=me, done=True)
    with django_assert_max_num_queries(8) as few:
        client.get(reverse("jobs:job-list"))
    JobFactory.create_batch(30, user=me, done=True)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("jobs:job-list"))
