"""Admin for comments and the read-only audit trail (Change)."""

from __future__ import annotations

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
from ..models import Change, Comment
from .common import (
    copy_fields,
    pretty_json,
    validate_with_service,
)

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
