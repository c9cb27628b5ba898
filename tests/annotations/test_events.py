"""annotations.events (issue 12): event attributes checked against the schema, arguments
moved between roles, a change of event type that keeps and flags arguments, completeness.
Every refusal has its code and message and writes nothing; every success one audit row,
a version bump, and an undo."""

from __future__ import annotations

import pytest

from newsreview.annotations import events, services
from newsreview.annotations.models import AnnotationLayer, Argument, Event
from newsreview.projects.models import NOTE_MAX, AttributeType, RoleType
from tests.annotations.test_services import Audit, assert_refused, at, version
from tests.factories import EventTypeFactory, RoleTypeFactory

pytestmark = pytest.mark.django_db


def add(layer, text, word, label, user, nth=0):
    start, end = at(text, word, nth)
    return services.add_span(layer=layer, start=start, end=end, label=label, by=user)


def roles_of(event: Event) -> list[tuple[str, str]]:
    return sorted(
        (a.role.event_type.key, a.role.key)
        for a in Argument.objects.filter(event=event).select_related("role__event_type")
    )


# --- the default schema ---------------------------------------------------------------------


def test_default_schema_has_realis_with_its_four_values_and_a_free_note(default_schema):
    attributes = {a.key: a.values for a in AttributeType.objects.filter(schema=default_schema)}
    assert attributes == {
        "realis": ["actual", "planned", "negated", "hypothetical"],
        "note": [],
    }


def test_default_schema_marks_the_core_role_of_each_event_required(default_schema):
    required = set(
        RoleType.objects.filter(event_type__schema=default_schema, is_required=True).values_list(
            "event_type__key", "key"
        )
    )
    assert ("CONTACT_MEET", "PARTICIPANT") in required
    assert ("MOVEMENT_TRANSPORT", "ARTIFACT") in required
    assert ("MOVEMENT_TRANSPORT", "DESTINATION") not in required
    assert len(required) == 12  # one per event type


# --- attributes -----------------------------------------------------------------------------


def test_set_event_attribute_stores_realis_and_records_it(layer, meeting, annotator):
    with Audit(layer) as audit:
        events.set_event_attribute(
            layer=layer,
            event=meeting.event,
            name="realis",
            value="planned",
            by=annotator,
            version=version(layer),
        )
    assert Event.objects.get(pk=meeting.event.pk).attributes == {"realis": "planned"}
    assert audit.change.action == "event.attributes"
    assert audit.change.before["events"][0]["attributes"] == {}
    assert audit.change.after["events"][0]["attributes"] == {"realis": "planned"}


def test_set_event_attribute_refuses_an_attribute_the_schema_lacks(layer, meeting, annotator):
    error = assert_refused(
        "bad_attribute",
        lambda: events.set_event_attribute(
            layer=layer, event=meeting.event, name="modality", value="actual", by=annotator
        ),
    )
    assert "modality" in error.message and "realis" in error.message


def test_set_event_attribute_refuses_a_value_the_schema_lacks(layer, meeting, annotator):
    error = assert_refused(
        "bad_attribute",
        lambda: events.set_event_attribute(
            layer=layer, event=meeting.event, name="realis", value="future", by=annotator
        ),
    )
    assert "future" in error.message and "planned" in error.message


def test_set_event_attribute_keeps_a_free_note_without_surrounding_space(layer, meeting, annotator):
    events.set_event_attribute(
        layer=layer, event=meeting.event, name="note", value="  زيارة مؤجلة؟ ", by=annotator
    )
    assert Event.objects.get(pk=meeting.event.pk).attributes == {"note": "زيارة مؤجلة؟"}


def test_set_event_attribute_refuses_a_note_too_long(layer, meeting, annotator):
    assert_refused(
        "bad_attribute",
        lambda: events.set_event_attribute(
            layer=layer, event=meeting.event, name="note", value="x" * (NOTE_MAX + 1), by=annotator
        ),
    )


def test_set_event_attribute_clears_with_no_value(layer, meeting, annotator):
    events.set_event_attribute(
        layer=layer, event=meeting.event, name="realis", value="actual", by=annotator
    )
    with Audit(layer):
        events.set_event_attribute(
            layer=layer, event=meeting.event, name="realis", value=None, by=annotator
        )
    assert Event.objects.get(pk=meeting.event.pk).attributes == {}


def test_set_event_attribute_refuses_clearing_what_is_not_set_and_setting_the_same(
    layer, meeting, annotator
):
    assert_refused(
        "unchanged",
        lambda: events.set_event_attribute(
            layer=layer, event=meeting.event, name="realis", value="", by=annotator
        ),
    )
    events.set_event_attribute(
        layer=layer, event=meeting.event, name="realis", value="actual", by=annotator
    )
    assert_refused(
        "unchanged",
        lambda: events.set_event_attribute(
            layer=layer, event=meeting.event, name="realis", value="actual", by=annotator
        ),
    )


