"""Request typing and the small htmx helpers every view uses."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """Lets type checkers see `request.htmx` (set by django-htmx's middleware)."""

    htmx: HtmxDetails


def navigate(request: HtmxHttpRequest, url: str) -> HttpResponse:
    """Send the browser to `url`: a client redirect for htmx, a 302 otherwise."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)
