"""review.services and the workflow moves of annotations.services.set_layer_status: every
transition, each forbidden one (refused with its code, nothing written), accept / reject /
undo, pre-acceptance and concurrent gold edits."""

from __future__ import annotations

import pytest

from newsreview.annotations import services as annotate
from newsreview.annotations.errors import AnnotationError
from newsreview.annotations.models import AnnotationLayer, Argument, Change, Comment, Event, Span
from newsreview.review import merge, services
from newsreview.review.models import Decision, Transition
from tests.annotations.test_services import assert_refused
from tests.review.conftest import build_scenario

pytestmark = pytest.mark.django_db


def gold_of(document) -> AnnotationLayer:
    return AnnotationLayer.objects.get(document=document, kind="gold")


def gold_spans(document) -> set[tuple[int, int, str]]:
    return {
        (s.start, s.end, s.label_key)
        for s in Span.objects.filter(layer__document=document, layer__kind="gold")
        .select_related("entity_type", "event_type")
        .filter(entity_type__isnull=False)
    }


def groups(document):
    layers = services.read_layers(document)
    result = merge.merge(layers.inputs)
    states = merge.decide(result, layers.gold_input, services.rejected_groups(document))
    return result, states


def group_with(result, label, kind="entity"):
    return next(
        g for g in result.groups if g.kind == kind and any(c.label == label for c in g.candidates)
    )


# --- layer workflow -----------------------------------------------------------------------


def test_annotator_moves_new_to_in_progress_to_submitted(seed_document, annotator):
    layer = annotate.get_or_create_layer(document=seed_document, user=annotator)
    assert layer.status == "new"
    annotate.add_span(layer=layer, start=0, end=3, label="PERS", by=annotator)
    layer.refresh_from_db()
    assert layer.status == "in_progress"
    annotate.set_layer_status(layer=layer, status="done", by=annotator)
    transition = Transition.objects.get(layer=layer)
    assert (transition.from_status, transition.to_status, transition.user) == (
        "in_progress",
        "done",
        annotator,
    )
    assert transition.to_label == "Submitted"


def test_request_changes_needs_a_comment_that_the_annotator_then_sees(
    scenario, reviewer, annotator
):
    assert_refused(
        "comment_required",
        lambda: services.request_changes(layer=scenario.a1, by=reviewer, comment="  "),
    )
    services.request_changes(layer=scenario.a1, by=reviewer, comment="راجع <b>فرنسا</b>")
    scenario.a1.refresh_from_db()
    assert scenario.a1.status == "changes_requested"
    comment = Comment.objects.get(layer=scenario.a1)
    assert (comment.text, comment.author) == ("راجع <b>فرنسا</b>", reviewer)
    transition = Transition.objects.filter(layer=scenario.a1).latest("id")
    assert (transition.from_status, transition.to_status) == ("done", "changes_requested")
    assert transition.comment == "راجع <b>فرنسا</b>"
    # The annotator edits again (the layer is open) and resubmits.
    start, end = scenario.spans["morocco"]
    annotate.delete_span(
        layer=scenario.a1,
        span=Span.objects.get(layer=scenario.a1, start=start, end=end),
        by=annotator,
    )
    annotate.set_layer_status(layer=scenario.a1, status="done", by=annotator)
    scenario.a1.refresh_from_db()
    assert scenario.a1.status == "done"


def test_an_annotator_cannot_request_changes(scenario, other_annotator):
    assert_refused(
        "forbidden",
        lambda: annotate.set_layer_status(
            layer=scenario.a1, status="changes_requested", by=other_annotator, comment="x"
        ),
    )
    assert_refused(
        "forbidden",
        lambda: services.request_changes(layer=scenario.a1, by=other_annotator, comment="x"),
    )


def test_only_a_submitted_layer_can_be_sent_back(seed_document, annotator, reviewer):
    layer = annotate.get_or_create_layer(document=seed_document, user=annotator)
    assert_refused(
        "bad_transition",
        lambda: services.request_changes(layer=layer, by=reviewer, comment="لماذا؟"),
    )


