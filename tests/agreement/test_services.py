"""Agreement over real layers (made through the services): which layers take part, the
`agreement --json` shape, κ on the CoNLL export's own tokens, filters, one document."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from sklearn.metrics import cohen_kappa_score

from newsreview.agreement.services import compute_agreement, document_agreement
from newsreview.annotations import services as annotate
from newsreview.annotations.models import AnnotationLayer
from newsreview.documents.services import create_document
from newsreview.exports import registry
from newsreview.exports.services import write_export

from .conftest import HEADLINE, find, layer_with

pytestmark = pytest.mark.django_db

ALICE = [("حموشي", "PERS"), ("المغرب", "GPE"), ("فرنسا", "GPE"), ("باريس", "GPE")]
# bob: «بفرنسا» as a whole (boundary difference), المغرب as ORG (label difference),
# باريس missing.
BOB = [("حموشي", "PERS"), ("المغرب", "ORG"), ("بفرنسا", "GPE")]


def run_json(*args: str) -> dict:
    out = io.StringIO()
    call_command("agreement", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_agreement_json_has_the_issue_shape_with_sorted_pair_keys(project, team, headline_doc):
    layer_with(headline_doc, team["bob"], BOB)
    layer_with(headline_doc, team["alice"], ALICE)
    figures = run_json("--project", project.slug)
    assert list(figures) == ["alice|bob"]
    pair = figures["alice|bob"]
    assert set(pair) == {"exact", "overlap", "token_kappa", "events", "documents"}
    assert set(pair["exact"]) == {"precision", "recall", "f1", "per_label"}
    assert set(pair["events"]) == {"trigger", "arguments"}
    assert set(pair["exact"]["per_label"]["GPE"]) == {"precision", "recall", "f1", "support"}
    assert pair["documents"] == 1
    # alice (reference) 4 spans, bob 3, one identical (حموشي PERS).
    assert pair["exact"]["precision"] == pytest.approx(1 / 3)
    assert pair["exact"]["recall"] == pytest.approx(1 / 4)
    assert pair["exact"]["f1"] == pytest.approx(2 / 7)
    # Overlap adds فرنسا ⊂ بفرنسا (same label GPE); المغرب differs in label.
    assert pair["overlap"]["f1"] == pytest.approx(4 / 7)
    assert pair["exact"]["per_label"]["GPE"]["support"] == 3
    assert pair["exact"]["per_label"]["ORG"] == {
        "precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0,
    }  # fmt: skip


def test_layers_not_submitted_take_no_part(project, team, headline_doc):
    layer_with(headline_doc, team["alice"], ALICE)
    layer_with(headline_doc, team["bob"], BOB, submit=False)
    assert run_json("--project", project.slug) == {}


def test_a_pair_with_no_shared_document_is_absent_not_zero(project, team, headline_doc):
    other = create_document(project=project, text=HEADLINE + " ", external_id="other")
    layer_with(headline_doc, team["alice"], ALICE)
    layer_with(headline_doc, team["bob"], BOB)
    layer_with(other, team["carol"], ALICE)
    layer_with(other, team["alice"], ALICE)
    figures = run_json("--project", project.slug)
    assert sorted(figures) == ["alice|bob", "alice|carol"]
    assert figures["alice|carol"]["exact"]["f1"] == 1.0
    assert "bob|carol" not in figures


def test_each_annotator_is_compared_with_gold_under_the_key_name_gold(project, team, headline_doc):
    layer_with(headline_doc, team["alice"], ALICE)
    layer_with(headline_doc, team["rev"], ALICE[:2], gold=True)
    figures = run_json("--project", project.slug)
    assert list(figures) == ["alice|gold"]
    # alice is the reference: she has 4, gold 2, both of gold's are hers.
    assert figures["alice|gold"]["exact"]["precision"] == 1.0
    assert figures["alice|gold"]["exact"]["recall"] == 0.5


def test_an_untouched_gold_layer_is_left_out(project, team, headline_doc):
    layer_with(headline_doc, team["alice"], ALICE)
    annotate.get_or_create_named_layer(
        document=headline_doc, name="gold", kind=AnnotationLayer.Kind.GOLD
    )
    assert run_json("--project", project.slug) == {}


def _conll_tags(project, username: str) -> tuple[list[str], list[str]]:
    out = io.BytesIO()
    write_export(
        project=project, export_format=registry.get_format("conll"), layer=username,
        statuses=[], options={}, out=out, warn=lambda m: None,
    )  # fmt: skip
    rows = [line.split("\t") for line in out.getvalue().decode().splitlines() if "\t" in line]
    return [r[0] for r in rows], [r[-1] for r in rows]


def test_token_kappa_uses_the_conll_exports_tokens_and_tags(project, team, headline_doc):
    """Two layers with the same boundaries: κ's tokens and tags are exactly what the
    CoNLL export writes for each layer, and κ equals scikit-learn's on them."""
    same_cuts_a = [("حموشي", "PERS"), ("المغرب", "GPE"), ("فرنسا", "GPE"), ("باريس", "GPE")]
    same_cuts_b = [("حموشي", "PERS"), ("المغرب", "ORG"), ("فرنسا", "LOC"), ("باريس", "GPE")]
    layer_with(headline_doc, team["alice"], same_cuts_a)
    layer_with(headline_doc, team["bob"], same_cuts_b)
    words_a, tags_a = _conll_tags(project, "alice")
    words_b, tags_b = _conll_tags(project, "bob")
    assert words_a == words_b and "ب" in words_a  # the clitic split off فرنسا
    expected = cohen_kappa_score(tags_a, tags_b)
    assert run_json("--project", project.slug)["alice|bob"]["token_kappa"] == pytest.approx(
        expected
    )


