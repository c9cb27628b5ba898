"""Undo and redo, from the audit trail (they survive a reload)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from newsreview.accounts.models import User

from ..errors import AnnotationError
from ..models import AnnotationLayer, Change
from .layers import UNDOABLE, bump_version, lock_layer
from .state import replay


@transaction.atomic
def undo(*, layer: AnnotationLayer, by: User, version: int | None = None) -> Change:
    """Revert `by`'s most recent not yet undone change on the layer."""
    layer = lock_layer(layer, version, editing=True)
    change = (
        Change.objects.select_for_update()
        .filter(layer=layer, user=by, action__in=UNDOABLE, is_undone=False)
        .order_by("-id")
        .first()
    )
    if change is None:
        raise AnnotationError("nothing_to_undo", _("There is nothing to undo."))
    return _step(layer, change, by, undoing=True)


@transaction.atomic
def redo(*, layer: AnnotationLayer, by: User, version: int | None = None) -> Change:
    """Re-apply the change `by` undid most recently (undo pops newest first, so that is
    the oldest of the redoable ones)."""
    layer = lock_layer(layer, version, editing=True)
    change = (
        Change.objects.select_for_update()
        .filter(layer=layer, user=by, is_redoable=True)
        .order_by("id")
        .first()
    )
    if change is None:
        raise AnnotationError("nothing_to_redo", _("There is nothing to redo."))
    return _step(layer, change, by, undoing=False)


def _step(layer: AnnotationLayer, change: Change, by: User, *, undoing: bool) -> Change:
    """Move the layer one step back (undo) or forward (redo) over `change`, marking it
    and auditing the step itself."""
    before, after = (change.after, change.before) if undoing else (change.before, change.after)
    replay(layer, before, after)
    change.is_undone = change.is_redoable = undoing
    change.save(update_fields=["is_undone", "is_redoable"])
    Change.objects.create(
        document_id=layer.document_id,
        layer=layer,
        user=by,
        action="undo" if undoing else "redo",
        before=before,
        after=after,
    )
    bump_version(layer)
    return change
