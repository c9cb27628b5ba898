from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from newsreview.agreement.progress import annotator_progress, project_progress
from newsreview.annotations.context import document_view_context
from newsreview.annotations.models import AnnotationLayer, Change, Span
from newsreview.arabic.search import search_documents
from newsreview.core.http import HtmxHttpRequest, navigate
from newsreview.projects.assignments import assign_documents, auto_assign, unassign_documents
from newsreview.projects.models import Assignment, Project
from newsreview.projects.permissions import (
    MANAGER_ROLES,
    REVIEW_ROLES,
    document_for,
    project_for,
)
from newsreview.projects.services import ProjectError

from .forms import AssignmentForm, AutoAssignForm, error_text
from .indexing import pending_count
from .listing import (
    FILTER_KEYS,
    STATUS_CHOICES,
    annotator_choices,
    filtered_documents,
    label_choices,
    parse_filters,
)
from .models import Document

Status = AnnotationLayer.Status

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
    "comment.delete": _("Deleted comment"),
    "review.reject": _("Rejected a disagreement"),
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
    """Readable lines for a before/after record (services.state_of, status or comment)."""
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


def _list_page(
    request: HtmxHttpRequest, project: Project, *, error: str = "", status: int = 200
) -> HttpResponse:
    """The document list (the project page) with its filters, the assignment tools for
    managers and the progress bars."""
    filters = parse_filters(request.GET, project, project.role)
    own_layer = AnnotationLayer.objects.filter(document=OuterRef("pk"), owner=request.user)
    # The filters narrow; the query then matches the Arabic way, ranked (issue 13).
    search = search_documents(
        filtered_documents(project, request.user, project.role, filters), filters.query
    )
    documents = search.queryset.annotate(
        my_status=Subquery(own_layer.values("status")[:1]),
        done_layers=Count(
            "layers",
            filter=Q(layers__status__in=[Status.DONE, Status.REVIEWED]),
            distinct=True,
        ),
    ).only("id", "title", "project_id", "created_at", "language", "direction")
    if not search.is_ranked:
        documents = documents.order_by("id")
    is_reviewer = project.role in REVIEW_ROLES
    if is_reviewer:
        documents = documents.prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.select_related("annotator").order_by(
                    "annotator__username"
                ),
            )
        )
    paginator = Paginator(documents, PAGE_SIZE)
    # Counted without the per-document annotations: counting the annotated rows groups
    # every layer of every matching document (seconds at 100,000 documents).
    paginator.count = search.queryset.order_by().count()
    page = paginator.get_page(request.GET.get("page"))
    search.add_snippets(page.object_list)
    mine = AnnotationLayer.objects.filter(document__project=project, owner=request.user)
    progress = {
        "total": Document.objects.visible_to(request.user).filter(project=project).count(),
        "done": mine.filter(status__in=[Status.DONE, Status.REVIEWED]).count(),
    }
    template = "documents/document_list.html"
    if request.htmx and request.htmx.target == "document-table":
        template += "#document-table"
    context = {
        "project": project,
        "page": page,
        "query": filters.query,
        "search": search,
        # Documents a big import wrote and the background task has not indexed yet.
        "search_pending": pending_count(project.pk),
        "filters": filters,
        "progress": progress,
        "role": project.role,
        "is_reviewer": is_reviewer,
        "is_manager": project.role in MANAGER_ROLES,
        "status_choices": STATUS_CHOICES,
        "label_choices": label_choices(project),
        "error": error,
    }
    if is_reviewer:
        context["annotators"] = annotator_choices(project)
        context["project_bars"] = [project_progress(project)]
        context["annotator_bars"] = annotator_progress(project)
    else:
        context["annotator_bars"] = annotator_progress(project, only=request.user.pk)
    return render(request, template, context, status=status)


@require_GET
@login_required
def document_list(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    return _list_page(request, project_for(request.user, slug))


def _back_to_list(request: HtmxHttpRequest, project: Project) -> HttpResponse:
    url = reverse("documents:document-list", args=[project.slug])
    back = request.POST.get("return_query", "")
    # Only the list's own filter keys travel back (never a foreign URL).
    query = QueryDict(back).dict() if back else {}
    kept = urlencode({k: v for k, v in query.items() if k in (*FILTER_KEYS, "page") and v})
    return navigate(request, f"{url}?{kept}" if kept else url)


@require_POST
@login_required
def assignment_update(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Assign the selected documents to the selected annotators, or unassign them
    (managers). Unassigning keeps the annotators' layers."""
    project = project_for(request.user, slug, roles=MANAGER_ROLES)
    form = AssignmentForm(request.POST, project=project)
    if not form.is_valid():
        return _list_page(request, project, error=error_text(form), status=422)
    data = form.cleaned_data
    service = assign_documents if data["action"] == "assign" else unassign_documents
    try:
        count = service(
            project=project,
            documents=[d.pk for d in data["documents"]],
            annotators=list(data["annotators"]),
            by=request.user,
        )
    except ProjectError as error:
        return _list_page(request, project, error=error.message, status=422)
    if data["action"] == "assign":
        message = ngettext("%(n)d assignment added.", "%(n)d assignments added.", count)
    else:
        message = ngettext("%(n)d assignment removed.", "%(n)d assignments removed.", count)
    messages.success(request, message % {"n": count})
    return _back_to_list(request, project)


@require_POST
@login_required
def assignment_auto(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Give each unassigned document to N annotators, balanced by open load (managers)."""
    project = project_for(request.user, slug, roles=MANAGER_ROLES)
    form = AutoAssignForm(request.POST, project=project)
    if not form.is_valid():
        return _list_page(request, project, error=error_text(form), status=422)
    chosen = list(form.cleaned_data["annotators"]) or None
    try:
        result = auto_assign(
            project=project,
            per_document=form.cleaned_data["per_document"],
            annotators=chosen,
            by=request.user,
        )
    except ProjectError as error:
        return _list_page(request, project, error=error.message, status=422)
    messages.success(
        request,
        ngettext(
            "%(n)d assignment added over %(d)d document.",
            "%(n)d assignments added over %(d)d documents.",
            result.assignments,
        )
        % {"n": result.assignments, "d": result.documents},
    )
    return _back_to_list(request, project)


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
