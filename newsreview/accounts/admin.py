"""Admin for users: Django's own UserAdmin (password hashing, permissions) on our User."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest

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

    # Only a superuser adds, edits or deletes accounts (password page included): a staff
    # manager holding the user permissions could otherwise reset anyone's password or
    # grant privileges and take the account over. Other staff may at most view the list
    # (the membership forms pick people from it).
    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return request.user.is_superuser and super().has_delete_permission(request, obj)
