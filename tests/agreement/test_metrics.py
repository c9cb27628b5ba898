"""Agreement metrics on hand-computed examples, cross-checked against scikit-learn's
cohen_kappa_score and seqeval's span F1 on the same tags."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
from seqeval.metrics import classification_report, f1_score, precision_score, recall_score
from seqeval.scheme import IOB2
from sklearn.metrics import cohen_kappa_score

from newsreview.agreement.metrics import (
    LayerData,
    PairAgreement,
    cohen_kappa,
    confusion,
    overlap_matches,
    span_counts,
    sparse_confusion,
    tuple_counts,
)
from newsreview.exports.tokens import iob2


def approx(value):
    return pytest.approx(float(value))


# --- span F1 -----------------------------------------------------------------------------

NESTED_REF = [(0, 10, "ORG"), (0, 4, "PERS"), (6, 10, "GPE")]
NESTED_HYP = [(0, 10, "ORG"), (0, 5, "PERS"), (20, 25, "GPE")]


def test_exact_f1_counts_only_identical_nested_spans():
    exact, _overlap = span_counts(NESTED_REF, NESTED_HYP)
    result = exact.result()
    assert result["precision"] == approx(Fraction(1, 3))
    assert result["recall"] == approx(Fraction(1, 3))
    assert result["f1"] == approx(Fraction(1, 3))
    assert result["per_label"]["ORG"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}
    assert result["per_label"]["PERS"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}


def test_overlap_f1_matches_same_label_overlapping_spans_inside_a_nested_one():
    _exact, overlap = span_counts(NESTED_REF, NESTED_HYP)
    result = overlap.result()
    # ORG↔ORG and PERS [0,4)↔[0,5) match; the GPE spans do not touch.
    assert result["f1"] == approx(Fraction(2, 3))
    assert result["per_label"]["PERS"]["f1"] == 1.0
    assert result["per_label"]["GPE"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}


def test_overlap_matching_takes_the_largest_overlap_first():
    ref = [(0, 10, "X"), (8, 12, "X")]
    hyp = [(5, 12, "X")]
    # [0,10)∩[5,12) = 5 characters beats [8,12)∩[5,12) = 4.
    assert overlap_matches(ref, hyp) == [(0, 0)]


def test_overlap_matching_is_one_to_one():
    _exact, overlap = span_counts([(0, 10, "X")], [(0, 5, "X"), (5, 10, "X")])
    result = overlap.result()
    assert (result["precision"], result["recall"]) == (0.5, 1.0)


def test_overlap_never_matches_different_labels():
    _exact, overlap = span_counts([(0, 10, "PERS")], [(0, 10, "OCC")])
    assert overlap.result()["f1"] == 0.0


def test_two_empty_layers_have_no_figures_rather_than_zero():
    exact, overlap = span_counts([], [])
    assert exact.result() == {"precision": None, "recall": None, "f1": None, "per_label": {}}
    assert overlap.result()["f1"] is None


def test_an_empty_layer_against_a_full_one_scores_zero():
    exact, _overlap = span_counts([], [(0, 5, "PERS"), (6, 9, "GPE")])
    assert exact.result()["precision"] == 0.0
    assert exact.result()["recall"] == 0.0
    assert exact.result()["f1"] == 0.0


def test_a_label_only_one_annotator_used_has_zero_f1_and_its_support():
    ref = [(0, 5, "PERS"), (10, 15, "LOC")]
    hyp = [(0, 5, "PERS")]
    exact, _overlap = span_counts(ref, hyp)
    loc = exact.result()["per_label"]["LOC"]
    assert loc == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    reversed_loc = exact.result(reverse=True)["per_label"]["LOC"]
    assert reversed_loc["support"] == 0


def test_reversing_the_pair_swaps_precision_and_recall_and_keeps_f1():
    pair = PairAgreement()
    pair.add_document(
        LayerData(entities=[(0, 5, "PERS"), (6, 9, "GPE"), (10, 12, "ORG")]),
        LayerData(entities=[(0, 5, "PERS")]),
    )
    forward, backward = pair.result(), pair.result(reverse=True)
    for kind in ("exact", "overlap"):
        assert forward[kind]["precision"] == backward[kind]["recall"] == 1.0
        assert forward[kind]["recall"] == backward[kind]["precision"] == approx(Fraction(1, 3))
        assert forward[kind]["f1"] == backward[kind]["f1"] == 0.5


def test_f1_is_micro_averaged_over_documents():
    pair = PairAgreement()
    # Document 1: 1 of 1 matched; document 2: 0 of 3. Micro: 1 match, 4 + 4 spans.
    pair.add_document(LayerData(entities=[(0, 1, "X")]), LayerData(entities=[(0, 1, "X")]))
    pair.add_document(
        LayerData(entities=[(0, 1, "X"), (2, 3, "X"), (4, 5, "X")]),
        LayerData(entities=[(6, 7, "X"), (8, 9, "X"), (10, 11, "X")]),
    )
    result = pair.result()
    assert result["exact"]["f1"] == 0.25  # not the macro mean (1 + 0) / 2
    assert result["documents"] == 2


# --- events ------------------------------------------------------------------------------


def test_event_f1_on_triggers_and_argument_triples():
    a = LayerData(
        triggers=[(0, 5, "CONTACT_MEET"), (20, 24, "MOVEMENT_TRANSPORT")],
        arguments=[(0, 5, "CONTACT_MEET", "PARTICIPANT", 30, 35),
                   (0, 5, "CONTACT_MEET", "PLACE", 40, 45)],
    )  # fmt: skip
    b = LayerData(
        triggers=[(0, 5, "CONTACT_MEET"), (20, 24, "CONTACT_MEET")],
        arguments=[(0, 5, "CONTACT_MEET", "PARTICIPANT", 30, 35)],
    )
    pair = PairAgreement()
    pair.add_document(a, b)
    events = pair.result()["events"]
    assert events["trigger"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5}
    assert events["arguments"]["precision"] == 1.0
    assert events["arguments"]["recall"] == 0.5
    assert events["arguments"]["f1"] == approx(Fraction(2, 3))


def test_tuple_counts_treat_repeats_as_a_multiset():
    counts = tuple_counts([(1,), (1,)], [(1,)])
    assert (counts.tp, counts.ref, counts.hyp) == (1, 2, 1)


# --- kappa -------------------------------------------------------------------------------


def test_kappa_on_a_hand_computed_example():
    a = ["B-PERS", "O", "O", "B-GPE"]
    b = ["B-PERS", "O", "B-GPE", "B-GPE"]
    # po = 3/4; pe = (1·1 + 2·1 + 1·2) / 16 = 5/16; κ = (3/4 − 5/16) / (1 − 5/16) = 7/11
    assert cohen_kappa(a, b) == approx(Fraction(7, 11))


def test_kappa_is_undefined_when_both_use_one_tag_everywhere():
    assert cohen_kappa(["O", "O"], ["O", "O"]) is None
    assert cohen_kappa([], []) is None


def test_kappa_refuses_sequences_of_different_lengths():
    with pytest.raises(ValueError, match="differ in length"):
        cohen_kappa(["O"], ["O", "O"])


@pytest.mark.parametrize("seed", range(20))
def test_kappa_equals_scikit_learn_cohen_kappa_score(seed):
    rng = random.Random(seed)
    tags = ["O", "B-PERS", "I-PERS", "B-GPE", "I-GPE", "B-ORG"]
    a = [rng.choice(tags) for _ in range(200)]
    # b agrees with a most of the time, as annotators do.
    b = [t if rng.random() < 0.7 else rng.choice(tags) for t in a]
    assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b), abs=1e-12)


def test_pair_kappa_pools_tokens_of_all_documents_and_reverses_symmetrically():
    pair = PairAgreement()
    a1, b1 = ["B-PERS", "O", "O"], ["B-PERS", "O", "B-GPE"]
    a2, b2 = ["O", "B-GPE", "I-GPE"], ["O", "B-GPE", "O"]
    pair.add_document(LayerData(), LayerData(), (a1, b1))
    pair.add_document(LayerData(), LayerData(), (a2, b2))
    expected = cohen_kappa_score(a1 + a2, b1 + b2)
    assert pair.result()["token_kappa"] == pytest.approx(expected)
    assert pair.result(reverse=True)["token_kappa"] == pytest.approx(expected)


# --- seqeval cross-check -----------------------------------------------------------------


def _random_flat_spans(rng: random.Random, tokens: int, labels: list[str]) -> list:
    """Non-overlapping spans over token indices (a flat layer, as IOB2 can hold it)."""
    spans, position = [], 0
    while position < tokens:
        position += rng.randint(0, 3)
        length = rng.randint(1, 3)
        if position + length > tokens:
            break
        spans.append((position, position + length, rng.choice(labels)))
        position += length
    return spans


@pytest.mark.parametrize("seed", range(20))
def test_exact_span_f1_equals_seqeval_on_the_same_tags(seed):
    rng = random.Random(seed)
    labels = ["PERS", "GPE", "ORG", "OCC"]
    starts = list(range(30))
    ends = [s + 1 for s in starts]

    class S:
        def __init__(self, start, end, label):
            self.start, self.end, self.label = start, end, label

    ref = _random_flat_spans(rng, 30, labels)
    hyp = [s for s in ref if rng.random() < 0.6] + _random_flat_spans(rng, 30, labels)[:3]
    # Keep hyp flat: drop any span that overlaps an earlier one.
    flat: list = []
    for span in sorted(hyp):
        if all(span[0] >= o[1] or span[1] <= o[0] for o in flat):
            flat.append(span)
    true = iob2(starts, ends, [S(*s) for s in ref])
    pred = iob2(starts, ends, [S(*s) for s in flat])
    exact, _overlap = span_counts(ref, flat)
    ours = exact.result()
    assert ours["f1"] == pytest.approx(f1_score([true], [pred], mode="strict", scheme=IOB2))
    assert ours["precision"] == pytest.approx(
        precision_score([true], [pred], mode="strict", scheme=IOB2)
    )
    assert ours["recall"] == pytest.approx(recall_score([true], [pred], mode="strict", scheme=IOB2))
    report = classification_report(
        [true], [pred], mode="strict", scheme=IOB2, output_dict=True, zero_division=0
    )
    for label, scores in ours["per_label"].items():
        if scores["support"] == 0:
            continue  # seqeval reports only labels of the reference
        assert scores["f1"] == pytest.approx(report[label]["f1-score"])
        assert scores["support"] == report[label]["support"]


def test_identical_spans_win_a_tie_in_overlap():
    ref = [(0, 10, "X"), (5, 10, "X")]
    hyp = [(5, 10, "X")]
    # Both reference spans overlap the other span by 5: the identical one takes it.
    assert overlap_matches(ref, hyp) == [(1, 0)]


@pytest.mark.parametrize("seed", range(5))
def test_sparse_confusion_equals_the_full_table(seed):
    rng = random.Random(seed)
    tags = ["O", "O", "O", "B-PERS", "I-PERS", "B-GPE"]
    a = [rng.choice(tags) for _ in range(100)]
    b = [rng.choice(tags) for _ in range(100)]
    sparse_a = {i: t for i, t in enumerate(a) if t != "O"}
    sparse_b = {i: t for i, t in enumerate(b) if t != "O"}
    assert sparse_confusion(100, sparse_a, sparse_b) == confusion(a, b)