def test_set_event_attribute_refuses_an_event_of_another_layer(
    other_layer, meeting, other_annotator
):
    assert_refused(
        "not_found",
        lambda: events.set_event_attribute(
            layer=other_layer,
            event=meeting.event,
            name="realis",
            value="actual",
            by=other_annotator,
        ),
    )


def test_set_event_attribute_refuses_a_stale_page_and_a_closed_layer(layer, meeting, annotator):
    assert_refused(
        "stale",
        lambda: events.set_event_attribute(
            layer=layer,
            event=meeting.event,
            name="realis",
            value="actual",
            by=annotator,
            version=version(layer) - 1,
        ),
    )
    AnnotationLayer.objects.filter(pk=layer.pk).update(status="done")
    assert_refused(
        "layer_closed",
        lambda: events.set_event_attribute(
            layer=layer, event=meeting.event, name="realis", value="actual", by=annotator
        ),
    )


def test_undo_and_redo_an_attribute(layer, meeting, annotator):
    events.set_event_attribute(
        layer=layer, event=meeting.event, name="realis", value="planned", by=annotator
    )
    services.undo(layer=layer, by=annotator)
    assert Event.objects.get(pk=meeting.event.pk).attributes == {}
    services.redo(layer=layer, by=annotator)
    assert Event.objects.get(pk=meeting.event.pk).attributes == {"realis": "planned"}


# --- changing an argument's role --------------------------------------------------------------


def test_change_argument_role_moves_it_and_is_undoable(layer, meeting, text, annotator):
    paris = add(layer, text, "باريس", "GPE", annotator)
    argument = services.add_argument(
        layer=layer, event=meeting.event, role="PARTICIPANT", span=paris, by=annotator
    )
    with Audit(layer) as audit:
        events.change_argument_role(
            layer=layer, argument=argument, role="PLACE", by=annotator, version=version(layer)
        )
    assert Argument.objects.get(pk=argument.pk).role.key == "PLACE"
    assert audit.change.action == "argument.update"
    services.undo(layer=layer, by=annotator)
    assert Argument.objects.get(pk=argument.pk).role.key == "PARTICIPANT"


def test_change_argument_role_refuses_a_role_of_another_type(
    layer, meeting, participant, annotator
):
    assert_refused(
        "unknown_role",
        lambda: events.change_argument_role(
            layer=layer, argument=participant, role="DESTINATION", by=annotator
        ),
    )


def test_change_argument_role_refuses_an_entity_type_the_role_does_not_accept(
    layer, meeting, participant, annotator
):
    # PLACE takes GPE, LOC, FAC: not a person.
    assert_refused(
        "role_not_allowed",
        lambda: events.change_argument_role(
            layer=layer, argument=participant, role="PLACE", by=annotator
        ),
    )


def test_change_argument_role_refuses_a_single_role_already_filled(layer, meeting, text, annotator):
    paris = add(layer, text, "باريس", "GPE", annotator)
    france = add(layer, text, "فرنسا", "GPE", annotator)
    services.add_argument(layer=layer, event=meeting.event, role="PLACE", span=paris, by=annotator)
    other = services.add_argument(
        layer=layer, event=meeting.event, role="PARTICIPANT", span=france, by=annotator
    )
    assert_refused(
        "role_taken",
        lambda: events.change_argument_role(
            layer=layer, argument=other, role="PLACE", by=annotator
        ),
    )


def test_change_argument_role_refuses_a_duplicate_and_no_change(
    layer, meeting, participant, hammouchi, annotator, default_schema
):
    assert_refused(
        "unchanged",
        lambda: events.change_argument_role(
            layer=layer, argument=participant, role="PARTICIPANT", by=annotator
        ),
    )
    # The same entity in another role that takes persons: a second copy of the link.
    host = RoleTypeFactory(event_type=meeting.event.event_type, key="HOST", is_multiple=True)
    copy = Argument.objects.create(event=meeting.event, role=host, span=hammouchi)
    assert_refused(
        "duplicate",
        lambda: events.change_argument_role(
            layer=layer, argument=copy, role="PARTICIPANT", by=annotator
        ),
    )


def test_change_argument_role_refuses_an_argument_of_another_layer(
    other_layer, participant, other_annotator
):
    assert_refused(
        "not_found",
        lambda: events.change_argument_role(
            layer=other_layer, argument=participant, role="PARTICIPANT", by=other_annotator
        ),
    )


# --- changing the event type ------------------------------------------------------------------


