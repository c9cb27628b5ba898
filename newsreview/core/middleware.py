"""Security headers on every response: pages, htmx fragments, error pages, static files.

Django's SecurityMiddleware and XFrameOptionsMiddleware set most of these from settings;
this middleware sits above WhiteNoise and the rest, so it also covers responses that
never reach those (static files) and adds what Django 5.2 lacks (CSP).
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

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
