"""The gazetteer: built from reviewed gold layers, CSV uploads, suggestions that never
duplicate or cross a span, acceptance as one undoable change with its origin, rejection."""

from __future__ import annotations

import pytest

from newsreview.annotations import services
from newsreview.annotations.errors import AnnotationError
from newsreview.annotations.models import AnnotationLayer, Change, Span
from newsreview.arabic import gazetteer
from newsreview.arabic.models import GazetteerEntry, RejectedSuggestion
from newsreview.projects.models import EntityType
from tests.factories import DocumentFactory

pytestmark = pytest.mark.django_db


def entry(project, text, key, **kwargs):
    label = EntityType.objects.get(schema=project.schema, key=key)
    return GazetteerEntry.objects.create(project=project, text=text, entity_type=label, **kwargs)


def reviewed_gold(document, spans):
    layer = services.get_or_create_named_layer(document=document, name="gold")
    for word, key in spans:
        start = document.text.index(word)
        services.add_span(layer=layer, start=start, end=start + len(word), label=key, by=None)
    services.set_layer_status(layer=layer, status="reviewed", by=None)
    return layer


def test_gold_entries_are_built_from_reviewed_gold_layers_with_counts(project, seed_document):
    other = DocumentFactory(project=project, text="زار حمّوشي باريس")
    reviewed_gold(seed_document, [("حموشي", "PERS"), ("باريس", "GPE")])
    reviewed_gold(other, [("حمّوشي", "PERS")])
    draft = DocumentFactory(project=project, text="المغرب")
    services.add_span(
        layer=services.get_or_create_named_layer(document=draft, name="gold"),
        start=0,
        end=6,
        label="GPE",
        by=None,
    )  # gold, not reviewed: left out
    assert gazetteer.rebuild_from_gold(project) == 2
    rows = {
        (e.normalised, e.entity_type.key): e.count
        for e in GazetteerEntry.objects.filter(project=project, source="gold")
    }
    assert rows == {("حموشي", "PERS"): 2, ("باريس", "GPE"): 1}


def test_suggestions_follow_reviews_without_a_rebuild_button(project, seed_document, annotator):
    other = DocumentFactory(project=project, text="حموشي في باريس")
    assert gazetteer.suggestions_for(document=other, layer=None) == []
    reviewed_gold(seed_document, [("حموشي", "PERS")])
    found = gazetteer.suggestions_for(document=other, layer=None)
    assert [(s.text, s.label) for s in found] == [("حموشي", "PERS")]


def test_suggestions_never_duplicate_or_cross_an_existing_span(project, annotator):
    document = DocumentFactory(project=project, text="عبد اللطيف حموشي وفرنسا وباريس")
    entry(project, "حموشي", "PERS")
    entry(project, "فرنسا", "GPE")
    entry(project, "باريس", "GPE")
    layer = services.get_or_create_layer(document=document, user=annotator)
    text = document.text
    services.add_span(layer=layer, start=0, end=16, label="PERS", by=annotator)  # contains حموشي
    at = text.index("فرنسا")
    services.add_span(layer=layer, start=at, end=at + 5, label="LOC", by=annotator)  # same range
    at = text.index("باريس")
    services.add_span(layer=layer, start=at - 2, end=at + 2, label="ORG", by=annotator)  # crosses
    found = gazetteer.suggestions_for(document=document, layer=layer)
    assert [s.text for s in found] == ["حموشي"]  # nested inside the full name is fine


def test_accepting_all_is_one_change_with_origin_and_one_undo(project, annotator):
    document = DocumentFactory(project=project, text="حموشي في باريس وبفرنسا")
    entry(project, "حموشي", "PERS")
    entry(project, "باريس", "GPE")
    entry(project, "فرنسا", "GPE")
    spans = gazetteer.accept_suggestions(document=document, user=annotator, chosen=None, version=0)
    assert sorted((s.text, s.label_key, s.origin) for s in spans) == [
        ("باريس", "GPE", "gazetteer"),
        ("حموشي", "PERS", "gazetteer"),
        ("فرنسا", "GPE", "gazetteer"),
    ]
    layer = AnnotationLayer.objects.get(document=document, owner=annotator)
    assert Change.objects.filter(layer=layer, action="span.add_batch").count() == 1
    assert gazetteer.suggestions_for(document=document, layer=layer) == []
    services.undo(layer=layer, by=annotator, version=layer.version)
    assert not Span.objects.filter(layer=layer).exists()


def test_accepting_one_that_is_not_suggested_changes_nothing(project, annotator):
    document = DocumentFactory(project=project, text="حموشي في باريس")
    entry(project, "حموشي", "PERS")
    with pytest.raises(AnnotationError) as error:
        gazetteer.accept_suggestions(
            document=document, user=annotator, chosen={(9, 14, "GPE")}, version=0
        )
    assert error.value.code == "stale_suggestions"
    assert not Span.objects.exists()
    assert not AnnotationLayer.objects.filter(document=document).exists()


