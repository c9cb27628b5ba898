"""The workspace's hand-written write path (issue 14): a label named by its key resolved
together with the duplicate check, the span inserted by hand, and the audit record and
version bump sent together (close_write). Each must leave the rows the ORM path left."""

from __future__ import annotations

import pytest

from newsreview.annotations import services
from newsreview.annotations.models import AnnotationLayer, Change, Span
from newsreview.annotations.services.checks import resolve_new_label
from newsreview.projects.models import EntityType, EventType
from tests.factories import ChangeFactory, EntityTypeFactory, LabelSchemaFactory

from .test_services import assert_refused, at

# --- the label, by key, with the duplicate question -----------------------------------


def test_resolve_new_label_finds_an_entity_type_and_no_duplicate_on_free_text(layer, text):
    start, end = at(text, "حموشي")
    label, duplicate = resolve_new_label(layer, "PERS", start, end)
    assert isinstance(label, EntityType)
    assert label == EntityType.objects.get(schema=label.schema_id, key="PERS")
    assert label.name and label.colour  # a whole instance, as the ORM reads it
    assert duplicate is False


def test_resolve_new_label_sees_the_same_label_on_the_same_offsets(layer, hammouchi):
    _label, duplicate = resolve_new_label(layer, "PERS", hammouchi.start, hammouchi.end)
    assert duplicate is True
    # Another label, or other offsets, on the same text is no duplicate.
    assert resolve_new_label(layer, "GPE", hammouchi.start, hammouchi.end)[1] is False
    assert resolve_new_label(layer, "PERS", hammouchi.start, hammouchi.end - 1)[1] is False


def test_resolve_new_label_finds_an_event_type_and_its_triggers(layer, meeting):
    label, duplicate = resolve_new_label(layer, "CONTACT_MEET", meeting.start, meeting.end)
    assert isinstance(label, EventType)
    assert duplicate is True


def test_resolve_new_label_ignores_another_layers_spans(other_layer, hammouchi):
    assert resolve_new_label(other_layer, "PERS", hammouchi.start, hammouchi.end)[1] is False


def test_resolve_new_label_refuses_unknown_keys_and_other_schemas_labels(layer):
    EntityTypeFactory(schema=LabelSchemaFactory(), key="ALIEN")
    error = assert_refused("unknown_label", lambda: resolve_new_label(layer, "ALIEN", 0, 5))
    assert "ALIEN" in error.message


def test_add_span_by_key_refuses_a_duplicate_and_writes_nothing(layer, hammouchi, annotator):
    layer.refresh_from_db()
    before = (Span.objects.count(), Change.objects.count(), layer.version)
    error = assert_refused(
        "duplicate",
        lambda: services.add_span(
            layer=layer, start=hammouchi.start, end=hammouchi.end, label="PERS", by=annotator
        ),
    )
    assert "PERS" in error.message
    layer.refresh_from_db()
    assert (Span.objects.count(), Change.objects.count(), layer.version) == before


def test_add_span_by_key_checks_offsets_before_duplicates(layer, hammouchi, annotator):
    # Offsets that are not whole numbers never reach the combined query.
    assert_refused(
        "bad_offsets",
        lambda: services.add_span(layer=layer, start="43", end=48, label="PERS", by=annotator),
    )


# Arabic, tatweel, Latin with an accent, digits.
@pytest.mark.parametrize("word", ["حموشي", "ڤـــو", "Frédéric Veaux", "14"])
def test_a_span_added_by_key_is_the_row_the_orm_reads_back(layer, text, annotator, word):
    start, end = at(text, word)
    span = services.add_span(
        layer=layer, start=start, end=end, label="PERS", by=annotator, text=text[start:end]
    )
    stored = Span.objects.select_related("entity_type").get(pk=span.pk)
    for field in Span._meta.concrete_fields:
        assert getattr(span, field.attname) == getattr(stored, field.attname), field.name
    assert span.label == stored.label
    assert not span._state.adding


# --- close_write ------------------------------------------------------------------------


def _audit_rows(layer: AnnotationLayer) -> list[tuple]:
    return list(
        Change.objects.filter(layer=layer)
        .order_by("id")
        .values_list("action", "before", "after", "user_id", "document_id", "is_redoable")
    )


def test_close_write_writes_what_record_change_and_bump_version_wrote(
    layer, other_layer, annotator, other_annotator
):
    # Arabic, astral characters and nesting survive the JSON of the audit row.
    before = {"spans": [{"text": "حموشي 𝐀", "nested": {"n": [1, 2.5, None, True]}}]}
    after = {"spans": []}
    services.record_change(other_layer, other_annotator, "span.delete", before, after)
    services.bump_version(other_layer)
    services.close_write(layer, annotator, "span.delete", before, after)

    written = AnnotationLayer.objects.get(pk=layer.pk)
    reference = AnnotationLayer.objects.get(pk=other_layer.pk)
    assert (written.version, written.status) == (reference.version, reference.status)
    assert (written.version, written.status) == (1, AnnotationLayer.Status.IN_PROGRESS)
    assert (layer.version, layer.status) == (1, AnnotationLayer.Status.IN_PROGRESS)
    assert written.updated_at > written.created_at
    mine, theirs = _audit_rows(layer), _audit_rows(other_layer)
    assert [row[:3] for row in mine] == [row[:3] for row in theirs]
    assert mine == [("span.delete", before, after, annotator.pk, layer.document_id, False)]
    assert Change.objects.get(layer=layer).created_at is not None


def test_close_write_ends_the_users_redo_chain_and_no_one_elses(layer, annotator, other_annotator):
    mine = ChangeFactory(layer=layer, document=layer.document, user=annotator, is_redoable=True)
    theirs = ChangeFactory(
        layer=layer, document=layer.document, user=other_annotator, is_redoable=True
    )
    services.close_write(layer, annotator, "span.add", None, {"spans": []})
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.is_redoable is False
    assert theirs.is_redoable is True


def test_close_write_of_a_status_change_keeps_the_redo_chain(layer, annotator):
    # Only undoable actions end it (layers.UNDOABLE), as record_change does.
    mine = ChangeFactory(layer=layer, document=layer.document, user=annotator, is_redoable=True)
    services.close_write(layer, annotator, "layer.status", None, None)
    mine.refresh_from_db()
    assert mine.is_redoable is True
    assert _audit_rows(layer)[-1][:3] == ("layer.status", None, None)


def test_a_failing_close_write_leaves_the_version_unbumped(layer, annotator):
    # The audit row needs a document (NOT NULL): the statements stop at the failure, and
    # the caller's transaction takes the version bump back with it.
    from django.db import DatabaseError, transaction

    layer.document_id = None
    with pytest.raises(DatabaseError), transaction.atomic():
        services.close_write(layer, annotator, "span.add", None, None)
    assert AnnotationLayer.objects.get(pk=layer.pk).version == 0
    assert not Change.objects.filter(layer_id=layer.pk).exists()


def test_close_write_is_one_round_trip_on_postgresql(layer, annotator):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as sent:
        services.close_write(layer, annotator, "span.add", None, {"spans": []})
    # One execute carrying the three statements on PostgreSQL; one each elsewhere.
    assert len(sent) == (1 if connection.vendor == "postgresql" else 3)
    assert "UPDATE" in sent[0]["sql"] and "is_redoable" in sent[0]["sql"]
