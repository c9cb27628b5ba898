"""Every URL pattern of the app, read from the URLconf, so new URLs are covered by the
security tests automatically."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

# Third-party URL trees tested by their own projects; everything else must be in our tables.
SKIPPED_PREFIXES = ("admin/", "i18n/", "static/", "__debug__/")


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"
    route: str  # "projects/<slug:slug>/members/"
    params: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.name} ({self.route})"


def _walk(patterns, prefix: str = "", namespace: str = ""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, route, ns)
        elif isinstance(pattern, URLPattern):
            yield route, namespace, pattern


def app_routes() -> list[Route]:
    routes = []
    for route, namespace, pattern in _walk(get_resolver().url_patterns):
        if route.startswith(SKIPPED_PREFIXES):
            continue
        if not pattern.name:
            raise AssertionError(f"URL {route!r} has no name: give it one (app:noun-verb)")
        name = f"{namespace}:{pattern.name}" if namespace else pattern.name
        params = tuple(re.findall(r"<(?:\w+:)?(\w+)>", route))
        routes.append(Route(name=name, route=route, params=params))
    return routes
