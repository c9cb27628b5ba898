"""Admin for annotation layers: spans and events inline, status moves through the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from newsreview.documents.admin import document_text_html
from newsreview.projects.admin import ADMIN_MEDIA_CSS
from newsreview.projects.admin_scoping import ProjectScopedAdmin

from .. import services
from ..models import GOLD, AnnotationLayer, Event, Span
from .common import (
    ReadOnlyInline,
    copy_fields,
)

# --- layers -----------------------------------------------------------------------------


class SpanInline(ReadOnlyInline):
    """Spans of a layer, read-only here: add or change one on the Span page (the service
    checks it)."""

    model = Span
    fields = ("start", "end", "label_key", "span_text", "created_by", "created_at")
    readonly_fields = fields
    ordering = ("start", "-end", "id")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super().get_queryset(request).select_related("entity_type", "event_type", "created_by")
        )

    @admin.display(description=_("label"))
    def label_key(self, span: Span) -> str:
        return span.label_key

    @admin.display(description=_("text"))
    def span_text(self, span: Span) -> str:
        return format_html('<bdi dir="rtl">{}</bdi>', span.text)


class EventInline(ReadOnlyInline):
    model = Event
    fields = ("event_type", "trigger_text", "argument_count")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .select_related("event_type", "trigger")
            .annotate(n_arguments=Count("arguments"))
        )

    @admin.display(description=_("trigger"))
    def trigger_text(self, event: Event) -> str:
        return format_html('<bdi dir="rtl">{}</bdi>', event.trigger.text)

    @admin.display(description=_("arguments"))
    def argument_count(self, event: Event) -> int:
        return event.n_arguments


class LayerForm(forms.ModelForm):
    class Meta:
        model = AnnotationLayer
        fields = ("document", "kind", "owner", "name")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind, owner, name = data.get("kind"), data.get("owner"), data.get("name")
        if kind == AnnotationLayer.Kind.ANNOTATOR and owner is None:
            self.add_error("owner", _("An annotator's layer needs its annotator."))
        if kind != AnnotationLayer.Kind.ANNOTATOR:
            if owner is not None:
                self.add_error("owner", _("Only an annotator's layer has an annotator."))
            if kind == AnnotationLayer.Kind.GOLD:
                data["name"] = GOLD
            elif not name:
                self.add_error("name", _("A pre-annotation layer needs a name."))
            elif name == GOLD:
                self.add_error("name", _("“gold” is the name of the gold layer."))
        return data


@admin.register(AnnotationLayer)
class AnnotationLayerAdmin(ProjectScopedAdmin):
    project_path = "document__project"
    form = LayerForm
    list_display = (
        "id",
        "document_title",
        "layer_name_display",
        "kind",
        "status",
        "version",
        "span_count",
        "updated_at",
    )
    list_display_links = ("id", "layer_name_display")
    list_filter = ("kind", "status", "document__project")
    search_fields = ("document__title", "owner__username", "name", "document__external_id")
    list_select_related = ("document", "owner")
    autocomplete_fields = ("document", "owner")
    inlines = [SpanInline, EventInline]
    actions = ["mark_done", "reopen", "mark_reviewed"]

    class Media:
        css = ADMIN_MEDIA_CSS

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(n_spans=Count("spans"))

    def get_inlines(self, request: HttpRequest, obj: AnnotationLayer | None):
        # A new layer has no spans yet.
        return self.inlines if obj is not None else []

    def get_readonly_fields(self, request: HttpRequest, obj: AnnotationLayer | None = None):
        if obj is None:
            return ()
        # Status changes go through the actions (set_layer_status writes the audit trail);
        # spans through the Span page.
        return (
            "document",
            "kind",
            "owner",
            "name",
            "status",
            "version",
            "document_text",
            "created_at",
            "updated_at",
        )

    def get_fields(self, request: HttpRequest, obj: AnnotationLayer | None = None):
        if obj is None:
            return ("document", "kind", "owner", "name")
        return self.get_readonly_fields(request, obj)

    @admin.display(description=_("document"), ordering="document__title")
    def document_title(self, layer: AnnotationLayer) -> str:
        return format_html('<bdi dir="auto">{}</bdi>', layer.document.title)

    @admin.display(description=_("layer"))
    def layer_name_display(self, layer: AnnotationLayer) -> str:
        return format_html("<bdi>{}</bdi>", layer.layer_name)

    @admin.display(description=_("spans"), ordering="n_spans")
    def span_count(self, layer: AnnotationLayer) -> int:
        return layer.n_spans

    @admin.display(description=_("text"))
    def document_text(self, layer: AnnotationLayer) -> str:
        return document_text_html(layer.document)

    def save_model(self, request: HttpRequest, obj: AnnotationLayer, form, change: bool) -> None:
        if change:
            return  # every field is read-only on the change page
        if obj.kind == AnnotationLayer.Kind.ANNOTATOR:
            layer = services.get_or_create_layer(document=obj.document, user=obj.owner)
        else:
            layer = services.get_or_create_named_layer(
                document=obj.document, name=obj.name, kind=obj.kind
            )
        copy_fields(obj, layer)

    def _set_status(self, request: HttpRequest, queryset: QuerySet, status: str) -> None:
        changed = 0
        for layer in queryset:
            services.set_layer_status(layer=layer, status=status, by=request.user)
            changed += 1
        self.message_user(
            request,
            ngettext(
                "%(n)d layer is now “%(status)s”.", "%(n)d layers are now “%(status)s”.", changed
            )
            % {"n": changed, "status": AnnotationLayer.Status(status).label},
            messages.SUCCESS,
        )

    @admin.action(description=_("Mark submitted"))
    def mark_done(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_status(request, queryset, AnnotationLayer.Status.DONE)

    @admin.action(description=_("Reopen (in progress)"))
    def reopen(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_status(request, queryset, AnnotationLayer.Status.IN_PROGRESS)

    @admin.action(description=_("Mark reviewed"))
    def mark_reviewed(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_status(request, queryset, AnnotationLayer.Status.REVIEWED)
