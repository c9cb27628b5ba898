"""annotations.services: every function, every refusal. A refusal carries a stable code and
leaves the database exactly as it was; a success writes one audit row and bumps the version."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from newsreview.annotations import services
from newsreview.annotations.errors import AnnotationError
from newsreview.annotations.models import (
    AnnotationLayer,
    Argument,
    Change,
    Comment,
    Event,
    Span,
)
from newsreview.documents.services import create_document
from newsreview.projects.models import EntityType, EventType, RoleType
from tests.factories import (
    DocumentFactory,
    EntityTypeFactory,
    EventTypeFactory,
    LabelSchemaFactory,
    UserFactory,
)

# --- helpers ------------------------------------------------------------------------------


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every annotation row, for 'nothing changed' assertions."""
    return {
        "spans": list(Span.objects.order_by("id").values()),
        "events": list(Event.objects.order_by("id").values()),
        "arguments": list(Argument.objects.order_by("id").values()),
        "comments": list(Comment.objects.order_by("id").values()),
        "changes": list(Change.objects.order_by("id").values()),
        "layers": list(AnnotationLayer.objects.order_by("id").values("id", "version", "status")),
    }


def assert_refused(code: str, call: Callable[[], Any]) -> AnnotationError:
    before = snapshot()
    with pytest.raises(AnnotationError) as info:
        call()
    assert info.value.code == code, info.value.message
    assert info.value.message
    assert snapshot() == before
    return info.value


class Audit:
    """Asserts that a successful call wrote exactly one Change and bumped the version by one."""

    def __init__(self, layer: AnnotationLayer) -> None:
        self.layer = layer

    def __enter__(self) -> Audit:
        self.version = AnnotationLayer.objects.get(pk=self.layer.pk).version
        self.last_id = Change.objects.order_by("-id").values_list("id", flat=True).first() or 0
        return self

    def __exit__(self, *exc: Any) -> None:
        if exc[0] is not None:
            return
        new = list(Change.objects.filter(id__gt=self.last_id))
        assert len(new) == 1, [c.action for c in new]
        self.change = new[0]
        assert self.change.layer_id == self.layer.pk
        assert self.change.document_id == self.layer.document_id
        assert AnnotationLayer.objects.get(pk=self.layer.pk).version == self.version + 1


