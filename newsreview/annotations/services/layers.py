"""Layers: finding or creating them, optimistic locking, the version bump and the
audit record every write ends with."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from newsreview.accounts.models import User
from newsreview.core import rows, writes
from newsreview.documents.models import Document
from newsreview.projects.models import EntityType, EventType

from ..errors import AnnotationError
from ..models import GOLD, AnnotationLayer, Change

Label = EntityType | EventType
State = dict[str, list[dict[str, Any]]]

# Actions the annotator may undo (layer status changes and comments are not).
UNDOABLE = (
    "span.add",
    "span.add_batch",
    "span.delete",
    "span.update",
    "argument.add",
    "argument.delete",
    # issue 12 (annotations/events.py)
    "argument.update",
    "event.attributes",
)


# --- layers ---------------------------------------------------------------------------


def get_or_create_layer(*, document: Document, user: User) -> AnnotationLayer:
    """The annotator's own layer on `document`, created on first write."""
    layer, _created = AnnotationLayer.objects.get_or_create(
        document=document, owner=user, defaults={"kind": AnnotationLayer.Kind.ANNOTATOR}
    )
    return layer


def get_or_create_named_layer(
    *, document: Document, name: str, kind: str = AnnotationLayer.Kind.PREANNOTATION
) -> AnnotationLayer:
    """A layer with no owner: the gold layer (`name='gold'`) or a pre-annotation layer."""
    if name == GOLD:
        kind = AnnotationLayer.Kind.GOLD
    layer, _created = AnnotationLayer.objects.get_or_create(
        document=document, owner=None, name=name, defaults={"kind": kind}
    )
    return layer


def check_version(*, layer: AnnotationLayer, version: int | None) -> None:
    """Refuse a page that saw another version of `layer` (optimistic locking). Views call it
    before looking anything up, so a stale tab gets the conflict and a fresh view rather
    than "not found" for an annotation another tab deleted; lock_layer checks again, locked."""
    if version is not None and layer.version != version:
        raise AnnotationError(
            "stale",
            _(
                "This document changed since you opened it (in another tab or by a colleague). "
                "The page now shows the current annotations; please redo your last action."
            ),
        )


def lock_layer(
    layer: AnnotationLayer, version: int | None, *, editing: bool = False
) -> AnnotationLayer:
    """The layer, locked for this transaction; refuses a stale version and, for edits of
    annotations, a layer already marked done or reviewed (a reviewer may be reading it)."""
    document = layer.document if AnnotationLayer.document.is_cached(layer) else None
    if document is not None and Document.project.is_cached(document):
        # The caller holds the document and its project already (the workspace's views
        # fetch them through the user's scope): lock the layer row alone, the hot path.
        locked = _locked_row(layer.pk)
        locked.document = document
    else:
        locked = (
            AnnotationLayer.objects.select_for_update(of=("self",))
            .select_related("document__project__schema", "owner")
            .get(pk=layer.pk)
        )
    return _lockable(locked, version, editing)


