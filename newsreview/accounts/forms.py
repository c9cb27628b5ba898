"""Login form that tells a deactivated user why they cannot log in."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class DeactivatedAccount(forms.ValidationError):
    """Raised for the right password on a deactivated account (the view shows a page)."""


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "inactive": _("This account is deactivated. Contact your project manager."),
    }

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except forms.ValidationError:
            # Django's ModelBackend refuses inactive users exactly like a wrong password.
            # Only with the *right* password do we say the account is deactivated, so a
            # stranger learns nothing about which usernames exist. A locked-out request
            # (django-axes) never gets here with a verdict: the lockout page wins.
            if not getattr(self.request, "axes_locked_out", False) and self._is_deactivated():
                raise DeactivatedAccount(self.error_messages["inactive"], code="inactive") from None
            raise

    def _is_deactivated(self) -> bool:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not username or not password:
            return False
        user_model = get_user_model()
        user = user_model._default_manager.filter(
            **{user_model.USERNAME_FIELD: username}, is_active=False
        ).first()
        if user is None:
            # Spend the same hashing time as for a real inactive account, so timing does not
            # tell which usernames exist (Django's ModelBackend does the same).
            user_model().set_password(password)
            return False
        return user.check_password(password)
