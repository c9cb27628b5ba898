"""The curation page's agreed list: shown inline when short; a long one is loaded when
its section is opened (?part=agreed), with the same rows and permissions."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from newsreview.review import services
from newsreview.review.context import AGREED_INLINE
from tests.factories import DocumentFactory, MembershipFactory, UserFactory
from tests.review.test_views import _layers_with

pytestmark = pytest.mark.django_db


def review_url(document) -> str:
    return reverse("review:review", args=[document.project.slug, document.pk])


def test_a_short_agreed_list_is_inline_and_open(client, scenario, reviewer):
    document = scenario.a1.document
    services.start_review(document=document, by=reviewer)
    client.force_login(reviewer)
    html = client.get(review_url(document)).content.decode()
    assert '<details class="agreed" open>' in html
    assert "data-agreed-lazy" not in html
    assert re.search(r'<ul class="agreed-list"><li class="candidate-item', html)


def test_a_long_agreed_list_is_loaded_when_opened(client, project, reviewer, annotator):
    project.annotators_per_document = 2
    project.save()
    text = ("حموشي يعيد الدفء إلى علاقات المغرب بفرنسا\n" * 40)[:2_000]
    document = DocumentFactory(project=project, text=text)
    users = [UserFactory(username=f"a{n}") for n in range(2)]
    for user in users:
        MembershipFactory(project=project, user=user, role="annotator")
    _layers_with(project, document, users, AGREED_INLINE * 3)
    services.start_review(document=document, by=reviewer)
    client.force_login(reviewer)

    html = client.get(review_url(document)).content.decode()
    placeholder = re.search(r'<ul class="agreed-list"[^>]*>(.*?)</ul>', html, re.S)
    assert "data-agreed-lazy" in placeholder[0] and placeholder[1] == ""
    assert 'hx-get="' + review_url(document) + '?part=agreed"' in placeholder[0]
    count = int(re.search(r"(\d+) agreed annotations", html)[1])
    assert count >= AGREED_INLINE

    part = client.get(review_url(document) + "?part=agreed").content.decode()
    assert part.count('<li class="candidate-item') == count
    assert "<html" not in part

    client.force_login(annotator)
    assert client.get(review_url(document) + "?part=agreed").status_code == 403
