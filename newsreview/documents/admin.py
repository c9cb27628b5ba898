"""Admin for documents. The text is immutable once annotated (PRODUCT.md); creating a
document and changing its text go through `documents.services`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from newsreview.annotations.models import GOLD, AnnotationLayer
from newsreview.annotations.services import get_or_create_named_layer
from newsreview.projects.admin import ADMIN_MEDIA_CSS, ServiceErrorMixin
from newsreview.projects.admin_assignments import annotators_action
from newsreview.projects.admin_scoping import ProjectScopedAdmin, ScopedChoicesMixin

from . import services
from .models import Document


def document_text_html(document: Document) -> str:
    # Escaped by format_html: document text is untrusted (HELPERS.md).
    return format_html(
        '<div class="nr-doc-text" dir="{}" lang="{}">{}</div>',
        document.direction,
        document.language,
        document.text,
    )


class DocumentForm(forms.ModelForm):
    source_url = forms.URLField(
        label=_("source URL"), max_length=2000, required=False, assume_scheme="https"
    )

    class Meta:
        model = Document
        fields = (
            "project",
            "title",
            "text",
            "language",
            "direction",
            "source_url",
            "published_on",
            "external_id",
            "metadata",
        )
        widgets = {
            "title": forms.TextInput(attrs={"dir": "auto", "size": 80}),
            "text": forms.Textarea(attrs={"dir": "rtl", "class": "nr-doc-text", "rows": 20}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "title" in self.fields:
            self.fields["title"].required = False
            self.fields["title"].help_text = _("Empty: the first line of the text.")
        if "text" in self.fields and self.instance.pk:
            self.fields["text"].widget.attrs["dir"] = self.instance.direction

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        text = data.get("text")
        if text is None or data.get("project") is None:
            # The text is read-only here (annotated document): only the title may need a default.
            if "title" in data and not data["title"]:
                data["title"] = services.title_from_text(self.instance.text)
            return data
        text = services.normalise_newlines(text)
        if self.instance.pk and text != self.instance.text and self.instance.is_annotated:
            raise forms.ValidationError(
                _("The text of an annotated document cannot change: spans point into it."),
                code="immutable",
            )
        try:
            # Validation only (no row is written): the same rules create_document applies.
            built = services.build_document(
                project=data["project"],
                text=text,
                title=data.get("title") or None,
                language=data.get("language") or None,
                direction=data.get("direction") or None,
            )
        except services.DocumentError as error:
            raise forms.ValidationError(error.message, code=error.code) from None
        data["text"] = text
        data["title"] = built.title
        return data


class LayerInline(ScopedChoicesMixin, admin.TabularInline):
    model = AnnotationLayer
    fields = ("layer_link", "kind", "status", "version", "span_count", "updated_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False
    verbose_name_plural = _("annotation layers (open one to see and edit its spans)")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super().get_queryset(request).select_related("owner").annotate(n_spans=Count("spans"))
        )

    @admin.display(description=_("layer"))
    def layer_link(self, layer: Any) -> str:
        url = reverse("admin:annotations_annotationlayer_change", args=[layer.pk])
        return format_html('<a href="{}"><bdi>{}</bdi></a>', url, layer.layer_name)

    @admin.display(description=_("spans"))
    def span_count(self, layer: Any) -> int:
        return layer.n_spans


@admin.register(Document)
class DocumentAdmin(ServiceErrorMixin, ProjectScopedAdmin):
    service_errors = (services.DocumentError,)
    form = DocumentForm
    list_display = (
        "id",
        "title_display",
        "project",
        "language",
        "external_id",
        "layer_count",
        "created_at",
    )
    list_display_links = ("id", "title_display")
    list_filter = ("project", "language", "direction")
    # Arabic queries work: icontains on title, text and ids.
    search_fields = ("title", "text", "external_id", "source_url")
    list_select_related = ("project",)
    autocomplete_fields = ("project",)
    date_hierarchy = "created_at"
    inlines = [LayerInline]
    actions = ["create_gold_layer", "assign_to_annotators", "unassign_from_annotators"]

    class Media:
        css = ADMIN_MEDIA_CSS

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(n_layers=Count("layers"))

    def get_inlines(self, request: HttpRequest, obj: Document | None):
        # A new document has no layers yet.
        return self.inlines if obj is not None else []

    @admin.display(description=_("title"), ordering="title")
    def title_display(self, obj: Document) -> str:
        return format_html('<bdi dir="auto">{}</bdi>', obj.title)

    @admin.display(description=_("layers"), ordering="n_layers")
    def layer_count(self, obj: Document) -> int:
        return obj.n_layers

    @admin.display(description=_("text"))
    def document_text(self, obj: Document) -> str:
        return document_text_html(obj)

    def get_fields(self, request: HttpRequest, obj: Document | None = None):
        fields = [
            "project",
            "title",
            "text",
            "language",
            "direction",
            "source_url",
            "published_on",
            "external_id",
            "metadata",
        ]
        if obj is not None:
            fields += ["checksum", "created_at", "updated_at"]
            if obj.is_annotated:
                # PRODUCT.md: immutable once annotated; shown, never as an input.
                fields[fields.index("text")] = "document_text"
        return fields

    def get_readonly_fields(self, request: HttpRequest, obj: Document | None = None):
        if obj is None:
            return ()
        readonly = ["checksum", "created_at", "updated_at", "project"]
        if obj.is_annotated:
            readonly += ["document_text", "language", "direction"]
        return readonly

    def save_model(self, request: HttpRequest, obj: Document, form, change: bool) -> None:
        if not change:
            created = services.create_document(
                project=obj.project,
                text=obj.text,
                title=obj.title or None,
                language=obj.language,
                direction=obj.direction,
                source_url=obj.source_url,
                published_on=obj.published_on,
                external_id=obj.external_id,
                metadata=obj.metadata,
            )
            for field in Document._meta.concrete_fields:
                setattr(obj, field.attname, getattr(created, field.attname))
            obj._state.adding = False
            return
        new_text = obj.text
        if "text" in form.changed_data:
            obj.text = Document.objects.only("text").get(pk=obj.pk).text
        obj.save()
        if new_text != obj.text:
            updated = services.update_document_text(document=obj, text=new_text)
            obj.text, obj.checksum = updated.text, updated.checksum

    @admin.action(description=_("Create the gold layer (for review)"))
    def create_gold_layer(self, request: HttpRequest, queryset: QuerySet) -> None:
        existing = set(
            AnnotationLayer.objects.filter(
                document__in=queryset, owner=None, name=GOLD
            ).values_list("document_id", flat=True)
        )
        created = 0
        for document in queryset:
            if document.pk in existing:
                continue
            get_or_create_named_layer(document=document, name=GOLD)
            created += 1
        self.message_user(
            request,
            ngettext("Created %(n)d gold layer.", "Created %(n)d gold layers.", created)
            % {"n": created},
            messages.SUCCESS,
        )

    @admin.action(description=_("Assign to annotators…"))
    def assign_to_annotators(self, request: HttpRequest, queryset: QuerySet) -> Any:
        return annotators_action(self, request, queryset, unassign=False)

    @admin.action(description=_("Unassign from annotators (layers are kept)…"))
    def unassign_from_annotators(self, request: HttpRequest, queryset: QuerySet) -> Any:
        return annotators_action(self, request, queryset, unassign=True)
