from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.shortcuts import render

from .forms import LoginForm


class LoginView(auth_views.LoginView):
    """Django's login, plus a page of its own for a deactivated account."""

    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form: LoginForm) -> HttpResponse:
        if form.has_error("__all__", code="inactive"):
            return render(self.request, "accounts/deactivated.html", status=403)
        return super().form_invalid(form)