def test_gold_cannot_be_sent_back(scenario, reviewer):
    services.start_review(document=scenario.a1.document, by=reviewer)
    gold = gold_of(scenario.a1.document)
    assert_refused(
        "bad_transition",
        lambda: annotate.set_layer_status(
            layer=gold, status="changes_requested", by=reviewer, comment="x"
        ),
    )


def test_a_submitted_layer_refuses_edits(scenario, annotator):
    assert_refused(
        "layer_closed",
        lambda: annotate.add_span(layer=scenario.a1, start=0, end=3, label="PERS", by=annotator),
    )


# --- readiness and queue ----------------------------------------------------------------


def test_ready_needs_the_required_number_of_submitted_layers(
    two_annotators, seed_document, annotator, other_annotator
):
    scenario = build_scenario(seed_document, annotator, other_annotator, submit=False)
    assert not services.is_ready(seed_document)
    annotate.set_layer_status(layer=scenario.a1, status="done", by=annotator)
    assert not services.is_ready(seed_document)
    assert list(services.review_queue(two_annotators)) == []
    annotate.set_layer_status(layer=scenario.a2, status="done", by=other_annotator)
    assert services.is_ready(seed_document)
    assert list(services.review_queue(two_annotators)) == [seed_document]


def test_queue_lists_the_oldest_ready_first_and_drops_reviewed(project, annotator, reviewer):
    from tests.factories import DocumentFactory

    first, second, third = (DocumentFactory(project=project) for _ in range(3))
    for document in (second, first, third):  # submitted in this order
        layer = annotate.get_or_create_layer(document=document, user=annotator)
        annotate.set_layer_status(layer=layer, status="done", by=annotator)
    assert list(services.review_queue(project)) == [second, first, third]
    assert services.next_to_review(project) == second
    assert services.next_to_review(project, after=second) == first
    services.approve_document(document=second, by=reviewer)
    assert list(services.review_queue(project)) == [first, third]


# --- starting, pre-accepting -------------------------------------------------------------


def test_starting_review_preaccepts_what_every_annotator_proposed(scenario, reviewer):
    document = scenario.a1.document
    services.start_review(document=document, by=reviewer)
    s = scenario.spans
    assert gold_spans(document) == {
        (*s["hammouchi"], "PERS"),
        (*s["morocco"], "GPE"),
        (*s["paris"], "GPE"),
        (*s["occ"], "OCC"),
    }
    gold = gold_of(document)
    assert gold.status == "in_progress"
    decisions = Decision.objects.filter(document=document, kind="preaccepted")
    assert decisions.count() == 4
    origin = decisions.get(candidate=f"e:{s['paris'][0]}:{s['paris'][1]}:GPE").origin
    assert origin["layers"] == ["annotator1", "annotator2"]
    assert set(origin["ids"]) == {"annotator1", "annotator2"}
    # Starting again changes nothing.
    version = gold.version
    services.start_review(document=document, by=reviewer)
    assert gold_of(document).version == version


def test_preaccepting_an_agreed_event_brings_its_argument(
    two_annotators, seed_document, annotator, other_annotator, reviewer
):
    text = seed_document.text
    for user in (annotator, other_annotator):
        layer = annotate.get_or_create_layer(document=seed_document, user=user)
        start = text.index("باريس")
        paris = annotate.add_span(layer=layer, start=start, end=start + 5, label="GPE", by=user)
        start = text.index("رحلة")
        trip = annotate.add_span(
            layer=layer, start=start, end=start + 4, label="MOVEMENT_TRANSPORT", by=user
        )
        annotate.add_argument(
            layer=layer, event=trip.event, role="DESTINATION", span=paris, by=user
        )
        annotate.set_layer_status(layer=layer, status="done", by=user)
    services.start_review(document=seed_document, by=reviewer)
    event = Event.objects.get(layer__kind="gold")
    (argument,) = Argument.objects.filter(event=event)
    assert (argument.role.key, argument.span.text) == ("DESTINATION", "باريس")
    assert Span.objects.filter(layer__kind="gold").count() == 2


def test_preaccept_off_leaves_gold_empty(scenario, reviewer, two_annotators):
    two_annotators.preaccept_agreed = False
    two_annotators.save()
    document = scenario.a1.document
    document.project = two_annotators
    services.start_review(document=document, by=reviewer)
    assert gold_spans(document) == set()
    assert gold_of(document).status == "in_progress"