def test_changing_the_event_type_keeps_shared_roles_and_flags_the_others(
    layer, meeting, participant, text, annotator
):
    paris = add(layer, text, "باريس", "GPE", annotator)
    services.add_argument(layer=layer, event=meeting.event, role="PLACE", span=paris, by=annotator)
    # CONTACT_PHONE_WRITE has PARTICIPANT and TIME: PLACE has no place there.
    services.update_span(layer=layer, span=meeting, label="CONTACT_PHONE_WRITE", by=annotator)
    event = Event.objects.get(pk=meeting.event.pk)
    assert event.event_type.key == "CONTACT_PHONE_WRITE"
    assert roles_of(event) == [("CONTACT_MEET", "PLACE"), ("CONTACT_PHONE_WRITE", "PARTICIPANT")]
    own = list(event.event_type.roles.all())
    status = events.completeness(
        event.event_type_id, own, [(a.pk, a.role_id) for a in event.arguments.all()]
    )
    assert [Argument.objects.get(pk=a).span_id for a in status.orphaned] == [paris.pk]
    assert not status.is_complete
    assert events.incomplete_count(layer) == 1
    # The annotator moves the flagged argument to a role of the new type: complete again.
    orphan = Argument.objects.get(event=event, span=paris)
    events.change_argument_role(layer=layer, argument=orphan, role="PARTICIPANT", by=annotator)
    assert events.incomplete_count(layer) == 0


def test_changing_the_event_type_flags_an_entity_type_the_new_role_refuses(
    layer, meeting, text, annotator
):
    french = add(layer, text, "الفرنسيين", "NORP", annotator)
    services.add_argument(
        layer=layer, event=meeting.event, role="PARTICIPANT", span=french, by=annotator
    )
    # PARTICIPANT of CONTACT_PHONE_WRITE takes PERS, ORG, GPE: the NORP stays, flagged.
    services.update_span(layer=layer, span=meeting, label="CONTACT_PHONE_WRITE", by=annotator)
    assert roles_of(meeting.event) == [("CONTACT_MEET", "PARTICIPANT")]
    assert events.incomplete_count(layer) == 1


def test_changing_the_event_type_flags_a_second_argument_of_a_single_role(
    layer, meeting, hammouchi, text, annotator, default_schema
):
    single = EventTypeFactory(schema=default_schema, key="SOLO_MEET", shortcut="")
    RoleTypeFactory(event_type=single, key="PARTICIPANT", is_multiple=False)
    again = add(layer, text, "حموشي", "PERS", annotator, nth=1)
    for span in (hammouchi, again):
        services.add_argument(
            layer=layer, event=meeting.event, role="PARTICIPANT", span=span, by=annotator
        )
    services.update_span(layer=layer, span=meeting, label=single, by=annotator)
    assert roles_of(meeting.event) == [
        ("CONTACT_MEET", "PARTICIPANT"),
        ("SOLO_MEET", "PARTICIPANT"),
    ]


def test_undoing_a_type_change_gives_the_arguments_their_roles_back(
    layer, meeting, participant, text, annotator
):
    paris = add(layer, text, "باريس", "GPE", annotator)
    services.add_argument(layer=layer, event=meeting.event, role="PLACE", span=paris, by=annotator)
    services.update_span(layer=layer, span=meeting, label="CONTACT_PHONE_WRITE", by=annotator)
    services.undo(layer=layer, by=annotator)
    event = Event.objects.get(pk=meeting.event.pk)
    assert event.event_type.key == "CONTACT_MEET"
    assert roles_of(event) == [("CONTACT_MEET", "PARTICIPANT"), ("CONTACT_MEET", "PLACE")]


def test_add_argument_refuses_a_role_of_the_events_previous_type(
    layer, meeting, participant, text, annotator, default_schema
):
    services.update_span(layer=layer, span=meeting, label="CONTACT_PHONE_WRITE", by=annotator)
    paris = add(layer, text, "باريس", "GPE", annotator)
    old_place = RoleType.objects.get(event_type__key="CONTACT_MEET", key="PLACE")
    assert_refused(
        "unknown_role",
        lambda: services.add_argument(
            layer=layer, event=meeting.event, role=old_place, span=paris, by=annotator
        ),
    )


# --- completeness ---------------------------------------------------------------------------


def test_an_event_is_incomplete_until_its_required_role_is_filled(
    layer, meeting, hammouchi, annotator
):
    assert events.incomplete_count(layer) == 1
    argument = services.add_argument(
        layer=layer, event=meeting.event, role="PARTICIPANT", span=hammouchi, by=annotator
    )
    assert events.incomplete_count(layer) == 0
    services.delete_argument(layer=layer, argument=argument, by=annotator)
    assert events.incomplete_count(layer) == 1


def test_deleting_a_trigger_deletes_its_event_and_arguments_not_their_spans(
    layer, meeting, participant, hammouchi, annotator
):
    services.delete_span(layer=layer, span=meeting, by=annotator)
    assert not Event.objects.filter(layer=layer).exists()
    assert not Argument.objects.exists()
    assert layer.spans.filter(pk=hammouchi.pk).exists()
    assert events.incomplete_count(layer) == 0


def test_attribute_problem_names_the_attribute_and_the_allowed_values():
    definitions = {"realis": ["actual", "planned"], "note": []}
    assert events.attribute_problem(definitions, "realis", "planned") is None
    assert events.attribute_problem(definitions, "note", "مؤجل") is None
    assert "actual, planned" in events.attribute_problem(definitions, "realis", "maybe")
    assert "realis" in events.attribute_problem(definitions, "Realis", "actual")
    assert events.attribute_problem(definitions, "note", 3)
    assert events.attribute_problem(definitions, "note", "   ")
