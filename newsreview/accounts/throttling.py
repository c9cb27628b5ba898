"""The client address login throttling (django-axes) locks, behind reverse proxies too."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The address of whoever is logging in. Each of the NEWSREVIEW_PROXY_COUNT proxies in
    front of the app appends the address it received the request from to
    X-Forwarded-For, so the client is the PROXY_COUNT-th entry from the right; anything
    further left was written by the client and proves nothing. Without proxies (or with a
    header shorter than the chain) it is the connection's own address."""
    count = settings.PROXY_COUNT
    remote = request.META.get("REMOTE_ADDR")
    if not count:
        return remote
    chain = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    chain = [a for a in chain if a]
    return chain[-count] if len(chain) >= count else remote
