"""Admin for assignments (issue 11): the list of who holds which document, and the
document list's "Assign to annotators…" / "Unassign…" actions. Every write goes through
`projects.assignments`, like the document list's tools and the `assign` command."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .admin_scoping import ProjectScopedAdmin
from .assignments import assign_documents, unassign_documents
from .models import Assignment, Project
from .services import ProjectError


@admin.register(Assignment)
class AssignmentAdmin(ProjectScopedAdmin):
    project_path = "document__project"
    list_display = ("document", "annotator", "assigned_by", "created_at")
    list_filter = ("document__project", "annotator")
    search_fields = ("document__title", "annotator__username")
    list_select_related = ("document", "annotator", "assigned_by")
    raw_id_fields = ("document",)
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request: HttpRequest, obj: Assignment | None = None):
        # An assignment is one document for one person: to change it, remove and add.
        return ("document", "annotator", "assigned_by", "created_at") if obj else ("assigned_by",)

    def save_model(self, request: HttpRequest, obj: Assignment, form, change: bool) -> None:
        if change:
            return
        project = obj.document.project
        assign_documents(
            project=project,
            documents=[obj.document_id],
            annotators=[obj.annotator],
            by=request.user,
        )
        saved = Assignment.objects.get(document=obj.document, annotator=obj.annotator)
        obj.pk, obj.created_at, obj.assigned_by = saved.pk, saved.created_at, saved.assigned_by
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: Assignment) -> None:
        unassign_documents(
            project=obj.document.project,
            documents=[obj.document_id],
            annotators=[obj.annotator],
            by=request.user,
        )

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for assignment in queryset.select_related("document__project", "annotator"):
            self.delete_model(request, assignment)


class AnnotatorsForm(forms.Form):
    annotators = forms.ModelMultipleChoiceField(
        queryset=get_user_model().objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Annotators"),
    )

    def __init__(self, *args: Any, projects: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["annotators"].queryset = (
            get_user_model()
            .objects.filter(memberships__project__in=projects, is_active=True)
            .distinct()
            .order_by("username")
        )


def annotators_action(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet, *, unassign: bool
) -> HttpResponse | None:
    """The intermediate page (choose annotators), then the service, once per project."""
    projects = Project.objects.filter(pk__in=queryset.values("project_id"))
    form = AnnotatorsForm(request.POST if "apply" in request.POST else None, projects=projects)
    if "apply" in request.POST and form.is_valid():
        users = list(form.cleaned_data["annotators"])
        total = 0
        for project in projects:
            documents = [d.pk for d in queryset if d.project_id == project.pk]
            members = [u for u in users if u.memberships.filter(project=project).exists()]
            if not members:
                continue
            service = unassign_documents if unassign else assign_documents
            try:
                total += service(
                    project=project, documents=documents, annotators=members, by=request.user
                )
            except ProjectError as error:
                modeladmin.message_user(request, error.message, messages.ERROR)
                return None
        message = (
            ngettext("%(n)d assignment removed.", "%(n)d assignments removed.", total)
            if unassign
            else ngettext("%(n)d assignment added.", "%(n)d assignments added.", total)
        )
        modeladmin.message_user(request, message % {"n": total}, messages.SUCCESS)
        return None
    return TemplateResponse(
        request,
        "admin/projects/assign_documents.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": _("Unassign documents") if unassign else _("Assign documents"),
            "form": form,
            "documents": queryset,
            "action": request.POST.get("action", ""),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "opts": modeladmin.model._meta,
            "unassign": unassign,
        },
    )
