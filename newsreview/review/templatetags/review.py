"""Review blocks other apps' pages include with one line: the comments of a layer in the
workspace's side panel, and a document's status timeline on the document page."""

from __future__ import annotations

from typing import Any

from django import template

from newsreview.annotations.models import AnnotationLayer, Comment
from newsreview.projects.permissions import REVIEW_ROLES, role_in

from ..models import Transition

register = template.Library()


@register.inclusion_tag("review/_workspace_comments.html", takes_context=True)
def layer_comments(context: template.Context) -> dict[str, Any]:
    """The comment threads of the layer the workspace shows (reviewers' remarks and the
    annotator's answers), by span, with a form to answer."""
    layer: AnnotationLayer | None = context.get("layer")
    document = context.get("document")
    comments = []
    if layer is not None and layer.pk:
        comments = list(
            Comment.objects.filter(layer=layer)
            .select_related("author", "layer__owner", "span")
            .order_by("created_at", "id")
        )
    spans = {c.span_id: c.span for c in comments if c.span_id}
    return {
        "layer": layer,
        "document": document,
        "project": getattr(document, "project", None),
        "comments": comments,
        "spans": list(spans.values()),
        "changes_requested": layer is not None
        and layer.status == AnnotationLayer.Status.CHANGES_REQUESTED,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("review/_document_timeline.html", takes_context=True)
def document_timeline(context: template.Context) -> dict[str, Any]:
    """Status changes of the document's layers: every layer's for reviewers and
    managers, an annotator's own layer's (and gold's verdicts) for an annotator."""
    document = context.get("document")
    request = context.get("request")
    timeline = Transition.objects.filter(document=document).select_related("user", "layer__owner")
    user = getattr(request, "user", None)
    if user is None or role_in(user, document.project) not in REVIEW_ROLES:
        timeline = timeline.filter(layer__owner=user) if user and user.is_authenticated else []
    return {"timeline": list(timeline.order_by("id")) if timeline else []}
