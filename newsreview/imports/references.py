"""Checking an import's references to rows it did not create once per row referred to
(PostgreSQL), instead of once per referring row; see check_once."""

from __future__ import annotations

from django.db import DatabaseError, IntegrityError, connection, transaction

from newsreview.accounts.models import User
from newsreview.projects.models import EntityType, EventType, Project, RoleType

from .validation import PlannedDocument

# The models whose rows an import refers to without creating them. A test holds this to
# the foreign keys of the tables the import writes: a new one must be checked here too.
REFERRED = (Project, EntityType, EventType, RoleType, User)


def check_once(
    *, project: Project, planned: list[PlannedDocument], user_ids: list[int | None]
) -> str | None:
    """Check the import's references to rows it did not create once per row referred to,
    instead of once per referring row. Returns the session_replication_role to set back,
    or None when the database role may not do this (then PostgreSQL checks every row at
    COMMIT, as for any write).

    Half of PostgreSQL's work in an import of 10,000 documents was its foreign-key
    triggers (bench/bench_import.py): about a million checks, each looking up and
    key-share locking a row such as the project, a label or a user. Here
    `session_replication_role = replica` skips the triggers for this transaction (the
    role needs to be a superuser, or on PostgreSQL 15 and later to be granted it:
    `GRANT SET ON PARAMETER session_replication_role TO …`), and the rows the import
    refers to are looked up and key-share locked once, here: what the triggers would
    have done, so a concurrent delete of a label or a user still waits for this import
    and then finds it referred to. Every other reference is to a row this transaction
    creates (documents, layers, spans, events), with ids this module hands out; nobody
    else sees those rows before COMMIT. The only trigger besides the foreign keys, the
    documents' search trigger, leaves a pending document (which the writer makes) as it
    is. `restore` sets the role back once the rows are in."""
    entity_ids, event_ids, role_ids = set(), set(), set()
    for planned_document in planned:
        for layer in planned_document.layers:
            for _key, _start, _end, entity_id, event_id in layer.spans:
                if entity_id is not None:
                    entity_ids.add(entity_id)
                if event_id is not None:
                    event_ids.add(event_id)
            role_ids.update(role_id for _t, _e, role_id in layer.arguments)
    referred = [
        (Project, [project.pk]),
        (EntityType, sorted(entity_ids)),
        (EventType, sorted(event_ids)),
        (RoleType, sorted(role_ids)),
        (User, sorted({pk for pk in user_ids if pk is not None})),
    ]
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('session_replication_role')")
            before = cursor.fetchone()[0]
            cursor.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:  # not permitted: the per-row checks stay on
        return None
    with connection.cursor() as cursor:
        for model, ids in referred:
            if not ids:
                continue
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM {table} "  # noqa: S608
                "WHERE id = ANY(%s) FOR KEY SHARE) AS locked",
                [ids],
            )
            if cursor.fetchone()[0] != len(ids):
                # Deleted since the batch was checked: refused as the trigger would.
                raise IntegrityError(
                    f"{model._meta.verbose_name}: a row this import refers to no longer exists"
                )
    return before


def restore(role: str) -> None:
    """Set session_replication_role back to what check_once found (this transaction)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('session_replication_role', %s, true)", [role])
