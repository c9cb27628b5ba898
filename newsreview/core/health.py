"""`/healthz` (the process answers) and `/readyz` (the database answers and every
migration this code knows is applied), for load balancers and orchestrators.

Unauthenticated and cheap, so they say nothing but "ok" or "unavailable": no version, no
host name, no error text. Neither touches the session or the user."""

from __future__ import annotations

import time

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

# Once this process has seen its migrations applied they stay applied (only a rollback
# would undo them); checking again at most this often keeps /readyz to one query.
MIGRATIONS_RECHECK_SECONDS = 60.0
_migrated_at: float | None = None


def _plain(text: str, status: int) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    return _plain("ok\n", 200)


def migrations_applied(alias: str = DEFAULT_DB_ALIAS) -> bool:
    """No migration of the installed apps is waiting to be applied."""
    connection = connections[alias]
    executor = MigrationExecutor(connection)
    targets = executor.loader.graph.leaf_nodes()
    return not executor.migration_plan(targets)


@never_cache
@require_safe
def readyz(request: HttpRequest) -> HttpResponse:
    global _migrated_at
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
        now = time.monotonic()
        if _migrated_at is None or now - _migrated_at > MIGRATIONS_RECHECK_SECONDS:
            if not migrations_applied():
                return _plain("unavailable\n", 503)
            _migrated_at = now
    except DatabaseError:
        return _plain("unavailable\n", 503)
    return _plain("ok\n", 200)
