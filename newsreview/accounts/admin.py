"""Admin for users: Django's own UserAdmin (password hashing, permissions) on our User."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = (
        "username",
        "email",
        "first_name",
        "last_name",
        "is_active",
        "is_staff",
        "is_superuser",
        "last_login",
    )
    list_filter = ("is_active", "is_staff", "is_superuser", "groups")
    # Usernames and names may be Arabic: icontains works on any script.
    search_fields = ("username", "first_name", "last_name", "email")
    ordering = ("username",)

    # Only a superuser may grant or edit privileges: a staff manager who was given the
    # change_user permission must not be able to make themselves (or anyone) superuser.
    PRIVILEGE_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += self.PRIVILEGE_FIELDS
        return fields

    def has_change_permission(self, request, obj=None) -> bool:
        # Nobody but a superuser edits a superuser's account.
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)
