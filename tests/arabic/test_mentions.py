"""Label all mentions: the preview, partial acceptance, one audited change, one undo."""

from __future__ import annotations

import pytest

from newsreview.annotations import services
from newsreview.annotations.errors import AnnotationError
from newsreview.annotations.models import AnnotationLayer, Change, Span
from newsreview.arabic import mentions
from tests.factories import DocumentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def labelled(seed_document, annotator):
    """The annotator's layer with the first حموشي labelled PERS."""
    layer = services.get_or_create_layer(document=seed_document, user=annotator)
    start = seed_document.text.index("حموشي")
    span = services.add_span(layer=layer, start=start, end=start + 5, label="PERS", by=annotator)
    layer.refresh_from_db()
    return layer, span


def test_preview_lists_the_other_mentions_with_context(labelled, seed_document):
    layer, span = labelled
    found = mentions.document_mentions(layer=layer, span=span)
    assert len(found) == 5
    assert span.start not in {m.start for m in found}
    for m in found:
        assert seed_document.text[m.start : m.end] == "حموشي"
        assert seed_document.text[m.start - len(m.before) : m.start] == m.before
        assert "\n" not in m.before + m.after


def test_label_some_mentions_is_one_change_and_one_undo_removes_them(labelled, annotator):
    layer, span = labelled
    found = mentions.document_mentions(layer=layer, span=span)
    chosen = {(m.document_id, m.start, m.end) for m in found[:3]}
    added = mentions.label_mentions(
        layer=layer, span=span, chosen=chosen, by=annotator, version=layer.version
    )
    assert added == {layer.document_id: 3}
    spans = Span.objects.filter(layer=layer)
    assert spans.count() == 4
    assert set(spans.filter(origin="mentions").values_list("start", "end")) == {
        (s, e) for _d, s, e in chosen
    }
    batch = Change.objects.filter(layer=layer, action="span.add_batch")
    assert batch.count() == 1 and len(batch.get().after["spans"]) == 3
    # Already labelled ones leave the preview.
    assert len(mentions.document_mentions(layer=layer, span=span)) == 2
    layer.refresh_from_db()
    services.undo(layer=layer, by=annotator, version=layer.version)
    assert list(Span.objects.filter(layer=layer).values_list("pk", flat=True)) == [span.pk]
    layer.refresh_from_db()
    services.redo(layer=layer, by=annotator, version=layer.version)
    assert Span.objects.filter(layer=layer, origin="mentions").count() == 3


def test_a_choice_that_is_no_mention_changes_nothing(labelled, annotator):
    layer, span = labelled
    with pytest.raises(AnnotationError) as error:
        mentions.label_mentions(
            layer=layer,
            span=span,
            chosen={(layer.document_id, 0, 3)},
            by=annotator,
            version=layer.version,
        )
    assert error.value.code == "stale_mentions"
    assert Span.objects.filter(layer=layer).count() == 1


def test_a_stale_version_changes_nothing(labelled, annotator):
    layer, span = labelled
    found = mentions.document_mentions(layer=layer, span=span)
    with pytest.raises(AnnotationError) as error:
        mentions.label_mentions(
            layer=layer,
            span=span,
            chosen={(found[0].document_id, found[0].start, found[0].end)},
            by=annotator,
            version=layer.version - 1,
        )
    assert error.value.code == "stale"
    assert Span.objects.filter(layer=layer).count() == 1


def test_project_wide_finds_mentions_in_other_open_documents_only(labelled, annotator, project):
    layer, span = labelled
    other = DocumentFactory(project=project, text="قال وحموشي إن\nحمّوشي زار بحموشي")
    closed = DocumentFactory(project=project, text="حموشي")
    AnnotationLayer.objects.create(document=closed, owner=annotator, status="done")
    DocumentFactory(text="حموشي")  # another project
    progress = []
    found = mentions.project_mentions(
        layer=layer, span=span, progress=lambda done, total: progress.append((done, total))
    )
    elsewhere = [m for m in found if m.document_id != layer.document_id]
    assert {m.document_id for m in elsewhere} == {other.pk}
    assert [m.text for m in elsewhere] == ["حموشي", "حمّوشي", "حموشي"]  # not across \n
    assert progress[-1][0] == progress[-1][1] >= 1
    chosen = {(m.document_id, m.start, m.end) for m in elsewhere}
    added = mentions.label_mentions(
        layer=layer,
        span=span,
        chosen=chosen,
        by=annotator,
        version=layer.version,
        project_wide=True,
    )
    assert added == {other.pk: 3}
    other_layer = AnnotationLayer.objects.get(document=other, owner=annotator)
    assert {s.text for s in other_layer.spans.all()} == {"حموشي", "حمّوشي"}
    assert Change.objects.filter(layer=other_layer, action="span.add_batch").count() == 1


def test_event_trigger_mentions_become_events(seed_document, annotator):
    layer = services.get_or_create_layer(document=seed_document, user=annotator)
    start = seed_document.text.index("لقاء")
    span = services.add_span(
        layer=layer, start=start, end=start + 4, label="CONTACT_MEET", by=annotator
    )
    layer.refresh_from_db()
    found = mentions.document_mentions(layer=layer, span=span)
    assert found
    mentions.label_mentions(
        layer=layer,
        span=span,
        chosen={(m.document_id, m.start, m.end) for m in found},
        by=annotator,
        version=layer.version,
    )
    assert layer.events.count() == 1 + len(found)


def test_parse_keys_refuses_garbage():
    assert mentions.parse_keys(["1:2:3"]) == {(1, 2, 3)}
    with pytest.raises(AnnotationError):
        mentions.parse_keys(["1:2"])
    with pytest.raises(AnnotationError):
        mentions.parse_keys(["a:2:3"])


def test_background_job_returns_json_ready_mentions_and_reports_progress(
    labelled, annotator, other_annotator, project
):
    import json

    from newsreview.arabic.tasks import find_project_mentions

    layer, span = labelled
    DocumentFactory(project=project, text="وصل حموشي")
    reports = []
    result = find_project_mentions(
        span_id=span.pk, user_id=annotator.pk, report=lambda d, t: reports.append((d, t))
    )
    assert json.loads(json.dumps(result)) == result
    assert len(result["mentions"]) == 6  # 5 in the seed article, 1 elsewhere
    assert reports[-1] == (1, 1)
    with pytest.raises(Span.DoesNotExist):
        find_project_mentions(span_id=span.pk, user_id=other_annotator.pk)
