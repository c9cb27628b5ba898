"""Review in the Django admin: each document's review status, approve and reopen actions
(through the services), its status timeline inline, and the decisions (read-only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from newsreview.annotations.errors import AnnotationError
from newsreview.annotations.models import AnnotationLayer
from newsreview.projects.admin_scoping import ProjectScopedAdmin

from . import services
from .models import Decision, ReviewDocument, Transition


class TransitionInline(admin.TabularInline):
    """The document's timeline: who moved which layer from what to what, and why."""

    model = Transition
    fk_name = "document"
    extra = 0
    can_delete = False
    fields = ("created_at", "user", "layer", "from_label", "to_label", "comment")
    readonly_fields = fields
    ordering = ("id",)
    verbose_name = _("status change")
    verbose_name_plural = _("timeline")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("user", "layer__owner")

    @admin.display(description=_("from"))
    def from_label(self, obj: Transition) -> str:
        return obj.from_label

    @admin.display(description=_("to"))
    def to_label(self, obj: Transition) -> str:
        return obj.to_label

    @admin.display(description=_("comment"))
    def comment(self, obj: Transition) -> str:
        return obj.comment


@admin.register(ReviewDocument)
class ReviewDocumentAdmin(ProjectScopedAdmin):
    list_display = ("id", "title", "project", "review_status", "submitted", "curation_page")
    list_display_links = ("id", "title")
    list_filter = ("project",)
    search_fields = ("title", "external_id")
    list_select_related = ("project",)
    fields = ("title", "project", "review_status", "submitted", "curation_page")
    readonly_fields = fields
    inlines = [TransitionInline]
    actions = ["approve", "reopen"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        gold = AnnotationLayer.objects.filter(
            document=OuterRef("pk"), kind=AnnotationLayer.Kind.GOLD
        ).values("status")[:1]
        feeding = Q(
            layers__kind=AnnotationLayer.Kind.ANNOTATOR, layers__status__in=services.FEEDING
        )
        return (
            super()
            .get_queryset(request)
            .annotate(
                gold_status=Subquery(gold),
                n_submitted=Count("layers", filter=feeding, distinct=True),
            )
        )

    @admin.display(description=_("review status"), ordering="gold_status")
    def review_status(self, obj: ReviewDocument) -> str:
        required = obj.project.annotators_per_document
        if obj.gold_status == AnnotationLayer.Status.REVIEWED:
            return str(_("Reviewed"))
        if obj.gold_status in (AnnotationLayer.Status.IN_PROGRESS,):
            return str(_("In review"))
        if obj.n_submitted >= required:
            return str(_("Ready for review"))
        return str(_("Waiting for annotators"))

    @admin.display(description=_("submitted layers"), ordering="n_submitted")
    def submitted(self, obj: ReviewDocument) -> str:
        return f"{obj.n_submitted} / {obj.project.annotators_per_document}"

    @admin.display(description=_("curation page"))
    def curation_page(self, obj: ReviewDocument) -> str:
        url = reverse("review:review", args=[obj.project.slug, obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Review"))

    def _run(self, request: HttpRequest, queryset: QuerySet, call, done: str) -> None:
        count = 0
        for document in queryset.select_related("project"):
            try:
                call(document)
                count += 1
            except AnnotationError as error:
                self.message_user(request, f"{document}: {error.message}", messages.ERROR)
        if count:
            self.message_user(request, done % {"n": count}, messages.SUCCESS)

    @admin.action(description=_("Approve (gold and its layers become reviewed)"))
    def approve(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._run(
            request,
            queryset,
            lambda d: services.approve_document(document=d, by=request.user),
            ngettext("%(n)d document approved.", "%(n)d documents approved.", queryset.count()),
        )

    @admin.action(description=_("Reopen for review"))
    def reopen(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._run(
            request,
            queryset,
            lambda d: services.reopen_document(document=d, by=request.user),
            ngettext("%(n)d document reopened.", "%(n)d documents reopened.", queryset.count()),
        )


@admin.register(Decision)
class DecisionAdmin(ProjectScopedAdmin):
    """What reviewers decided, with the origin of each gold annotation (read-only)."""

    project_path = "document__project"
    list_display = ("created_at", "document", "kind", "candidate", "by", "is_undone")
    list_filter = ("kind", "is_undone")
    list_select_related = ("document", "by")
    search_fields = ("candidate", "group", "document__title")
    readonly_fields = (
        "document",
        "kind",
        "group",
        "candidate",
        "origin",
        "span",
        "change",
        "by",
        "is_undone",
        "created_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
