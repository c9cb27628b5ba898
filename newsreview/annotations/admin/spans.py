"""Admin for spans: forms validated by annotations.services inside a rolled-back savepoint."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from newsreview.projects.admin import ADMIN_MEDIA_CSS, ServiceErrorMixin
from newsreview.projects.admin_scoping import ProjectScopedAdmin

from .. import services
from ..errors import AnnotationError
from ..models import Span
from .common import (
    copy_fields,
    span_in_context,
    validate_with_service,
)

# --- spans ------------------------------------------------------------------------------


class LabelChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.key} — {obj.name_en} ({obj.schema.name})"


class SpanForm(forms.ModelForm):
    """Start, end and one label; the text is always the document's own slice."""

    class Meta:
        model = Span
        fields = ("layer", "start", "end", "entity_type", "event_type")
        field_classes = {"entity_type": LabelChoiceField, "event_type": LabelChoiceField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("entity_type", "event_type"):
            if name in self.fields:
                field = self.fields[name]
                queryset = field.queryset.select_related("schema")
                if self.instance.pk:
                    # Only the labels of this project's schema.
                    schema_id = self.instance.layer.document.project.schema_id
                    queryset = queryset.filter(schema_id=schema_id)
                field.queryset = queryset
        if "event_type" in self.fields:
            self.fields["event_type"].help_text = _(
                "For an event trigger: labelling it with an event type creates the event."
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        entity_type, event_type = data.get("entity_type"), data.get("event_type")
        if (entity_type is None) == (event_type is None):
            raise forms.ValidationError(
                _("Choose exactly one label: an entity type or an event type.")
            )
        return data

    def _post_clean(self) -> None:
        # The service is the one judge of a span (offsets, label, duplicates): it runs
        # instead of the model's own constraint checks, which would repeat its messages.
        if self.errors:
            return
        data = self.cleaned_data
        label = data.get("entity_type") or data.get("event_type")
        if self.instance.pk:
            layer = self.instance.layer
            self.validate_call = lambda: services.update_span(
                layer=layer,
                span=self.instance.pk,
                by=None,
                label=label,
                start=data["start"],
                end=data["end"],
            )
        else:
            self.validate_call = lambda: services.add_span(
                layer=data["layer"], start=data["start"], end=data["end"], label=label, by=None
            )
        validate_with_service(self, self.validate_call)


@admin.register(Span)
class SpanAdmin(ServiceErrorMixin, ProjectScopedAdmin):
    service_errors = (AnnotationError,)
    project_path = "layer__document__project"
    form = SpanForm
    list_display = ("id", "span_text", "label_key", "start", "end", "layer", "created_by")
    list_filter = ("entity_type", "event_type", "layer__kind", "layer__document__project")
    search_fields = ("text", "layer__document__title", "layer__owner__username")
    list_select_related = (
        "entity_type",
        "event_type",
        "layer__document",
        "layer__owner",
        "created_by",
    )
    autocomplete_fields = ("layer",)

    class Media:
        css = ADMIN_MEDIA_CSS

    def formfield_for_dbfield(self, db_field, request: HttpRequest, **kwargs: Any):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in ("entity_type", "event_type") and field is not None:
            # No "add/change/delete this label" buttons next to a span's label: schemas are
            # edited on their own pages, not in passing.
            for flag in (
                "can_add_related",
                "can_change_related",
                "can_delete_related",
                "can_view_related",
            ):
                setattr(field.widget, flag, False)
        return field

    def get_fields(self, request: HttpRequest, obj: Span | None = None):
        if obj is None:
            return ("layer", "start", "end", "entity_type", "event_type")
        return (
            "layer",
            "start",
            "end",
            "entity_type",
            "event_type",
            "span_text",
            "context",
            "created_by",
            "created_at",
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Span | None = None):
        if obj is None:
            return ()
        readonly = ["layer", "span_text", "context", "created_by", "created_at"]
        # A trigger stays a trigger and an entity an entity (update_span's rule).
        readonly.append("entity_type" if obj.is_trigger else "event_type")
        return readonly

    @admin.display(description=_("text"), ordering="text")
    def span_text(self, span: Span) -> str:
        return format_html('<bdi dir="rtl">{}</bdi>', span.text)

    @admin.display(description=_("label"))
    def label_key(self, span: Span) -> str:
        return span.label_key

    @admin.display(description=_("in context"))
    def context(self, span: Span) -> str:
        return span_in_context(span)

    def save_model(self, request: HttpRequest, obj: Span, form, change: bool) -> None:
        data = form.cleaned_data
        label = data.get("entity_type") or data.get("event_type")
        if change:
            span = services.update_span(
                layer=obj.layer,
                span=obj.pk,
                by=request.user,
                label=label,
                start=data["start"],
                end=data["end"],
            )
        else:
            span = services.add_span(
                layer=data["layer"],
                start=data["start"],
                end=data["end"],
                label=label,
                by=request.user,
            )
        copy_fields(obj, span)

    def delete_model(self, request: HttpRequest, obj: Span) -> None:
        services.delete_span(layer=obj.layer, span=obj.pk, by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for span in queryset.select_related("layer"):
            try:
                services.delete_span(layer=span.layer, span=span.pk, by=request.user)
            except AnnotationError:
                continue  # already gone with an earlier one (its trigger's event)
