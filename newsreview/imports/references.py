"""Checking an import's references to rows it did not create once per row referred to
(PostgreSQL), instead of once per referring row.

Half of PostgreSQL's work in an import of 10,000 documents was its foreign-key triggers
(bench/bench_import.py): about a million checks, each looking up and key-share locking a
row such as the project, a label or a user. `OnceChecks.begin` skips those triggers for
the import's transaction (`session_replication_role = replica`: the database role must
be a superuser, or on PostgreSQL 15 and later be granted it with `GRANT SET ON PARAMETER
session_replication_role TO …`; otherwise nothing changes and PostgreSQL checks every row
at COMMIT, as for any write). `OnceChecks.lock` then looks up and key-share locks, once
each, the rows the import refers to: what the triggers would have done, so a concurrent
delete of a label or a user still waits for the import and then finds it referred to,
and a row deleted since validation refuses the import.

Every other reference is to a row the import's transaction creates (documents, layers,
spans, events), with ids the writer hands out; nobody else sees those rows before
COMMIT. The only trigger besides the foreign keys, the documents' search trigger, leaves
a pending document (which the writer makes) as it is.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Model

from newsreview.accounts.models import User
from newsreview.projects.models import EntityType, EventType, Project, RoleType

from .plans import PlannedDocument

# The models whose rows an import refers to without creating them. A test holds this to
# the foreign keys of the tables the import writes: a new one must be checked here too.
REFERRED = (Project, EntityType, EventType, RoleType, User)


class OnceChecks:
    """The once-per-row checks of one import (one transaction)."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.role_before: str | None = None  # None: the per-row triggers stay on
        # What is locked already: the import refers chunk after chunk to the same labels.
        self.locked: dict[type[Model], set[int]] = {}

    def begin(self) -> bool:
        """Skip the per-row triggers for this transaction if the role may; True if so."""
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT current_setting('session_replication_role')")
                before = cursor.fetchone()[0]
                cursor.execute("SET LOCAL session_replication_role = replica")
        except DatabaseError:  # not permitted: the per-row checks stay on
            return False
        self.role_before = before
        self.lock(Project, [self.project.pk])
        return True

    def refer(self, planned: list[PlannedDocument], user_ids: Iterable[int | None]) -> None:
        """Lock what `planned` (a chunk of the batch) refers to (labels, roles, users)
        and is not locked yet."""
        if self.role_before is None:
            return
        entity_ids, event_ids, role_ids = set(), set(), set()
        for planned_document in planned:
            for layer in planned_document.layers:
                for _key, _start, _end, entity_id, event_id in layer.spans:
                    if entity_id is not None:
                        entity_ids.add(entity_id)
                    if event_id is not None:
                        event_ids.add(event_id)
                role_ids.update(role_id for _t, _e, role_id in layer.arguments)
        self.lock(EntityType, entity_ids)
        self.lock(EventType, event_ids)
        self.lock(RoleType, role_ids)
        self.lock(User, {pk for pk in user_ids if pk is not None})

    def lock(self, model: type[Model], ids: Iterable[int]) -> None:
        locked = self.locked.setdefault(model, set())
        new = sorted(set(ids) - locked)
        if not new:
            return
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM {table} "  # noqa: S608
                "WHERE id = ANY(%s) FOR KEY SHARE) AS locked",
                [new],
            )
            if cursor.fetchone()[0] != len(new):
                # Deleted since the batch was checked: refused as the trigger would.
                raise IntegrityError(
                    f"{model._meta.verbose_name}: a row this import refers to no longer exists"
                )
        locked.update(new)

    def end(self) -> None:
        """Set session_replication_role back to what `begin` found (this transaction)."""
        if self.role_before is None:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('session_replication_role', %s, true)", [self.role_before]
            )
        self.role_before = None
