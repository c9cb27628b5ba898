"""The curation page's per-document agreement (issues 10 and 11): the figures of the
layers shown, hand-computed on the scenario of tests/review/conftest.py, the same as
`document_agreement` (and so `agreement --json`), escaped usernames, no colour needed."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from newsreview.agreement.services import document_agreement
from newsreview.review import services
from newsreview.review.agreement import agreement_rows
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def page(client, user, document) -> str:
    client.force_login(user)
    response = client.get(reverse("review:review", args=[document.project.slug, document.pk]))
    assert response.status_code == 200
    return response.content.decode()


def row(html: str, pair: str) -> str:
    found = re.search(rf'<tr data-pair="{re.escape(pair)}">(.*?)</tr>', html, re.S)
    assert found, f"no row for {pair}"
    return found.group(1)


def cells(row_html: str) -> list[str]:
    return re.findall(r'data-(?:f1|kappa)="([^"]*)"', row_html)


def test_curation_page_shows_exact_and_overlap_f1_between_the_two_annotators(
    client, scenario, reviewer
):
    # annotator1 (reference): 8 entity spans; annotator2: 6.
    # Exact (start, end, label) in both: حموشي, المغرب, باريس, the OCC title = 4.
    #   F1 = 2·4 / (8 + 6) = 0.57; P = 4/6 = 0.67; R = 4/8 = 0.50.
    # Overlap adds «عبد اللطيف حموشي» PERS ~ «السيد عبد اللطيف حموشي» PERS = 5
    # (الفرنسيين is NORP against GPE, لأمن الوطني ORG against nothing of its label).
    #   F1 = 2·5 / 14 = 0.71; P = 5/6 = 0.83; R = 5/8 = 0.62 (0.625).
    html = page(client, reviewer, scenario.a1.document)
    section = re.search(r'<section id="review-agreement".*?</section>', html, re.S).group(0)
    assert "<bdi>annotator1</bdi> – <bdi>annotator2</bdi>" in section
    pair = row(section, "annotator1|annotator2")
    exact, overlap, kappa = cells(pair)
    assert (exact, overlap) == ("0.57", "0.71")
    assert "P 0.67 · R 0.50" in pair
    assert "P 0.83 · R 0.62" in pair
    assert kappa not in ("", "—")
    # No gold yet: the review has not started, so no pair with gold.
    assert "|gold" not in section


def test_after_pre_accepting_the_agreed_spans_each_annotator_is_compared_with_gold(
    client, scenario, reviewer
):
    # Figures are cached per layer versions: starting the review must show new ones.
    assert "|gold" not in page(client, reviewer, scenario.a1.document)
    services.start_review(document=scenario.a1.document, by=reviewer)
    # Gold now holds the four agreed entity spans (the trip event differs in its
    # arguments, so it waits for a decision). annotator1 (8 spans) against gold:
    # exact 2·4 / 12 = 0.67, P 4/4 = 1.00, R 4/8 = 0.50; annotator2 (6): 2·4 / 10 = 0.80.
    html = page(client, reviewer, scenario.a1.document)
    first = row(html, "annotator1|gold")
    assert cells(first)[0] == "0.67" and "P 1.00 · R 0.50" in first
    assert cells(row(html, "annotator2|gold"))[0] == "0.80"
    assert "annotator1</bdi> – gold" in first


def test_the_page_figures_are_those_of_document_agreement(client, scenario, reviewer):
    """The page reads its figures from the layers already loaded for the merge; the
    agreement module reads them itself: both must say the same."""
    document = scenario.a1.document
    services.start_review(document=document, by=reviewer)
    expected = document_agreement(document)
    rows = agreement_rows(document, services.read_layers(document))
    assert {f"{r.first}|{r.second}" for r in rows} == set(expected)
    for r in rows:
        figures = expected[f"{r.first}|{r.second}"]
        assert r.exact.f1 == figures["exact"]["f1"]
        assert r.overlap.recall == figures["overlap"]["recall"]
        assert r.kappa == figures["token_kappa"]


def test_usernames_in_the_agreement_table_are_escaped(client, scenario, reviewer, project):
    document = scenario.a1.document
    evil = UserFactory(username="<b>x</b>")
    MembershipFactory(project=project, user=evil, role="annotator")
    # Same spans as annotator2's layer, submitted under the hostile name.
    from newsreview.annotations import services as annotate

    layer = annotate.get_or_create_layer(document=document, user=evil)
    for span in scenario.a2.spans.filter(entity_type__isnull=False):
        annotate.add_span(
            layer=layer, start=span.start, end=span.end, label=span.entity_type.key, by=evil
        )
    annotate.set_layer_status(layer=layer, status="done", by=evil)
    html = page(client, reviewer, document)
    section = re.search(r'<section id="review-agreement".*?</section>', html, re.S).group(0)
    assert "<b>x</b>" not in section
    assert "&lt;b&gt;x&lt;/b&gt;" in section
