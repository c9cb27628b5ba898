"""Database constraints hold on the real database (SQLite and PostgreSQL), whatever code
writes the rows: the last line of defence behind the services."""

import pytest
from django.db import IntegrityError, transaction

from newsreview.annotations.models import AnnotationLayer, Span
from newsreview.projects.models import Membership
from tests.factories import (
    AnnotationLayerFactory,
    DocumentFactory,
    EntityTypeFactory,
    EventTypeFactory,
    MembershipFactory,
    SpanFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def refused(create) -> None:
    """`create()` must fail in the database and leave nothing behind."""
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


@pytest.fixture
def layer():
    return AnnotationLayerFactory()


@pytest.fixture
def pers(layer):
    return EntityTypeFactory(schema=layer.document.project.schema, key="PERS")


@pytest.fixture
def meet(layer):
    return EventTypeFactory(schema=layer.document.project.schema, key="CONTACT_MEET")


def span(layer, start=43, end=48, entity_type=None, event_type=None) -> Span:
    return Span.objects.create(
        layer=layer,
        start=start,
        end=end,
        entity_type=entity_type,
        event_type=event_type,
        text=layer.document.text[start:end],
    )


def test_factories_make_valid_rows(layer):
    spanned = SpanFactory(layer=layer)
    assert spanned.text == "حموشي"
    assert SpanFactory(layer=layer, trigger=True).is_trigger


@pytest.mark.parametrize(("start", "end"), [(5, 5), (6, 5)])
def test_span_end_must_follow_start(layer, pers, start, end):
    refused(lambda: span(layer, start, end, entity_type=pers))
    assert not Span.objects.exists()


def test_span_start_cannot_be_negative(layer, pers):
    # PositiveIntegerField adds its own check on both databases.
    refused(lambda: span(layer, -1, 3, entity_type=pers))


def test_span_needs_a_label(layer):
    refused(lambda: span(layer))


def test_span_cannot_have_both_an_entity_and_an_event_label(layer, pers, meet):
    refused(lambda: span(layer, entity_type=pers, event_type=meet))


def test_entity_span_is_unique_per_layer_offsets_and_label(layer, pers):
    span(layer, entity_type=pers)
    refused(lambda: span(layer, entity_type=pers))
    assert Span.objects.count() == 1


def test_trigger_span_is_unique_per_layer_offsets_and_label(layer, meet):
    span(layer, 0, 5, event_type=meet)
    refused(lambda: span(layer, 0, 5, event_type=meet))
    assert Span.objects.count() == 1


def test_same_offsets_with_another_label_or_in_another_layer_are_allowed(layer, pers, meet):
    org = EntityTypeFactory(schema=pers.schema, key="ORG")
    span(layer, entity_type=pers)
    span(layer, entity_type=org)
    span(layer, event_type=meet)
    other = AnnotationLayerFactory(document=layer.document)
    span(other, entity_type=pers)
    assert Span.objects.count() == 4


def test_one_layer_per_annotator_and_document(layer):
    refused(
        lambda: AnnotationLayer.objects.create(
            document=layer.document, owner=layer.owner, kind="annotator"
        )
    )


def test_one_named_layer_per_name_and_document():
    gold = AnnotationLayerFactory(gold=True)
    refused(
        lambda: AnnotationLayer.objects.create(document=gold.document, name="gold", kind="gold")
    )


def test_the_same_name_is_fine_on_another_document_or_with_an_owner():
    gold = AnnotationLayerFactory(gold=True)
    AnnotationLayerFactory(gold=True, document=DocumentFactory(project=gold.document.project))
    # Annotators' layers have an owner and no name: the name constraint ignores them.
    AnnotationLayerFactory(document=gold.document, name="gold")
    assert AnnotationLayer.objects.count() == 3


def test_annotator_layer_needs_an_owner():
    document = DocumentFactory()
    refused(lambda: AnnotationLayer.objects.create(document=document, kind="annotator"))


def test_layer_kind_and_status_must_be_known_values():
    document = DocumentFactory()
    refused(lambda: AnnotationLayer.objects.create(document=document, kind="robot", name="x"))
    refused(
        lambda: AnnotationLayer.objects.create(
            document=document, kind="pre", name="x", status="finished"
        )
    )


def test_membership_is_unique_per_project_and_user():
    membership = MembershipFactory()
    refused(
        lambda: Membership.objects.create(
            project=membership.project, user=membership.user, role="reviewer"
        )
    )


def test_membership_role_must_be_known():
    project = MembershipFactory().project
    refused(lambda: Membership.objects.create(project=project, user=UserFactory(), role="owner"))


def test_document_external_id_is_unique_per_project_unless_empty():
    document = DocumentFactory(external_id="a-1")
    refused(lambda: DocumentFactory(project=document.project, external_id="a-1"))
    DocumentFactory(project=document.project, external_id="")
    DocumentFactory(project=document.project, external_id="")
    DocumentFactory(external_id="a-1")


def test_document_direction_must_be_rtl_or_ltr():
    refused(lambda: DocumentFactory(direction="up"))


def test_document_save_keeps_the_checksum_in_step_with_the_text():
    document = DocumentFactory(text="أ")
    first = document.checksum
    document.text = "ب"
    document.save()
    document.refresh_from_db()
    assert document.checksum != first
    assert len(document.checksum) == 64


def test_document_is_annotated_only_once_a_layer_has_a_span(layer, pers):
    assert not layer.document.is_annotated
    span(layer, entity_type=pers)
    assert layer.document.is_annotated