def test_event_agreement_counts_triggers_and_argument_triples(project, team, headline_doc):
    for name, role in (("alice", "DESTINATION"), ("bob", "ORIGIN")):
        layer = layer_with(headline_doc, team[name], ALICE, submit=False)
        trip = annotate.add_span(
            layer=layer, start=find(HEADLINE, "رحلة")[0], end=find(HEADLINE, "رحلة")[1],
            label="MOVEMENT_TRANSPORT", by=team[name], text="رحلة",
        )  # fmt: skip
        annotate.add_argument(
            layer=layer, event=trip.event, role="ARTIFACT",
            span=layer.made[("حموشي", "PERS")], by=team[name],
        )  # fmt: skip
        annotate.add_argument(
            layer=layer, event=trip.event, role=role,
            span=layer.made[("باريس", "GPE")], by=team[name],
        )  # fmt: skip
        annotate.set_layer_status(layer=layer, status="done", by=team[name])
    events = run_json("--project", project.slug)["alice|bob"]["events"]
    assert events["trigger"]["f1"] == 1.0
    assert events["arguments"]["f1"] == 0.5  # ARTIFACT agrees, DESTINATION vs ORIGIN not


def test_documents_option_and_date_range_filter_what_is_counted(project, team, headline_doc):
    later = create_document(
        project=project, text=HEADLINE + " ", external_id="later", published_on=date(2024, 12, 15)
    )
    headline_doc.published_on = date(2024, 12, 14)
    headline_doc.save()
    for document in (headline_doc, later):
        layer_with(document, team["alice"], ALICE)
    layer_with(headline_doc, team["bob"], BOB)
    layer_with(later, team["bob"], ALICE)
    both = run_json("--project", project.slug)["alice|bob"]
    assert both["documents"] == 2
    only_later = run_json("--project", project.slug, "--documents", str(later.pk))
    assert only_later["alice|bob"]["documents"] == 1
    assert only_later["alice|bob"]["exact"]["f1"] == 1.0
    dated = compute_agreement(project, date_from=date(2024, 12, 15)).as_json()
    assert dated["alice|bob"]["documents"] == 1


def test_agreement_command_refuses_bad_input_clearly(project):
    with pytest.raises(CommandError, match="no project"):
        call_command("agreement", "--project", "nope")
    with pytest.raises(CommandError, match="document ids"):
        call_command("agreement", "--project", project.slug, "--documents", "1,x")


def test_agreement_table_output_names_each_pair(project, team, headline_doc):
    layer_with(headline_doc, team["alice"], ALICE)
    layer_with(headline_doc, team["bob"], BOB)
    out = io.StringIO()
    call_command("agreement", "--project", project.slug, stdout=out)
    assert "alice|bob" in out.getvalue()
    assert "GPE" in out.getvalue()


def test_document_agreement_gives_one_documents_figures(project, team, headline_doc):
    other = create_document(project=project, text=HEADLINE + " ", external_id="other")
    layer_with(headline_doc, team["alice"], ALICE)
    layer_with(headline_doc, team["bob"], BOB)
    layer_with(other, team["alice"], ALICE)
    layer_with(other, team["bob"], ALICE)
    figures = document_agreement(headline_doc)
    assert list(figures) == ["alice|bob"]
    assert figures["alice|bob"]["documents"] == 1
    assert figures["alice|bob"]["exact"]["f1"] == pytest.approx(2 / 7)


def test_lowest_agreement_lists_the_worst_document_first(project, team, headline_doc):
    good = create_document(project=project, text=HEADLINE + " ", external_id="good")
    layer_with(headline_doc, team["alice"], ALICE)
    layer_with(headline_doc, team["bob"], BOB)
    layer_with(good, team["alice"], ALICE)
    layer_with(good, team["bob"], ALICE)
    lowest = compute_agreement(project, lowest=5).lowest
    assert [s.document_id for s in lowest] == [headline_doc.pk, good.pk]
    assert lowest[0].exact_f1 == pytest.approx(2 / 7)
    assert lowest[1].exact_f1 == 1.0


@pytest.mark.parametrize("enabled", [True, False])
def test_the_cycle_collector_is_left_as_it_was_even_after_an_error(
    project, team, headline_doc, enabled
):
    """compute_agreement pauses the cycle collector while it reads: afterwards (also when
    a chunk fails) it is on again if it was on, and still off if it was off."""
    import gc

    layer_with(headline_doc, team["alice"], ALICE)
    layer_with(headline_doc, team["bob"], BOB)
    seen = []

    def progress(done: int, total: int) -> None:
        seen.append(gc.isenabled())
        if done:
            raise RuntimeError("stop")

    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        with pytest.raises(RuntimeError):
            compute_agreement(project, progress=progress)
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()
    assert seen == [enabled, False]  # paused while the chunks were read


def test_offsets_after_an_emoji_are_compared_in_code_points(project, team):
    text = "😀🇲🇦 التقى حموشي بـ ڤـــو في باريس"
    document = create_document(project=project, text=text, external_id="emoji")
    layer_with(document, team["alice"], [("ڤـــو", "PERS"), ("باريس", "GPE")])
    layer_with(document, team["bob"], [("ڤـــو", "PERS"), ("باريس", "GPE")])
    pair = run_json("--project", project.slug)["alice|bob"]
    assert pair["exact"]["f1"] == 1.0
    assert pair["token_kappa"] == 1.0
