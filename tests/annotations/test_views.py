"""The annotation workspace over HTTP: statuses, fragments, out-of-band parts, redirects,
refusals that change nothing, conflicts, and a query count that does not grow with spans."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from newsreview.annotations import services
from newsreview.annotations.models import AnnotationLayer, Argument, Change, Span
from tests.factories import DocumentFactory, ProjectFactory

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def url(name: str, document, slug: str | None = None) -> str:
    return reverse(f"annotations:{name}", args=[slug or document.project.slug, document.pk])


def doc_text(content: bytes) -> str:
    """textContent of the [data-doc-text] element of a page or fragment."""
    match = re.search(
        r'<div id="doc-text"[^>]*data-doc-text[^>]*>(.*?)</div>', content.decode(), re.S
    )
    assert match, "no [data-doc-text] element"
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1)))


def create_data(document, word: str, label: str = "PERS", version: int = 0, after: int = 0):
    start = document.text.index(word, after)
    return {
        "start": start,
        "end": start + len(word),
        "text": word,
        "label": label,
        "version": version,
    }


@pytest.fixture
def client_of(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login


def state():
    return (
        AnnotationLayer.objects.count(),
        Span.objects.count(),
        Argument.objects.count(),
        Change.objects.count(),
        sorted(AnnotationLayer.objects.values_list("version", flat=True)),
    )


# --- the page ----------------------------------------------------------------------------


def test_annotate_page_shows_the_exact_text_labels_and_writes_nothing(
    client_of, seed_document, annotator
):
    response = client_of(annotator).get(url("annotate", seed_document))
    assert response.status_code == 200
    assert doc_text(response.content) == seed_document.text
    body = response.content.decode()
    assert 'lang="ar" dir="rtl"' in body
    assert 'data-label="PERS" data-shortcut="p" data-code="KeyP"' in body
    assert 'data-label="CONTACT_MEET" data-shortcut="1" data-code="Digit1"' in body
    assert 'name="version" value="0"' in body
    assert "js/annotate.js" in body
    assert AnnotationLayer.objects.count() == 0  # GET never creates the layer


def test_annotate_page_renders_own_spans_with_the_contract_attributes(
    client_of, seed_document, annotator
):
    layer = services.get_or_create_layer(document=seed_document, user=annotator)
    start = seed_document.text.index("حموشي")
    span = services.add_span(layer=layer, start=start, end=start + 5, label="PERS", by=annotator)
    response = client_of(annotator).get(url("annotate", seed_document) + f"?span={span.pk}")
    body = response.content.decode()
    assert (
        f'data-span-id="{span.pk}" data-start="{start}" data-end="{start + 5}" data-label="PERS"'
        in body
    )
    assert 'aria-label="Person: حموشي"' in body
    assert f'data-selected="{span.pk}"' in body
    assert doc_text(response.content) == seed_document.text


def test_annotate_page_is_404_for_strangers_and_other_projects_documents(
    client_of, seed_document, outsider, annotator
):
    assert client_of(outsider).get(url("annotate", seed_document)).status_code == 404
    foreign = DocumentFactory(project=ProjectFactory(slug="elsewhere"))
    c = client_of(annotator)
    assert c.get(url("annotate", foreign, slug="news")).status_code == 404
    assert c.get(url("annotate", foreign)).status_code == 404


def test_annotate_page_needs_login(client, seed_document):
    response = client.get(url("annotate", seed_document))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_reviewer_reads_an_annotators_layer_read_only(
    client_of, seed_document, annotator, reviewer, other_annotator
):
    layer = services.get_or_create_layer(document=seed_document, user=annotator)
    services.add_span(layer=layer, start=0, end=3, label="TIME", by=annotator)
    response = client_of(reviewer).get(url("annotate", seed_document) + f"?layer={layer.pk}")
    assert response.status_code == 200
    body = response.content.decode()
    assert "data-readonly" in body and 'id="span-create-form"' not in body
    assert 'data-label="TIME"' in body
    other = client_of(other_annotator).get(url("annotate", seed_document) + f"?layer={layer.pk}")
    assert other.status_code == 404


def test_document_list_and_detail_link_to_the_annotate_page(client_of, seed_document, annotator):
    c = client_of(annotator)
    target = url("annotate", seed_document)
    assert target in c.get(reverse("documents:document-list", args=["news"])).content.decode()
    detail = reverse("documents:document-detail", args=["news", seed_document.pk])
    assert target in c.get(detail).content.decode()


# --- creating spans ----------------------------------------------------------------------


def test_span_create_answers_htmx_with_text_fragment_and_oob_parts(
    client_of, seed_document, annotator
):
    response = client_of(annotator).post(
        url("span-create", seed_document), create_data(seed_document, "حموشي"), headers=HX
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith('<div id="doc-text"')
    assert '<aside id="side-panel" class="side-panel"' in body
    assert re.search(r'id="side-panel"[^>]*hx-swap-oob="true"', body)
    assert re.search(r'id="layer-bar"[^>]*hx-swap-oob="true"', body)
    assert re.search(r'id="problems"[^>]*hx-swap-oob="true"></div>', body)  # cleared
    assert doc_text(response.content) == seed_document.text
    span = Span.objects.get()
    assert (span.text, span.entity_type.key, span.layer.owner) == ("حموشي", "PERS", annotator)
    assert span.layer.version == 1
    assert f'data-selected="{span.pk}"' in body
    assert 'name="version" value="1"' in body


def test_span_create_without_htmx_redirects_back_to_the_page(client_of, seed_document, annotator):
    response = client_of(annotator).post(
        url("span-create", seed_document), create_data(seed_document, "حموشي")
    )
    span = Span.objects.get()
    assert response.status_code == 302
    assert response.url == url("annotate", seed_document) + f"?span={span.pk}"


def test_span_create_trims_spaces_caught_by_the_selection(client_of, seed_document, annotator):
    data = create_data(seed_document, " حموشي ")
    client_of(annotator).post(url("span-create", seed_document), data, headers=HX)
    assert Span.objects.get().text == "حموشي"


def test_span_create_snaps_to_words_when_the_project_asks(client_of, seed_document, annotator):
    seed_document.project.snap_to_words = True
    seed_document.project.save()
    data = create_data(seed_document, "فرنس", label="GPE", after=seed_document.text.index("بفرنسا"))
    client_of(annotator).post(url("span-create", seed_document), data, headers=HX)
    assert Span.objects.get().text == "بفرنسا"


def test_span_create_keeps_the_exact_selection_by_default(client_of, seed_document, annotator):
    data = create_data(
        seed_document, "فرنسا", label="GPE", after=seed_document.text.index("بفرنسا")
    )
    client_of(annotator).post(url("span-create", seed_document), data, headers=HX)
    assert Span.objects.get().text == "فرنسا"


def test_span_create_converts_utf16_offsets_past_astral_characters(client_of, project, annotator):
    text = "🇲🇦😀 حموشي في باريس"
    document = DocumentFactory(project=project, text=text)
    data = {"start": 7, "end": 12, "text": "حموشي", "label": "PERS", "version": 0, "unit": "utf16"}
    response = client_of(annotator).post(url("span-create", document), data, headers=HX)
    assert response.status_code == 200
    span = Span.objects.get()
    assert (span.start, span.end) == (4, 9)
    assert text[span.start : span.end] == "حموشي"


def test_event_label_creates_a_trigger_and_its_event(client_of, seed_document, annotator):
    data = create_data(seed_document, "لقاء", label="CONTACT_MEET")
    response = client_of(annotator).post(url("span-create", seed_document), data, headers=HX)
    assert response.status_code == 200
    span = Span.objects.get()
    assert span.event.event_type.key == "CONTACT_MEET"
    assert "Arguments…" in response.content.decode()


BAD_CREATES = {
    "non-integer start": ({"start": "x"}, 422),
    "negative start": ({"start": -1}, 422),
    "huge end": ({"end": 10**30}, 422),
    "end past the text": ({"end": 10**6}, 422),
    "empty span": ({"end": "START"}, 422),
    "white space only": ({"whitespace": True}, 422),
    "unknown label": ({"label": "NOPE"}, 422),
    "missing version": ({"version": ""}, 422),
    "missing text": ({"text": ""}, 422),
    "text differs from the document": ({"text": "باريس"}, 409),
    "utf16 offset inside a surrogate pair": ({"unit": "utf16", "emoji": True}, 422),
    "unknown unit": ({"unit": "bytes"}, 422),
}


@pytest.mark.parametrize(("change", "status"), BAD_CREATES.values(), ids=BAD_CREATES.keys())
def test_bad_span_create_is_refused_with_a_message_and_changes_nothing(
    client_of, seed_document, project, annotator, change, status
):
    document = seed_document
    data = create_data(document, "حموشي")
    if change.pop("emoji", False):
        document = DocumentFactory(project=project, text="😀 حموشي")
        data = {"start": 1, "end": 8, "text": "😀 حموشي", "label": "PERS", "version": 0}
    if change.pop("whitespace", False):
        start = document.text.index("  ") if "  " in document.text else document.text.index(" ")
        data.update(start=start, end=start + 1, text=" ")
    if change.get("end") == "START":
        change["end"] = data["start"]
    data.update(change)
    before = state()
    response = client_of(annotator).post(url("span-create", document), data, headers=HX)
    assert response.status_code == status
    assert state() == before  # not even an empty layer
    body = response.content.decode()
    assert '<p class="problem">' in body
    if status == 422:
        assert response["HX-Retarget"] == "#problems"
        assert body.startswith('<div id="problems"')


def test_bad_span_create_without_htmx_shows_the_message_in_the_page(
    client_of, seed_document, annotator
):
    data = create_data(seed_document, "حموشي", label="NOPE")
    response = client_of(annotator).post(url("span-create", seed_document), data)
    assert response.status_code == 422
    assert "There is no label “NOPE”" in response.content.decode()
    assert doc_text(response.content) == seed_document.text


def test_stale_version_is_a_conflict_with_the_current_annotations(
    client_of, seed_document, annotator
):
    c = client_of(annotator)
    c.post(url("span-create", seed_document), create_data(seed_document, "حموشي"), headers=HX)
    stale = create_data(seed_document, "باريس", label="GPE", version=0)
    response = c.post(url("span-create", seed_document), stale, headers=HX)
    assert response.status_code == 409
    body = response.content.decode()
    assert "changed since you opened it" in body
    assert re.search(r'id="problems"[^>]*hx-swap-oob="true"><p class="problem">', body)
    assert 'data-label="PERS"' in body  # the refreshed view shows the first tab's span
    assert list(Span.objects.values_list("text", flat=True)) == ["حموشي"]


def test_span_create_refuses_other_projects_documents_and_strangers(
    client_of, seed_document, outsider, annotator
):
    foreign = DocumentFactory(project=ProjectFactory(slug="elsewhere"))
    data = {"start": 0, "end": 3, "text": foreign.text[:3], "label": "PERS", "version": 0}
    assert (
        client_of(annotator).post(url("span-create", foreign, slug="news"), data).status_code == 404
    )
    assert client_of(outsider).post(url("span-create", seed_document), data).status_code == 404
    assert Span.objects.count() == 0 and AnnotationLayer.objects.count() == 0


def test_htmx_post_to_a_missing_or_foreign_document_gets_a_plain_text_message(
    client_of, seed_document, annotator
):
    foreign = DocumentFactory(project=ProjectFactory(slug="elsewhere"))
    c = client_of(annotator)
    data = {"start": 0, "end": 3, "text": "بعد", "label": "PERS", "version": 0}
    for address in (
        url("span-create", foreign, slug="news"),
        reverse("annotations:span-create", args=["news", 999_999]),
        reverse("annotations:span-delete", args=["news", 999_999]),
    ):
        response = c.post(address, data, headers=HX)
        assert response.status_code == 404
        assert response["Content-Type"].startswith("text/plain")
        assert response.content.decode() == "No such document."
    assert Span.objects.count() == 0


def test_get_on_a_post_url_is_not_allowed(client_of, seed_document, annotator):
    assert client_of(annotator).get(url("span-create", seed_document)).status_code == 405


# --- changing spans ----------------------------------------------------------------------


@pytest.fixture
def own_span(seed_document, annotator):
    layer = services.get_or_create_layer(document=seed_document, user=annotator)
    start = seed_document.text.index("حموشي")
    return services.add_span(layer=layer, start=start, end=start + 5, label="PERS", by=annotator)


def test_relabel_changes_the_label_and_keeps_it_selected(
    client_of, seed_document, annotator, own_span
):
    response = client_of(annotator).post(
        url("span-update", seed_document),
        {"span": own_span.pk, "label": "ORG", "version": 1},
        headers=HX,
    )
    assert response.status_code == 200
    own_span.refresh_from_db()
    assert own_span.entity_type.key == "ORG"
    assert f'data-selected="{own_span.pk}"' in response.content.decode()


@pytest.mark.parametrize(
    ("edge", "delta"),
    # «ن: حموشي يع»: extending steps over the space next to حموشي to the next letter.
    [("start-", (-2, 0)), ("start+", (1, 0)), ("end-", (0, -1)), ("end+", (0, 2))],
)
def test_edge_buttons_move_one_edge_by_one_character_never_onto_white_space(
    client_of, seed_document, annotator, own_span, edge, delta
):
    start, end = own_span.start, own_span.end
    response = client_of(annotator).post(
        url("span-update", seed_document), {"span": own_span.pk, "edge": edge, "version": 1}
    )
    assert response.status_code == 302
    own_span.refresh_from_db()
    assert (own_span.start, own_span.end) == (start + delta[0], end + delta[1])
    assert own_span.text == seed_document.text[own_span.start : own_span.end]


def test_entity_cannot_become_a_trigger(client_of, seed_document, annotator, own_span):
    before = state()
    response = client_of(annotator).post(
        url("span-update", seed_document),
        {"span": own_span.pk, "label": "CONTACT_MEET", "version": 1},
        headers=HX,
    )
    assert response.status_code == 422
    assert state() == before


def test_delete_then_undo_then_redo(client_of, seed_document, annotator, own_span):
    c = client_of(annotator)
    response = c.post(
        url("span-delete", seed_document), {"span": own_span.pk, "version": 1}, headers=HX
    )
    assert response.status_code == 200 and not Span.objects.exists()
    assert c.post(url("layer-undo", seed_document), {"version": 2}, headers=HX).status_code == 200
    assert Span.objects.get().pk == own_span.pk
    assert c.post(url("layer-redo", seed_document), {"version": 3}, headers=HX).status_code == 200
    assert not Span.objects.exists()


def test_undo_with_nothing_to_undo_is_refused(client_of, seed_document, annotator):
    response = client_of(annotator).post(
        url("layer-undo", seed_document), {"version": 0}, headers=HX
    )
    assert response.status_code == 422
    assert "nothing to undo" in response.content.decode()
    assert AnnotationLayer.objects.count() == 0


def test_another_annotators_span_is_not_found_and_untouched(
    client_of, seed_document, other_annotator, own_span, annotator
):
    services.get_or_create_layer(document=seed_document, user=other_annotator)
    before = state()
    c = client_of(other_annotator)
    for name, data in [
        ("span-update", {"span": own_span.pk, "label": "ORG", "version": 0}),
        ("span-delete", {"span": own_span.pk, "version": 0}),
    ]:
        response = c.post(url(name, seed_document), data, headers=HX)
        assert response.status_code == 404
        assert "does not exist in your layer" in response.content.decode()
    assert state() == before


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("span-delete", {}),
        ("span-update", {"label": "GPE"}),
        ("span-update", {"edge": "end-"}),
        ("argument-create", {"trigger": None, "role": "PARTICIPANT"}),
    ],
    ids=["delete", "relabel", "edge", "argument"],
)
def test_stale_tab_acting_on_a_span_another_tab_deleted_gets_a_conflict_and_fresh_view(
    client_of, seed_document, annotator, own_span, name, data
):
    c = client_of(annotator)
    other = services.add_span(
        layer=own_span.layer, start=0, end=3, label="TIME", by=annotator
    )  # version 2: the page of both tabs
    assert (
        c.post(
            url("span-delete", seed_document), {"span": own_span.pk, "version": 2}, headers=HX
        ).status_code
        == 200
    )
    before = state()
    payload = {"span": own_span.pk, "version": 2, **data}
    if "trigger" in payload:
        payload["trigger"] = own_span.pk
    response = c.post(url(name, seed_document), payload, headers=HX)
    assert response.status_code == 409
    body = response.content.decode()
    assert "changed since you opened it" in body
    assert f'data-span-id="{other.pk}"' in body  # the refreshed view
    assert f'data-span-id="{own_span.pk}"' not in body
    assert state() == before


def test_span_form_with_non_integer_id_is_refused(client_of, seed_document, annotator, own_span):
    response = client_of(annotator).post(
        url("span-delete", seed_document), {"span": "1; DROP", "version": 1}, headers=HX
    )
    assert response.status_code == 422
    assert Span.objects.count() == 1


# --- events, status ----------------------------------------------------------------------


@pytest.fixture
def trigger(seed_document, annotator, own_span):
    layer = own_span.layer
    start = seed_document.text.index("لقاء")
    return services.add_span(
        layer=layer, start=start, end=start + 4, label="CONTACT_MEET", by=annotator
    )


def test_argument_picker_lists_only_the_event_types_roles(
    client_of, seed_document, annotator, trigger
):
    response = client_of(annotator).get(
        url("annotate", seed_document) + f"?picker={trigger.pk}",
        headers={**HX, "HX-Target": "argument-picker"},
    )
    body = response.content.decode()
    assert body.startswith('<div id="argument-picker" data-open-dialog="argument-dialog"')
    roles = dict(re.findall(r'<option value="([A-Z_]+)" data-allowed="([A-Z_ ]*)"', body))
    assert roles == {
        "PARTICIPANT": "PERS ORG GPE NORP ",
        "PLACE": "GPE LOC FAC ",
        "TIME": "DATE TIME ",
    }
    assert re.search(r'data-label="PERS">Person: حموشي — …[^<]*\[حموشي\]', body)


def test_link_and_remove_an_argument(client_of, seed_document, annotator, own_span, trigger):
    c = client_of(annotator)
    response = c.post(
        url("argument-create", seed_document),
        {"trigger": trigger.pk, "role": "PARTICIPANT", "span": own_span.pk, "version": 2},
        headers=HX,
    )
    assert response.status_code == 200
    argument = Argument.objects.get()
    body = response.content.decode()
    assert re.search(r'id="argument-picker"[^>]*hx-swap-oob="true"', body)
    assert "Participant → <bdi" in body
    response = c.post(
        url("argument-delete", seed_document), {"argument": argument.pk, "version": 3}, headers=HX
    )
    assert response.status_code == 200 and not Argument.objects.exists()


def test_argument_with_a_role_the_event_lacks_is_refused(
    client_of, seed_document, annotator, own_span, trigger
):
    before = state()
    response = client_of(annotator).post(
        url("argument-create", seed_document),
        {"trigger": trigger.pk, "role": "VICTIM", "span": own_span.pk, "version": 2},
        headers=HX,
    )
    assert response.status_code == 422
    assert state() == before


def test_mark_done_and_reopen_update_the_progress_count(client_of, seed_document, annotator):
    c = client_of(annotator)
    response = c.post(
        url("layer-status", seed_document), {"status": "done", "version": 0}, headers=HX
    )
    assert response.status_code == 200
    assert "1 of 1 documents submitted" in response.content.decode()
    assert AnnotationLayer.objects.get().status == "done"
    response = c.post(
        url("layer-status", seed_document), {"status": "in_progress", "version": 1}, headers=HX
    )
    assert "0 of 1 documents submitted" in response.content.decode()


def test_annotator_cannot_reopen_a_layer_a_reviewer_marked_reviewed(
    client_of, seed_document, annotator, reviewer, own_span
):
    services.set_layer_status(layer=own_span.layer, status="reviewed", by=reviewer)
    before = state()
    response = client_of(annotator).post(
        url("layer-status", seed_document), {"status": "in_progress", "version": 2}, headers=HX
    )
    assert response.status_code == 422
    assert "ask a reviewer to send it back" in response.content.decode()
    assert state() == before
    assert AnnotationLayer.objects.get().status == "reviewed"


def test_queue_links_point_to_previous_and_next_documents(client_of, project, annotator):
    first, middle, last = (DocumentFactory(project=project) for _ in range(3))
    body = client_of(annotator).get(url("annotate", middle)).content.decode()
    assert f'href="{url("annotate", first)}" data-queue="previous"' in body
    assert f'href="{url("annotate", last)}" data-queue="next"' in body


# --- query counts ------------------------------------------------------------------------


def _fill(layer, count: int) -> None:
    text = layer.document.text
    schema = layer.document.project.schema
    types = list(schema.entity_types.all())
    spans, seen = [], set()
    i = 0
    while len(spans) < count:
        start = (i * 7) % (len(text) - 30)
        end = start + 1 + (i % 25)
        i += 1
        if (start, end) in seen:
            continue
        seen.add((start, end))
        spans.append(
            Span(
                layer=layer,
                start=start,
                end=end,
                text=text[start:end],
                entity_type=types[i % len(types)],
            )
        )
    Span.objects.bulk_create(spans)


@pytest.mark.parametrize("count", [5, 2000])
def test_page_and_span_create_cost_the_same_queries_for_5_or_2000_spans(
    client_of, seed_document, annotator, count, django_assert_max_num_queries
):
    layer = services.get_or_create_layer(document=seed_document, user=annotator)
    _fill(layer, count)
    c = client_of(annotator)
    # 13: the side panel's comment threads (review/_workspace_comments.html) cost one.
    with django_assert_max_num_queries(13):
        assert c.get(url("annotate", seed_document)).status_code == 200
    data = create_data(seed_document, "Frédéric Veaux")
    with django_assert_max_num_queries(23):  # +1 the comment threads, as above
        response = c.post(url("span-create", seed_document), data, headers=HX)
    assert response.status_code == 200, response.content[:300]
    data = create_data(seed_document, "Nicolas Lerner", version=1)  # the hot path
    with django_assert_max_num_queries(16):
        response = c.post(url("span-create", seed_document), data, headers=HX)
    assert response.status_code == 200 and response["HX-Reswap"] == "none"


def test_later_span_create_answers_with_touched_chunks_and_one_list_row(
    client_of, seed_document, annotator
):
    c = client_of(annotator)
    c.post(
        url("span-create", seed_document), create_data(seed_document, "باريس", "GPE"), headers=HX
    )
    data = create_data(seed_document, "حموشي", version=1)
    response = c.post(url("span-create", seed_document), data, headers=HX)
    assert response.status_code == 200
    assert response["HX-Reswap"] == "none"  # the text element stays; chunks swap out of band
    body = response.content.decode()
    span = Span.objects.get(text="حموشي")
    paris = Span.objects.get(text="باريس")
    chunk = re.match(r'<span class="chunk" id="chunk-(\d+)"[^>]*hx-swap-oob="true"', body)
    assert chunk and f'data-selected="{span.pk}"' in body[: body.index(">")]
    assert f'<div hx-swap-oob="beforebegin:#item-{paris.pk}"><li id="item-{span.pk}"' in body
    assert re.search(r'<span id="span-count" hx-swap-oob="true">\s*2 annotations', body)
    assert '<span id="layer-version" data-layer-version="2" hidden hx-swap-oob="true">' in body
    assert 'id="side-panel"' not in body  # the list is not re-sent


def test_page_text_is_cut_into_chunks_whose_text_is_the_document(client_of, project, annotator):
    text = "سطر أول\n" + "كلمة " * 500 + "\nآخر"
    document = DocumentFactory(project=project, text=text)
    body = client_of(annotator).get(url("annotate", document)).content.decode()
    assert len(re.findall(r'<span class="chunk" id="chunk-\d+"', body)) == 5  # line, 3 cuts, line
    assert doc_text(body.encode()) == text


# --- relabel, edge moves and deletes answer only what changed (issue 14) ------------------


def test_relabel_of_a_plain_entity_answers_with_its_chunk_and_its_row_only(
    client_of, seed_document, annotator, own_span
):
    response = client_of(annotator).post(
        url("span-update", seed_document),
        {"span": own_span.pk, "label": "ORG", "version": 1},
        headers=HX,
    )
    assert response.status_code == 200
    assert response["HX-Reswap"] == "none" and response["X-Span-Id"] == str(own_span.pk)
    body = response.content.decode()
    assert 'id="side-panel"' not in body and 'id="layer-bar"' not in body
    # The chunk, out of band, shows the new label on the same offsets.
    mark = re.search(rf'<mark [^>]*data-span-id="{own_span.pk}"[^>]*>', body).group(0)
    assert 'data-label="ORG"' in mark
    assert f'data-start="{own_span.start}"' in mark and f'data-end="{own_span.end}"' in mark
    # The old row goes, the new one comes (in text order: it is the only span).
    assert f'<li id="item-{own_span.pk}" hx-swap-oob="delete"></li>' in body
    assert f'<div hx-swap-oob="beforeend:#span-list"><li id="item-{own_span.pk}"' in body
    assert '<span id="layer-version" data-layer-version="2" hidden hx-swap-oob="true">' in body


def test_edge_move_answers_with_the_moved_span_and_its_new_place_in_the_list(
    client_of, seed_document, annotator, own_span
):
    layer = own_span.layer
    later = seed_document.text.index("فرنسا")
    after = services.add_span(layer=layer, start=later, end=later + 5, label="GPE", by=annotator)
    response = client_of(annotator).post(
        url("span-update", seed_document),
        {"span": own_span.pk, "edge": "end-", "version": 2},
        headers=HX,
    )
    assert response.status_code == 200 and response["HX-Reswap"] == "none"
    body = response.content.decode()
    own_span.refresh_from_db()
    mark = re.search(rf'<mark [^>]*data-span-id="{own_span.pk}"[^>]*>', body).group(0)
    assert f'data-end="{own_span.end}"' in mark and own_span.text == "حموش"
    assert f'<div hx-swap-oob="beforebegin:#item-{after.pk}"><li id="item-{own_span.pk}"' in body


def test_delete_of_a_plain_entity_removes_its_mark_and_row_and_counts_down(
    client_of, seed_document, annotator, own_span
):
    response = client_of(annotator).post(
        url("span-delete", seed_document), {"span": own_span.pk, "version": 1}, headers=HX
    )
    assert response.status_code == 200 and response["HX-Reswap"] == "none"
    assert "X-Span-Id" not in response
    body = response.content.decode()
    assert f'data-span-id="{own_span.pk}"' not in body
    assert f'<li id="item-{own_span.pk}" hx-swap-oob="delete"></li>' in body
    assert re.search(r'<span id="span-count" hx-swap-oob="true">\s*0 annotations', body)
    # The chunk's text is still the document's text there, exactly.
    chunk = re.search(r'<span class="chunk" id="chunk-\d+"[^>]*>(.*?)</span>', body, re.S)
    assert "حموشي" in html.unescape(re.sub(r"<[^>]+>", "", chunk.group(1)))
    assert not Span.objects.exists()


def test_changing_an_argument_or_a_commented_span_answers_with_the_whole_workspace(
    client_of, seed_document, annotator, own_span
):
    layer = own_span.layer
    start = seed_document.text.index("لقاء")
    trigger = services.add_span(
        layer=layer, start=start, end=start + 4, label="CONTACT_MEET", by=annotator
    )
    services.add_argument(
        layer=layer, event=trigger.event, role="PARTICIPANT", span=own_span, by=annotator
    )
    c = client_of(annotator)
    # An argument: its event's frame shows it, so the whole workspace comes back.
    response = c.post(
        url("span-update", seed_document),
        {"span": own_span.pk, "label": "ORG", "version": 3},
        headers=HX,
    )
    assert response.status_code == 200 and "HX-Reswap" not in response
    assert 'id="side-panel"' in response.content.decode()
    # A trigger: the same.
    response = c.post(
        url("span-delete", seed_document), {"span": trigger.pk, "version": 4}, headers=HX
    )
    assert response.status_code == 200 and "HX-Reswap" not in response
    # A span a comment is about: its thread is in the side panel.
    layer.refresh_from_db()
    services.add_comment(layer=layer, text="هل هذا صحيح؟", by=annotator, span=own_span)
    response = c.post(
        url("span-delete", seed_document), {"span": own_span.pk, "version": 5}, headers=HX
    )
    assert response.status_code == 200 and "HX-Reswap" not in response


@pytest.mark.parametrize("count", [5, 2000])
def test_relabel_and_delete_cost_the_same_queries_for_5_or_2000_spans(
    client_of, seed_document, annotator, own_span, count, django_assert_max_num_queries
):
    _fill(own_span.layer, count)
    c = client_of(annotator)
    data = {"span": own_span.pk, "label": "ORG", "version": 1}
    # The service's own reads (the span, its closure before and after, the label, the
    # duplicate and role checks) plus the chunks, count and list position of the answer.
    with django_assert_max_num_queries(22):
        response = c.post(url("span-update", seed_document), data, headers=HX)
    assert response.status_code == 200 and response["HX-Reswap"] == "none"
    # Deleting also asks each table that refers to spans (Django's cascade collector).
    with django_assert_max_num_queries(21):
        response = c.post(
            url("span-delete", seed_document), {"span": own_span.pk, "version": 2}, headers=HX
        )
    assert response.status_code == 200 and response["HX-Reswap"] == "none"
