"""review/merge.py: candidates, agreement and disagreement groups of several layers."""

import pytest

from newsreview.review.merge import (
    ACCEPTED,
    ARGUMENTS,
    ATTRIBUTES,
    BOUNDARY,
    EDITED,
    LABEL,
    MISSING,
    NESTING,
    OPEN,
    PREANNOTATION,
    REJECTED,
    TYPE,
    ArgumentIn,
    EventIn,
    LayerIn,
    SpanIn,
    attributes_key,
    decide,
    merge,
)


def layer(name, *spans, events=(), kind="annotator"):
    return LayerIn(
        name=name,
        kind=kind,
        spans=tuple(SpanIn(i + 1, s, e, lab) for i, (s, e, lab) in enumerate(spans)),
        events=tuple(events),
    )


def event(start, end, type_, *arguments, attributes=None, id_=1):
    return EventIn(
        id_,
        start,
        end,
        type_,
        tuple(ArgumentIn(*a) for a in arguments),
        attributes_key(attributes or {}),
    )


def only_group(result):
    assert len(result.groups) == 1, result.groups
    return result.groups[0]


def test_identical_spans_merge_into_one_agreed_candidate_with_every_supporter():
    result = merge([layer("a1", (0, 5, "PERS")), layer("a2", (0, 5, "PERS"))])
    assert [(c.start, c.end, c.label, c.supporters) for c in result.entities] == [
        (0, 5, "PERS", ["a1", "a2"])
    ]
    assert result.entities[0].span_ids == {"a1": 1, "a2": 1}
    assert result.agreed == result.entities
    assert result.groups == []


def test_a_span_one_layer_lacks_is_a_missing_group_naming_who_lacks_it():
    group = only_group(merge([layer("a1", (0, 5, "PERS")), layer("a2")]))
    assert group.reasons == {MISSING}
    assert group.missing == ["a2"]
    assert [c.supporters for c in group.candidates] == [["a1"]]


def test_same_text_different_labels_is_a_label_group():
    group = only_group(merge([layer("a1", (0, 5, "PERS")), layer("a2", (0, 5, "ORG"))]))
    assert group.reasons == {LABEL}
    assert sorted(c.label for c in group.candidates) == ["ORG", "PERS"]
    assert group.missing == []


def test_same_label_different_offsets_is_a_boundary_group():
    group = only_group(merge([layer("a1", (0, 5, "PERS")), layer("a2", (0, 11, "PERS"))]))
    assert group.reasons == {BOUNDARY}
    assert (group.start, group.end) == (0, 11)


def test_crossing_spans_with_different_labels_differ_in_boundaries():
    group = only_group(merge([layer("a1", (0, 6, "PERS")), layer("a2", (3, 9, "ORG"))]))
    assert group.reasons == {BOUNDARY}


def test_a_nested_span_one_layer_lacks_is_nested_versus_flat():
    result = merge([layer("a1", (0, 20, "OCC"), (10, 20, "ORG")), layer("a2", (0, 20, "OCC"))])
    assert [(c.label, c.supporters) for c in result.agreed] == [("OCC", ["a1", "a2"])]
    group = only_group(result)
    assert group.reasons == {MISSING, NESTING}
    assert [c.label for c in group.candidates] == ["ORG"]


def test_nested_against_flat_with_different_labels_in_one_group():
    group = only_group(merge([layer("a1", (0, 20, "OCC")), layer("a2", (10, 20, "ORG"))]))
    assert group.reasons == {NESTING}
    assert [c.label for c in group.candidates] == ["OCC", "ORG"]


def test_agreed_nested_spans_are_no_disagreement():
    spans = [(0, 20, "OCC"), (10, 20, "ORG")]
    result = merge([layer("a1", *spans), layer("a2", *spans)])
    assert result.groups == []
    assert [c.label for c in result.agreed] == ["OCC", "ORG"]


