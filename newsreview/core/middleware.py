"""Security headers on every response: pages, htmx fragments, error pages, static files.

Django's SecurityMiddleware and XFrameOptionsMiddleware set most of these from settings;
this middleware sits above WhiteNoise and the rest, so it also covers responses that
never reach those (static files) and adds what Django 5.2 lacks (CSP).
"""

import re
import sys
from collections.abc import Callable

import brotli
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.middleware.gzip import GZipMiddleware
from django.utils.cache import patch_vary_headers
from django.utils.html import format_html
from django.utils.translation import gettext

# No inline script anywhere: our JS and htmx are static files. Inline *styles* are
# allowed because a label's colour arrives as style="--label-color: …" (STYLE.md §6).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        length = request.META.get("CONTENT_LENGTH") or "0"
        if not length.isdigit():
            # Django's body parser would crash on it (a 500); it is the client's error.
            response: HttpResponse = HttpResponseBadRequest("Malformed Content-Length header.")
        else:
            response = self.get_response(request)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response


# While the database is unreachable every request gets this, short and without a trace:
# plain text for htmx (the workspace shows it in #problems), a small page otherwise.
DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = "5"


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """The 503 answer while the database cannot be reached (no database access here)."""
    message = gettext(
        "The database is not reachable at the moment. Nothing was lost; please try again "
        "in a few seconds."
    )
    if request.headers.get("HX-Request") == "true":
        response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
    else:
        title = gettext("Service unavailable")
        page = (
            '<!doctype html><html><head><meta charset="utf-8"><title>{title}</title></head>'
            "<body><h1>{title}</h1><p>{message}</p></body></html>"
        )
        response = HttpResponse(
            format_html(page, title=title, message=message),
            status=503,
            content_type="text/html; charset=utf-8",
        )
    response["Retry-After"] = RETRY_AFTER_SECONDS
    response["Cache-Control"] = "no-store"
    return response


def _flag_database_error(sender: object, request: HttpRequest | None = None, **_: object) -> None:
    # Django turns an exception into a 500 in whichever layer raised it (a view, the
    # session middleware saving a session…) and sends this signal while handling it:
    # remember that it was the database, so the middleware above answers 503 instead.
    if request is not None and isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        request.newsreview_database_down = True  # type: ignore[attr-defined]


got_request_exception.connect(_flag_database_error, dispatch_uid="newsreview-database-down")


class DatabaseUnavailableMiddleware:
    """Answer 503 (never a stack trace) for any request that failed because the database
    is unreachable. Nothing to reset afterwards: Django drops a connection that raised
    (CONN_HEALTH_CHECKS), so the first request after the database returns reconnects."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            response = self.get_response(request)
        except DATABASE_ERRORS:
            return database_unavailable(request)
        if getattr(request, "newsreview_database_down", False):
            return database_unavailable(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # A view's database error: answered here, without logging a 500 for it.
        if isinstance(exception, DATABASE_ERRORS):
            return database_unavailable(request)
        return None


# Same-origin fetches and typed-in navigations only: the browser sets Sec-Fetch-Site and a
# page on another site cannot forge it.
COMPRESS_FETCH_SITES = frozenset({"same-origin", "none"})


class HtmlCompressionMiddleware(GZipMiddleware):
    """brotli (or gzip) for pages and fragments, guarded against BREACH.

    BREACH guesses a secret in a compressed response (the CSRF token, a document's text)
    from response sizes, by making the victim's browser send many requests that reflect
    the attacker's guesses. Such requests come from another site, so only responses to
    same-origin requests (Sec-Fetch-Site: same-origin or none) are compressed, and the
    CSRF token in pages is masked differently every time. Django's gzip also pads each
    response by a random length (Heal The Breach); brotli has no header to pad, so it
    rests on the same-origin gate alone.

    brotli when the browser takes it (every current browser does, over HTTPS and on
    localhost): the 20,000-character workspace page is 40 kB instead of gzip's 57 kB,
    and quality 5 compresses it faster than gzip does (issue 14's page weight). Static
    files are compressed by WhiteNoise at collectstatic time and never reach this."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        patch_vary_headers(response, ("Sec-Fetch-Site",))
        if request.headers.get("Sec-Fetch-Site") not in COMPRESS_FETCH_SITES:
            return response
        if _ACCEPTS_BR.search(request.headers.get("Accept-Encoding", "")) and _brotli(response):
            return response
        return super().process_response(request, response)


_ACCEPTS_BR = re.compile(r"(?:^|,)\s*br\s*(?:,|$)")
BROTLI_QUALITY = 5


def _brotli(response: HttpResponse) -> bool:
    """Compress `response` with brotli in place if it suits (as GZipMiddleware decides for
    gzip: whole bodies of 200 bytes or more not compressed already); whether it did."""
    if response.streaming or len(response.content) < 200:
        return False
    if response.has_header("Content-Encoding"):
        return False
    patch_vary_headers(response, ("Accept-Encoding",))
    compressed = brotli.compress(response.content, quality=BROTLI_QUALITY)
    if len(compressed) >= len(response.content):
        return False
    response.content = compressed
    response["Content-Length"] = str(len(compressed))
    etag = response.get("ETag")
    if etag and etag.startswith('"'):
        response["ETag"] = "W/" + etag  # the bytes changed; the meaning did not
    response["Content-Encoding"] = "br"
    return True