def test_the_reviewer_can_undo_the_preacceptance(scenario, reviewer):
    document = scenario.a1.document
    services.start_review(document=document, by=reviewer)
    services.undo_review(document=document, by=reviewer)
    assert gold_spans(document) == set()
    assert not Decision.objects.filter(document=document, is_undone=False).exists()


def test_review_refused_before_the_document_is_ready(
    two_annotators, seed_document, annotator, other_annotator, reviewer
):
    build_scenario(seed_document, annotator, other_annotator, submit=False)
    error = assert_refused(
        "not_ready", lambda: services.start_review(document=seed_document, by=reviewer)
    )
    assert "0 of the 2" in error.message


def test_an_annotator_cannot_start_review(scenario, annotator):
    assert_refused(
        "forbidden", lambda: services.start_review(document=scenario.a1.document, by=annotator)
    )


# --- groups of the scenario --------------------------------------------------------------


def test_the_scenario_has_one_group_per_known_difference(scenario):
    result, states = groups(scenario.a1.document)
    reasons = [(g.kind, sorted(g.reasons)) for g in result.groups]
    assert reasons == [
        ("entity", ["label"]),  # الفرنسيين NORP / GPE
        ("entity", ["missing"]),  # فرنسا
        ("event", ["arguments"]),  # رحلة: ARTIFACT only in annotator1's
        ("entity", ["boundary"]),  # عبد اللطيف حموشي / السيد عبد اللطيف حموشي
        ("entity", ["missing", "nesting"]),  # لأمن الوطني inside the agreed OCC
    ]
    assert set(states.values()) == {"open"}


# --- accept, reject, undo ----------------------------------------------------------------


def test_accepting_a_candidate_copies_it_into_gold_with_its_origin(scenario, reviewer):
    document = scenario.a1.document
    result, _ = groups(document)
    group = group_with(result, "NORP")
    norp = next(c for c in group.candidates if c.label == "NORP")
    decision = services.accept_candidate(document=document, candidate=norp.id, by=reviewer)
    assert (*scenario.spans["french"], "NORP") in gold_spans(document)
    assert decision.origin["layers"] == ["annotator1"]
    assert decision.origin["ids"] == {"annotator1": norp.span_ids["annotator1"]}
    assert decision.group == group.id
    assert decision.span.text == "الفرنسيين"
    _, states = groups(document)
    assert states[group.id] == "accepted"


def test_accepting_twice_is_refused(scenario, reviewer):
    document = scenario.a1.document
    result, _ = groups(document)
    norp = next(c for c in group_with(result, "NORP").candidates if c.label == "NORP")
    services.accept_candidate(document=document, candidate=norp.id, by=reviewer)
    assert_refused(
        "duplicate",
        lambda: services.accept_candidate(document=document, candidate=norp.id, by=reviewer),
    )


def test_accepting_an_unknown_candidate_is_refused(scenario, reviewer):
    services.start_review(document=scenario.a1.document, by=reviewer)
    assert_refused(
        "not_found",
        lambda: services.accept_candidate(
            document=scenario.a1.document, candidate="e:0:3:PERS", by=reviewer
        ),
    )


def test_accepting_an_event_brings_its_arguments_linked_to_gold_spans(scenario, reviewer):
    document = scenario.a1.document
    services.start_review(document=document, by=reviewer)
    result, _ = groups(document)
    group = next(g for g in result.groups if g.kind == "event")
    with_artifact = next(
        c for c in group.candidates if any(a.role == "ARTIFACT" for a in c.arguments)
    )
    spans_before = Span.objects.filter(layer__kind="gold").count()
    services.accept_candidate(document=document, candidate=with_artifact.id, by=reviewer)
    event = Event.objects.get(layer__kind="gold")
    roles = {(a.role.key, a.span.text) for a in event.arguments.select_related("role", "span")}
    assert roles == {("ARTIFACT", "حموشي"), ("DESTINATION", "باريس")}
    # The argument spans were already in gold (pre-accepted): linked, not duplicated.
    assert Span.objects.filter(layer__kind="gold").count() == spans_before + 1
    _, states = groups(document)
    assert states[group.id] == "accepted"