def at(text: str, word: str, nth: int = 0) -> tuple[int, int]:
    """Code point offsets of the nth occurrence of `word`."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(word, start + 1)
    return start, start + len(word)


def version(layer: AnnotationLayer) -> int:
    return AnnotationLayer.objects.get(pk=layer.pk).version


def entity(schema, key: str) -> EntityType:
    return EntityType.objects.get(schema=schema, key=key)


def event_type(schema, key: str) -> EventType:
    return EventType.objects.get(schema=schema, key=key)


@pytest.fixture
def text(seed_document) -> str:
    return seed_document.text


@pytest.fixture
def layer(seed_document, annotator) -> AnnotationLayer:
    return services.get_or_create_layer(document=seed_document, user=annotator)


@pytest.fixture
def other_layer(seed_document, other_annotator) -> AnnotationLayer:
    return services.get_or_create_layer(document=seed_document, user=other_annotator)


@pytest.fixture
def gold(seed_document) -> AnnotationLayer:
    return services.get_or_create_named_layer(document=seed_document, name="gold")


@pytest.fixture
def pers(default_schema) -> EntityType:
    return entity(default_schema, "PERS")


@pytest.fixture
def gpe(default_schema) -> EntityType:
    return entity(default_schema, "GPE")


@pytest.fixture
def meet(default_schema) -> EventType:
    return event_type(default_schema, "CONTACT_MEET")


@pytest.fixture
def hammouchi(layer, text, pers, annotator) -> Span:
    start, end = at(text, "حموشي")
    return services.add_span(layer=layer, start=start, end=end, label=pers, by=annotator)


@pytest.fixture
def meeting(layer, text, meet, annotator) -> Span:
    """A CONTACT_MEET trigger on «اللقاءات»."""
    start, end = at(text, "اللقاءات")
    return services.add_span(layer=layer, start=start, end=end, label=meet, by=annotator)


@pytest.fixture
def participant(meeting, hammouchi, layer, annotator) -> Argument:
    return services.add_argument(
        layer=layer, event=meeting.event, role="PARTICIPANT", span=hammouchi, by=annotator
    )


# --- layers and labels --------------------------------------------------------------------


def test_get_or_create_layer_returns_the_same_layer_for_the_same_annotator(
    seed_document, annotator
):
    first = services.get_or_create_layer(document=seed_document, user=annotator)
    second = services.get_or_create_layer(document=seed_document, user=annotator)
    assert first.pk == second.pk
    assert first.kind == AnnotationLayer.Kind.ANNOTATOR
    assert first.owner == annotator
    assert first.version == 0


def test_get_or_create_layer_gives_each_annotator_an_independent_layer(layer, other_layer):
    assert layer.pk != other_layer.pk


def test_get_or_create_named_layer_makes_gold_a_gold_layer_without_owner(seed_document):
    gold = services.get_or_create_named_layer(document=seed_document, name="gold")
    again = services.get_or_create_named_layer(document=seed_document, name="gold")
    assert gold.pk == again.pk
    assert gold.kind == AnnotationLayer.Kind.GOLD
    assert gold.owner is None


def test_get_or_create_named_layer_defaults_to_a_preannotation_layer(seed_document):
    layer = services.get_or_create_named_layer(document=seed_document, name="camel-ner")
    assert layer.kind == AnnotationLayer.Kind.PREANNOTATION
    assert layer.layer_name == "camel-ner"


def test_resolve_label_finds_entity_and_event_types_by_key(layer, pers, meet):
    assert services.resolve_label(layer, "PERS") == pers
    assert services.resolve_label(layer, "CONTACT_MEET") == meet


def test_resolve_label_refuses_an_unknown_key(layer):
    error = assert_refused("unknown_label", lambda: services.resolve_label(layer, "PERSON"))
    assert "PERSON" in error.message


def test_resolve_label_ignores_labels_of_another_schema(layer):
    EntityTypeFactory(schema=LabelSchemaFactory(), key="ALIEN")
    assert_refused("unknown_label", lambda: services.resolve_label(layer, "ALIEN"))


# --- add_span -----------------------------------------------------------------------------


def test_add_span_stores_the_documents_own_slice(layer, text, pers, annotator):
    start, end = at(text, "عبد اللطيف حموشي")
    span = services.add_span(layer=layer, start=start, end=end, label=pers, by=annotator)
    span.refresh_from_db()
    assert (span.start, span.end, span.text) == (start, end, "عبد اللطيف حموشي")
    assert span.entity_type == pers
    assert span.event_type is None
    assert span.created_by == annotator


def test_add_span_writes_one_change_with_the_new_span_and_bumps_the_version(
    layer, text, pers, annotator
):
    start, end = at(text, "حموشي")
    with Audit(layer) as audit:
        span = services.add_span(
            layer=layer, start=start, end=end, label=pers, by=annotator, version=0
        )
    change = audit.change
    assert change.action == "span.add"
    assert change.user == annotator
    assert change.before is None
    span.refresh_from_db()
    assert change.after == {
        "spans": [
            {
                "id": span.pk,
                "start": start,
                "end": end,
                "text": "حموشي",
                "entity_type": pers.pk,
                "event_type": None,
                "label": "PERS",
                "origin": "",
                "created_by": annotator.pk,
                "created_at": span.created_at.isoformat(),
            }
        ],
        "events": [],
        "arguments": [],
    }


def test_add_span_moves_a_new_layer_to_in_progress(layer, hammouchi):
    assert AnnotationLayer.objects.get(pk=layer.pk).status == AnnotationLayer.Status.IN_PROGRESS


def test_add_span_with_an_event_type_creates_the_trigger_and_its_event(
    layer, text, meet, annotator
):
    start, end = at(text, "اللقاءات")
    with Audit(layer) as audit:
        span = services.add_span(layer=layer, start=start, end=end, label=meet, by=annotator)
    assert span.is_trigger
    assert span.entity_type is None
    event = Event.objects.get(trigger=span)
    assert event.layer == layer
    assert event.event_type == meet
    assert audit.change.after["events"] == [
        {
            "id": event.pk,
            "trigger": span.pk,
            "event_type": meet.pk,
            "attributes": {},
            "type": "CONTACT_MEET",
            "created_at": event.created_at.isoformat(),
        }
    ]


def test_add_span_accepts_a_label_key(layer, text, annotator):
    start, end = at(text, "باريس")
    span = services.add_span(layer=layer, start=start, end=end, label="GPE", by=annotator)
    assert span.label_key == "GPE"


def test_add_span_accepts_the_text_the_annotator_saw_when_it_matches(layer, text, gpe, annotator):
    start, end = at(text, "فرنسا")
    span = services.add_span(
        layer=layer, start=start, end=end, label=gpe, by=annotator, text="فرنسا"
    )
    assert span.text == "فرنسا"


def test_add_span_allows_nested_and_overlapping_spans(layer, text, annotator, default_schema):
    occ = entity(default_schema, "OCC")
    org = entity(default_schema, "ORG")
    title_start, title_end = at(text, "المدير العام للأمن الوطني")
    org_start, org_end = at(text, "لأمن الوطني")
    services.add_span(layer=layer, start=title_start, end=title_end, label=occ, by=annotator)
    services.add_span(layer=layer, start=org_start, end=org_end, label=org, by=annotator)
    # Overlapping without nesting, and the same range with another label: both allowed.
    services.add_span(layer=layer, start=title_start + 3, end=org_end + 3, label=org, by=annotator)
    services.add_span(layer=layer, start=title_start, end=title_end, label=org, by=annotator)
    assert Span.objects.filter(layer=layer).count() == 4


def test_add_span_allows_the_same_span_in_two_annotators_layers(
    layer, other_layer, text, pers, annotator, other_annotator
):
    start, end = at(text, "حموشي")
    services.add_span(layer=layer, start=start, end=end, label=pers, by=annotator)
    services.add_span(layer=other_layer, start=start, end=end, label=pers, by=other_annotator)
    assert Span.objects.filter(start=start, end=end).count() == 2


@pytest.mark.parametrize(
    ("raw", "target"),
    [
        ("😀 حموشي", "حموشي"),  # astral: 2 UTF-16 units, 1 code point
        ("🇲🇦🇫🇷 فرنسا", "فرنسا"),  # flags: 2 code points each
        ("cafe\u0301 باريس", "باريس"),  # combining acute accent, not NFC-composed
        ("فريديريك ڤـــو (Frédéric Veaux)", "ڤـــو"),  # tatweel stays inside the span
        ("عَبْدُ اللَّطِيف حموشي", "اللَّطِيف"),  # Arabic diacritics
        ("يومي 14 و15 دجنبر", "15 دجنبر"),  # digits in Arabic text
        ("السطر الأول\r\nحموشي", "حموشي"),  # CRLF becomes LF at import
    ],
)
def test_add_span_counts_offsets_in_code_points(project, annotator, pers, raw, target):
    document = create_document(project=project, text=raw)
    layer = services.get_or_create_layer(document=document, user=annotator)
    start, end = at(document.text, target)
    span = services.add_span(
        layer=layer, start=start, end=end, label=pers, by=annotator, text=target
    )
    assert document.text[span.start : span.end] == target
    assert span.text == target


@pytest.mark.parametrize(
    ("start", "end"),
    [(-1, 3), (0, 10_000), (2606, 2607), (5000, 5001)],
)
def test_add_span_refuses_offsets_outside_the_text(layer, pers, annotator, start, end):
    error = assert_refused(
        "out_of_range",
        lambda: services.add_span(layer=layer, start=start, end=end, label=pers, by=annotator),
    )
    assert error.http_status == 422


@pytest.mark.parametrize(("start", "end"), [(10, 10), (12, 10)])
def test_add_span_refuses_an_empty_or_reversed_span(layer, pers, annotator, start, end):
    assert_refused(
        "empty_span",
        lambda: services.add_span(layer=layer, start=start, end=end, label=pers, by=annotator),
    )


def test_add_span_refuses_a_span_of_white_space_only(layer, text, pers, annotator):
    newline = text.index("\n")
    space = text.index(" ")
    for start, end in [(space, space + 1), (newline, newline + 1)]:
        assert_refused(
            "empty_span",
            lambda s=start, e=end: services.add_span(
                layer=layer, start=s, end=e, label=pers, by=annotator
            ),
        )


@pytest.mark.parametrize(("start", "end"), [("3", 5), (3, 5.0), (None, 5), (True, 5), (0, True)])
def test_add_span_refuses_offsets_that_are_not_whole_numbers(layer, pers, annotator, start, end):
    assert_refused(
        "bad_offsets",
        lambda: services.add_span(layer=layer, start=start, end=end, label=pers, by=annotator),
    )


def test_add_span_refuses_an_unknown_label_key(layer, annotator):
    assert_refused(
        "unknown_label",
        lambda: services.add_span(layer=layer, start=0, end=3, label="NOPE", by=annotator),
    )


def test_add_span_refuses_a_label_of_another_schema(layer, annotator):
    alien = EntityTypeFactory(schema=LabelSchemaFactory(), key="PERS")
    alien_event = EventTypeFactory(schema=alien.schema, key="CONTACT_MEET")
    for label in (alien, alien_event):
        assert_refused(
            "unknown_label",
            lambda lb=label: services.add_span(layer=layer, start=0, end=3, label=lb, by=annotator),
        )


def test_add_span_rejects_text_that_differs_from_document(layer, text, pers, annotator):
    start, end = at(text, "حموشي")
    error = assert_refused(
        "text_mismatch",
        lambda: services.add_span(
            layer=layer, start=start, end=end, label=pers, by=annotator, text="حموش"
        ),
    )
    assert error.http_status == 409


def test_add_span_rejects_text_measured_in_utf16_units(project, annotator, pers):
    """A browser that sent UTF-16 offsets after an emoji lands one code point off."""
    document = create_document(project=project, text="😀 حموشي وفرنسا")
    layer = services.get_or_create_layer(document=document, user=annotator)
    utf16_start = len("😀 ".encode("utf-16-le")) // 2
    assert_refused(
        "text_mismatch",
        lambda: services.add_span(
            layer=layer,
            start=utf16_start,
            end=utf16_start + 5,
            label=pers,
            by=annotator,
            text="حموشي",
        ),
    )


def test_add_span_refuses_an_exact_duplicate_entity(layer, hammouchi, pers, annotator):
    assert_refused(
        "duplicate",
        lambda: services.add_span(
            layer=layer, start=hammouchi.start, end=hammouchi.end, label=pers, by=annotator
        ),
    )


def test_add_span_refuses_an_exact_duplicate_trigger(layer, meeting, meet, annotator):
    assert_refused(
        "duplicate",
        lambda: services.add_span(
            layer=layer, start=meeting.start, end=meeting.end, label=meet, by=annotator
        ),
    )


def test_add_span_refuses_a_stale_version(layer, hammouchi, text, gpe, annotator):
    start, end = at(text, "باريس")
    error = assert_refused(
        "stale",
        lambda: services.add_span(
            layer=layer, start=start, end=end, label=gpe, by=annotator, version=0
        ),
    )
    assert error.http_status == 409


def test_add_span_succeeds_with_the_current_version(layer, hammouchi, text, gpe, annotator):
    start, end = at(text, "باريس")
    services.add_span(
        layer=layer, start=start, end=end, label=gpe, by=annotator, version=version(layer)
    )
    assert version(layer) == 2


# --- update_span --------------------------------------------------------------------------


def test_update_span_relabels_an_entity_and_records_before_and_after(
    layer, hammouchi, default_schema, annotator, pers
):
    org = entity(default_schema, "ORG")
    with Audit(layer) as audit:
        span = services.update_span(
            layer=layer, span=hammouchi, label=org, by=annotator, version=version(layer)
        )
    assert Span.objects.get(pk=span.pk).entity_type == org
    change = audit.change
    assert change.action == "span.update"
    assert change.before["spans"][0]["label"] == "PERS"
    assert change.before["spans"][0]["entity_type"] == pers.pk
    assert change.after["spans"][0]["label"] == "ORG"
    assert change.after["spans"][0]["id"] == span.pk


def test_update_span_moves_edges_and_refreshes_the_text(layer, text, pers, annotator):
    start, end = at(text, "اللطيف حموشي")
    span = services.add_span(layer=layer, start=start, end=end, label=pers, by=annotator)
    whole_start, _ = at(text, "عبد اللطيف حموشي")
    with Audit(layer) as audit:
        services.update_span(layer=layer, span=span.pk, start=whole_start, by=annotator)
    span.refresh_from_db()
    assert (span.start, span.end, span.text) == (whole_start, end, "عبد اللطيف حموشي")
    assert audit.change.before["spans"][0]["start"] == start
    assert audit.change.after["spans"][0]["start"] == whole_start


def test_update_span_relabels_a_trigger_and_carries_its_arguments_over(
    layer, meeting, participant, default_schema, annotator
):
    agreement = event_type(default_schema, "AGREEMENT")
    with Audit(layer) as audit:
        services.update_span(layer=layer, span=meeting, label=agreement, by=annotator)
    event = Event.objects.get(trigger=meeting)
    assert event.event_type == agreement
    argument = Argument.objects.get(pk=participant.pk)
    assert argument.role.event_type == agreement
    assert argument.role.key == "PARTICIPANT"
    assert audit.change.before["events"][0]["type"] == "CONTACT_MEET"
    assert audit.change.after["events"][0]["type"] == "AGREEMENT"
    assert audit.change.after["arguments"][0]["role"] == argument.role_id


@pytest.mark.parametrize("new_label", ["CONTACT_MEET", "PERS"])
def test_update_span_refuses_to_turn_an_entity_into_a_trigger_or_back(
    layer, hammouchi, meeting, annotator, new_label
):
    span = meeting if new_label == "PERS" else hammouchi
    assert_refused(
        "kind_change",
        lambda: services.update_span(layer=layer, span=span, label=new_label, by=annotator),
    )


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        (-1, None, "out_of_range"),
        (None, 10_000, "out_of_range"),
        (None, "x", "bad_offsets"),
        ("reversed", None, "empty_span"),
    ],
)
def test_update_span_refuses_bad_offsets(layer, hammouchi, annotator, start, end, code):
    if start == "reversed":
        start = hammouchi.end
    assert_refused(
        code,
        lambda: services.update_span(
            layer=layer, span=hammouchi, start=start, end=end, by=annotator
        ),
    )


def test_update_span_refuses_to_shrink_onto_white_space(layer, text, pers, annotator):
    start, end = at(text, "اللطيف حموشي")
    span = services.add_span(layer=layer, start=start, end=end, label=pers, by=annotator)
    space = start + len("اللطيف")
    assert_refused(
        "empty_span",
        lambda: services.update_span(
            layer=layer, span=span, start=space, end=space + 1, by=annotator
        ),
    )


def test_update_span_refuses_to_become_a_duplicate(layer, text, pers, annotator):
    first = services.add_span(layer=layer, start=0, end=3, label=pers, by=annotator)
    second = services.add_span(layer=layer, start=0, end=4, label=pers, by=annotator)
    assert_refused(
        "duplicate",
        lambda: services.update_span(layer=layer, span=second, end=first.end, by=annotator),
    )


def test_update_span_keeping_its_own_offsets_is_not_a_duplicate(layer, hammouchi, annotator):
    services.update_span(
        layer=layer, span=hammouchi, start=hammouchi.start, end=hammouchi.end, by=annotator
    )


def test_update_span_refuses_unknown_and_foreign_labels(layer, hammouchi, annotator):
    alien = EntityTypeFactory(schema=LabelSchemaFactory(), key="ORG")
    for label in ("NOPE", alien):
        assert_refused(
            "unknown_label",
            lambda lb=label: services.update_span(
                layer=layer, span=hammouchi, label=lb, by=annotator
            ),
        )


def test_update_span_refuses_a_stale_version(layer, hammouchi, annotator):
    assert_refused(
        "stale",
        lambda: services.update_span(
            layer=layer, span=hammouchi, label="ORG", by=annotator, version=0
        ),
    )


def test_update_span_refuses_a_span_that_no_longer_exists(layer, hammouchi, annotator):
    services.delete_span(layer=layer, span=hammouchi, by=annotator)
    error = assert_refused(
        "not_found",
        lambda: services.update_span(layer=layer, span=hammouchi.pk, label="ORG", by=annotator),
    )
    assert error.http_status == 404


def test_update_span_refuses_a_span_of_another_layer(other_layer, hammouchi, other_annotator):
    assert_refused(
        "not_found",
        lambda: services.update_span(
            layer=other_layer, span=hammouchi, label="ORG", by=other_annotator
        ),
    )


def test_update_span_refuses_a_label_an_argument_role_does_not_allow(
    layer, participant, hammouchi, annotator
):
    # PARTICIPANT of CONTACT_MEET takes PERS, ORG, GPE, NORP: not DATE.
    assert_refused(
        "role_not_allowed",
        lambda: services.update_span(layer=layer, span=hammouchi, label="DATE", by=annotator),
    )


# Changing an event's type keeps its arguments (issue 12): tests/annotations/test_events.py.


# --- delete_span --------------------------------------------------------------------------


def test_delete_span_removes_it_and_records_what_it_was(layer, hammouchi, annotator):
    with Audit(layer) as audit:
        services.delete_span(layer=layer, span=hammouchi, by=annotator, version=version(layer))
    assert not Span.objects.filter(pk=hammouchi.pk).exists()
    assert audit.change.action == "span.delete"
    assert audit.change.before["spans"][0]["id"] == hammouchi.pk
    assert audit.change.after is None


def test_delete_span_of_a_trigger_removes_its_event_and_arguments(
    layer, meeting, participant, hammouchi, annotator
):
    event_id = meeting.event.pk
    with Audit(layer) as audit:
        services.delete_span(layer=layer, span=meeting, by=annotator)
    assert not Event.objects.filter(pk=event_id).exists()
    assert not Argument.objects.filter(pk=participant.pk).exists()
    assert Span.objects.filter(pk=hammouchi.pk).exists()
    assert [e["id"] for e in audit.change.before["events"]] == [event_id]
    assert [a["id"] for a in audit.change.before["arguments"]] == [participant.pk]


def test_delete_span_used_as_an_argument_removes_the_argument(
    layer, meeting, participant, hammouchi, annotator
):
    with Audit(layer) as audit:
        services.delete_span(layer=layer, span=hammouchi.pk, by=annotator)
    assert not Argument.objects.filter(pk=participant.pk).exists()
    assert Event.objects.filter(trigger=meeting).exists()
    assert [a["id"] for a in audit.change.before["arguments"]] == [participant.pk]


def test_delete_span_refuses_a_missing_span(layer, annotator):
    assert_refused(
        "not_found", lambda: services.delete_span(layer=layer, span=999_999, by=annotator)
    )


def test_delete_span_refuses_a_span_of_another_layer(other_layer, hammouchi, other_annotator):
    assert_refused(
        "not_found",
        lambda: services.delete_span(layer=other_layer, span=hammouchi, by=other_annotator),
    )


def test_delete_span_refuses_a_stale_version(layer, hammouchi, annotator):
    assert_refused(
        "stale",
        lambda: services.delete_span(layer=layer, span=hammouchi, by=annotator, version=0),
    )


# --- add_argument / delete_argument -------------------------------------------------------


def test_add_argument_links_an_entity_to_an_event_role(layer, meeting, hammouchi, annotator):
    with Audit(layer) as audit:
        argument = services.add_argument(
            layer=layer,
            event=meeting.event.pk,
            role="PARTICIPANT",
            span=hammouchi.pk,
            by=annotator,
            version=version(layer),
        )
    assert argument.event == meeting.event
    assert argument.role.key == "PARTICIPANT"
    assert argument.span == hammouchi
    assert audit.change.action == "argument.add"
    assert audit.change.before is None
    assert audit.change.after == {
        "spans": [],
        "events": [],
        "arguments": [
            {
                "id": argument.pk,
                "event": meeting.event.pk,
                "role": argument.role_id,
                "span": hammouchi.pk,
                "role_key": "PARTICIPANT",
            }
        ],
    }


def test_add_argument_accepts_a_role_object(layer, meeting, hammouchi, annotator, meet):
    role = RoleType.objects.get(event_type=meet, key="PARTICIPANT")
    argument = services.add_argument(
        layer=layer, event=meeting.event, role=role, span=hammouchi, by=annotator
    )
    assert argument.role == role


def test_add_argument_lets_a_multiple_role_take_several_entities(
    layer, meeting, participant, text, annotator
):
    start, end = at(text, "Frédéric Veaux")
    veaux = services.add_span(layer=layer, start=start, end=end, label="PERS", by=annotator)
    services.add_argument(
        layer=layer, event=meeting.event, role="PARTICIPANT", span=veaux, by=annotator
    )
    assert meeting.event.arguments.count() == 2


def test_add_argument_refuses_an_entity_type_the_role_does_not_allow(
    layer, meeting, text, annotator
):
    start, end = at(text, "14")
    date = services.add_span(layer=layer, start=start, end=end, label="DATE", by=annotator)
    error = assert_refused(
        "role_not_allowed",
        lambda: services.add_argument(
            layer=layer, event=meeting.event, role="PARTICIPANT", span=date, by=annotator
        ),
    )
    assert "DATE" in error.message


def test_add_argument_refuses_a_second_filler_of_a_single_role(layer, meeting, text, annotator):
    paris = services.add_span(
        layer=layer, start=at(text, "باريس")[0], end=at(text, "باريس")[1], label="GPE", by=annotator
    )
    france = services.add_span(
        layer=layer, start=at(text, "فرنسا")[0], end=at(text, "فرنسا")[1], label="GPE", by=annotator
    )
    services.add_argument(layer=layer, event=meeting.event, role="PLACE", span=paris, by=annotator)
    assert_refused(
        "role_taken",
        lambda: services.add_argument(
            layer=layer, event=meeting.event, role="PLACE", span=france, by=annotator
        ),
    )


def test_add_argument_refuses_the_same_link_twice(
    layer, meeting, participant, hammouchi, annotator
):
    assert_refused(
        "duplicate",
        lambda: services.add_argument(
            layer=layer, event=meeting.event, role="PARTICIPANT", span=hammouchi, by=annotator
        ),
    )


def test_add_argument_refuses_an_unknown_role_key(layer, meeting, hammouchi, annotator):
    assert_refused(
        "unknown_role",
        lambda: services.add_argument(
            layer=layer, event=meeting.event, role="VICTIM", span=hammouchi, by=annotator
        ),
    )


def test_add_argument_refuses_a_role_of_another_event_type(
    layer, meeting, hammouchi, annotator, default_schema
):
    victim = RoleType.objects.get(
        event_type__schema=default_schema, event_type__key="LIFE_DIE", key="VICTIM"
    )
    participant_of_call = RoleType.objects.get(
        event_type__schema=default_schema, event_type__key="CONTACT_PHONE_WRITE", key="PARTICIPANT"
    )
    for role in (victim, participant_of_call):
        assert_refused(
            "unknown_role",
            lambda r=role: services.add_argument(
                layer=layer, event=meeting.event, role=r, span=hammouchi, by=annotator
            ),
        )


def test_add_argument_refuses_a_trigger_as_argument(layer, meeting, text, annotator):
    start, end = at(text, "زيارة") if "زيارة" in text else at(text, "رحلة")
    trip = services.add_span(
        layer=layer, start=start, end=end, label="MOVEMENT_TRANSPORT", by=annotator
    )
    assert_refused(
        "not_entity",
        lambda: services.add_argument(
            layer=layer, event=meeting.event, role="PARTICIPANT", span=trip, by=annotator
        ),
    )


def test_add_argument_refuses_a_span_of_another_layer(
    layer, other_layer, meeting, text, annotator, other_annotator
):
    start, end = at(text, "حموشي")
    theirs = services.add_span(
        layer=other_layer, start=start, end=end, label="PERS", by=other_annotator
    )
    assert_refused(
        "not_found",
        lambda: services.add_argument(
            layer=layer, event=meeting.event, role="PARTICIPANT", span=theirs, by=annotator
        ),
    )


def test_add_argument_refuses_an_event_of_another_layer(
    other_layer, meeting, text, other_annotator
):
    start, end = at(text, "حموشي")
    theirs = services.add_span(
        layer=other_layer, start=start, end=end, label="PERS", by=other_annotator
    )
    assert_refused(
        "not_found",
        lambda: services.add_argument(
            layer=other_layer,
            event=meeting.event,
            role="PARTICIPANT",
            span=theirs,
            by=other_annotator,
        ),
    )


def test_add_argument_refuses_a_stale_version(layer, meeting, hammouchi, annotator):
    assert_refused(
        "stale",
        lambda: services.add_argument(
            layer=layer,
            event=meeting.event,
            role="PARTICIPANT",
            span=hammouchi,
            by=annotator,
            version=1,
        ),
    )


def test_delete_argument_removes_only_the_link(layer, participant, hammouchi, meeting, annotator):
    with Audit(layer) as audit:
        services.delete_argument(
            layer=layer, argument=participant, by=annotator, version=version(layer)
        )
    assert not Argument.objects.filter(pk=participant.pk).exists()
    assert Span.objects.filter(pk__in=[hammouchi.pk, meeting.pk]).count() == 2
    assert audit.change.action == "argument.delete"
    assert audit.change.before["arguments"][0]["id"] == participant.pk
    assert audit.change.after is None


def test_delete_argument_refuses_a_missing_or_foreign_argument(
    layer, other_layer, participant, annotator, other_annotator
):
    assert_refused(
        "not_found", lambda: services.delete_argument(layer=layer, argument=999_999, by=annotator)
    )
    assert_refused(
        "not_found",
        lambda: services.delete_argument(
            layer=other_layer, argument=participant.pk, by=other_annotator
        ),
    )


def test_delete_argument_refuses_a_stale_version(layer, participant, annotator):
    assert_refused(
        "stale",
        lambda: services.delete_argument(
            layer=layer, argument=participant, by=annotator, version=0
        ),
    )


# --- undo / redo --------------------------------------------------------------------------


def test_undo_removes_an_added_span_and_redo_brings_it_back_with_its_id(
    layer, hammouchi, annotator
):
    with Audit(layer) as audit:
        undone = services.undo(layer=layer, by=annotator, version=version(layer))
    assert undone.action == "span.add"
    assert not Span.objects.filter(pk=hammouchi.pk).exists()
    assert audit.change.action == "undo"
    assert audit.change.before == undone.after
    assert audit.change.after is None
    undone.refresh_from_db()
    assert undone.is_undone and undone.is_redoable

    with Audit(layer) as audit:
        redone = services.redo(layer=layer, by=annotator, version=version(layer))
    assert redone.pk == undone.pk
    restored = Span.objects.get(pk=hammouchi.pk)
    assert (restored.start, restored.end, restored.entity_type_id, restored.text) == (
        hammouchi.start,
        hammouchi.end,
        hammouchi.entity_type_id,
        hammouchi.text,
    )
    assert audit.change.action == "redo"
    redone.refresh_from_db()
    assert not redone.is_undone and not redone.is_redoable


def test_undo_and_redo_walk_a_chain_in_order(layer, text, annotator):
    spans = [
        services.add_span(layer=layer, start=s, end=e, label="GPE", by=annotator)
        for s, e in (at(text, "فرنسا"), at(text, "باريس"), at(text, "المغرب"))
    ]

    def present() -> list[int]:
        return sorted(Span.objects.filter(layer=layer).values_list("pk", flat=True))

    ids = [s.pk for s in spans]
    services.undo(layer=layer, by=annotator)
    assert present() == ids[:2]
    services.undo(layer=layer, by=annotator)
    assert present() == ids[:1]
    services.redo(layer=layer, by=annotator)
    assert present() == ids[:2]
    services.undo(layer=layer, by=annotator)
    assert present() == ids[:1]
    services.redo(layer=layer, by=annotator)
    services.redo(layer=layer, by=annotator)
    assert present() == ids
    assert_refused("nothing_to_redo", lambda: services.redo(layer=layer, by=annotator))


def test_a_new_action_after_undo_ends_the_redo_chain(layer, hammouchi, text, annotator):
    services.undo(layer=layer, by=annotator)
    start, end = at(text, "باريس")
    services.add_span(layer=layer, start=start, end=end, label="GPE", by=annotator)
    assert not Change.objects.filter(layer=layer, is_redoable=True).exists()
    assert_refused("nothing_to_redo", lambda: services.redo(layer=layer, by=annotator))
    assert not Span.objects.filter(pk=hammouchi.pk).exists()


def test_undo_of_a_deleted_trigger_restores_event_and_arguments_with_the_same_ids(
    layer, meeting, participant, annotator
):
    event = meeting.event
    before = snapshot()
    services.delete_span(layer=layer, span=meeting, by=annotator)
    services.undo(layer=layer, by=annotator)
    after = snapshot()
    for kind in ("spans", "events", "arguments"):
        assert after[kind] == before[kind], kind
    restored = Event.objects.get(pk=event.pk)
    assert restored.trigger_id == meeting.pk
    assert list(restored.arguments.values_list("pk", flat=True)) == [participant.pk]


def test_undo_of_an_update_restores_offsets_label_and_roles(
    layer, meeting, participant, default_schema, annotator
):
    before = snapshot()
    services.update_span(layer=layer, span=meeting, label="AGREEMENT", by=annotator)
    services.undo(layer=layer, by=annotator)
    after = snapshot()
    for kind in ("spans", "events", "arguments"):
        assert after[kind] == before[kind], kind


def test_undo_of_delete_argument_restores_it(layer, participant, annotator):
    services.delete_argument(layer=layer, argument=participant, by=annotator)
    services.undo(layer=layer, by=annotator)
    assert Argument.objects.filter(pk=participant.pk, span=participant.span_id).exists()


def test_undo_skips_status_changes_and_comments(layer, hammouchi, annotator):
    services.set_layer_status(layer=layer, status="done", by=annotator)
    services.set_layer_status(layer=layer, status="in_progress", by=annotator)
    services.add_comment(layer=layer, text="ملاحظة", by=annotator)
    undone = services.undo(layer=layer, by=annotator)
    assert undone.action == "span.add"
    assert AnnotationLayer.objects.get(pk=layer.pk).status == "in_progress"
    assert Comment.objects.filter(layer=layer).count() == 1


def test_undo_only_reverts_the_callers_own_changes(gold, text, reviewer, manager):
    start, end = at(text, "حموشي")
    mine = services.add_span(layer=gold, start=start, end=end, label="PERS", by=reviewer)
    assert_refused("nothing_to_undo", lambda: services.undo(layer=gold, by=manager))
    assert Span.objects.filter(pk=mine.pk).exists()


def test_undo_refuses_when_there_is_nothing_to_undo(layer, annotator):
    assert_refused("nothing_to_undo", lambda: services.undo(layer=layer, by=annotator))


def test_redo_refuses_when_there_is_nothing_to_redo(layer, hammouchi, annotator):
    assert_refused("nothing_to_redo", lambda: services.redo(layer=layer, by=annotator))


def test_undo_and_redo_refuse_a_stale_version(layer, hammouchi, annotator):
    assert_refused("stale", lambda: services.undo(layer=layer, by=annotator, version=0))
    services.undo(layer=layer, by=annotator)
    assert_refused("stale", lambda: services.redo(layer=layer, by=annotator, version=0))


def test_undo_refuses_to_revert_a_span_a_colleague_changed_since(gold, text, reviewer, manager):
    start, end = at(text, "حموشي")
    span = services.add_span(layer=gold, start=start, end=end, label="PERS", by=reviewer)
    services.update_span(layer=gold, span=span, label="ORG", by=manager)
    error = assert_refused("undo_conflict", lambda: services.undo(layer=gold, by=reviewer))
    assert error.http_status == 409


def test_undo_refuses_to_take_a_colleagues_argument_along(gold, text, reviewer, manager):
    start, end = at(text, "حموشي")
    person = services.add_span(layer=gold, start=start, end=end, label="PERS", by=reviewer)
    start, end = at(text, "اللقاءات")
    trigger = services.add_span(layer=gold, start=start, end=end, label="CONTACT_MEET", by=manager)
    services.add_argument(
        layer=gold, event=trigger.event, role="PARTICIPANT", span=person, by=manager
    )
    assert_refused("undo_conflict", lambda: services.undo(layer=gold, by=reviewer))


def test_undo_of_a_delete_refuses_when_an_argument_span_is_gone(gold, text, reviewer, manager):
    start, end = at(text, "حموشي")
    person = services.add_span(layer=gold, start=start, end=end, label="PERS", by=manager)
    start, end = at(text, "اللقاءات")
    trigger = services.add_span(layer=gold, start=start, end=end, label="CONTACT_MEET", by=reviewer)
    services.add_argument(
        layer=gold, event=trigger.event, role="PARTICIPANT", span=person, by=reviewer
    )
    services.delete_span(layer=gold, span=trigger, by=reviewer)
    services.delete_span(layer=gold, span=person, by=manager)
    # Restoring the trigger would restore an argument pointing at the deleted person.
    assert_refused("undo_conflict", lambda: services.undo(layer=gold, by=reviewer))


def test_redo_refuses_when_the_span_was_added_again_meanwhile(gold, text, reviewer, manager):
    start, end = at(text, "حموشي")
    services.add_span(layer=gold, start=start, end=end, label="PERS", by=reviewer)
    services.undo(layer=gold, by=reviewer)
    services.add_span(layer=gold, start=start, end=end, label="PERS", by=manager)
    assert_refused("undo_conflict", lambda: services.redo(layer=gold, by=reviewer))


# --- set_layer_status ---------------------------------------------------------------------


@pytest.mark.parametrize("status", ["done", "in_progress", "reviewed", "new"])
def test_set_layer_status_records_before_and_after(layer, hammouchi, annotator, reviewer, status):
    by = reviewer if status == "reviewed" else annotator
    with Audit(layer) as audit:
        updated = services.set_layer_status(
            layer=layer, status=status, by=by, version=version(layer)
        )
    assert updated.status == status
    assert AnnotationLayer.objects.get(pk=layer.pk).status == status
    assert audit.change.action == "layer.status"
    assert audit.change.before == {"status": "in_progress"}
    assert audit.change.after == {"status": status}


def test_set_layer_status_does_not_end_the_redo_chain(layer, hammouchi, annotator):
    services.undo(layer=layer, by=annotator)
    services.set_layer_status(layer=layer, status="done", by=annotator)
    services.set_layer_status(layer=layer, status="in_progress", by=annotator)
    services.redo(layer=layer, by=annotator)
    assert Span.objects.filter(pk=hammouchi.pk).exists()


def test_set_layer_status_refuses_an_unknown_status(layer, annotator):
    assert_refused(
        "bad_status",
        lambda: services.set_layer_status(layer=layer, status="finished", by=annotator),
    )


def test_set_layer_status_refuses_a_stale_version(layer, hammouchi, annotator):
    assert_refused(
        "stale",
        lambda: services.set_layer_status(layer=layer, status="done", by=annotator, version=0),
    )


# --- add_comment --------------------------------------------------------------------------


def test_add_comment_stores_trimmed_text_and_records_it(layer, hammouchi, reviewer):
    version_before = version(layer)
    before = Change.objects.count()
    comment = services.add_comment(
        layer=layer, text="  الحدود صحيحة؟ (Hammouchi)\n", by=reviewer, span=hammouchi.pk
    )
    assert comment.text == "الحدود صحيحة؟ (Hammouchi)"
    assert comment.span == hammouchi
    assert comment.author == reviewer
    assert Change.objects.count() == before + 1
    change = Change.objects.latest("id")
    assert change.action == "comment.add"
    assert change.before is None
    assert change.after == {"id": comment.pk, "span": hammouchi.pk, "text": comment.text}
    # A remark is not an edit: it must not make an annotator's open page stale.
    assert version(layer) == version_before


def test_add_comment_without_a_span_is_about_the_layer(layer, reviewer):
    comment = services.add_comment(layer=layer, text="ممتاز", by=reviewer)
    assert comment.span is None


def test_delete_comment_only_in_its_own_layer_and_audited(layer, other_layer, reviewer):
    comment = services.add_comment(layer=layer, text="ممتاز", by=reviewer)
    with pytest.raises(AnnotationError) as info:
        services.delete_comment(layer=other_layer, comment=comment.pk, by=reviewer)
    assert info.value.code == "not_found"
    assert Comment.objects.filter(pk=comment.pk).exists()
    services.delete_comment(layer=layer, comment=comment, by=reviewer)
    assert not Comment.objects.filter(pk=comment.pk).exists()
    change = Change.objects.latest("id")
    assert (change.action, change.before["text"], change.after) == ("comment.delete", "ممتاز", None)


@pytest.mark.parametrize("text", ["", "   ", "\n\t", None])
def test_add_comment_refuses_empty_text(layer, reviewer, text):
    assert_refused(
        "empty_comment", lambda: services.add_comment(layer=layer, text=text, by=reviewer)
    )


def test_add_comment_refuses_text_over_ten_thousand_characters(layer, reviewer):
    services.add_comment(layer=layer, text="ب" * 10_000, by=reviewer)
    assert_refused(
        "too_long", lambda: services.add_comment(layer=layer, text="ب" * 10_001, by=reviewer)
    )


def test_add_comment_refuses_a_span_of_another_layer(other_layer, hammouchi, reviewer):
    assert_refused(
        "not_found",
        lambda: services.add_comment(layer=other_layer, text="هنا", by=reviewer, span=hammouchi),
    )


# --- error mapping --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("stale", 409),
        ("text_mismatch", 409),
        ("undo_conflict", 409),
        ("not_found", 404),
        ("forbidden", 403),
        ("duplicate", 422),
        ("out_of_range", 422),
    ],
)
def test_annotation_error_maps_codes_to_http_statuses(code, status):
    assert AnnotationError(code, "x").http_status == status


def test_changes_carry_the_document_even_for_a_layer_of_a_plain_factory_document(annotator):
    document = DocumentFactory()
    layer = services.get_or_create_layer(document=document, user=UserFactory(username="solo"))
    label = EntityTypeFactory(schema=document.project.schema, key="PERS")
    services.add_span(layer=layer, start=43, end=48, label=label, by=layer.owner)
    assert Change.objects.get(layer=layer).document == document


@pytest.mark.parametrize("status", ["done", "reviewed"])
def test_a_layer_marked_done_or_reviewed_refuses_edits_until_reopened(
    layer, hammouchi, annotator, reviewer, text, status
):
    by = reviewer if status == "reviewed" else annotator
    services.set_layer_status(layer=layer, status=status, by=by)
    start, end = at(text, "المدير")
    before = Span.objects.count(), Change.objects.count()
    assert_refused(
        "layer_closed",
        lambda: services.add_span(layer=layer, start=start, end=end, label="OCC", by=annotator),
    )
    assert_refused(
        "layer_closed", lambda: services.delete_span(layer=layer, span=hammouchi, by=annotator)
    )
    assert_refused("layer_closed", lambda: services.undo(layer=layer, by=annotator))
    assert (Span.objects.count(), Change.objects.count()) == before
    services.set_layer_status(layer=layer, status="in_progress", by=by)
    services.add_span(layer=layer, start=start, end=end, label="OCC", by=annotator)


def test_set_layer_status_refuses_an_annotator_reopening_a_reviewed_layer(
    layer, hammouchi, annotator, reviewer
):
    services.set_layer_status(layer=layer, status="reviewed", by=reviewer)
    for status in ("in_progress", "done", "new"):
        error = assert_refused(
            "reviewed_locked",
            lambda s=status: services.set_layer_status(layer=layer, status=s, by=annotator),
        )
        assert "ask a reviewer" in error.message


def test_set_layer_status_refuses_an_annotator_marking_a_layer_reviewed(layer, annotator):
    assert_refused(
        "forbidden",
        lambda: services.set_layer_status(layer=layer, status="reviewed", by=annotator),
    )


@pytest.mark.parametrize("role", ["reviewer", "manager", "superuser", "import"])
def test_reviewers_managers_and_imports_may_reopen_a_reviewed_layer(layer, reviewer, manager, role):
    services.set_layer_status(layer=layer, status="reviewed", by=reviewer)
    by = {
        "reviewer": reviewer,
        "manager": manager,
        "superuser": UserFactory(username="root", is_superuser=True),
        "import": None,
    }[role]
    services.set_layer_status(layer=layer, status="in_progress", by=by)
    assert AnnotationLayer.objects.get(pk=layer.pk).status == "in_progress"


@pytest.mark.parametrize(
    ("start_delta", "end_delta"), [(-1, 0), (0, 1)], ids=["space before", "space after"]
)
def test_update_span_refuses_moving_an_edge_onto_white_space(
    layer, hammouchi, annotator, start_delta, end_delta
):
    # «: حموشي يعيد» in the headline: one space on each side of حموشي.
    assert_refused(
        "untrimmed",
        lambda: services.update_span(
            layer=layer,
            span=hammouchi,
            start=hammouchi.start + start_delta,
            end=hammouchi.end + end_delta,
            by=annotator,
        ),
    )


def test_add_span_refuses_a_span_across_a_line_break(layer, annotator, text):
    newline = text.index("\n")
    before = Span.objects.count()
    assert_refused(
        "crosses_line",
        lambda: services.add_span(
            layer=layer, start=newline - 3, end=newline + 3, label="ORG", by=annotator
        ),
    )
    assert Span.objects.count() == before
