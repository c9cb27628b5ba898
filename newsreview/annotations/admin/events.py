"""Admin for events and their arguments."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from newsreview.projects.admin import ADMIN_MEDIA_CSS, ServiceErrorMixin
from newsreview.projects.admin_scoping import ProjectScopedAdmin

from .. import services
from ..admin_filters import CompletenessFilter, RealisFilter
from ..errors import AnnotationError
from ..models import Argument, Event
from .common import (
    ReadOnlyInline,
    admin_link,
    copy_fields,
    validate_with_service,
)

# --- events and arguments ---------------------------------------------------------------


class ArgumentInline(ReadOnlyInline):
    model = Argument
    fields = ("role", "argument_span", "argument_text")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("role", "span__entity_type")

    @admin.display(description=_("span"))
    def argument_span(self, argument: Argument) -> str:
        return admin_link(argument.span)

    @admin.display(description=_("text"))
    def argument_text(self, argument: Argument) -> str:
        return format_html('<bdi dir="rtl">{}</bdi>', argument.span.text)


@admin.register(Event)
class EventAdmin(ServiceErrorMixin, ProjectScopedAdmin):
    """Events are made by labelling a trigger (Span page) and deleted with it."""

    service_errors = (AnnotationError,)
    project_path = "layer__document__project"
    list_display = ("id", "event_type", "trigger_text", "layer", "argument_count", "created_at")
    list_filter = ("event_type", RealisFilter, CompletenessFilter, "layer__document__project")
    search_fields = ("trigger__text", "event_type__key", "layer__document__title")
    list_select_related = ("event_type", "trigger", "layer__document", "layer__owner")
    fields = ("layer", "event_type", "trigger_link", "trigger_text", "attributes", "created_at")
    readonly_fields = fields
    inlines = [ArgumentInline]

    class Media:
        css = ADMIN_MEDIA_CSS

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(n_arguments=Count("arguments"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Event | None = None) -> bool:
        return False

    @admin.display(description=_("trigger"), ordering="trigger__start")
    def trigger_text(self, event: Event) -> str:
        return format_html('<bdi dir="rtl">{}</bdi>', event.trigger.text)

    @admin.display(description=_("trigger span"))
    def trigger_link(self, event: Event) -> str:
        return admin_link(event.trigger)

    @admin.display(description=_("arguments"), ordering="n_arguments")
    def argument_count(self, event: Event) -> int:
        return event.n_arguments

    def delete_model(self, request: HttpRequest, obj: Event) -> None:
        # An event without its trigger span makes no sense, nor the reverse.
        services.delete_span(layer=obj.layer, span=obj.trigger_id, by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for event in queryset.select_related("layer"):
            self.delete_model(request, event)


class ArgumentForm(forms.ModelForm):
    class Meta:
        model = Argument
        fields = ("event", "role", "span")

    def _post_clean(self) -> None:
        if self.errors:
            return
        data = self.cleaned_data
        event = data["event"]
        validate_with_service(
            self,
            lambda: services.add_argument(
                layer=event.layer, event=event, role=data["role"], span=data["span"], by=None
            ),
        )


@admin.register(Argument)
class ArgumentAdmin(ServiceErrorMixin, ProjectScopedAdmin):
    """Arguments are added and removed (through the services), never edited in place."""

    service_errors = (AnnotationError,)
    project_path = "event__layer__document__project"
    form = ArgumentForm
    list_display = ("id", "event", "role", "argument_text", "layer")
    list_filter = ("role__key", "event__event_type")
    search_fields = ("span__text", "role__key", "event__trigger__text")
    list_select_related = (
        "event__event_type",
        "event__layer__document",
        "role__event_type",
        "span",
    )
    raw_id_fields = ("event", "span")
    autocomplete_fields = ("role",)

    class Media:
        css = ADMIN_MEDIA_CSS

    def has_change_permission(self, request: HttpRequest, obj: Argument | None = None) -> bool:
        return False

    @admin.display(description=_("text"))
    def argument_text(self, argument: Argument) -> str:
        return format_html('<bdi dir="rtl">{}</bdi>', argument.span.text)

    @admin.display(description=_("layer"))
    def layer(self, argument: Argument) -> str:
        return str(argument.event.layer_id)

    def save_model(self, request: HttpRequest, obj: Argument, form, change: bool) -> None:
        data = form.cleaned_data
        argument = services.add_argument(
            layer=data["event"].layer,
            event=data["event"],
            role=data["role"],
            span=data["span"],
            by=request.user,
        )
        copy_fields(obj, argument)

    def delete_model(self, request: HttpRequest, obj: Argument) -> None:
        services.delete_argument(layer=obj.event.layer, argument=obj.pk, by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for argument in queryset.select_related("event__layer"):
            self.delete_model(request, argument)