def _locked_row(layer_id: int) -> AnnotationLayer:
    # Hand-written: every workspace write starts here (core/writes.py says why).
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    sql = (
        f"SELECT {rows.columns(AnnotationLayer, 'l')} "  # noqa: S608
        f"FROM {AnnotationLayer._meta.db_table} l WHERE l.id = %s{lock}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [layer_id])
        row = cursor.fetchone()
    if row is None:
        raise AnnotationLayer.DoesNotExist("The layer no longer exists.")
    return rows.instance(AnnotationLayer, row)


def lock_named_layer(
    *, document: Document, name: str, version: int | None, editing: bool = False
) -> AnnotationLayer:
    """get_or_create_named_layer and lock_layer in one query once the layer exists (every
    review decision starts here, bench/bench_review.py). `document` must come with its
    project (projects.permissions.document_for)."""
    locked = (
        AnnotationLayer.objects.select_for_update()
        .filter(document=document, owner=None, name=name)
        .order_by("pk")  # not Meta.ordering: its outer join to owner cannot be locked
        .first()
    )
    if locked is None:
        layer = get_or_create_named_layer(document=document, name=name)
        layer.document = document
        return lock_layer(layer, version, editing=editing)
    locked.document = document
    return _lockable(locked, version, editing)


def _lockable(locked: AnnotationLayer, version: int | None, editing: bool) -> AnnotationLayer:
    check_version(layer=locked, version=version)
    if editing and locked.status in (
        AnnotationLayer.Status.DONE,
        AnnotationLayer.Status.REVIEWED,
    ):
        raise AnnotationError(
            "layer_closed",
            _("This document is marked %(status)s; reopen it before changing annotations.")
            % {"status": locked.get_status_display()},
        )
    return locked


def bump_version(layer: AnnotationLayer) -> None:
    layer.version += 1
    fields = ["version", "updated_at"]
    if layer.status == AnnotationLayer.Status.NEW:
        layer.status = AnnotationLayer.Status.IN_PROGRESS
        fields.append("status")
    layer.save(update_fields=fields)


def close_write(
    layer: AnnotationLayer, by: User | None, action: str, before: Any, after: Any
) -> None:
    """record_change and bump_version, as every write of the workspace ends: the three
    statements in one round trip (core/writes.py), the layer's version bumped in memory
    as on disk."""
    statements: list[writes.Statement] = []
    if action in UNDOABLE and by is not None:
        statements.append(_end_redo(layer, by))
    now = timezone.now()
    change = {
        "document": layer.document_id,
        "layer": layer.pk,
        "user": by.pk if by is not None else None,
        "action": action,
        "before": before,
        "after": after,
        "is_undone": False,
        "is_redoable": False,
        "created_at": now,
    }
    statements.append((_insert_change_sql(), writes.prepared(Change, change)))
    layer.version += 1
    layer.updated_at = now
    if layer.status == AnnotationLayer.Status.NEW:
        layer.status = AnnotationLayer.Status.IN_PROGRESS
    bump = {"version": layer.version, "updated_at": now, "status": layer.status}
    statements.append((_BUMP_SQL, [*writes.prepared(AnnotationLayer, bump), layer.pk]))
    writes.run_together(statements)


def end_redo_chain(layer: AnnotationLayer, by: User | None) -> None:
    """A new action ends `by`'s redo chain on the layer, as in every editor (record_change
    and close_write do it for undoable actions; a review decision calls it itself)."""
    if by is not None:
        with connection.cursor() as cursor:
            cursor.execute(*_end_redo(layer, by))


def _end_redo(layer: AnnotationLayer, by: User) -> writes.Statement:
    # Found through change_redoable_idx, whatever the length of the layer's history.
    return (_END_REDO_SQL, [layer.pk, by.pk])


_END_REDO_SQL = (
    f"UPDATE {Change._meta.db_table} SET is_redoable = FALSE "  # noqa: S608
    "WHERE layer_id = %s AND user_id = %s AND is_redoable"
)
_BUMP_SQL = (
    f"UPDATE {AnnotationLayer._meta.db_table} "  # noqa: S608
    "SET version = %s, updated_at = %s, status = %s WHERE id = %s"
)


def _insert_change_sql() -> str:
    # Nothing reads the audit row's id here: no RETURNING.
    names = ("document", "layer", "user", "action", "before", "after")
    return writes.insert_sql(Change, (*names, "is_undone", "is_redoable", "created_at"), False)


def record_change(
    layer: AnnotationLayer, by: User | None, action: str, before: Any, after: Any
) -> Change:
    if action in UNDOABLE:
        end_redo_chain(layer, by)
    return Change.objects.create(
        document_id=layer.document_id,
        layer=layer,
        user=by,
        action=action,
        before=before,
        after=after,
    )
