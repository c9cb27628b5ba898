"""Admin for layers, spans, events, arguments, comments and the audit trail.

Every change to annotations goes through `annotations.services` (validation, optimistic
locking, the audit trail): span and argument forms ask the service to validate inside a
rolled-back savepoint, so its refusals show as form errors, and the save calls it for
real. The audit trail (Change) is read-only.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from newsreview.documents.admin import document_text_html
from newsreview.projects.admin import ADMIN_MEDIA_CSS, ServiceErrorMixin
from newsreview.projects.admin_scoping import ProjectScopedAdmin, ScopedChoicesMixin

from . import services
from .admin_filters import CompletenessFilter, RealisFilter
from .errors import AnnotationError
from .models import AnnotationLayer, Argument, Change, Comment, Event, Span

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


class _DryRun(Exception):
    """Raised inside a savepoint to undo a service call made only to validate."""


def validate_with_service(form: forms.BaseForm, call: Any) -> None:
    """Run `call()` (a service write) in a savepoint that is always rolled back, and put
    its AnnotationError on the form. The real write happens in save_model."""
    try:
        with transaction.atomic():
            call()
            raise _DryRun
    except _DryRun:
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
                data["name"] = services.GOLD
            elif not name:
                self.add_error("name", _("A pre-annotation layer needs a name."))
            elif name == services.GOLD:
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


# --- comments and the audit trail -------------------------------------------------------


class CommentForm(forms.ModelForm):
    class Meta:
        model = Comment
        fields = ("layer", "span", "text")
        widgets = {"text": forms.Textarea(attrs={"dir": "auto", "rows": 4})}

    def _post_clean(self) -> None:
        if self.errors:
            return
        data = self.cleaned_data
        validate_with_service(
            self,
            lambda: services.add_comment(
                layer=data["layer"], text=data["text"], by=None, span=data.get("span")
            ),
        )


@admin.register(Comment)
class CommentAdmin(ServiceErrorMixin, ProjectScopedAdmin):
    """Comments are added through add_comment (audited) and may be deleted (moderation)."""

    service_errors = (AnnotationError,)
    project_path = "layer__document__project"
    form = CommentForm
    list_display = ("id", "comment_text", "author", "layer", "span", "created_at")
    list_filter = ("layer__document__project",)
    search_fields = ("text", "author__username", "layer__document__title")
    list_select_related = (
        "author",
        "layer__document",
        "layer__owner",
        "span__entity_type",
        "span__event_type",
    )
    autocomplete_fields = ("layer",)
    raw_id_fields = ("span",)
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request: HttpRequest, obj: Comment | None = None):
        return ("layer", "span", "text", "author", "created_at") if obj else ()

    def get_fields(self, request: HttpRequest, obj: Comment | None = None):
        return (
            ("layer", "span", "text", "author", "created_at") if obj else ("layer", "span", "text")
        )

    @admin.display(description=_("text"))
    def comment_text(self, comment: Comment) -> str:
        return format_html('<bdi dir="auto">{}</bdi>', comment.text[:80])

    def save_model(self, request: HttpRequest, obj: Comment, form, change: bool) -> None:
        if change:
            return
        data = form.cleaned_data
        comment = services.add_comment(
            layer=data["layer"], text=data["text"], by=request.user, span=data.get("span")
        )
        copy_fields(obj, comment)

    def delete_model(self, request: HttpRequest, obj: Comment) -> None:
        services.delete_comment(layer=obj.layer, comment=obj.pk, by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for comment in queryset.select_related("layer"):
            self.delete_model(request, comment)


@admin.register(Change)
class ChangeAdmin(ProjectScopedAdmin):
    """The audit trail: readable, never written from here."""

    project_path = "document__project"
    list_display = ("created_at", "action", "user", "document_title", "layer", "is_undone")
    list_filter = ("action", "is_undone", "document__project")
    search_fields = ("action", "user__username", "document__title")
    list_select_related = ("user", "document", "layer__owner")
    date_hierarchy = "created_at"
    fields = (
        "created_at",
        "action",
        "user",
        "document",
        "layer",
        "is_undone",
        "is_redoable",
        "before_json",
        "after_json",
    )
    readonly_fields = fields

    class Media:
        css = ADMIN_MEDIA_CSS

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Change | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Change | None = None) -> bool:
        return False

    @admin.display(description=_("document"), ordering="document__title")
    def document_title(self, change: Change) -> str:
        return format_html('<bdi dir="auto">{}</bdi>', change.document.title)

    @admin.display(description=_("before"))
    def before_json(self, change: Change) -> str:
        return pretty_json(change.before)

    @admin.display(description=_("after"))
    def after_json(self, change: Change) -> str:
        return pretty_json(change.after)