def test_accepting_another_candidate_of_the_same_event_replaces_it_in_one_undoable_step(
    scenario, reviewer
):
    document = scenario.a1.document
    services.start_review(document=document, by=reviewer)
    result, _ = groups(document)
    group = next(g for g in result.groups if g.kind == "event")
    first, second = group.candidates
    services.accept_candidate(document=document, candidate=first.id, by=reviewer)
    services.accept_candidate(document=document, candidate=second.id, by=reviewer)
    event = Event.objects.get(layer__kind="gold")
    assert event.arguments.count() == len(second.arguments)
    services.undo_review(document=document, by=reviewer)
    event = Event.objects.get(layer__kind="gold")
    assert event.arguments.count() == len(first.arguments)


def test_rejecting_a_group_decides_it_and_removes_its_candidates_from_gold(scenario, reviewer):
    document = scenario.a1.document
    result, _ = groups(document)
    group = group_with(result, "ORG")
    org = group.candidates[0]
    services.accept_candidate(document=document, candidate=org.id, by=reviewer)
    services.reject_group(document=document, group=group.id, by=reviewer)
    assert (*scenario.spans["security"], "ORG") not in gold_spans(document)
    _, states = groups(document)
    assert states[group.id] == "rejected"
    # Undo brings the accepted span back and reopens the group's decision.
    services.undo_review(document=document, by=reviewer)
    assert (*scenario.spans["security"], "ORG") in gold_spans(document)
    _, states = groups(document)
    assert states[group.id] == "accepted"
    services.undo_review(document=document, by=reviewer)
    _, states = groups(document)
    assert states[group.id] == "open"


def test_rejecting_an_unknown_group_is_refused(scenario, reviewer):
    services.start_review(document=scenario.a1.document, by=reviewer)
    assert_refused(
        "not_found",
        lambda: services.reject_group(document=scenario.a1.document, group="g:x", by=reviewer),
    )


def test_undo_with_nothing_to_undo(scenario, reviewer, manager):
    services.start_review(document=scenario.a1.document, by=reviewer)
    assert_refused(
        "nothing_to_undo",
        lambda: services.undo_review(document=scenario.a1.document, by=manager),
    )


def test_a_gold_edit_by_hand_settles_the_group_it_overlaps(scenario, reviewer):
    document = scenario.a1.document
    gold = services.start_review(document=document, by=reviewer)
    start, end = scenario.spans["france"]
    annotate.add_span(layer=gold, start=start - 1, end=end, label="GPE", by=reviewer)
    result, states = groups(document)
    france = next(g for g in result.groups if (g.start, g.end) == scenario.spans["france"])
    assert states[france.id] == "edited"


# --- concurrent gold edits -------------------------------------------------------------


def test_a_second_reviewer_on_a_stale_page_is_refused(scenario, reviewer, manager):
    document = scenario.a1.document
    gold = services.start_review(document=document, by=reviewer)
    seen = gold.version
    result, _ = groups(document)
    services.accept_candidate(
        document=document,
        candidate=group_with(result, "NORP").candidates[0].id,
        by=reviewer,
        version=seen,
    )
    error = assert_refused(
        "stale",
        lambda: services.reject_group(
            document=document, group=group_with(result, "ORG").id, by=manager, version=seen
        ),
    )
    assert error.http_status == 409


# --- approve and reopen ------------------------------------------------------------------


def decide_all(scenario, reviewer):
    """Decide every group as the browser test does."""
    document = scenario.a1.document
    services.start_review(document=document, by=reviewer)
    result, _ = groups(document)
    for group in result.groups:
        if group.kind == "event":
            choice = next(
                c for c in group.candidates if any(a.role == "ARTIFACT" for a in c.arguments)
            )
        elif any(c.label == "ORG" for c in group.candidates):
            services.reject_group(document=document, group=group.id, by=reviewer)
            continue
        elif any(c.label == "NORP" for c in group.candidates):
            choice = next(c for c in group.candidates if c.label == "NORP")
        else:
            choice = next(c for c in group.candidates if "annotator1" in c.supporters)
        services.accept_candidate(document=document, candidate=choice.id, by=reviewer)


