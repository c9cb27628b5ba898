"""Admin for the project gazetteer: entries (edit, deactivate), a CSV upload and a rebuild
from the reviewed gold layers. Writes that are more than one row go through gazetteer.py."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from newsreview.projects.admin_scoping import ProjectScopedAdmin
from newsreview.projects.models import Project

from . import gazetteer
from .models import GazetteerEntry

MAX_CSV_BYTES = 20 * 1024 * 1024


class GazetteerUploadForm(forms.Form):
    project = forms.ModelChoiceField(queryset=Project.objects.none(), label=_("Project"))
    file = forms.FileField(
        label=_("CSV file"), help_text=_("UTF-8, a header line “text,label”, one name a line.")
    )

    def __init__(self, *args, projects: QuerySet[Project], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects


@admin.register(GazetteerEntry)
class GazetteerEntryAdmin(ProjectScopedAdmin):
    list_display = ("text", "entity_type", "source", "count", "is_active", "project")
    list_filter = ("source", "is_active", "project", "entity_type")
    list_editable = ("is_active",)
    search_fields = ("text", "normalised")
    list_select_related = ("entity_type", "project")
    readonly_fields = ("normalised", "count", "updated_at")
    fields = ("project", "text", "normalised", "entity_type", "source", "count", "is_active")
    actions = ["rebuild_from_gold"]
    change_list_template = "admin/arabic/gazetteerentry/change_list.html"

    # A bulk delete bypasses GazetteerEntry.delete: tell the other processes here.
    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[GazetteerEntry]) -> None:
        projects = set(queryset.values_list("project_id", flat=True))
        super().delete_queryset(request, queryset)
        for project_id in projects:
            gazetteer.entries_changed(project_id)

    def get_urls(self):
        return [
            path(
                "upload/",
                self.admin_site.admin_view(self.upload_view),
                name="arabic_gazetteerentry_upload",
            ),
            *super().get_urls(),
        ]

    def _managed_projects(self, request: HttpRequest) -> QuerySet[Project]:
        return (
            Project.objects.all()
            if request.user.is_superuser
            else Project.objects.managed_by(request.user)
        )

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        """Add entries from a CSV file; a bad file is refused whole, with every problem."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        projects = self._managed_projects(request)
        form = GazetteerUploadForm(request.POST or None, request.FILES or None, projects=projects)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > MAX_CSV_BYTES:
                form.add_error("file", _("The file is larger than 20 MB."))
            else:
                try:
                    added = gazetteer.import_csv(
                        project=form.cleaned_data["project"], data=upload.read()
                    )
                except gazetteer.GazetteerError as error:
                    for problem in error.problems[:50]:
                        form.add_error("file", problem)
                else:
                    self.message_user(
                        request,
                        ngettext("Added %(n)s entry.", "Added %(n)s entries.", added)
                        % {"n": added},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(reverse("admin:arabic_gazetteerentry_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": _("Upload gazetteer entries"),
        }
        return TemplateResponse(request, "admin/arabic/gazetteerentry/upload.html", context)

    @admin.action(description=_("Rebuild the gold entries of these projects"))
    def rebuild_from_gold(self, request: HttpRequest, queryset: QuerySet) -> None:
        projects = self._managed_projects(request).filter(pk__in=queryset.values("project_id"))
        for project in projects:
            count = gazetteer.rebuild_from_gold(project)
            self.message_user(
                request,
                _("%(project)s: %(n)s gold entries.") % {"project": project, "n": count},
                messages.SUCCESS,
            )
