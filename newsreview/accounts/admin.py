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