def test_groups_are_transitive_over_overlaps_and_in_document_order():
    result = merge(
        [
            layer("a1", (30, 35, "GPE"), (0, 4, "PERS"), (6, 10, "ORG")),
            layer("a2", (3, 8, "PERS"), (40, 45, "GPE")),
        ]
    )
    assert [(g.start, g.end) for g in result.groups] == [(0, 10), (30, 35), (40, 45)]
    assert len(result.groups[0].candidates) == 3


def test_touching_spans_do_not_overlap():
    result = merge([layer("a1", (0, 5, "PERS")), layer("a2", (5, 9, "PERS"))])
    assert [(g.start, g.end) for g in result.groups] == [(0, 5), (5, 9)]


def test_candidates_of_a_group_are_ordered_most_supported_first():
    result = merge(
        [
            layer("a1", (0, 5, "ORG")),
            layer("a2", (0, 5, "PERS")),
            layer("a3", (0, 5, "PERS")),
        ]
    )
    group = only_group(result)
    assert [(c.label, c.supporters) for c in group.candidates] == [
        ("PERS", ["a2", "a3"]),
        ("ORG", ["a1"]),
    ]


def test_agreement_needs_every_annotator_not_the_preannotation_layer():
    result = merge(
        [
            layer("a1", (0, 5, "PERS")),
            layer("a2", (0, 5, "PERS")),
            layer("model", (0, 5, "PERS"), (7, 9, "GPE"), kind=PREANNOTATION),
        ]
    )
    assert [c.supporters for c in result.agreed] == [["a1", "a2", "model"]]
    group = only_group(result)
    assert group.candidates[0].preannotated is True
    assert group.missing == ["a1", "a2"]


def test_a_single_annotator_agrees_with_themself():
    result = merge([layer("a1", (0, 5, "PERS"))])
    assert [c.label for c in result.agreed] == ["PERS"]
    assert result.groups == []


def test_no_annotator_layers_means_nothing_is_agreed():
    result = merge([layer("model", (0, 5, "PERS"), kind=PREANNOTATION)])
    assert result.agreed == []
    assert len(result.groups) == 1


def test_group_and_candidate_ids_are_stable_and_distinct():
    make = lambda: merge([layer("a1", (0, 5, "PERS")), layer("a2", (0, 5, "ORG"))])  # noqa: E731
    first, second = make(), make()
    assert first.groups[0].id == second.groups[0].id
    ids = [c.id for c in first.entities]
    assert len(set(ids)) == 2
    assert first.candidate(ids[0]) is first.entities[0]
    assert first.group(first.groups[0].id) is first.groups[0]
    assert first.candidate("e:9:9:X") is None


# --- events ---------------------------------------------------------------------------


MEET = (10, 15, "CONTACT_MEET")


def test_identical_events_agree_whatever_the_order_of_their_arguments():
    a = event(*MEET, ("PARTICIPANT", 0, 5, "PERS"), ("PARTICIPANT", 20, 25, "PERS"))
    b = event(*MEET, ("PARTICIPANT", 20, 25, "PERS"), ("PARTICIPANT", 0, 5, "PERS"))
    result = merge([layer("a1", events=[a]), layer("a2", events=[b])])
    assert result.groups == []
    assert [c.supporters for c in result.events] == [["a1", "a2"]]


def test_events_differing_in_arguments_are_one_group_with_per_slot_values():
    a = event(*MEET, ("PARTICIPANT", 0, 5, "PERS"), ("TIME", 30, 35, "DATE"))
    b = event(*MEET, ("PARTICIPANT", 0, 5, "PERS"))
    group = only_group(merge([layer("a1", events=[a]), layer("a2", events=[b])]))
    assert group.kind == "event"
    assert group.reasons == {ARGUMENTS}
    slots = {s.name: s for s in group.slots}
    assert not slots[TYPE].differs
    assert not slots["PARTICIPANT"].differs
    assert slots["TIME"].differs
    assert {v.value: v.supporters for v in slots["TIME"].values} == {
        "DATE [30, 35)": ["a1"],
        "—": ["a2"],
    }


