"""The review workflow of a layer (status moves) and comments on layers and spans."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from newsreview.accounts.models import User
from newsreview.projects.permissions import REVIEW_ROLES, role_in

from ..errors import AnnotationError
from ..models import AnnotationLayer, Comment, Span
from .checks import span_of
from .layers import lock_layer, record_change


def clean_comment(text: str | None) -> str:
    text = (text or "").strip()
    if not text:
        raise AnnotationError("empty_comment", _("A comment cannot be empty."))
    if len(text) > 10_000:
        raise AnnotationError("too_long", _("A comment is limited to 10,000 characters."))
    return text


@transaction.atomic
def set_layer_status(
    *,
    layer: AnnotationLayer,
    status: str,
    by: User | None,
    version: int | None = None,
    comment: str = "",
) -> AnnotationLayer:
    """Move a layer through the review workflow: not started → in progress → submitted
    (stored "done") → reviewed, or submitted → changes requested (a reviewer's comment
    says why) → submitted again. Marking reviewed, sending back and leaving "reviewed"
    are a reviewer's or a manager's moves; every move is in the audit trail."""
    layer = lock_layer(layer, version)
    Status = AnnotationLayer.Status
    if status not in Status.values:
        raise AnnotationError("bad_status", _("Unknown status “%(s)s”.") % {"s": status})
    # A reviewer's verdict stands until a reviewer takes it back (role_in gives a superuser
    # the manager role; by=None is an import or a command).
    reviewer_move = status in (Status.REVIEWED, Status.CHANGES_REQUESTED) or (
        layer.status == Status.REVIEWED
    )
    if (
        by is not None
        and status != layer.status
        and reviewer_move
        and role_in(by, layer.document.project) not in REVIEW_ROLES
    ):
        if layer.status == Status.REVIEWED:
            raise AnnotationError(
                "reviewed_locked",
                _("A reviewer has marked this layer reviewed; ask a reviewer to send it back."),
            )
        raise AnnotationError(
            "forbidden",
            _("Only a reviewer or a manager can mark a layer reviewed or send it back."),
        )
    if status == Status.CHANGES_REQUESTED:
        if layer.kind != AnnotationLayer.Kind.ANNOTATOR:
            raise AnnotationError(
                "bad_transition", _("Only an annotator's layer can be sent back for changes.")
            )
        if layer.status != Status.DONE:
            raise AnnotationError(
                "bad_transition",
                _("Only a submitted layer can be sent back; this one is “%(status)s”.")
                % {"status": layer.get_status_display()},
            )
        try:
            comment = clean_comment(comment)
        except AnnotationError:
            raise AnnotationError(
                "comment_required",
                _("Say what should change: sending a layer back needs a comment."),
            ) from None
    elif comment:
        comment = clean_comment(comment)
    before = {"status": layer.status}
    layer.status = status
    layer.version += 1
    layer.save(update_fields=["status", "version", "updated_at"])
    after: dict[str, Any] = {"status": status}
    if comment:
        after["comment"] = comment
        # The reason travels as a comment too, so the annotator sees it where they work.
        note = Comment.objects.create(layer=layer, author=by, text=comment)
        after["comment_id"] = note.pk
    record_change(layer, by, "layer.status", before, after)
    return layer


@transaction.atomic
def add_comment(
    *, layer: AnnotationLayer, text: str, by: User, span: Span | int | None = None
) -> Comment:
    layer = lock_layer(layer, None)
    text = clean_comment(text)
    span_obj = span_of(layer, span) if span is not None else None
    comment = Comment.objects.create(layer=layer, span=span_obj, author=by, text=text)
    record_change(
        layer, by, "comment.add", None, {"id": comment.pk, "span": comment.span_id, "text": text}
    )
    return comment


@transaction.atomic
def delete_comment(*, layer: AnnotationLayer, comment: Comment | int, by: User) -> None:
    """Remove a comment (moderation), keeping what it said in the audit trail."""
    layer = lock_layer(layer, None)
    pk = comment.pk if isinstance(comment, Comment) else comment
    found = Comment.objects.filter(layer=layer, pk=pk).select_related("author").first()
    if found is None:
        raise AnnotationError("not_found", _("That comment does not exist in this layer."))
    before = {
        "id": found.pk,
        "span": found.span_id,
        "text": found.text,
        "author": found.author.username if found.author_id else None,
    }
    found.delete()
    record_change(layer, by, "comment.delete", before, None)
