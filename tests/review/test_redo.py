"""Redo on the curation page (review.services.redo_review), from the audit trail as in
the workspace: undo then redo restores the decision; a new decision ends the redo
chain; a colleague's change since makes redo a clean conflict that changes nothing."""

from __future__ import annotations

import pytest

from newsreview.annotations import services as annotate
from newsreview.annotations.models import Change
from newsreview.review import services
from newsreview.review.models import Decision
from tests.annotations.test_services import assert_refused
from tests.review.test_services import gold_of, gold_spans, group_with, groups

pytestmark = pytest.mark.django_db


def test_undo_then_redo_restores_an_accepted_candidate_and_its_decision(scenario, reviewer):
    document = scenario.a1.document
    services.start_review(document=document, by=reviewer)
    result, _ = groups(document)
    group = group_with(result, "NORP")
    norp = next(c for c in group.candidates if c.label == "NORP")
    services.accept_candidate(document=document, candidate=norp.id, by=reviewer)
    accepted = gold_spans(document)
    services.undo_review(document=document, by=reviewer)
    assert (*scenario.spans["french"], "NORP") not in gold_spans(document)
    assert groups(document)[1][group.id] == "open"
    version = gold_of(document).version

    services.redo_review(document=document, by=reviewer, version=version)

    assert gold_spans(document) == accepted
    assert groups(document)[1][group.id] == "accepted"
    decision = Decision.objects.get(kind="accepted", candidate=norp.id)
    assert not decision.is_undone
    assert gold_of(document).version == version + 1
    assert Change.objects.filter(layer=gold_of(document), action="redo", user=reviewer).count() == 1
    # Redone once, nothing more to redo; and it can be undone again.
    assert_refused("nothing_to_redo", lambda: services.redo_review(document=document, by=reviewer))
    services.undo_review(document=document, by=reviewer)
    assert (*scenario.spans["french"], "NORP") not in gold_spans(document)


def test_undo_then_redo_restores_a_rejection(scenario, reviewer):
    document = scenario.a1.document
    result, _ = groups(document)
    group = group_with(result, "ORG")
    services.accept_candidate(document=document, candidate=group.candidates[0].id, by=reviewer)
    services.reject_group(document=document, group=group.id, by=reviewer)
    services.undo_review(document=document, by=reviewer)
    assert groups(document)[1][group.id] == "accepted"

    services.redo_review(document=document, by=reviewer)

    assert groups(document)[1][group.id] == "rejected"
    assert (*scenario.spans["security"], "ORG") not in gold_spans(document)
    assert not Decision.objects.get(kind="rejected", group=group.id).is_undone


def test_redo_steps_forward_in_the_order_the_steps_were_undone(scenario, reviewer):
    document = scenario.a1.document
    services.start_review(document=document, by=reviewer)
    result, _ = groups(document)
    norp = next(c for c in group_with(result, "NORP").candidates if c.label == "NORP")
    org = group_with(result, "ORG")
    services.accept_candidate(document=document, candidate=norp.id, by=reviewer)
    services.reject_group(document=document, group=org.id, by=reviewer)
    services.undo_review(document=document, by=reviewer)  # the rejection
    services.undo_review(document=document, by=reviewer)  # the acceptance
    services.redo_review(document=document, by=reviewer)
    assert groups(document)[1][org.id] == "open"  # the acceptance came back first
    assert (*scenario.spans["french"], "NORP") in gold_spans(document)
    services.redo_review(document=document, by=reviewer)
    assert groups(document)[1][org.id] == "rejected"


def test_a_new_decision_ends_the_redo_chain(scenario, reviewer):
    document = scenario.a1.document
    services.start_review(document=document, by=reviewer)
    result, _ = groups(document)
    norp = next(c for c in group_with(result, "NORP").candidates if c.label == "NORP")
    services.accept_candidate(document=document, candidate=norp.id, by=reviewer)
    services.undo_review(document=document, by=reviewer)
    services.reject_group(document=document, group=group_with(result, "ORG").id, by=reviewer)

    assert_refused("nothing_to_redo", lambda: services.redo_review(document=document, by=reviewer))
    assert (*scenario.spans["french"], "NORP") not in gold_spans(document)


def test_a_gold_edit_by_hand_also_ends_the_redo_chain(scenario, reviewer):
    document = scenario.a1.document
    gold = services.start_review(document=document, by=reviewer)
    result, _ = groups(document)
    norp = next(c for c in group_with(result, "NORP").candidates if c.label == "NORP")
    services.accept_candidate(document=document, candidate=norp.id, by=reviewer)
    services.undo_review(document=document, by=reviewer)
    annotate.add_span(layer=gold, start=0, end=3, label="PERS", by=reviewer)
    assert_refused("nothing_to_redo", lambda: services.redo_review(document=document, by=reviewer))


def test_redo_after_a_colleague_changed_those_annotations_is_a_clean_conflict(
    scenario, reviewer, manager
):
    document = scenario.a1.document
    services.start_review(document=document, by=reviewer)
    result, _ = groups(document)
    norp = next(c for c in group_with(result, "NORP").candidates if c.label == "NORP")
    services.accept_candidate(document=document, candidate=norp.id, by=reviewer)
    services.undo_review(document=document, by=reviewer)
    # A colleague accepts the same candidate meanwhile: redoing would duplicate it.
    services.accept_candidate(document=document, candidate=norp.id, by=manager)
    gold_before = gold_spans(document)

    assert_refused("undo_conflict", lambda: services.redo_review(document=document, by=reviewer))

    assert gold_spans(document) == gold_before
    # Still redoable once the colleague's work is out of the way (nothing was marked).
    assert Change.objects.filter(layer=gold_of(document), user=reviewer, is_redoable=True).exists()


def test_redo_with_a_stale_version_is_refused(scenario, reviewer):
    document = scenario.a1.document
    gold = services.start_review(document=document, by=reviewer)
    result, _ = groups(document)
    norp = next(c for c in group_with(result, "NORP").candidates if c.label == "NORP")
    services.accept_candidate(document=document, candidate=norp.id, by=reviewer)
    services.undo_review(document=document, by=reviewer)
    assert_refused(
        "stale",
        lambda: services.redo_review(document=document, by=reviewer, version=gold.version),
    )


def test_redo_with_nothing_undone_and_by_an_annotator_is_refused(scenario, reviewer, annotator):
    document = scenario.a1.document
    services.start_review(document=document, by=reviewer)
    assert_refused("nothing_to_redo", lambda: services.redo_review(document=document, by=reviewer))
    assert_refused("forbidden", lambda: services.redo_review(document=document, by=annotator))
