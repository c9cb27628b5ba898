"""context.annotate_context: what the workspace shows, from the user's own layer."""

import html
import re

import pytest

from newsreview.annotations import services
from newsreview.annotations.context import annotate_context, own_layer
from newsreview.annotations.models import AnnotationLayer
from tests.factories import DocumentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def layer(seed_document, annotator):
    return services.get_or_create_layer(document=seed_document, user=annotator)


def add(layer, word, label, user, after=0):
    start = layer.document.text.index(word, after)
    return services.add_span(layer=layer, start=start, end=start + len(word), label=label, by=user)


def test_without_a_layer_the_workspace_is_empty_at_version_zero(seed_document, annotator):
    context = annotate_context(document=seed_document, layer=None, user=annotator)
    assert (context["version"], context["status"], context["span_count"]) == (0, "new", 0)
    assert context["span_list"] == ""
    rendered = str(context["rendered_text"])
    assert "<mark" not in rendered
    assert html.unescape(re.sub(r"<[^>]+>", "", rendered)) == seed_document.text
    assert AnnotationLayer.objects.count() == 0


def test_own_layer_is_never_another_users(seed_document, annotator, other_annotator, layer):
    assert own_layer(annotator, seed_document) == layer
    assert own_layer(other_annotator, seed_document) is None


def test_side_list_is_in_text_order_with_event_arguments(seed_document, annotator, layer):
    person = add(layer, "حموشي", "PERS", annotator)
    place = add(layer, "باريس", "GPE", annotator)
    trigger = add(layer, "لقاء", "CONTACT_MEET", annotator)
    services.add_argument(
        layer=layer, event=trigger.event, role="PARTICIPANT", span=person, by=annotator
    )
    services.add_argument(layer=layer, event=trigger.event, role="PLACE", span=place, by=annotator)
    context = annotate_context(
        document=seed_document, layer=layer, user=annotator, picker_id=trigger.pk
    )
    rows = re.findall(r'data-item-for="(\d+)"', str(context["span_list"]))
    assert rows == [str(s.pk) for s in sorted([person, place, trigger], key=lambda s: s.start)]
    assert [(a.role, a.span_text) for a in context["picker"]["arguments"]] == [
        ("Participant", "حموشي"),
        ("Place", "باريس"),
    ]
    assert 'Participant → <bdi lang="ar">حموشي</bdi>' in str(context["span_list"])


def test_picker_offers_the_event_types_roles_and_the_layers_entities(
    seed_document, annotator, layer
):
    person = add(layer, "حموشي", "PERS", annotator)
    trigger = add(layer, "لقاء", "CONTACT_MEET", annotator)
    context = annotate_context(
        document=seed_document, layer=layer, user=annotator, picker_id=trigger.pk
    )
    assert {r.key for r in context["picker"]["roles"]} == {"PARTICIPANT", "PLACE", "TIME"}
    assert [s.pk for s in context["picker"]["entities"]] == [person.pk]
    # an entity span has no picker
    context = annotate_context(
        document=seed_document, layer=layer, user=annotator, picker_id=person.pk
    )
    assert context["picker"] is None


def test_picker_offers_the_nearest_entities_first_each_with_its_surrounding_words(
    seed_document, annotator, layer
):
    text = seed_document.text
    trigger = add(layer, "لقاء", "CONTACT_MEET", annotator, after=text.index("لقاء السيد"))
    # The same name twice: once far before the trigger's line, once right after it.
    near = add(layer, "حموشي", "PERS", annotator, after=trigger.end)
    far = add(layer, "حموشي", "PERS", annotator)
    assert far.start < trigger.start < near.start
    context = annotate_context(
        document=seed_document, layer=layer, user=annotator, picker_id=trigger.pk
    )
    candidates = context["picker"]["entities"]
    assert [c.pk for c in candidates] == [near.pk, far.pk]
    for candidate, span in zip(candidates, [near, far], strict=True):
        assert (candidate.label_key, candidate.text) == ("PERS", "حموشي")
        before, rest = candidate.context.strip("…").split("[", 1)
        inside, after = rest.split("]", 1)
        assert inside == text[span.start : span.end]
        assert text[span.start - len(before) : span.end + len(after)] == before + inside + after
        assert "\n" not in candidate.context
    assert candidates[0].context != candidates[1].context


@pytest.mark.parametrize(
    ("text", "word", "expected"),
    [
        (
            "ذهب الرئيس الفرنسي إيمانويل ماكرون إلى المغرب في زيارة رسمية طويلة جداً",
            "المغرب",
            "…إيمانويل ماكرون إلى [المغرب] في زيارة رسمية طويلة…",
        ),
        # A line's first and last words are whole words: they stay.
        ("عنوان\nزار حموشي باريس\nسطر", "حموشي", "…زار [حموشي] باريس…"),
        ("زار حموشي باريس", "حموشي", "…زار [حموشي] باريس…"),
    ],
)
def test_picker_context_keeps_whole_words_up_to_the_line(text, word, expected):
    from newsreview.annotations.context import _context

    start = text.index(word)
    assert _context(text, start, start + len(word)) == expected


def test_selected_span_must_be_in_the_layer(seed_document, annotator, other_annotator, layer):
    other = services.get_or_create_layer(document=seed_document, user=other_annotator)
    foreign = add(other, "حموشي", "PERS", other_annotator)
    context = annotate_context(
        document=seed_document, layer=layer, user=annotator, selected_id=foreign.pk
    )
    assert context["selected"] is None


def test_progress_counts_my_done_layers_over_the_projects_documents(
    project, seed_document, annotator, other_annotator, layer
):
    second = DocumentFactory(project=project)
    services.set_layer_status(layer=layer, status="done", by=annotator)
    theirs = services.get_or_create_layer(document=second, user=other_annotator)
    services.set_layer_status(layer=theirs, status="done", by=other_annotator)
    context = annotate_context(document=second, layer=None, user=annotator)
    assert context["progress"] == {"done": 1, "total": 2}
    assert (context["previous_id"], context["next_id"]) == (seed_document.pk, None)


def test_next_to_do_skips_finished_documents_and_wraps_around(project, annotator, reviewer):
    from newsreview.annotations.context import next_to_do

    first, second, third, fourth = (
        DocumentFactory(project=project, text=f"نص {n}") for n in range(4)
    )
    other = DocumentFactory(text="نص في مشروع آخر")  # another project's: never offered

    def finish(document, status="done"):
        layer = services.get_or_create_layer(document=document, user=annotator)
        services.set_layer_status(layer=layer, status="done", by=annotator)
        if status == "reviewed":
            services.set_layer_status(layer=layer, status="reviewed", by=reviewer)

    finish(second)
    assert next_to_do(first, annotator) == third.pk
    finish(third, "reviewed")
    assert next_to_do(first, annotator) == fourth.pk
    assert next_to_do(fourth, annotator) == first.pk  # wraps to the start
    # Another annotator's finished layer does not finish it for this one.
    assert next_to_do(fourth, reviewer) == first.pk
    finish(first)
    assert next_to_do(fourth, annotator) is None  # the current one is never "next"
    assert other.pk not in {next_to_do(d, annotator) for d in (first, second, third, fourth)}
