"""The curation page and its POSTs: status, fragment, markup contract, permissions, the
non-htmx redirect, conflicts, escaping, and a query count that does not grow."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from newsreview.annotations import services as annotate
from newsreview.annotations.models import AnnotationLayer, Comment, Span
from newsreview.review import merge, services
from tests.factories import DocumentFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}
MAX_DECISION_QUERIES = 18  # the same bound for 5 and for 3 × 1,000 spans


def url(name, document, **kwargs):
    return reverse(f"review:{name}", args=[document.project.slug, document.pk])


def page(client, user, document, query=""):
    client.force_login(user)
    return client.get(url("review", document) + query)


def open_groups(document):
    layers = services.read_layers(document)
    result = merge.merge(layers.inputs)
    return result


def test_reviewer_sees_text_once_with_candidates_naming_their_proposers(client, scenario, reviewer):
    response = page(client, reviewer, scenario.a1.document)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("data-doc-text") == 1
    assert "0 of 5 decided" in html
    start, end = scenario.spans["france"]
    candidate = re.search(rf'<mark [^>]*data-candidate="e:{start}:{end}:GPE"[^>]*>', html).group(0)
    assert 'data-users="annotator1"' in candidate
    assert f'data-start="{start}"' in candidate and f'data-end="{end}"' in candidate
    assert 'data-label="GPE"' in candidate
    assert "data-span-id" not in candidate
    # Usernames in words, not colour alone.
    assert "annotator1, annotator2" in html or "annotator1</bdi>, <bdi>annotator2" in html
    assert "data-agreement-slot" in html


def test_gold_spans_keep_their_span_id(client, scenario, reviewer):
    services.start_review(document=scenario.a1.document, by=reviewer)
    html = page(client, reviewer, scenario.a1.document).content.decode()
    gold = Span.objects.filter(layer__kind="gold").first()
    assert f'data-span-id="{gold.pk}"' in html
    assert 'data-layer="gold"' in html


def test_annotators_get_403_and_strangers_404(client, scenario, annotator, outsider):
    assert page(client, annotator, scenario.a1.document).status_code == 403
    assert page(client, outsider, scenario.a1.document).status_code == 404


def test_accept_through_htmx_returns_the_review_fragment_and_moves_a_group(
    client, scenario, reviewer
):
    document = scenario.a1.document
    client.force_login(reviewer)
    result = open_groups(document)
    group = result.groups[1]  # فرنسا, missing in annotator2's layer
    response = client.post(
        url("candidate-accept", document),
        {"candidate": group.candidates[0].id, "version": 0, "current": group.id},
        headers=HX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('<div id="review"')
    assert "1 of 5 decided" in html
    assert f'data-current="{group.id}"' in html


def test_accept_without_htmx_redirects_back(client, scenario, reviewer):
    document = scenario.a1.document
    client.force_login(reviewer)
    group = open_groups(document).groups[1]
    response = client.post(
        url("candidate-accept", document), {"candidate": group.candidates[0].id, "version": 0}
    )
    assert response.status_code == 302
    assert response.url.startswith(url("review", document))


def test_a_second_reviewer_on_a_stale_page_gets_409_and_a_fresh_view(
    client, scenario, reviewer, manager
):
    document = scenario.a1.document
    result = open_groups(document)
    client.force_login(reviewer)
    client.post(
        url("candidate-accept", document),
        {"candidate": result.groups[0].candidates[0].id, "version": 0},
        headers=HX,
    )
    client.force_login(manager)
    response = client.post(
        url("group-reject", document), {"group": result.groups[1].id, "version": 0}, headers=HX
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "changed since you opened it" in html
    assert "1 of 5 decided" in html


def test_bad_input_is_422_and_changes_nothing(client, scenario, reviewer):
    client.force_login(reviewer)
    response = client.post(
        url("candidate-accept", scenario.a1.document), {"version": "x"}, headers=HX
    )
    assert response.status_code == 422
    assert not AnnotationLayer.objects.filter(kind="gold").exists()


def test_approve_refused_with_open_groups_then_allowed(client, scenario, reviewer):
    document = scenario.a1.document
    client.force_login(reviewer)
    response = client.post(url("review-approve", document), {"version": 0}, headers=HX)
    assert response.status_code == 422
    assert "5 disagreements are still undecided" in response.content.decode()
    assert not AnnotationLayer.objects.filter(kind="gold").exists()  # refused: nothing kept
    for group in open_groups(document).groups:
        services.reject_group(document=document, group=group.id, by=reviewer)
    gold = AnnotationLayer.objects.get(kind="gold")
    response = client.post(url("review-approve", document), {"version": gold.version}, headers=HX)
    assert response.status_code == 200
    gold.refresh_from_db()
    assert gold.status == "reviewed"
    html = response.content.decode()
    assert "Reopen" in html
    assert "data-timeline" in html


def test_gold_span_create_checks_the_text_and_starts_the_review(client, scenario, reviewer):
    document = scenario.a1.document
    client.force_login(reviewer)
    start = scenario.text.index("الأمن")
    data = {"start": start, "end": start + 5, "text": "الامن", "label": "ORG", "version": 0}
    response = client.post(url("gold-span-create", document), data, headers=HX)
    assert response.status_code == 409
    data["text"] = "الأمن"
    response = client.post(url("gold-span-create", document), data, headers=HX)
    assert response.status_code == 200
    gold = AnnotationLayer.objects.get(kind="gold")
    assert Span.objects.filter(layer=gold, start=start, end=start + 5).exists()
    # Started: the agreed annotations were pre-accepted too.
    assert Span.objects.filter(layer=gold).count() == 5


def test_gold_span_update_and_delete_only_touch_gold(client, scenario, reviewer):
    document = scenario.a1.document
    gold = services.start_review(document=document, by=reviewer)
    client.force_login(reviewer)
    own = Span.objects.filter(layer=scenario.a1).first()
    response = client.post(
        url("gold-span-delete", document), {"span": own.pk, "version": gold.version}, headers=HX
    )
    assert response.status_code == 404
    assert Span.objects.filter(pk=own.pk).exists()
    span = Span.objects.filter(layer=gold, entity_type__key="OCC").get()
    response = client.post(
        url("gold-span-update", document),
        {"span": span.pk, "edge": "end-", "version": gold.version},
        headers=HX,
    )
    assert response.status_code == 200
    span.refresh_from_db()
    assert span.text == "المدير العام للأمن الوطن"  # one character, as in the workspace
    gold.refresh_from_db()
    response = client.post(
        url("gold-span-delete", document), {"span": span.pk, "version": gold.version}, headers=HX
    )
    assert response.status_code == 200
    assert not Span.objects.filter(pk=span.pk).exists()
    gold.refresh_from_db()
    client.post(url("review-undo", document), {"version": gold.version}, headers=HX)
    assert Span.objects.filter(pk=span.pk).exists()


def test_request_changes_and_the_annotator_sees_the_comment_in_the_workspace(
    client, scenario, reviewer, annotator
):
    document = scenario.a1.document
    client.force_login(reviewer)
    response = client.post(
        url("changes-request", document),
        {"layer": scenario.a1.pk, "comment": "<script>alert(1)</script> فرنسا؟"},
        headers=HX,
    )
    assert response.status_code == 200
    scenario.a1.refresh_from_db()
    assert scenario.a1.status == "changes_requested"
    client.force_login(annotator)
    html = client.get(reverse("annotations:annotate", args=["news", document.pk])).content.decode()
    assert "Changes requested" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; فرنسا؟" in html
    assert "<script>alert(1)" not in html


def test_an_annotator_replies_from_the_workspace_on_their_own_layer_only(
    client, scenario, annotator, other_annotator, reviewer
):
    document = scenario.a1.document
    services.request_changes(layer=scenario.a1, by=reviewer, comment="راجع")
    client.force_login(annotator)
    response = client.post(
        url("comment-create", document),
        {"layer": scenario.a1.pk, "text": "تم", "next": "annotate"},
    )
    assert response.status_code == 302
    assert Comment.objects.filter(layer=scenario.a1, author=annotator, text="تم").exists()
    response = client.post(
        url("comment-create", document),
        {"layer": scenario.a2.pk, "text": "x", "next": "annotate"},
    )
    assert response.status_code == 404
    # "next=review" from an annotator is not a way into the curation page.
    response = client.post(
        url("comment-create", document), {"layer": scenario.a1.pk, "text": "y", "next": "review"}
    )
    assert response.status_code == 302
    assert "/annotate/" in response.url
    del other_annotator


def test_a_comment_on_a_span_is_shown_escaped_on_the_curation_page(client, scenario, reviewer):
    span = Span.objects.filter(layer=scenario.a1).first()
    client.force_login(reviewer)
    response = client.post(
        url("comment-create", scenario.a1.document),
        {"layer": scenario.a1.pk, "span": span.pk, "text": "<b>حدود</b>", "next": "review"},
        headers=HX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "&lt;b&gt;حدود&lt;/b&gt;" in html
    assert f"«{span.text}»" in html


def test_queue_and_next_to_review(client, scenario, reviewer, project):
    client.force_login(reviewer)
    response = client.get(reverse("review:queue", args=[project.slug]))
    assert response.status_code == 200
    assert scenario.a1.document.title in response.content.decode()
    response = client.get(reverse("review:queue-next", args=[project.slug]))
    assert response.status_code == 302
    assert response.url == url("review", scenario.a1.document)


def test_next_to_review_with_an_empty_queue_goes_to_the_queue(client, project, reviewer):
    client.force_login(reviewer)
    response = client.get(reverse("review:queue-next", args=[project.slug]))
    assert response.url == reverse("review:queue", args=[project.slug])


def test_side_by_side_shows_one_column_per_layer_gold_last(client, scenario, reviewer):
    services.start_review(document=scenario.a1.document, by=reviewer)
    html = page(client, reviewer, scenario.a1.document, "?view=columns").content.decode()
    heads = re.findall(r'class="review-columns__head"><bdi>([^<]+)</bdi>', html)
    assert heads == ["annotator1", "annotator2", "gold"]
    assert html.count("data-doc-text") == 1


def test_document_page_shows_the_timeline(client, scenario, reviewer):
    client.force_login(reviewer)
    html = client.get(
        reverse("documents:document-detail", args=["news", scenario.a1.document.pk])
    ).content.decode()
    assert "data-timeline" in html
    assert "Submitted" in html


def _layers_with(project, document, users, spans_per_layer):
    text = document.text
    words = [m.span() for m in re.finditer(r"\S+", text)]
    for n, user in enumerate(users):
        layer = annotate.get_or_create_layer(document=document, user=user)
        rows = []
        for i, (start, end) in enumerate(words[:spans_per_layer]):
            label = ("PERS", "GPE", "ORG")[(i + n * (i % 3 == 0)) % 3]
            rows.append((start, end, label))
        from newsreview.projects.models import EntityType

        types = {t.key: t for t in EntityType.objects.filter(schema=project.schema)}
        Span.objects.bulk_create(
            Span(layer=layer, start=s, end=e, text=text[s:e], entity_type=types[lab])
            for s, e, lab in rows
        )
        AnnotationLayer.objects.filter(pk=layer.pk).update(status="done")


@pytest.mark.parametrize("spans", [5, 1000])
def test_curation_page_query_count_does_not_grow_with_spans(
    client, project, reviewer, django_assert_max_num_queries, spans
):
    project.annotators_per_document = 3
    project.save()
    text = ("حموشي يعيد الدفء إلى علاقات المغرب بفرنسا " * 300)[:20_000]
    document = DocumentFactory(project=project, text=text)
    users = [UserFactory(username=f"a{n}") for n in range(3)]
    for user in users:
        MembershipFactory(project=project, user=user, role="annotator")
    _layers_with(project, document, users, spans)
    services.start_review(document=document, by=reviewer)
    client.force_login(reviewer)
    with django_assert_max_num_queries(13):
        response = client.get(url("review", document))
    assert response.status_code == 200
    assert response.content.decode().count("data-candidate=") >= 1


def test_a_decision_in_a_started_review_answers_only_what_changed_out_of_band(
    client, scenario, reviewer
):
    document = scenario.a1.document
    gold = services.start_review(document=document, by=reviewer)
    client.force_login(reviewer)
    group = open_groups(document).groups[1]  # فرنسا
    response = client.post(
        url("candidate-accept", document),
        {"candidate": group.candidates[0].id, "version": gold.version},
        headers=HX,
    )
    assert response.status_code == 200
    assert response["HX-Reswap"] == "none"
    html = response.content.decode()
    assert 'id="chunk-0" data-chunk="0" hx-swap-oob="true"' in html
    start, end = scenario.spans["france"]
    assert re.search(rf'<mark [^>]*data-span-id="\d+"[^>]*data-start="{start}"', html)
    row = re.search(rf'<li id="group-[0-9a-f]+"[^>]*data-group-id="{group.id}"[^>]*>', html)
    assert 'data-state="accepted"' in row.group(0) and 'hx-swap-oob="true"' in row.group(0)
    assert f'data-version="{gold.version + 1}"' in html
    assert "data-doc-text" not in html  # the text element itself stays


@pytest.mark.parametrize("spans", [5, 1000])
def test_a_decision_costs_the_same_queries_for_5_or_3_times_1000_spans(
    client, project, reviewer, django_assert_max_num_queries, spans
):
    project.annotators_per_document = 3
    project.save()
    text = ("حموشي يعيد الدفء إلى علاقات المغرب بفرنسا\n" * 600)[:20_000]
    document = DocumentFactory(project=project, text=text)
    users = [UserFactory(username=f"a{n}") for n in range(3)]
    for user in users:
        MembershipFactory(project=project, user=user, role="annotator")
    _layers_with(project, document, users, spans)
    gold = services.start_review(document=document, by=reviewer)
    group = open_groups(document).groups[-1]
    client.force_login(reviewer)
    with django_assert_max_num_queries(MAX_DECISION_QUERIES):
        response = client.post(
            url("candidate-accept", document),
            {"candidate": group.candidates[0].id, "version": gold.version},
            headers=HX,
        )
    assert response["HX-Reswap"] == "none"
    assert len(response.content) < 20_000


def test_a_refused_gold_edit_leaves_no_gold_layer_behind(client, scenario, reviewer):
    client.force_login(reviewer)
    own = Span.objects.filter(layer=scenario.a1).first()
    response = client.post(
        url("gold-span-delete", scenario.a1.document), {"span": own.pk, "version": 0}, headers=HX
    )
    assert response.status_code == 404
    assert not AnnotationLayer.objects.filter(kind="gold").exists()


def test_preannotation_layers_are_candidates_marked_as_such(client, scenario, reviewer):
    document = scenario.a1.document
    model = annotate.get_or_create_named_layer(document=document, name="model-v1")
    start = scenario.text.index("الدفء")
    annotate.add_span(layer=model, start=start, end=start + 5, label="EVENT", by=None)
    html = page(client, reviewer, document).content.decode()
    mark = re.search(rf'<mark [^>]*data-candidate="e:{start}:{start + 5}:EVENT"[^>]*>', html)
    assert "candidate--pre" in mark.group(0)
    assert 'data-users="model-v1"' in mark.group(0)
    assert "pre-annotation" in html


def test_an_annotator_sees_only_their_own_layers_timeline_on_the_document_page(
    client, scenario, annotator, reviewer
):
    services.request_changes(layer=scenario.a2, by=reviewer, comment="للمراجع الثاني فقط")
    client.force_login(annotator)
    html = client.get(
        reverse("documents:document-detail", args=["news", scenario.a1.document.pk])
    ).content.decode()
    assert html.count('class="timeline__item"') == 1  # their own submission
    assert "للمراجع الثاني فقط" not in html
    client.force_login(reviewer)
    html = client.get(
        reverse("documents:document-detail", args=["news", scenario.a1.document.pk])
    ).content.decode()
    assert html.count('class="timeline__item"') == 3
    assert "للمراجع الثاني فقط" in html