def test_events_differing_in_type_on_the_same_trigger():
    group = only_group(
        merge(
            [
                layer("a1", events=[event(*MEET)]),
                layer("a2", events=[event(10, 15, "MOVEMENT_TRANSPORT")]),
            ]
        )
    )
    assert group.reasons == {TYPE}
    assert {v.value for v in group.slots[0].values} == {"CONTACT_MEET", "MOVEMENT_TRANSPORT"}


def test_events_differing_in_attributes():
    group = only_group(
        merge(
            [
                layer("a1", events=[event(*MEET, attributes={"realis": "planned"})]),
                layer("a2", events=[event(*MEET, attributes={"realis": "actual"})]),
            ]
        )
    )
    assert group.reasons == {ATTRIBUTES}


def test_events_with_overlapping_triggers_differ_in_boundaries():
    group = only_group(
        merge(
            [
                layer("a1", events=[event(*MEET)]),
                layer("a2", events=[event(10, 18, "CONTACT_MEET")]),
            ]
        )
    )
    assert BOUNDARY in group.reasons
    assert len(group.candidates) == 2


def test_an_event_only_one_layer_has_is_missing():
    group = only_group(merge([layer("a1", events=[event(*MEET)]), layer("a2")]))
    assert group.reasons == {MISSING}
    assert group.missing == ["a2"]


def test_entity_and_event_groups_are_separate_and_in_document_order():
    result = merge(
        [
            layer("a1", (12, 14, "PERS"), events=[event(*MEET)]),
            layer("a2", (0, 5, "GPE")),
        ]
    )
    assert [(g.kind, g.start) for g in result.groups] == [
        ("entity", 0),
        ("event", 10),
        ("entity", 12),
    ]


# --- decide -----------------------------------------------------------------------------


def test_decide_marks_open_accepted_rejected_and_edited_groups():
    result = merge(
        [
            layer("a1", (0, 5, "PERS"), (10, 15, "GPE"), (20, 25, "ORG"), (30, 35, "LOC")),
            layer("a2"),
        ]
    )
    ids = [g.id for g in result.groups]
    gold = layer("gold", (0, 5, "PERS"), (21, 24, "ORG"), (40, 45, "PERS"))
    states = decide(result, gold, rejected=[ids[1]])
    assert [states[i] for i in ids] == [ACCEPTED, REJECTED, EDITED, OPEN]


def test_an_agreed_span_in_gold_does_not_settle_an_overlapping_group():
    result = merge([layer("a1", (0, 20, "OCC"), (10, 20, "ORG")), layer("a2", (0, 20, "OCC"))])
    states = decide(result, layer("gold", (0, 20, "OCC")))
    assert list(states.values()) == [OPEN]


def test_decide_accepts_an_event_only_when_gold_holds_it_exactly():
    a = event(*MEET, ("PARTICIPANT", 0, 5, "PERS"))
    result = merge([layer("a1", events=[a]), layer("a2")])
    group_id = result.groups[0].id
    assert decide(result, layer("gold", events=[a]))[group_id] == ACCEPTED
    other = event(*MEET, ("PARTICIPANT", 20, 25, "PERS"))
    assert decide(result, layer("gold", events=[other]))[group_id] == EDITED
    assert decide(result, None)[group_id] == OPEN


@pytest.mark.parametrize(
    "text",
    ["حموشي 👍🏽 Veaux", "ڤـــو", "e\u0301te"],
)
def test_offsets_are_taken_as_given_code_points(text):
    # The merge never looks at text: offsets in, offsets out.
    n = len(text)
    result = merge([layer("a1", (0, n, "PERS")), layer("a2", (0, n, "PERS"))])
    assert (result.agreed[0].start, result.agreed[0].end) == (0, n)
