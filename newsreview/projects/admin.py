"""Admin for label schemas, projects and memberships. Writes that the domain records or
checks (memberships, default schema) go through `projects.services`."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .admin_scoping import ProjectScopedAdmin, ScopedChoicesMixin, SuperuserWritesMixin
from .models import AttributeType, EntityType, EventType, LabelSchema, Membership, Project, RoleType


class ServiceErrorMixin:
    """Turns a domain error raised while saving (a race the form's own check could not
    see) into a message on the form page instead of a 500. The admin's transaction
    around the save has already rolled back when it reaches here."""

    service_errors: tuple[type[Exception], ...] = (services.ProjectError,)

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().changeform_view(request, *args, **kwargs)
        except self.service_errors as error:
            self.message_user(request, getattr(error, "message", str(error)), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


def colour_swatch(colour: str) -> str:
    # format_html escapes the value; the colour validator allows only #RRGGBB anyway.
    return format_html(
        '<span class="nr-swatch" style="--label-color: {}"></span> {}', colour, colour
    )


ADMIN_MEDIA_CSS = {"all": ["css/admin.css"]}


# --- label schemas ------------------------------------------------------------------------
# A schema is shared by every project that uses it: only superusers edit one. Other staff
# may view the schemas of the projects they manage (and pick one for such a project).


class EntityTypeInline(SuperuserWritesMixin, ScopedChoicesMixin, admin.TabularInline):
    model = EntityType
    extra = 0
    fields = ("key", "name_en", "name_ar", "shortcut", "colour", "order")
    show_change_link = True


class EventTypeInline(SuperuserWritesMixin, ScopedChoicesMixin, admin.TabularInline):
    model = EventType
    extra = 0
    fields = ("key", "name_en", "name_ar", "shortcut", "colour", "order")
    show_change_link = True


class AttributeTypeInline(SuperuserWritesMixin, ScopedChoicesMixin, admin.TabularInline):
    """Event attributes (issue 12): realis and its values, or a free-text note."""

    model = AttributeType
    extra = 0
    fields = ("key", "name_en", "name_ar", "values", "order")


def _report_schema_problems(admin_: admin.ModelAdmin, request: HttpRequest, schema: LabelSchema):
    problems = services.validate_schema(schema)
    if not problems:
        admin_.message_user(
            request, _("%(schema)s: no problems found.") % {"schema": schema}, messages.SUCCESS
        )
    for problem in problems:
        admin_.message_user(request, f"{schema}: {problem}", messages.WARNING)


@admin.register(LabelSchema)
class LabelSchemaAdmin(SuperuserWritesMixin, ProjectScopedAdmin):
    project_path = "projects"
    list_display = ("name", "version", "entity_count", "event_count", "project_count")
    search_fields = ("name", "description")
    inlines = [EntityTypeInline, EventTypeInline, AttributeTypeInline]
    actions = ["check_schema"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_entities=Count("entity_types", distinct=True),
                n_events=Count("event_types", distinct=True),
                n_projects=Count("projects", distinct=True),
            )
        )

    @admin.display(description=_("entity types"), ordering="n_entities")
    def entity_count(self, obj: LabelSchema) -> int:
        return obj.n_entities

    @admin.display(description=_("event types"), ordering="n_events")
    def event_count(self, obj: LabelSchema) -> int:
        return obj.n_events

    @admin.display(description=_("projects"), ordering="n_projects")
    def project_count(self, obj: LabelSchema) -> int:
        return obj.n_projects

    @admin.action(description=_("Check shortcuts and keys of the selected schemas"))
    def check_schema(self, request: HttpRequest, queryset: QuerySet) -> None:
        for schema in queryset:
            _report_schema_problems(self, request, schema)


class LabelAdmin(SuperuserWritesMixin, ProjectScopedAdmin):
    project_path = "schema__projects"
    list_display = ("key", "name_en", "name_ar", "shortcut", "swatch", "order", "schema")
    list_filter = ("schema",)
    search_fields = ("key", "name_en", "name_ar", "schema__name")
    list_select_related = ("schema",)
    autocomplete_fields = ("schema",)
    ordering = ("schema", "order", "key")

    class Media:
        css = ADMIN_MEDIA_CSS

    @admin.display(description=_("colour"), ordering="colour")
    def swatch(self, obj: EntityType | EventType) -> str:
        return colour_swatch(obj.colour)


@admin.register(EntityType)
class EntityTypeAdmin(LabelAdmin):
    pass


class RoleTypeInline(SuperuserWritesMixin, ScopedChoicesMixin, admin.StackedInline):
    model = RoleType
    extra = 0
    fields = ("key", "name_en", "name_ar", "allowed_entity_types", "is_required", "is_multiple")
    filter_horizontal = ("allowed_entity_types",)

    def get_formset(self, request: HttpRequest, obj: EventType | None = None, **kwargs: Any):
        # Remember the event type so the entity type choices stay inside its schema.
        self.parent_event_type = obj
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "allowed_entity_types":
            parent = getattr(self, "parent_event_type", None)
            queryset = EntityType.objects.select_related("schema")
            kwargs["queryset"] = (
                queryset.filter(schema_id=parent.schema_id) if parent else queryset.none()
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(EventType)
class EventTypeAdmin(LabelAdmin):
    inlines = [RoleTypeInline]


@admin.register(RoleType)
class RoleTypeAdmin(SuperuserWritesMixin, ProjectScopedAdmin):
    project_path = "event_type__schema__projects"
    list_display = (
        "key",
        "event_type",
        "name_en",
        "name_ar",
        "allowed",
        "is_required",
        "is_multiple",
    )
    list_filter = ("is_required", "is_multiple", "event_type__schema")
    search_fields = ("key", "name_en", "name_ar", "event_type__key")
    list_select_related = ("event_type",)
    autocomplete_fields = ("event_type",)
    filter_horizontal = ("allowed_entity_types",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).prefetch_related("allowed_entity_types")

    @admin.display(description=_("allowed entity types"))
    def allowed(self, obj: RoleType) -> str:
        return ", ".join(t.key for t in obj.allowed_entity_types.all()) or _("any")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "allowed_entity_types":
            kwargs["queryset"] = EntityType.objects.select_related("schema")
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "allowed_entity_types":
            field.label_from_instance = lambda t: f"{t.key} ({t.schema.name})"
        return field


# --- projects and members ---------------------------------------------------------------


class MembershipInlineFormSet(BaseInlineFormSet):
    """Memberships change only through add_member/remove_member; refuse here what they
    would refuse, so the manager sees it next to the row."""

    def clean(self) -> None:
        super().clean()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not form.cleaned_data:
                continue
            user = form.cleaned_data.get("user")
            if user is None:
                continue
            if form.cleaned_data.get("DELETE"):
                if user == self.request_user and not self.request_user.is_superuser:
                    raise ValidationError(_("You cannot remove yourself from the project."))
            elif form.has_changed() and not user.is_active:
                raise ValidationError(
                    _("%(user)s is deactivated and cannot join a project.") % {"user": user}
                )


class MembershipInline(ScopedChoicesMixin, admin.TabularInline):
    model = Membership
    formset = MembershipInlineFormSet
    # Adding someone who is in none of the manager's projects yet is the point of this
    # form; add_member checks the project and refuses deactivated accounts.
    open_choice_fields = ("user",)
    extra = 0
    fields = ("user", "role", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("user",)

    def get_formset(self, request: HttpRequest, obj: Project | None = None, **kwargs: Any):
        formset = super().get_formset(request, obj, **kwargs)
        formset.request_user = request.user
        return formset

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("user")


@admin.register(Project)
class ProjectAdmin(ServiceErrorMixin, ProjectScopedAdmin):
    project_path = ""
    list_display = (
        "name",
        "slug",
        "schema",
        "language",
        "member_count",
        "document_count",
        "assignment_mode",
        "created_at",
    )
    list_filter = ("language", "schema", "snap_to_words", "assignment_mode")
    search_fields = ("name", "slug", "description")
    list_select_related = ("schema",)
    autocomplete_fields = ("schema",)
    prepopulated_fields = {"slug": ("name",)}
    inlines = [MembershipInline]
    actions = ["use_default_schema", "check_schema"]
    date_hierarchy = "created_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_members=Count("memberships", distinct=True),
                n_documents=Count("documents", distinct=True),
            )
        )

    @admin.display(description=_("members"), ordering="n_members")
    def member_count(self, obj: Project) -> int:
        return obj.n_members

    @admin.display(description=_("documents"), ordering="n_documents")
    def document_count(self, obj: Project) -> int:
        return obj.n_documents

    def get_readonly_fields(self, request: HttpRequest, obj: Project | None = None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and _has_annotations(obj):
            # Spans point at this schema's labels: switching schemas would orphan them.
            readonly.append("schema")
        return readonly

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        project = form.instance
        users = {
            u.pk: u
            for u in get_user_model().objects.filter(
                pk__in=[row.initial["user"] for row in formset.forms if row.initial.get("user")]
            )
        }
        for row in formset.deleted_forms:
            # The row's saved user, not whatever the user field was edited to.
            if row.instance.pk and row.initial.get("user") in users:
                services.remove_member(
                    project=project, user=users[row.initial["user"]], by=request.user
                )
        for row in formset.forms:
            if row in formset.deleted_forms or not row.has_changed():
                continue
            data = row.cleaned_data
            if not data or data.get("user") is None:
                continue
            old_user = users.get(row.initial.get("user"))
            if row.instance.pk and old_user is not None and old_user.pk != data["user"].pk:
                # The row now names someone else: that is a removal plus an addition.
                services.remove_member(project=project, user=old_user, by=request.user)
            services.add_member(
                project=project, user=data["user"], role=data["role"], by=request.user
            )
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    @admin.action(
        description=_("Use the default Arabic-news schema (projects without annotations)")
    )
    def use_default_schema(self, request: HttpRequest, queryset: QuerySet) -> None:
        schema = services.install_default_schema()
        switched = 0
        for project in queryset.select_related("schema"):
            if project.schema_id == schema.pk:
                continue
            if _has_annotations(project):
                self.message_user(
                    request,
                    _("%(project)s already has annotations; its schema was kept.")
                    % {"project": project},
                    messages.WARNING,
                )
                continue
            project.schema = schema
            project.save(update_fields=["schema"])
            switched += 1
        self.message_user(
            request,
            ngettext(
                "Default schema installed; %(n)d project now uses it.",
                "Default schema installed; %(n)d projects now use it.",
                switched,
            )
            % {"n": switched},
            messages.SUCCESS,
        )

    @admin.action(description=_("Check the label schema of the selected projects"))
    def check_schema(self, request: HttpRequest, queryset: QuerySet) -> None:
        seen = set()
        for project in queryset.select_related("schema"):
            if project.schema_id not in seen:
                seen.add(project.schema_id)
                _report_schema_problems(self, request, project.schema)


def _has_annotations(project: Project) -> bool:
    return project.documents.filter(layers__spans__isnull=False).exists()


class MembershipForm(ModelForm):
    class Meta:
        model = Membership
        fields = ("project", "user", "role")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        user = data.get("user")
        if user is not None and not user.is_active:
            raise ValidationError(_("This account is deactivated."))
        return data


@admin.register(Membership)
class MembershipAdmin(ServiceErrorMixin, ProjectScopedAdmin):
    form = MembershipForm
    open_choice_fields = MembershipInline.open_choice_fields
    list_display = ("user", "project", "role", "created_at")
    list_filter = ("role", "project")
    search_fields = ("user__username", "user__first_name", "user__last_name", "project__name")
    list_select_related = ("user", "project")
    autocomplete_fields = ("project", "user")

    def get_readonly_fields(self, request: HttpRequest, obj: Membership | None = None):
        # A membership is one person in one project; to move someone, add a new one.
        return ("project", "user", "created_at") if obj else ("created_at",)

    def save_model(self, request: HttpRequest, obj: Membership, form, change: bool) -> None:
        saved = services.add_member(
            project=obj.project, user=obj.user, role=obj.role, by=request.user
        )
        obj.pk, obj.created_at = saved.pk, saved.created_at
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        services.remove_member(project=obj.project, user=obj.user, by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for membership in queryset.select_related("project", "user"):
            self.delete_model(request, membership)


# Assignments have their own module (one job per file); importing it registers them.
from . import admin_assignments  # noqa: E402, F401