def test_approve_makes_gold_and_the_feeding_layers_reviewed(scenario, reviewer):
    decide_all(scenario, reviewer)
    document = scenario.a1.document
    assert gold_spans(document) == scenario.expected_gold()
    services.approve_document(document=document, by=reviewer)
    statuses = dict(AnnotationLayer.objects.filter(document=document).values_list("kind", "status"))
    assert statuses == {"gold": "reviewed", "annotator": "reviewed"}
    assert Transition.objects.filter(document=document, after__status="reviewed").count() == 3
    # A reviewed gold layer refuses edits until reopened.
    gold = gold_of(document)
    assert_refused(
        "layer_closed",
        lambda: annotate.add_span(layer=gold, start=0, end=3, label="PERS", by=reviewer),
    )
    assert_refused(
        "bad_transition", lambda: services.approve_document(document=document, by=reviewer)
    )


def test_approve_refused_while_groups_are_undecided(scenario, reviewer):
    services.start_review(document=scenario.a1.document, by=reviewer)
    error = assert_refused(
        "undecided",
        lambda: services.approve_document(document=scenario.a1.document, by=reviewer),
    )
    assert "5 disagreements" in error.message


def test_approve_refused_with_unsubmitted_required_layers(
    two_annotators, seed_document, annotator, other_annotator, reviewer
):
    scenario = build_scenario(seed_document, annotator, other_annotator, submit=False)
    annotate.set_layer_status(layer=scenario.a1, status="done", by=annotator)
    assert_refused(
        "not_ready", lambda: services.approve_document(document=seed_document, by=reviewer)
    )


def test_an_annotator_cannot_approve_or_reopen(scenario, annotator, reviewer):
    assert_refused(
        "forbidden",
        lambda: services.approve_document(document=scenario.a1.document, by=annotator),
    )
    decide_all(scenario, reviewer)
    services.approve_document(document=scenario.a1.document, by=reviewer)
    assert_refused(
        "forbidden",
        lambda: services.reopen_document(document=scenario.a1.document, by=annotator),
    )


def test_reopen_takes_a_reviewed_document_back_to_review(scenario, reviewer, manager):
    document = scenario.a1.document
    assert_refused(
        "bad_transition", lambda: services.reopen_document(document=document, by=manager)
    )
    decide_all(scenario, reviewer)
    services.approve_document(document=document, by=reviewer)
    services.reopen_document(document=document, by=manager, comment="فرنسا مرة أخرى")
    statuses = sorted(
        AnnotationLayer.objects.filter(document=document).values_list("kind", "status")
    )
    assert statuses == [("annotator", "done"), ("annotator", "done"), ("gold", "in_progress")]
    last = Transition.objects.filter(layer__kind="gold").latest("id")
    assert (last.from_status, last.to_status, last.user, last.comment) == (
        "reviewed",
        "in_progress",
        manager,
        "فرنسا مرة أخرى",
    )
    assert document in services.review_queue(document.project)


def test_an_annotator_cannot_edit_their_reviewed_layer(scenario, annotator, reviewer):
    decide_all(scenario, reviewer)
    services.approve_document(document=scenario.a1.document, by=reviewer)
    assert_refused(
        "layer_closed",
        lambda: annotate.add_span(layer=scenario.a1, start=0, end=3, label="PERS", by=annotator),
    )
    assert_refused(
        "reviewed_locked",
        lambda: annotate.set_layer_status(layer=scenario.a1, status="in_progress", by=annotator),
    )


def test_every_transition_is_in_the_audit_trail(scenario, reviewer):
    decide_all(scenario, reviewer)
    services.approve_document(document=scenario.a1.document, by=reviewer)
    rows = list(
        Change.objects.filter(document=scenario.a1.document, action="layer.status")
        .order_by("id")
        .values_list("layer__kind", "before__status", "after__status")
    )
    assert rows == [
        ("annotator", "in_progress", "done"),
        ("annotator", "in_progress", "done"),
        ("gold", "in_progress", "reviewed"),
        ("annotator", "done", "reviewed"),
        ("annotator", "done", "reviewed"),
    ]


def test_errors_carry_their_http_status():
    assert AnnotationError("not_ready", "x").http_status == 422
    assert AnnotationError("undecided", "x").http_status == 422
