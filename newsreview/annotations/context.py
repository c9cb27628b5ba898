"""Context builders for pages that show a document with one layer's spans."""

from __future__ import annotations

from typing import Any

from django.utils.safestring import SafeString, mark_safe

from newsreview.documents.models import Document

from .models import AnnotationLayer, Span
from .rendering import SpanView, render_spans


def span_views(spans: list[Span]) -> list[SpanView]:
    views = []
    for span in spans:
        label = span.label
        views.append(
            SpanView(
                id=span.pk,
                start=span.start,
                end=span.end,
                label=label.key,
                colour=label.colour,
                kind="trigger" if span.is_trigger else "entity",
                description=f"{label.name}: {span.text}",
            )
        )
    return views


def rendered_text(
    document: Document, spans: list[Span], selected_id: int | None = None
) -> SafeString:
    # render_spans escapes every piece of document text itself (rendering.py).
    return mark_safe(render_spans(document.text, span_views(spans), selected_id))  # noqa: S308


def layer_spans(layer: AnnotationLayer | None) -> list[Span]:
    if layer is None:
        return []
    return list(
        Span.objects.filter(layer=layer)
        .select_related("entity_type", "event_type")
        .order_by("start", "-end", "id")
    )


def document_view_context(*, document: Document, layer: AnnotationLayer | None) -> dict[str, Any]:
    """What the read-only document page needs: the text with the layer's spans."""
    spans = layer_spans(layer)
    return {
        "document": document,
        "project": document.project,
        "layer": layer,
        "spans": spans,
        "rendered_text": rendered_text(document, spans),
    }
