"""Project scoping for the admin: the rows a staff member sees, the choices every form
offers and the values every filter sidebar lists all come from the projects they manage
(superusers: everything). One place, so a new admin or a new foreign key is scoped by
inheriting, not by remembering."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin import widgets
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.admin.utils import get_fields_from_path, lookup_spawns_duplicates
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import Project

#: How a user belongs to a project, for the choices of a user field (a layer's owner).
USER_PROJECT_PATH = "memberships__project"


def scope_to_managed_projects(queryset: QuerySet, user: Any, project_path: str) -> QuerySet:
    """The rows of `queryset` that belong, through `project_path` ("" for Project itself),
    to a project `user` manages; everything for a superuser."""
    if user.is_superuser:
        return queryset
    managed = Project.objects.managed_by(user).values("pk")
    if not project_path:
        return queryset.filter(pk__in=managed)
    lookup = {f"{project_path}__in": managed}
    if lookup_spawns_duplicates(queryset.model._meta, project_path):
        # A schema shared by two managed projects would come back twice, and a join here
        # would also skew the admin's Count() annotations: a subquery keeps rows whole.
        matching = queryset.model._default_manager.filter(**lookup).values("pk")
        return queryset.filter(pk__in=matching)
    return queryset.filter(**lookup)


def choice_project_path(admin_site: admin.AdminSite, model: type[models.Model]) -> str | None:
    """How rows of `model` reach their project, taken from the model's own scoped admin so
    a form offers exactly what that admin's list shows; None when nothing says so."""
    if model is get_user_model():
        return USER_PROJECT_PATH
    try:
        related_admin = admin_site.get_model_admin(model)
    except NotRegistered:
        return None
    if isinstance(related_admin, ProjectScopedAdmin):
        return related_admin.project_path
    return None


class ScopedRawIdWidget(widgets.ForeignKeyRawIdWidget):
    """A raw id input that names the chosen object only if it is one of the choices: the
    stock widget prints any row's text next to an id typed in, even a refused one."""

    def __init__(self, *args: Any, queryset: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queryset = queryset

    def label_and_url_for_value(self, value: Any) -> tuple[str, str]:
        key = self.rel.get_related_field().name
        try:
            allowed = self.queryset.filter(**{key: value}).exists()
        except (ValueError, TypeError, ValidationError):
            allowed = False  # a malformed id names nothing either
        return super().label_and_url_for_value(value) if allowed else ("", "")


class ScopedAllValuesFieldListFilter(admin.AllValuesFieldListFilter):
    """Lists the values found in the rows this admin shows the user. The stock filter reads
    the whole related table when the field is across a relation (`role__key`)."""

    def __init__(
        self,
        field: models.Field,
        request: HttpRequest,
        params: dict[str, Any],
        model: type[models.Model],
        model_admin: admin.ModelAdmin,
        field_path: str,
    ) -> None:
        super().__init__(field, request, params, model, model_admin, field_path)
        self.lookup_choices = (
            model_admin.get_queryset(request)
            .distinct()
            .order_by(field_path)
            .values_list(field_path, flat=True)
        )


class ScopedChoicesMixin:
    """Limits every foreign-key and many-to-many choice of the admin's forms (and, for a
    ModelAdmin, its filter sidebar) to the projects the request user manages, so an id
    from another project fails form validation ("Select a valid choice") before any
    service runs. Works on ModelAdmin and inlines alike."""

    #: Fields whose choices stay open: only where the field's purpose needs rows outside
    #: the managed projects, with the reason next to the setting.
    open_choice_fields: tuple[str, ...] = ()

    def scoped_choices(
        self, request: HttpRequest, db_field: models.Field, queryset: QuerySet
    ) -> QuerySet:
        if request.user.is_superuser or db_field.name in self.open_choice_fields:
            return queryset
        path = choice_project_path(self.admin_site, db_field.related_model)
        if path is None:
            # Fail closed: a relation nobody scoped offers nothing rather than everything.
            return queryset.none()
        return scope_to_managed_projects(queryset, request.user, path)

    def _choices_queryset(
        self, db_field: models.Field, request: HttpRequest, kwargs: dict[str, Any]
    ) -> QuerySet:
        if "queryset" in kwargs:
            return kwargs["queryset"]
        db = kwargs.get("using")
        ordered = self.get_field_queryset(db, db_field, request)
        return ordered if ordered is not None else db_field.related_model._default_manager.using(db)

    def formfield_for_foreignkey(
        self, db_field: models.ForeignKey, request: HttpRequest, **kwargs: Any
    ) -> Any:
        queryset = self.scoped_choices(
            request, db_field, self._choices_queryset(db_field, request, kwargs)
        )
        kwargs["queryset"] = queryset
        if "widget" not in kwargs and db_field.name in self.raw_id_fields:
            kwargs["widget"] = ScopedRawIdWidget(
                db_field.remote_field, self.admin_site, queryset=queryset, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(
        self, db_field: models.ManyToManyField, request: HttpRequest, **kwargs: Any
    ) -> Any:
        kwargs["queryset"] = self.scoped_choices(
            request, db_field, self._choices_queryset(db_field, request, kwargs)
        )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_list_filter(self, request: HttpRequest) -> Any:
        list_filter = super().get_list_filter(request)
        if request.user.is_superuser:
            return list_filter
        # The stock relation filter lists every row of the related table (every
        # project's name); these list only what occurs in the user's own rows.
        return [self._scoped_filter(entry) for entry in list_filter]

    def _scoped_filter(self, entry: Any) -> Any:
        if not isinstance(entry, str):
            return entry  # already names its filter class
        field = get_fields_from_path(self.model, entry)[-1]
        if field.is_relation:
            return (entry, admin.RelatedOnlyFieldListFilter)
        if field.flatchoices or isinstance(field, models.BooleanField | models.DateField):
            return entry  # fixed choices or date ranges: nothing read from other rows
        return (entry, ScopedAllValuesFieldListFilter)


class ProjectScopedAdmin(ScopedChoicesMixin, admin.ModelAdmin):
    """Superusers see everything; other staff only what belongs to projects they manage
    (HELPERS.md: every query starts from a scoped queryset)."""

    #: The lookup from this model to its Project ("" for Project itself).
    project_path = "project"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return scope_to_managed_projects(
            super().get_queryset(request), request.user, self.project_path
        )


class SuperuserWritesMixin:
    """Only superusers add, change or delete; other staff may at most view. For rows shared
    across projects (label schemas), where one project's manager would change another
    project's work."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return request.user.is_superuser and super().has_add_permission(request, *args)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser and super().has_delete_permission(request, obj)
