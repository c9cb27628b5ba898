"""Admin filters for events (issue 12): by realis and by completeness. Their own module:
admin.py is long enough."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from newsreview.projects.models import AttributeType

from .events import incomplete_events_q

NOT_SET = "-"


class RealisFilter(admin.SimpleListFilter):
    """Events by their realis (actual, planned, …), or those without one."""

    title = _("realis")
    parameter_name = "realis"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        values: list[str] = []
        for defined in AttributeType.objects.filter(key="realis").values_list("values", flat=True):
            values += [v for v in defined if v not in values]
        return [(v, v) for v in values] + [(NOT_SET, _("not set"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if not value:
            return queryset
        if value == NOT_SET:
            return queryset.exclude(attributes__has_key="realis")
        return queryset.filter(attributes__realis=value)


class CompletenessFilter(admin.SimpleListFilter):
    """Events with every required role filled and no argument of a role their type lacks."""

    title = _("completeness")
    parameter_name = "complete"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", _("complete")), ("no", _("incomplete"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.exclude(incomplete_events_q())
        if self.value() == "no":
            return queryset.filter(incomplete_events_q())
        return queryset