def test_rejected_suggestions_are_not_offered_again(project, annotator):
    document = DocumentFactory(project=project, text="حموشي في باريس")
    entry(project, "حموشي", "PERS")
    entry(project, "باريس", "GPE")
    assert (
        gazetteer.reject_suggestions(document=document, user=annotator, chosen={(0, 5, "PERS")})
        == 1
    )
    layer = AnnotationLayer.objects.get(document=document, owner=annotator)
    assert [s.text for s in gazetteer.suggestions_for(document=document, layer=layer)] == ["باريس"]
    gazetteer.reject_suggestions(document=document, user=annotator, chosen=None)
    assert gazetteer.suggestions_for(document=document, layer=layer) == []
    assert RejectedSuggestion.objects.count() == 2


def test_inactive_entries_and_managers_entries_win(project):
    document = DocumentFactory(project=project, text="حموشي وباريس")
    entry(project, "حموشي", "ORG", source="gold", count=9)
    entry(project, "حموشي", "PERS", source="upload")
    entry(project, "باريس", "GPE", is_active=False)
    found = gazetteer.suggestions_for(document=document, layer=None)
    assert [(s.text, s.label) for s in found] == [("حموشي", "PERS")]


def test_csv_upload_adds_entries_and_refuses_a_bad_file_whole(project):
    good = "text,label\nحمّوشي,PERS\nباريس,GPE\n\nباريس,GPE\n".encode()
    assert gazetteer.import_csv(project=project, data=b"\xef\xbb\xbf" + good) == 2
    assert set(GazetteerEntry.objects.values_list("normalised", "source")) == {
        ("حموشي", "upload"),
        ("باريس", "upload"),
    }
    bad = "text,label\nالمغرب,GPE\nفرنسا,COUNTRY\n,PERS\nا,ب,ج\n".encode()
    with pytest.raises(gazetteer.GazetteerError) as error:
        gazetteer.import_csv(project=project, data=bad)
    problems = error.value.problems
    assert len(problems) == 3
    assert problems[0].startswith("Line 3") and "COUNTRY" in problems[0]
    assert GazetteerEntry.objects.count() == 2  # nothing of the bad file
    with pytest.raises(gazetteer.GazetteerError):
        gazetteer.import_csv(project=project, data=b"name,type\nx,PERS\n")
    with pytest.raises(gazetteer.GazetteerError):
        gazetteer.import_csv(project=project, data=b"text,label\n\xff,PERS\n")


def test_factories_make_valid_rows():
    from tests.factories import GazetteerEntryFactory, GazetteerFactory, RejectedSuggestionFactory

    entry_row = GazetteerEntryFactory(text="حمّوشي")
    entry_row.full_clean()
    assert entry_row.normalised == "حموشي"
    GazetteerFactory().full_clean()
    RejectedSuggestionFactory().full_clean()


def test_an_entry_with_another_schemas_label_is_invalid(project):
    from django.core.exceptions import ValidationError

    from tests.factories import EntityTypeFactory, GazetteerEntryFactory

    foreign = EntityTypeFactory()
    row = GazetteerEntryFactory.build(project=project, entity_type=foreign)
    with pytest.raises(ValidationError):
        row.full_clean()


def test_a_compiled_gazetteer_is_reused_until_the_entries_change(project):
    document = DocumentFactory(project=project, text="حموشي في باريس")
    entry(project, "حموشي", "PERS")
    assert [s.text for s in gazetteer.suggestions_for(document=document, layer=None)] == ["حموشي"]
    # A write that bypasses the model (as another process's bulk update would look from
    # here) is not seen: the matcher compiled above is reused, no aggregate is counted...
    GazetteerEntry.objects.filter(project=project).update(is_active=False)
    assert [s.text for s in gazetteer.suggestions_for(document=document, layer=None)] == ["حموشي"]
    # ...until the gazetteer's revision changes, as every write through the app makes it.
    gazetteer.entries_changed(project)
    assert gazetteer.suggestions_for(document=document, layer=None) == []
    paris = entry(project, "باريس", "GPE")  # a save renews the revision too
    assert [s.text for s in gazetteer.suggestions_for(document=document, layer=None)] == ["باريس"]
    paris.delete()
    assert gazetteer.suggestions_for(document=document, layer=None) == []


def test_gazetteer_suggestions_read_a_constant_number_of_queries(
    project, django_assert_max_num_queries
):
    document = DocumentFactory(project=project, text="حموشي في باريس")
    entry(project, "حموشي", "PERS")
    gazetteer.suggestions_for(document=document, layer=None)  # compiled once
    GazetteerEntry.objects.bulk_create(
        GazetteerEntry(project=project, text=f"اسم{n}", normalised=f"اسم{n}",
                       entity_type=EntityType.objects.get(schema=project.schema, key="ORG"))
        for n in range(500)
    )  # fmt: skip
    gazetteer.entries_changed(project)
    gazetteer.suggestions_for(document=document, layer=None)  # compiled again
    with django_assert_max_num_queries(6):
        found = gazetteer.suggestions_for(document=document, layer=None)
    assert [s.text for s in found] == ["حموشي"]
