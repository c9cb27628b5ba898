"""The records every format reads: order, ids, and the text check."""

import pytest

from newsreview.annotations.models import Span
from newsreview.exports.reading import build_record, iter_records
from newsreview.exports.records import ExportError
from newsreview.exports.services import check_layer, parse_statuses

from .conftest import find


@pytest.mark.django_db
def test_records_list_entities_by_start_then_longest_first_and_triggers_after(seed_gold, project):
    (record,) = list(iter_records(project, "gold"))
    text = seed_gold.text
    assert [s.text for s in record.entities] == [
        "فرنسا",
        "عبد اللطيف حموشي",
        "المدير العام للأمن الوطني",
        "لأمن الوطني",
        "فريديريك ڤـــو",
        "Frédéric Veaux",
    ]
    assert [s.id for s in record.all_spans] == [f"e{n}" for n in range(1, 8)]
    assert record.triggers[0].label == "CONTACT_MEET"
    assert all(text[s.start : s.end] == s.text for s in record.all_spans)
    (event,) = record.events
    assert [(a.role, a.entity.text) for a in event.arguments] == [
        ("PARTICIPANT", "عبد اللطيف حموشي"),
        ("PARTICIPANT", "فريديريك ڤـــو"),
    ]
    assert [c.span.label if c.span else None for c in record.comments] == ["OCC", None]


@pytest.mark.django_db
def test_fast_records_equal_records_built_from_model_instances(seed_gold, tricky, project):
    from newsreview.annotations.models import AnnotationLayer

    fast = list(iter_records(project, "all"))
    slow = [
        build_record(layer, project)
        for layer in AnnotationLayer.objects.filter(document__project=project).order_by(
            "document_id", "kind", "owner__username", "name", "id"
        )
    ]
    assert fast == slow


@pytest.mark.django_db
def test_records_of_crlf_input_have_offsets_into_the_normalised_text(tricky, project):
    (record,) = list(iter_records(project, "gold"))
    assert "\r" not in record.text
    rabat = next(s for s in record.entities if s.text == "الرباط")
    assert (rabat.start, rabat.end) == find(tricky.text, "الرباط")


@pytest.mark.django_db
def test_iter_records_refuses_a_span_whose_text_no_longer_matches(headline, project):
    span = Span.objects.get(layer__document=headline, text="باريس")
    Span.objects.filter(pk=span.pk).update(text="مدريد")
    with pytest.raises(ExportError) as error:
        list(iter_records(project, "gold"))
    message = str(error.value)
    assert "000_f057059c50c62636" in message and "gold" in message and str(span.pk) in message
    assert error.value.span == span.pk


@pytest.mark.django_db
def test_iter_records_batches_give_the_same_records_as_one_batch(seed_gold, tricky, project):
    assert list(iter_records(project, "all", batch_size=1)) == list(
        iter_records(project, "all", batch_size=500)
    )


@pytest.mark.django_db(transaction=True)
def test_records_read_ahead_on_another_connection_equal_records_read_one_by_one(
    seed_gold, tricky, headline, project, monkeypatch
):
    """Outside a transaction, on PostgreSQL, each next batch is read by a thread on its
    own connection (batches.read_ahead); the records are the same as read in turn."""
    import threading

    from django.db import connection

    from newsreview.exports import reading

    threads = []
    read_batch = reading.read_batch

    def noting_the_thread(*args):
        threads.append(threading.current_thread().name)
        return read_batch(*args)

    monkeypatch.setattr(reading, "read_batch", noting_the_thread)
    ahead = list(iter_records(project, "all", batch_size=1))
    if connection.vendor == "postgresql":
        assert threads and all(name.startswith("export-read") for name in threads)
    monkeypatch.setattr(reading, "read_ahead", lambda read, keys: map(read, keys))
    assert ahead == list(iter_records(project, "all", batch_size=1))
    assert len(ahead) == 4


@pytest.mark.django_db
def test_status_filter_and_layer_choice_select_layers(seed_gold, tricky, project):
    assert [r.document_id for r in iter_records(project, "gold", ["reviewed"])] == ["seed"]
    assert [r.layer for r in iter_records(project, "annotator1")] == ["annotator1"]
    assert len(list(iter_records(project, "all"))) == 3


def test_parse_statuses_accepts_commas_and_repeats_and_refuses_unknown():
    assert parse_statuses(["done,reviewed", "done"]) == ["done", "reviewed"]
    with pytest.raises(ExportError, match="unknown status “finished”"):
        parse_statuses(["finished"])


@pytest.mark.django_db
def test_check_layer_names_the_layers_that_exist(seed_gold, project):
    check_layer(project, "annotator1")
    with pytest.raises(ExportError, match="no layer “nobody”.*annotator1"):
        check_layer(project, "nobody")


def test_parse_statuses_reads_submitted_as_the_stored_done():
    assert parse_statuses(["submitted,reviewed"]) == ["done", "reviewed"]
    assert parse_statuses(["submitted", "done"]) == ["done"]
