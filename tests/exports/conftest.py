"""Annotated documents for the export tests, made through the annotation services, with
offsets found in the text (never typed by hand)."""

from __future__ import annotations

import io

import pytest

from newsreview.annotations import services as annotate
from newsreview.annotations.models import Span
from newsreview.documents.services import create_document
from newsreview.exports import registry
from newsreview.exports.services import write_export

# FORMATS.md §2's example sentence: PERS 0-5, GPE 28-34, 36-41, 65-70, trigger 43-47.
HEADLINE = "حموشي يعيد الدفء إلى علاقات المغرب بفرنسا ورحلة قريبة ستأخذه إلى باريس"
# An emoji and a flag before the spans (UTF-16 ≠ code points), a combining mark, tatweel,
# diacritics and CRLF line ends in the input (stored with \n).
TRICKY = "🇲🇦 😀 عاجل: Cafe\u0301 التقى حموشي بـ ڤـــو في باريس\r\nوقال مُحَمَّد 👍 في الرباط\r\n"


def find(text: str, needle: str, occurrence: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(needle, start + 1)
    return start, start + len(needle)


def add(layer, needle, label, by, occurrence=0):
    """Label `needle` in `layer` as its curator would: a layer already marked done or
    reviewed is reopened for the edit and gets its status back. A span across a line
    break, which the annotate page refuses but imported data may carry, is stored as an
    import stores it."""
    text = layer.document.text
    start, end = find(text, needle, occurrence)
    if "\n" in needle:
        label_obj = annotate.resolve_label(layer, label)
        field = "entity_type" if label_obj.kind == "entity" else "event_type"
        return Span.objects.create(
            layer=layer, start=start, end=end, text=needle, **{field: label_obj}
        )
    layer.refresh_from_db()
    status = layer.status
    if status in ("done", "reviewed"):
        annotate.set_layer_status(layer=layer, status="in_progress", by=by)
    span = annotate.add_span(layer=layer, start=start, end=end, label=label, by=by, text=needle)
    if status in ("done", "reviewed"):
        annotate.set_layer_status(layer=layer, status=status, by=by)
    return span


def export_bytes(project, key, layer="gold", statuses=None, **options):
    """(bytes written, warnings) of one export through the registry."""
    out = io.BytesIO()
    warnings: list[str] = []
    write_export(
        project=project,
        export_format=registry.get_format(key),
        layer=layer,
        statuses=statuses or [],
        options=options,
        out=out,
        warn=warnings.append,
    )
    return out.getvalue(), warnings


@pytest.fixture
def headline(project, reviewer):
    """The §2 example: a gold layer with four GPE/PERS spans and a MOVEMENT_TRANSPORT
    event (ARTIFACT حموشي, DESTINATION باريس)."""
    document = create_document(project=project, text=HEADLINE, external_id="000_f057059c50c62636")
    gold = annotate.get_or_create_named_layer(document=document, name="gold")
    pers = add(gold, "حموشي", "PERS", reviewer)
    add(gold, "المغرب", "GPE", reviewer)
    add(gold, "فرنسا", "GPE", reviewer)
    paris = add(gold, "باريس", "GPE", reviewer)
    trip = add(gold, "رحلة", "MOVEMENT_TRANSPORT", reviewer)
    annotate.add_argument(layer=gold, event=trip.event, role="ARTIFACT", span=pers, by=reviewer)
    annotate.add_argument(layer=gold, event=trip.event, role="DESTINATION", span=paris, by=reviewer)
    annotate.set_layer_status(layer=gold, status="reviewed", by=reviewer)
    return document


@pytest.fixture
def seed_gold(seed_document, reviewer, annotator):
    """The seed article: nested OCC ⊃ ORG, a meeting with two participants, a comment on a
    span and one on the layer; plus annotator1's own layer with one span."""
    gold = annotate.get_or_create_named_layer(document=seed_document, name="gold")
    occ = add(gold, "المدير العام للأمن الوطني", "OCC", reviewer)
    add(gold, "لأمن الوطني", "ORG", reviewer)
    hammouchi = add(gold, "عبد اللطيف حموشي", "PERS", reviewer)
    veaux = add(gold, "فريديريك ڤـــو", "PERS", reviewer)
    add(gold, "Frédéric Veaux", "PERS", reviewer)
    add(gold, "فرنسا", "GPE", reviewer)
    meet = add(gold, "لقاء", "CONTACT_MEET", reviewer, occurrence=1)
    for span in (hammouchi, veaux):
        annotate.add_argument(
            layer=gold, event=meet.event, role="PARTICIPANT", span=span, by=reviewer
        )
    annotate.add_comment(layer=gold, text='OCC يضم ORG, "متداخل"', by=reviewer, span=occ)
    annotate.add_comment(layer=gold, text="تعليق عام", by=reviewer)
    annotate.set_layer_status(layer=gold, status="reviewed", by=reviewer)
    mine = annotate.get_or_create_layer(document=seed_document, user=annotator)
    add(mine, "حموشي", "PERS", annotator)
    annotate.set_layer_status(layer=mine, status="done", by=annotator)
    return seed_document


@pytest.fixture
def tricky(project, reviewer):
    document = create_document(project=project, text=TRICKY, external_id="tricky")
    gold = annotate.get_or_create_named_layer(document=document, name="gold")
    add(gold, "Cafe\u0301 التقى", "EVENT", reviewer)
    meet = add(gold, "التقى", "CONTACT_MEET", reviewer)
    paris = add(gold, "باريس", "GPE", reviewer)
    add(gold, "ڤـــو", "PERS", reviewer)
    add(gold, "مُحَمَّد", "PERS", reviewer)
    add(gold, "الرباط", "GPE", reviewer)
    annotate.add_argument(layer=gold, event=meet.event, role="PLACE", span=paris, by=reviewer)
    return document
