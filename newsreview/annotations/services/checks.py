"""Validation shared by every write: labels of the project's schema, offsets inside the
text, no white-space edges, one line, no duplicate, roles that accept the entity."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

from newsreview.core import rows
from newsreview.projects.models import EntityType, EventType, RoleType

from ..errors import AnnotationError
from ..models import AnnotationLayer, Span
from ..offsets import trim_whitespace
from .layers import Label


def resolve_label(layer: AnnotationLayer, key: str) -> Label:
    """The entity or event type `key` of the layer's project schema."""
    schema_id = layer.document.project.schema_id
    entity = EntityType.objects.filter(schema_id=schema_id, key=key).first()
    if entity is not None:
        return entity
    event = EventType.objects.filter(schema_id=schema_id, key=key).first()
    if event is not None:
        return event
    raise _unknown_label(key)


def resolve_new_label(layer: AnnotationLayer, key: str, start: int, end: int) -> tuple[Label, bool]:
    """resolve_label, and whether the layer has a span [start, end) with that label
    already (check_duplicate's question): one hand-written query for an entity type, the
    label of nearly every new span (core/writes.py says why by hand)."""
    schema_id = layer.document.project.schema_id
    for model, column in ((EntityType, "entity_type_id"), (EventType, "event_type_id")):
        with connection.cursor() as cursor:
            cursor.execute(_new_label_sql(model, column), [layer.pk, start, end, schema_id, key])
            row = cursor.fetchone()
        if row is not None:
            return rows.instance(model, row[:-1]), bool(row[-1])
    raise _unknown_label(key)


def _new_label_sql(model: type[EntityType | EventType], column: str) -> str:
    return (
        f"SELECT {rows.columns(model, 't')}, EXISTS (SELECT 1 FROM "  # noqa: S608
        f'{Span._meta.db_table} s WHERE s.layer_id = %s AND s.start = %s AND s."end" = %s '
        f"AND s.{column} = t.id) FROM {model._meta.db_table} t "
        "WHERE t.schema_id = %s AND t.key = %s"
    )


def _unknown_label(key: str) -> AnnotationError:
    return AnnotationError(
        "unknown_label", _("There is no label “%(key)s” in this project's schema.") % {"key": key}
    )


def check_label(layer: AnnotationLayer, label: Label) -> None:
    if label.schema_id != layer.document.project.schema_id:
        raise AnnotationError(
            "unknown_label",
            _("The label “%(key)s” is not part of this project's schema.") % {"key": label.key},
        )


def check_offsets(text: str, start: Any, end: Any) -> None:
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end)):
        raise AnnotationError("bad_offsets", _("Offsets must be whole numbers."))
    if start < 0 or end > len(text):
        raise AnnotationError(
            "out_of_range",
            _("The span [%(start)s, %(end)s) lies outside the text (0 to %(length)s).")
            % {"start": start, "end": end, "length": len(text)},
        )
    if start >= end:
        raise AnnotationError("empty_span", _("A span must cover at least one character."))
    if text[start:end].strip() == "":
        raise AnnotationError("empty_span", _("A span cannot cover only white space."))


def check_trimmed(text: str, start: int, end: int) -> None:
    # Span creation trims white space off the selection (views.span_create); a moved edge
    # must not bring it back. Only moved offsets are checked: imported spans stay valid.
    if trim_whitespace(text, start, end) != (start, end):
        raise AnnotationError(
            "untrimmed", _("A span cannot start or end with white space; move the edge past it.")
        )


def check_single_line(text: str, start: int, end: int) -> None:
    # An annotator's span never crosses a line break: headline and paragraphs are separate,
    # and a stray drag across paragraphs must not become an entity. Imported data may
    # carry such spans; exporters keep them whole (FORMATS.md §4).
    if "\n" in text[start:end]:
        raise AnnotationError(
            "crosses_line", _("A span cannot cross a line break; select within one paragraph.")
        )


def check_duplicate(
    layer: AnnotationLayer, start: int, end: int, label: Label, exclude: int | None = None
) -> None:
    field = "entity_type" if isinstance(label, EntityType) else "event_type"
    duplicates = Span.objects.filter(layer=layer, start=start, end=end, **{field: label})
    if exclude is not None:
        duplicates = duplicates.exclude(pk=exclude)
    if duplicates.exists():
        raise duplicate_error(label)


def duplicate_error(label: Label) -> AnnotationError:
    return AnnotationError(
        "duplicate",
        _("This text already has the label “%(name)s” (%(key)s).")
        % {"name": label.name, "key": label.key},
    )


def span_of(layer: AnnotationLayer, span: Span | int) -> Span:
    span_id = span.pk if isinstance(span, Span) else span
    try:
        return Span.objects.select_related("entity_type", "event_type").get(pk=span_id, layer=layer)
    except Span.DoesNotExist:
        raise AnnotationError(
            "not_found", _("That annotation no longer exists; the page has been refreshed.")
        ) from None


def check_role_allows(role: RoleType, entity_type: EntityType) -> None:
    allowed = list(role.allowed_entity_types.all())
    if allowed and entity_type not in allowed:
        raise AnnotationError(
            "role_not_allowed",
            # Display names for the annotator, keys for the files importers read.
            _("The role “%(role)s” (%(role_key)s) accepts %(allowed)s, not “%(name)s” (%(key)s).")
            % {
                "role": role.name,
                "role_key": role.key,
                "name": entity_type.name,
                "key": entity_type.key,
                "allowed": ", ".join(f"{t.name} ({t.key})" for t in allowed),
            },
        )
