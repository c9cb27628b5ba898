"""The curation page (GET) and the POSTs that build the gold layer, for reviewers and
managers of the project (annotators: 403, strangers: 404). Every POST calls one service;
htmx gets the #review fragment back (409 and 422 with the message and a fresh view),
a plain browser a redirect (post/redirect/get)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from newsreview.annotations import services as annotate
from newsreview.annotations.errors import AnnotationError
from newsreview.annotations.forms import (
    SpanCreateForm,
    SpanForm,
    SpanUpdateForm,
    VersionForm,
    error_message,
    move_edge,
)
from newsreview.annotations.models import GOLD, AnnotationLayer, Span
from newsreview.annotations.offsets import trim_whitespace, utf16_to_codepoint
from newsreview.core.http import HtmxHttpRequest, navigate
from newsreview.documents.models import Document
from newsreview.projects.permissions import REVIEW_ROLES, document_for, project_for

from . import services
from .context import agreed_context, chunk_snap, review_context, update_context
from .forms import CandidateForm, ChangesForm, CommentForm, GroupForm, ReopenForm

TEMPLATE = "review/review.html"


def _document(request: HtmxHttpRequest, slug: str, document_id: int) -> Document:
    return document_for(request.user, slug, document_id, roles=REVIEW_ROLES)


def _page_url(document: Document, **query: str | None) -> str:
    url = reverse("review:review", args=[document.project.slug, document.pk])
    params = "&".join(f"{k}={v}" for k, v in query.items() if v)
    return f"{url}?{params}" if params else url


@require_GET
@login_required
def review(request: HtmxHttpRequest, slug: str, document_id: int) -> HttpResponse:
    """The curation page. GET never writes: the review starts with the first decision
    (or the Start button)."""
    document = _document(request, slug, document_id)
    if request.GET.get("part") == "agreed":
        return render(request, "review/_agreed.html", agreed_context(document=document))
    view = "columns" if request.GET.get("view") == "columns" else "merged"
    context = review_context(
        document=document, user=request.user, view=view, current=request.GET.get("group")
    )
    template = TEMPLATE + ("#review" if request.htmx else "")
    return render(request, template, context)


def _answer(
    request: HtmxHttpRequest, document: Document, *, message: str = "", status: int = 200
) -> HttpResponse:
    if not request.htmx and status == 200:
        return navigate(request, _page_url(document, group=request.POST.get("current")))
    if request.htmx and status not in (200, 409, 422):
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    context = review_context(
        document=document,
        user=request.user,
        current=request.POST.get("current") or None,
        message=message,
    )
    return render(request, TEMPLATE + ("#review" if request.htmx else ""), context, status=status)


def _decide(
    request: HtmxHttpRequest,
    slug: str,
    document_id: int,
    form_class: type,
    action: Callable[[Document, dict[str, Any], services.Snap], services.Outcome],
) -> HttpResponse:
    """A decision on a review in progress: htmx gets only what changed (the text chunks
    of the decided group, its row, the version), rendered from the window the decision
    read, so a decision costs the same however many spans the layers hold
    (bench/bench_review.py). Anything else (the first decision, which starts the review;
    an agreed candidate; a refusal) gets the page."""
    document = _document(request, slug, document_id)
    form = form_class(request.POST)
    if not form.is_valid():
        return _answer(request, document, message=error_message(form), status=422)
    try:
        # The service is one transaction (a refusal leaves nothing, not even a gold layer).
        outcome = action(document, form.cleaned_data, chunk_snap(document.text))
    except AnnotationError as error:
        return _answer(request, document, message=error.message, status=error.http_status)
    if not (request.htmx and not outcome.started and outcome.group):
        return _answer(request, document)
    response = render(
        request, "review/_update.html", update_context(document=document, outcome=outcome)
    )
    response["HX-Reswap"] = "none"
    return response


def _act(
    request: HtmxHttpRequest,
    slug: str,
    document_id: int,
    form_class: type,
    action: Callable[[Document, dict[str, Any]], Any],
) -> HttpResponse:
    document = _document(request, slug, document_id)
    form = form_class(request.POST)
    if not form.is_valid():
        return _answer(request, document, message=error_message(form), status=422)
    try:
        # One transaction: a refused change leaves nothing behind (not even a gold layer).
        with transaction.atomic():
            action(document, form.cleaned_data)
    except AnnotationError as error:
        return _answer(request, document, message=error.message, status=error.http_status)
    return _answer(request, document)


def _gold(document: Document, version: int | None) -> AnnotationLayer:
    """The gold layer for a direct edit; the review starts if it had not (pre-accepting)."""
    gold = annotate.get_or_create_named_layer(document=document, name=GOLD)
    annotate.check_version(layer=gold, version=version)
    return gold


@require_POST
@login_required
def review_start(request: HtmxHttpRequest, slug: str, document_id: int) -> HttpResponse:
    def start(document: Document, data: dict[str, Any]) -> None:
        services.start_review(document=document, by=request.user)

    return _act(request, slug, document_id, VersionForm, start)


@require_POST
@login_required
def candidate_accept(request: HtmxHttpRequest, slug: str, document_id: int) -> HttpResponse:
    def accept(document: Document, data: dict[str, Any], snap: services.Snap) -> services.Outcome:
        # An agreed candidate (no group) also changes the agreed list: the whole page then.
        return services.decide_accept(
            document=document,
            candidate=data["candidate"],
            by=request.user,
            version=data["version"],
            snap=snap,
        )

    return _decide(request, slug, document_id, CandidateForm, accept)


@require_POST
@login_required
def group_reject(request: HtmxHttpRequest, slug: str, document_id: int) -> HttpResponse:
    def reject(document: Document, data: dict[str, Any], snap: services.Snap) -> services.Outcome:
        return services.decide_reject(
            document=document,
            group=data["group"],
            by=request.user,
            version=data["version"],
            snap=snap,
        )

    return _decide(request, slug, document_id, GroupForm, reject)


@require_POST
@login_required
def review_undo(request: HtmxHttpRequest, slug: str, document_id: int) -> HttpResponse:
    def undo(document: Document, data: dict[str, Any]) -> None:
        services.undo_review(document=document, by=request.user, version=data["version"])

    return _act(request, slug, document_id, VersionForm, undo)


@require_POST
@login_required
def review_redo(request: HtmxHttpRequest, slug: str, document_id: int) -> HttpResponse:
    def redo(document: Document, data: dict[str, Any]) -> None:
        services.redo_review(document=document, by=request.user, version=data["version"])

    return _act(request, slug, document_id, VersionForm, redo)


@require_POST
@login_required
def gold_span_create(request: HtmxHttpRequest, slug: str, document_id: int) -> HttpResponse:
    """Label a selection straight into gold (the workspace's rules: offsets checked
    against the stored text, white space trimmed)."""

    def add(document: Document, data: dict[str, Any]) -> None:
        text = document.text
        start, end = data["start"], data["end"]
        if data.get("unit") == "utf16":
            try:
                start, end = utf16_to_codepoint(text, start), utf16_to_codepoint(text, end)
            except ValueError as error:
                raise AnnotationError("bad_offsets", str(error)) from None
        if not 0 <= start < end <= len(text):
            raise AnnotationError("out_of_range", _("The selection lies outside the text."))
        if text[start:end] != data["text"]:
            raise AnnotationError(
                "text_mismatch",
                _("The selected text does not match the document. Select it again."),
            )
        start, end = trim_whitespace(text, start, end)
        services.require_reviewer(request.user, document.project)
        gold = _gold(document, data["version"])
        if gold.status == AnnotationLayer.Status.NEW:
            gold = services.start_review(document=document, by=request.user)
        annotate.add_span(
            layer=gold,
            start=start,
            end=end,
            label=data["label"],
            text=text[start:end],
            by=request.user,
        )

    return _act(request, slug, document_id, SpanCreateForm, add)


def _gold_span(document: Document, span_id: int) -> tuple[AnnotationLayer, Span]:
    span = (
        Span.objects.filter(pk=span_id, layer__document=document, layer__kind="gold")
        .select_related("layer")
        .first()
    )
    if span is None:
        raise AnnotationError("not_found", _("That gold annotation no longer exists."))
    return span.layer, span


@require_POST
@login_required
def gold_span_update(request: HtmxHttpRequest, slug: str, document_id: int) -> HttpResponse:
    def update(document: Document, data: dict[str, Any]) -> None:
        gold = _gold(document, data["version"])
        _layer, span = _gold_span(document, data["span"])
        start, end = span.start, span.end
        if data.get("edge"):
            start, end = move_edge(document.text, start, end, data["edge"])
        annotate.update_span(
            layer=gold,
            span=span,
            label=data.get("label") or None,
            start=start,
            end=end,
            by=request.user,
            version=data["version"],
        )

    return _act(request, slug, document_id, SpanUpdateForm, update)


@require_POST
@login_required
def gold_span_delete(request: HtmxHttpRequest, slug: str, document_id: int) -> HttpResponse:
    def delete(document: Document, data: dict[str, Any]) -> None:
        gold = _gold(document, data["version"])
        _layer, span = _gold_span(document, data["span"])
        annotate.delete_span(layer=gold, span=span, by=request.user, version=data["version"])

    return _act(request, slug, document_id, SpanForm, delete)


@require_POST
@login_required
def review_approve(request: HtmxHttpRequest, slug: str, document_id: int) -> HttpResponse:
    def approve(document: Document, data: dict[str, Any]) -> None:
        services.approve_document(document=document, by=request.user, version=data["version"])

    return _act(request, slug, document_id, VersionForm, approve)


@require_POST
@login_required
def review_reopen(request: HtmxHttpRequest, slug: str, document_id: int) -> HttpResponse:
    def reopen(document: Document, data: dict[str, Any]) -> None:
        services.reopen_document(document=document, by=request.user, comment=data["comment"])

    return _act(request, slug, document_id, ReopenForm, reopen)


@require_POST
@login_required
def changes_request(request: HtmxHttpRequest, slug: str, document_id: int) -> HttpResponse:
    def send_back(document: Document, data: dict[str, Any]) -> None:
        layer = AnnotationLayer.objects.filter(
            document=document, pk=data["layer"], kind=AnnotationLayer.Kind.ANNOTATOR
        ).first()
        if layer is None:
            raise AnnotationError("not_found", _("No such layer."))
        services.request_changes(layer=layer, by=request.user, comment=data["comment"])

    return _act(request, slug, document_id, ChangesForm, send_back)


@require_POST
@login_required
def comment_create(request: HtmxHttpRequest, slug: str, document_id: int) -> HttpResponse:
    """A comment on a layer (optionally on one of its spans or events): any member on
    the layers they may see (an annotator their own; reviewers and managers every one).
    From the workspace or the curation page; back to where it was written."""
    document = document_for(request.user, slug, document_id)
    form = CommentForm(request.POST)
    back = request.POST.get("next")
    is_reviewer = document.project.role in REVIEW_ROLES
    if back == "review" and not is_reviewer:
        back = "annotate"
    if not form.is_valid():
        message = error_message(form)
        if back == "review":
            return _answer(request, document, message=message, status=422)
        return HttpResponse(message, status=422, content_type="text/plain; charset=utf-8")
    layer = (
        AnnotationLayer.objects.viewable_by(request.user)
        .filter(document=document, pk=form.cleaned_data["layer"])
        .first()
    )
    if layer is None:
        raise Http404(_("No such layer."))
    try:
        annotate.add_comment(
            layer=layer,
            text=form.cleaned_data["text"],
            by=request.user,
            span=form.cleaned_data.get("span"),
        )
    except AnnotationError as error:
        if back == "review":
            return _answer(request, document, message=error.message, status=error.http_status)
        return HttpResponse(
            error.message, status=error.http_status, content_type="text/plain; charset=utf-8"
        )
    if back == "review":
        return _answer(request, document)
    url = reverse("annotations:annotate", args=[document.project.slug, document.pk])
    return navigate(request, f"{url}#comments")


@require_GET
@login_required
def review_queue(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Documents ready for review, the longest waiting first."""
    project = project_for(request.user, slug, roles=REVIEW_ROLES)
    queue = list(services.review_queue(project).only("id", "title", "project_id")[:200])
    return render(request, "review/queue.html", {"project": project, "queue": queue})


@require_GET
@login_required
def review_next(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Next to review: the oldest ready document (the queue page when there is none)."""
    project = project_for(request.user, slug, roles=REVIEW_ROLES)
    following = services.next_to_review(project)
    if following is None:
        return navigate(request, reverse("review:queue", args=[project.slug]))
    return navigate(request, reverse("review:review", args=[project.slug, following.pk]))
