from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from newsreview.annotations.context import document_view_context
from newsreview.annotations.models import AnnotationLayer, Change, Span
from newsreview.arabic.search import SEARCH_FILTERS, search_documents
from newsreview.core.http import HtmxHttpRequest
from newsreview.projects.permissions import REVIEW_ROLES, document_for, project_for

from .models import Document

PAGE_SIZE = 50
HISTORY_PAGE_SIZE = 50

ACTION_NAMES = {
    "span.add": _("Added annotation"),
    "span.add_batch": _("Added annotations at once"),
    "span.update": _("Changed annotation"),
    "span.delete": _("Deleted annotation"),
    "argument.add": _("Linked argument"),
    "argument.delete": _("Unlinked argument"),
    "undo": _("Undid"),
    "redo": _("Redid"),
    "layer.status": _("Changed status"),
    "comment.add": _("Commented"),
}


@dataclass
class HistoryRow:
    """One audit-trail row in words: each side is a list of short descriptions."""

    change: Change
    action: str
    before: list[str] = field(default_factory=list)
    after: list[str] = field(default_factory=list)


def _argument_span_ids(state: Any) -> set[int]:
    if not isinstance(state, dict):
        return set()
    return {a["span"] for a in state.get("arguments") or [] if isinstance(a.get("span"), int)}


def _describe(state: Any, span_texts: dict[int, str]) -> list[str]:
    """Readable lines for a before/after record (services._state, status or comment)."""
    if not isinstance(state, dict):
        return []
    lines: list[str] = []
    for span in state.get("spans") or []:
        lines.append(
            f"{span.get('label', '?')} «{span.get('text', '')}» "
            f"[{span.get('start')}, {span.get('end')})"
        )
    for event in state.get("events") or []:
        lines.append(str(_("event %(type)s") % {"type": event.get("type", "?")}))
    for argument in state.get("arguments") or []:
        target = span_texts.get(argument.get("span"), f"#{argument.get('span')}")
        lines.append(f"{argument.get('role_key', '?')} → «{target}»")
    if "status" in state:
        lines.append(str(_("status: %(status)s") % {"status": state["status"]}))
    if "text" in state and "spans" not in state:
        lines.append(f"«{state['text']}»")
    return lines


def history_rows(changes: list[Change], document: Document) -> list[HistoryRow]:
    """Describe a page of changes with one extra query at most (argument targets that
    no record on the page describes), so the page costs the same however long the trail."""
    span_texts: dict[int, str] = {}
    wanted: set[int] = set()
    for change in changes:
        for state in (change.before, change.after):
            if isinstance(state, dict):
                for span in state.get("spans") or []:
                    span_texts.setdefault(span.get("id"), span.get("text", ""))
                wanted |= _argument_span_ids(state)
    missing = wanted - span_texts.keys()
    if missing:
        span_texts.update(
            Span.objects.filter(pk__in=missing, layer__document=document).values_list("pk", "text")
        )
    return [
        HistoryRow(
            change=change,
            action=str(ACTION_NAMES.get(change.action, change.action)),
            before=_describe(change.before, span_texts),
            after=_describe(change.after, span_texts),
        )
        for change in changes
    ]


@require_GET
@login_required
def document_list(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    project = project_for(request.user, slug)
    own_layer = AnnotationLayer.objects.filter(document=OuterRef("pk"), owner=request.user)
    query = request.GET.get("q", "").strip()
    # Arabic-aware search and its filters (issue 13): ranked when there is a query.
    search = search_documents(
        Document.objects.filter(project=project),
        query,
        **{name: request.GET.get(name, "").strip()[:150] for name in SEARCH_FILTERS},
    )
    documents = search.queryset.annotate(
        my_status=Subquery(own_layer.values("status")[:1]),
        done_layers=Count(
            "layers", filter=Q(layers__status__in=["done", "reviewed"]), distinct=True
        ),
    ).only("id", "title", "project_id", "created_at", "language", "direction")
    if not search.is_ranked:
        documents = documents.order_by("id")
    page = Paginator(documents, PAGE_SIZE).get_page(request.GET.get("page"))
    search.add_snippets(page.object_list)
    mine = AnnotationLayer.objects.filter(document__project=project, owner=request.user)
    progress = {
        "total": Document.objects.filter(project=project).count(),
        "done": mine.filter(status__in=["done", "reviewed"]).count(),
    }
    template = "documents/document_list.html"
    if request.htmx and request.htmx.target == "document-table":
        template += "#document-table"
    return render(
        request,
        template,
        {
            "project": project,
            "page": page,
            "query": query,
            "filters": search.filters_context(project),
            "progress": progress,
            "role": project.role,
        },
    )


@require_GET
@login_required
def document_detail(request: HtmxHttpRequest, slug: str, document_id: int) -> HttpResponse:
    document = document_for(request.user, slug, document_id)
    layers = AnnotationLayer.objects.viewable_by(request.user).filter(document=document)
    layer = None
    if request.GET.get("layer"):
        layer_id = request.GET["layer"]
        if not layer_id.isdigit():
            return HttpResponse(status=404)
        layer = get_object_or_404(layers, pk=layer_id)
    else:
        # Own layer first, then gold, then whichever layer the picker lists first: the
        # page never shows an empty text while the picker names a layer.
        layer = (
            layers.filter(owner=request.user).first()
            or layers.filter(kind="gold").first()
            or layers.order_by("kind", "owner__username", "name", "id").first()
        )
    context = document_view_context(document=document, layer=layer)
    context["layers"] = layers.select_related("owner")
    context["role"] = document.project.role
    return render(request, "documents/document_detail.html", context)


@require_GET
@login_required
def document_history(request: HtmxHttpRequest, slug: str, document_id: int) -> HttpResponse:
    """The audit trail of one document, newest first. Reviewers and managers only:
    it shows every annotator's work, which annotators must not see of each other."""
    document = document_for(request.user, slug, document_id, roles=REVIEW_ROLES)
    changes = (
        Change.objects.filter(document=document)
        .select_related("user", "layer__owner")
        .order_by("-id")
    )
    page = Paginator(changes, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "documents/document_history.html",
        {
            "project": document.project,
            "document": document,
            "page": page,
            "rows": history_rows(list(page.object_list), document),
        },
    )
