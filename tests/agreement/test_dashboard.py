"""The dashboard page: who may see it, what it shows (SVG charts with the same numbers in
tables), escaping, caching invalidated by writes, and a bounded number of queries."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from newsreview.agreement.charts import column_chart, score_bars
from newsreview.agreement.dashboard import dashboard_figures, state_key
from newsreview.annotations import services as annotate
from newsreview.documents.services import create_document

from .conftest import HEADLINE, layer_with

pytestmark = pytest.mark.django_db

ALICE = [("حموشي", "PERS"), ("المغرب", "GPE"), ("فرنسا", "GPE"), ("باريس", "GPE")]
BOB = [("حموشي", "PERS"), ("المغرب", "ORG"), ("بفرنسا", "GPE")]


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def url(project):
    return reverse("agreement:dashboard", args=[project.slug])


@pytest.fixture
def annotated(project, team, headline_doc):
    layer_with(headline_doc, team["alice"], ALICE)
    layer_with(headline_doc, team["bob"], BOB)
    return headline_doc


def test_dashboard_shows_matrix_labels_and_lowest_documents(client, project, team, annotated):
    client.force_login(team["rev"])
    response = client.get(url(project))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-pair="alice|bob"' in html
    assert "0.29" in html  # exact F1 2/7
    assert 'data-label="GPE"' in html
    assert f"/projects/{project.slug}/documents/{annotated.pk}/review/" in html
    assert html.count("<svg") == 3
    assert 'id="throughput-table"' in html and 'id="label-table"' in html


def test_dashboard_is_for_reviewers_and_managers(client, project, team, annotator, outsider):
    client.force_login(team["alice"])
    assert client.get(url(project)).status_code == 403
    client.force_login(outsider)
    assert client.get(url(project)).status_code == 404


def test_dashboard_escapes_document_titles(client, project, team):
    document = create_document(
        project=project, text="<script>alert(1)</script>\n" + HEADLINE, external_id="x"
    )
    layer_with(document, team["alice"], ALICE)
    layer_with(document, team["bob"], BOB)
    client.force_login(team["rev"])
    html = client.get(url(project)).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_dashboard_in_arabic(client, project, team, annotated):
    client.force_login(team["rev"])
    response = client.get(url(project), HTTP_ACCEPT_LANGUAGE="ar")
    assert response.status_code == 200
    assert 'dir="rtl"' in response.content.decode()


def test_cached_figures_are_replaced_after_a_write(project, team, annotated):
    before = dashboard_figures(project)
    assert before.pairs["alice|bob"]["exact"]["f1"] == pytest.approx(2 / 7)
    assert dashboard_figures(project) is not None
    key = state_key(project)
    layer = annotated.layers.get(owner=team["bob"])
    annotate.set_layer_status(layer=layer, status="in_progress", by=team["bob"])
    start = HEADLINE.index("باريس")
    annotate.add_span(layer=layer, start=start, end=start + 5, label="GPE", by=team["bob"])
    annotate.set_layer_status(layer=layer, status="done", by=team["bob"])
    assert state_key(project) != key
    after = dashboard_figures(project)
    assert after.pairs["alice|bob"]["exact"]["f1"] == pytest.approx(4 / 8)


def test_unchanged_project_is_served_from_the_cache(
    client, project, team, annotated, django_assert_max_num_queries
):
    client.force_login(team["rev"])
    client.get(url(project))
    # Warm: the session, the role, the three state aggregates, nothing of the figures.
    with django_assert_max_num_queries(8):
        response = client.get(url(project))
    assert response.status_code == 200


def test_dashboard_query_count_does_not_grow_with_documents(
    client, project, team, django_assert_max_num_queries
):
    client.force_login(team["rev"])
    for n in range(2):
        document = create_document(project=project, text=HEADLINE + " " * n, external_id=f"a{n}")
        layer_with(document, team["alice"], ALICE)
        layer_with(document, team["bob"], BOB)
    # A sanity cap; the point is below: no growth. (The cold page writes the figures to
    # the database cache too: five statements.)
    with django_assert_max_num_queries(45) as small:
        client.get(url(project))
    for n in range(2, 12):
        document = create_document(project=project, text=HEADLINE + " " * n, external_id=f"a{n}")
        layer_with(document, team["alice"], ALICE)
        layer_with(document, team["bob"], BOB)
    cache.clear()
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url(project))


def test_charts_escape_text_and_mirror_for_right_to_left():
    svg = column_chart([("<b>", 3), ("x", 1)], title="<i>", rtl=False)
    assert "<b>" not in svg and "&lt;b&gt;" in svg
    ltr = score_bars([("PERS", (0.5, None))], title="t", series=("a", "b"))
    rtl = score_bars([("PERS", (0.5, None))], title="t", series=("a", "b"), rtl=True)
    assert 'text-anchor="start">PERS' in ltr
    assert 'text-anchor="end">PERS' in rtl
    assert "—" in ltr  # a missing score is a dash, not a zero


def test_throughput_counts_todays_spans_and_submitted_documents(project, team, annotated):
    from django.utils import timezone

    from newsreview.agreement.progress import throughput

    days = throughput(project, days=7)
    assert len(days) == 7
    assert days[-1].day == timezone.localdate()
    assert (days[-1].spans, days[-1].documents) == (7, 1)  # alice 4 + bob 3 spans
    assert all((d.spans, d.documents) == (0, 0) for d in days[:-1])
