from django.contrib import admin

from .models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "status", "user", "project", "created_at", "finished_at"]
    list_filter = ["kind", "status"]
    search_fields = ["title", "user__username", "project__slug"]
    list_select_related = ["user", "project"]
    readonly_fields = [f.name for f in Job._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_module_permission(self, request):  # type: ignore[no-untyped-def]
        return bool(request.user.is_superuser)
