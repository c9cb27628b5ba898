"""Helpers shared by the annotation admins: service checks as form errors, links, inlines."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from newsreview.projects.admin_scoping import ScopedChoicesMixin

from ..errors import AnnotationError
from ..models import Span

# Which form field an error code belongs next to (everything else: top of the form).
ERROR_FIELDS = {
    "out_of_range": "start",
    "bad_offsets": "start",
    "empty_span": "end",
    "unknown_label": None,
    "unknown_role": "role",
    "role_not_allowed": "span",
    "role_taken": "role",
    "not_entity": "span",
    "empty_comment": "text",
    "too_long": "text",
}


class DryRun(Exception):
    """Raised inside a savepoint to undo a service call made only to validate."""


def validate_with_service(form: forms.BaseForm, call: Any) -> None:
    """Run `call()` (a service write) in a savepoint that is always rolled back, and put
    its AnnotationError on the form. The real write happens in save_model."""
    try:
        with transaction.atomic():
            call()
            raise DryRun
    except DryRun:
        pass
    except AnnotationError as error:
        field = ERROR_FIELDS.get(error.code)
        form.add_error(field if field in form.fields else None, error.message)


def copy_fields(target: Any, source: Any) -> None:
    """Make the admin's unsaved `target` the row the service saved (the admin logs it and
    redirects to its page)."""
    for field in type(source)._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    target._state.adding = False
    target._state.db = source._state.db


def pretty_json(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)
    return format_html('<pre class="nr-json" dir="ltr">{}</pre>', text)


def span_in_context(span: Span, width: int = 60) -> str:
    """The span's text with some document text either side, the span marked."""
    text = span.layer.document.text
    before = text[max(0, span.start - width) : span.start]
    after = text[span.end : span.end + width]
    return format_html(
        '<div class="nr-doc-text" dir="{}">…{}<mark>{}</mark>{}…</div>',
        span.layer.document.direction,
        before,
        text[span.start : span.end],
        after,
    )


def admin_link(obj: Any, label: str | None = None) -> str:
    if obj is None:
        return "—"
    meta = obj._meta
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}"><bdi>{}</bdi></a>', url, label or str(obj))


class ReadOnlyInline(ScopedChoicesMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
