"""Helpers for import tests: real files on disk, and row counts that prove nothing was
saved by a refused import."""

import json

import pytest

from newsreview.accounts.models import User
from newsreview.annotations.models import (
    AnnotationLayer,
    Argument,
    Change,
    Comment,
    Event,
    Span,
)
from newsreview.documents.models import Document
from newsreview.projects.models import Project

# FORMATS.md §2-§5 examples: the headline of the seed article.
HEADLINE = "حموشي يعيد الدفء إلى علاقات المغرب بفرنسا ورحلة قريبة ستأخذه إلى باريس"
HEADLINE_SPANS = [
    (0, 5, "PERS"),
    (28, 34, "GPE"),
    (36, 41, "GPE"),
    (43, 47, "MOVEMENT_TRANSPORT"),
    (65, 70, "GPE"),
]


def row_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Project,
            Document,
            AnnotationLayer,
            Span,
            Event,
            Argument,
            Comment,
            Change,
            User,
        )
    }


def spans_of(document: Document, **layer: object) -> list[tuple[int, int, str, str]]:
    """(start, end, label, text) of the spans of `document` (in the layers matching the
    `layer` filters, all by default), sorted."""
    layers = AnnotationLayer.objects.filter(document=document, **layer)
    return sorted(
        (s.start, s.end, s.label_key, s.text)
        for s in Span.objects.filter(layer__in=layers).select_related("entity_type", "event_type")
    )


def arguments_of(document: Document, **layer: object) -> list[tuple[str, str, str]]:
    layers = AnnotationLayer.objects.filter(document=document, **layer)
    return sorted(
        (a.event.event_type.key, a.role.key, a.span.text)
        for a in Argument.objects.filter(event__layer__in=layers).select_related(
            "event__event_type", "role", "span"
        )
    )


@pytest.fixture
def write(tmp_path):
    """Write `content` (str → UTF-8, bytes as they are, list → JSON Lines) to tmp_path."""

    def _write(name: str, content) -> object:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, list):
            content = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in content)
        if isinstance(content, str):
            content = content.encode("utf-8")
        path.write_bytes(content)
        return path

    return _write
