"""The annotation workspace: one page (GET) and the POSTs that change the user's own layer.

Every POST loads the document through the user's scope, cleans its input with a form,
calls one service inside a transaction (so a refused change leaves nothing behind, not
even a new empty layer) and answers htmx with the text fragment plus the side panel and
the layer bar out of band; without htmx it redirects back (post/redirect/get).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import nullcontext
from datetime import timedelta
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from newsreview.core import rows
from newsreview.core.http import HtmxHttpRequest, navigate
from newsreview.documents.models import Document
from newsreview.projects.permissions import document_for

from . import events, services
from .answers import span_added_context, span_changed_context
from .context import (
    annotate_context,
    frame_only_context,
    own_layer,
)
from .errors import AnnotationError
from .forms import (
    ArgumentCreateForm,
    ArgumentDeleteForm,
    ArgumentRoleForm,
    EventAttributeForm,
    SpanCreateForm,
    SpanForm,
    SpanUpdateForm,
    StatusForm,
    VersionForm,
    error_message,
    move_edge,
)
from .models import AnnotationLayer, AppliedAction, Argument, Comment, Event, Span
from .offsets import snap_to_words, trim_whitespace, utf16_to_codepoint

TEMPLATE = "annotations/annotate.html"
View = Callable[..., HttpResponse]
# The workspace's client-generated action id (static/js/queue.js): remembered per layer so
# a retried request whose answer was lost is answered, not applied twice (issue 9).
ACTION_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
# Applied action ids older than this are forgotten (a retry comes within seconds or minutes).
ACTION_MEMORY = timedelta(days=2)


def _plain_404(view: View) -> View:
    """For htmx, a missing document or layer is a plain-text 404 that app.js shows in
    #problems (as _refuse answers), not Django's HTML page that the user never sees."""

    @wraps(view)
    def wrapper(request: HtmxHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except Http404 as error:
            if not request.htmx:
                raise
            message = str(error) or _("No such document.")
            return HttpResponse(message, status=404, content_type="text/plain; charset=utf-8")

    return wrapper


def _document(request: HtmxHttpRequest, slug: str, document_id: int) -> Document:
    """The document as the user may see it, in one query (projects.permissions.document_for:
    another project's document, or a stranger: 404)."""
    return document_for(request.user, slug, document_id)


def _int_param(request: HtmxHttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() and len(value) < 19 else None


def _annotate_url(document: Document, **query: int | None) -> str:
    url = reverse("annotations:annotate", args=[document.project.slug, document.pk])
    params = "&".join(f"{k}={v}" for k, v in query.items() if v)
    return f"{url}?{params}" if params else url


@require_GET
@login_required
@_plain_404
def annotate(request: HtmxHttpRequest, slug: str, document_id: int) -> HttpResponse:
    """The workspace. GET never writes: without a layer yet, it shows version 0."""
    document = _document(request, slug, document_id)
    layer = own_layer(request.user, document)
    read_only = False
    layer_param = request.GET.get("layer")
    if layer_param is not None:
        # Reviewers and managers may read another annotator's layer (never edit it).
        if not layer_param.isdigit() or len(layer_param) > 18:
            raise Http404(_("No such layer."))
        viewed = (
            AnnotationLayer.objects.viewable_by(request.user)
            .filter(document=document, pk=int(layer_param))
            .select_related("owner")
            .first()
        )
        if viewed is None:
            raise Http404(_("No such layer."))
        read_only = viewed.pk != getattr(layer, "pk", None)
        layer = viewed
    frame_id = _int_param(request, "frame")
    if request.htmx and frame_id is not None:
        # One event's frame, fetched when its trigger is focused (static/js/frame.js):
        # the page carries only the focused one, whatever the number of events.
        context = frame_only_context(
            document=document, layer=layer, trigger_id=frame_id, read_only=read_only
        )
        if context is None:
            raise Http404(_("No such event."))
        return render(request, "annotations/_frame.html", context)
    context = annotate_context(
        document=document,
        layer=layer,
        user=request.user,
        selected_id=_int_param(request, "span"),
        picker_id=_int_param(request, "picker"),
        picker_role=request.GET.get("role", "")[:64],
        read_only=read_only,
    )
    template = TEMPLATE
    if request.htmx and request.htmx.target == "argument-picker":
        template += "#argument-picker"
    return render(request, template, context)


# --- answers ---------------------------------------------------------------------------


def _answer(
    request: HtmxHttpRequest,
    document: Document,
    *,
    selected_id: int | None = None,
    picker_id: int | None = None,
    message: str = "",
    status: int = 200,
) -> HttpResponse:
    """The refreshed workspace: fragments for htmx, the page (or a redirect) otherwise."""
    if not request.htmx and status == 200:
        return navigate(request, _annotate_url(document, span=selected_id, picker=picker_id))
    context = annotate_context(
        document=document,
        layer=own_layer(request.user, document),
        user=request.user,
        selected_id=selected_id,
        picker_id=picker_id,
    )
    context["message"] = message
    template = "annotations/_update.html" if request.htmx else TEMPLATE
    return _stamp(render(request, template, context, status=status), context, selected_id)


def _stamp(response: HttpResponse, context: dict[str, Any], span_id: int | None) -> HttpResponse:
    """The layer version after this answer, and the span it is about: the workspace's queue
    sends its next action with that version and maps a pending span to its id (issue 9)."""
    response["X-Layer-Version"] = str(context.get("version", 0))
    if span_id is not None:
        response["X-Span-Id"] = str(span_id)
    return response


def _replay(request: HtmxHttpRequest, document: Document, key: str) -> HttpResponse | None:
    """The answer to an action this layer has applied already (its first answer was lost),
    or None if it has not: the current view, about the span the action touched."""
    layer = own_layer(request.user, document)
    applied = AppliedAction.objects.filter(layer=layer, key=key).first() if layer else None
    if applied is None:
        return None
    return _answer(request, document, selected_id=applied.result.get("span"))


def _writable_layer(
    request: HtmxHttpRequest, document: Document, key: str
) -> tuple[AnnotationLayer | None, bool]:
    """The user's own layer on `document` (None before their first write) and whether the
    action `key` was applied to it already: one simple query on every write.

    The document came through projects.permissions.document_for (the user is a member of its
    project, or a superuser), so the user's own annotator layer is theirs to edit: the
    same rows own_layer finds through the permission-scoped queryset, without its joins."""
    with connection.cursor() as cursor:
        params = [key, document.pk, request.user.pk, AnnotationLayer.Kind.ANNOTATOR]
        cursor.execute(_WRITABLE_SQL, params)
        row = cursor.fetchone()
    if row is None:
        return None, False
    layer = rows.instance(AnnotationLayer, row[:-1])
    layer.document = document  # the services reuse it instead of fetching the text again
    return layer, bool(row[-1])


# Hand-written: it runs on every write, and compiling it with the ORM cost more CPU than
# the database spent on it (bench/bench_annotate.py). Names come from the models.
_WRITABLE_SQL = (
    f"SELECT {rows.columns(AnnotationLayer, 'l')}, "  # noqa: S608
    f"EXISTS (SELECT 1 FROM {AppliedAction._meta.db_table} a "
    "WHERE a.layer_id = l.id AND a.key = %s) "
    f"FROM {AnnotationLayer._meta.db_table} l "
    "WHERE l.document_id = %s AND l.owner_id = %s AND l.kind = %s ORDER BY l.id LIMIT 1"
)


def _refuse(
    request: HtmxHttpRequest, document: Document, status: int, message: str
) -> HttpResponse:
    """A refused change, shown in #problems. 409 (stale page, text mismatch) also brings
    the current annotations; 422 leaves the page as it is; 404/403 are plain text that
    app.js shows in the same region."""
    if request.htmx and status not in (409, 422):
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    if request.htmx and status == 422:
        response = render(
            request, f"{TEMPLATE}#problems", {"message": message, "oob": False}, status=422
        )
        response["HX-Retarget"] = "#problems"
        response["HX-Reswap"] = "outerHTML"
        return response
    return _answer(request, document, message=message, status=status)


Action = Callable[[AnnotationLayer, dict[str, Any]], dict[str, Any]]


def _act(
    request: HtmxHttpRequest,
    document: Document,
    form_class: type[VersionForm],
    action: Action,
    *,
    create_layer: bool = False,
    when_missing: AnnotationError | None = None,
) -> HttpResponse:
    key = request.POST.get("action", "")
    if key and not ACTION_ID.fullmatch(key):
        return _refuse(request, document, 422, _("The action id is not valid."))
    form = form_class(request.POST)
    if not form.is_valid():
        return _refuse(request, document, 422, error_message(form))
    layer, applied = _writable_layer(request, document, key)
    if applied and (replayed := _replay(request, document, key)) is not None:
        return replayed
    # One transaction when the action id must be remembered with the change, or the layer
    # is created by it; otherwise the service's own transaction is enough (and cheaper).
    atomic = transaction.atomic() if key or layer is None else nullcontext()
    try:
        with atomic:
            if layer is not None:
                # The version first: on a stale page an annotation may be missing because
                # another tab deleted it, and the answer must be the conflict with a fresh
                # view, not 404.
                services.check_version(layer=layer, version=form.cleaned_data["version"])
                shown = action(layer, form.cleaned_data)
            elif not create_layer:
                raise when_missing or AnnotationError(
                    "not_found", _("That annotation does not exist in your layer.")
                )
            else:
                # The first write creates the layer: one transaction, so a refused change
                # leaves no empty layer behind.
                services.get_or_create_layer(document=document, user=request.user)
                layer = own_layer(request.user, document)
                if layer is None:  # a member's own layer is always editable; belt and braces
                    raise AnnotationError("forbidden", _("You cannot annotate this document."))
                shown = action(layer, form.cleaned_data)
            if key:
                _remember(layer, key, shown.get("selected_id"))
    except AnnotationError as error:
        # The same action sent twice at once (a retry while the first was still being
        # applied): the second waited for the layer lock, then saw a newer version. It was
        # applied once; answer it as such, not as a conflict.
        if key and error.code == "stale" and (replayed := _replay(request, document, key)):
            return replayed
        return _refuse(request, document, error.http_status, error.message)
    except IntegrityError:
        if key and (replayed := _replay(request, document, key)):
            return replayed
        raise
    added = shown.pop("added", None)
    changed = shown.pop("changed", None)
    if changed is not None and request.htmx:
        # A plain entity relabelled, moved or deleted: its chunks and its row (issue 14).
        (span_id, old_start, old_end), now = changed
        fresh = AnnotationLayer.objects.get(pk=layer.pk)  # the version the change wrote
        context = span_changed_context(
            document=document,
            layer=fresh,
            span_id=span_id,
            ranges=[(old_start, old_end), *([now] if now else [])],
            present=now is not None,
        )
        response = render(request, "annotations/_span_added.html", context)
        response["HX-Reswap"] = "none"
        return _stamp(response, context, span_id if now else None)
    # A new trigger brings a new event frame and may change the incomplete count: the
    # full answer (issue 12). Entities, by far the most frequent, take the hot path.
    if added is not None and request.htmx and added.layer.version > 1 and not added.is_trigger:
        # The hot path: only the touched chunks and one side-list row travel back
        # (out of band); the first span of a layer also changes its status, so it
        # gets the full answer below.
        context = span_added_context(document=document, layer=added.layer, span=added)
        response = render(request, "annotations/_span_added.html", context)
        response["HX-Reswap"] = "none"
        return _stamp(response, context, added.pk)
    return _answer(request, document, **shown)


def _remember(layer: AnnotationLayer, key: str, span_id: int | None) -> None:
    """Record `key` as applied to `layer`, in the action's own transaction."""
    applied = AppliedAction.objects.create(layer=layer, key=key, result={"span": span_id})
    if applied.pk % 200 == 0:  # now and then, forget old ids (one indexed delete)
        AppliedAction.objects.filter(
            layer=layer, created_at__lt=timezone.now() - ACTION_MEMORY
        ).delete()


def _span_in(layer: AnnotationLayer, span_id: int) -> Span:
    # `is_plain`: an entity no event argument or comment refers to, whose change touches
    # only its own chunks and side-list row (the hot path of _act); one query either way.
    span = (
        Span.objects.filter(layer=layer, pk=span_id)
        .annotate(
            is_plain=~Exists(Argument.objects.filter(span=OuterRef("pk")))
            & ~Exists(Comment.objects.filter(span=OuterRef("pk")))
        )
        .first()
    )
    if span is None:
        raise AnnotationError("not_found", _("That annotation does not exist in your layer."))
    return span


def _plain_change(span: Span) -> tuple[int, int, int] | None:
    """(id, start, end) of `span` before a change if only its own chunks and side-list row
    can change with it, else None (a trigger, an argument or a commented span: the answer
    is the whole workspace, as frames, counts and threads may change too)."""
    if span.is_trigger or not getattr(span, "is_plain", False):
        return None
    return (span.pk, span.start, span.end)


# --- spans -------------------------------------------------------------------------------


@require_POST
@login_required
@_plain_404
def span_create(request: HtmxHttpRequest, slug: str, document_id: int) -> HttpResponse:
    """Label the selection. The offsets are checked against the stored text (PRODUCT.md:
    the server never trusts the client's text) before any snapping or trimming."""
    document = _document(request, slug, document_id)

    def add(layer: AnnotationLayer, data: dict[str, Any]) -> dict[str, Any]:
        text = document.text
        start, end = data["start"], data["end"]
        if data.get("unit") == "utf16":
            try:
                start, end = utf16_to_codepoint(text, start), utf16_to_codepoint(text, end)
            except ValueError as error:
                raise AnnotationError("bad_offsets", str(error)) from None
        if not 0 <= start < end <= len(text):
            raise AnnotationError(
                "out_of_range",
                _("The selection [%(start)s, %(end)s) lies outside the text (0 to %(length)s).")
                % {"start": start, "end": end, "length": len(text)},
            )
        if text[start:end] != data["text"]:
            raise AnnotationError(
                "text_mismatch",
                _("The selected text does not match the document. Select it again."),
            )
        # A span never starts or ends with white space (a drag often catches a space).
        start, end = trim_whitespace(text, start, end)
        if document.project.snap_to_words:
            start, end = snap_to_words(text, start, end)
        span = services.add_span(
            layer=layer,
            start=start,
            end=end,
            label=data["label"],
            text=text[start:end],
            by=request.user,
            version=data["version"],
        )
        return {"selected_id": span.pk, "added": span}

    return _act(request, document, SpanCreateForm, add, create_layer=True)


@require_POST
@login_required
@_plain_404
def span_update(request: HtmxHttpRequest, slug: str, document_id: int) -> HttpResponse:
    """Relabel a span or move one of its edges by one character."""

    def update(layer: AnnotationLayer, data: dict[str, Any]) -> dict[str, Any]:
        span = _span_in(layer, data["span"])
        changed = _plain_change(span)
        start, end = span.start, span.end
        if data.get("edge"):
            start, end = move_edge(layer.document.text, start, end, data["edge"])
        span = services.update_span(
            layer=layer,
            span=span,
            label=data.get("label") or None,
            start=start,
            end=end,
            by=request.user,
            version=data["version"],
        )
        if changed is None:
            return {"selected_id": span.pk}
        return {"selected_id": span.pk, "changed": (changed, (span.start, span.end))}

    return _act(request, _document(request, slug, document_id), SpanUpdateForm, update)


@require_POST
@login_required
@_plain_404
def span_delete(request: HtmxHttpRequest, slug: str, document_id: int) -> HttpResponse:
    def delete(layer: AnnotationLayer, data: dict[str, Any]) -> dict[str, Any]:
        span = _span_in(layer, data["span"])
        changed = _plain_change(span)
        services.delete_span(layer=layer, span=span, by=request.user, version=data["version"])
        return {} if changed is None else {"changed": (changed, None)}

    return _act(request, _document(request, slug, document_id), SpanForm, delete)


# --- event arguments ---------------------------------------------------------------------


@require_POST
@login_required
@_plain_404
def argument_create(request: HtmxHttpRequest, slug: str, document_id: int) -> HttpResponse:
    def link(layer: AnnotationLayer, data: dict[str, Any]) -> dict[str, Any]:
        event = Event.objects.filter(layer=layer, trigger_id=data["trigger"]).first()
        if event is None:
            raise AnnotationError("not_found", _("That event does not exist in your layer."))
        _span_in(layer, data["span"])
        services.add_argument(
            layer=layer,
            event=event,
            role=data["role"],
            span=data["span"],
            by=request.user,
            version=data["version"],
        )
        if data.get("frame"):
            return {"selected_id": data["trigger"]}
        return {"selected_id": data["trigger"], "picker_id": data["trigger"]}

    return _act(request, _document(request, slug, document_id), ArgumentCreateForm, link)


@require_POST
@login_required
@_plain_404
def argument_delete(request: HtmxHttpRequest, slug: str, document_id: int) -> HttpResponse:
    def unlink(layer: AnnotationLayer, data: dict[str, Any]) -> dict[str, Any]:
        event = Event.objects.filter(layer=layer, arguments__pk=data["argument"]).first()
        if event is None:
            raise AnnotationError("not_found", _("That argument does not exist in your layer."))
        services.delete_argument(
            layer=layer, argument=data["argument"], by=request.user, version=data["version"]
        )
        if data.get("frame"):
            return {"selected_id": event.trigger_id}
        return {"selected_id": event.trigger_id, "picker_id": event.trigger_id}

    return _act(request, _document(request, slug, document_id), ArgumentDeleteForm, unlink)


# --- the layer ---------------------------------------------------------------------------


@require_POST
@login_required
@_plain_404
def layer_undo(request: HtmxHttpRequest, slug: str, document_id: int) -> HttpResponse:
    """Undo the user's last change; it reads the audit trail, so it survives a reload."""

    def step(layer: AnnotationLayer, data: dict[str, Any]) -> dict[str, Any]:
        services.undo(layer=layer, by=request.user, version=data["version"])
        return {}

    return _act(
        request,
        _document(request, slug, document_id),
        VersionForm,
        step,
        when_missing=AnnotationError("nothing_to_undo", _("There is nothing to undo.")),
    )


@require_POST
@login_required
@_plain_404
def layer_redo(request: HtmxHttpRequest, slug: str, document_id: int) -> HttpResponse:
    def step(layer: AnnotationLayer, data: dict[str, Any]) -> dict[str, Any]:
        services.redo(layer=layer, by=request.user, version=data["version"])
        return {}

    return _act(
        request,
        _document(request, slug, document_id),
        VersionForm,
        step,
        when_missing=AnnotationError("nothing_to_redo", _("There is nothing to redo.")),
    )


@require_POST
@login_required
@_plain_404
def layer_status(request: HtmxHttpRequest, slug: str, document_id: int) -> HttpResponse:
    """Mark the user's layer done, or reopen it."""

    def mark(layer: AnnotationLayer, data: dict[str, Any]) -> dict[str, Any]:
        services.set_layer_status(
            layer=layer, status=data["status"], by=request.user, version=data["version"]
        )
        return {}

    return _act(request, _document(request, slug, document_id), StatusForm, mark, create_layer=True)


# --- event frames (issue 12) ---------------------------------------------------------------


def _event_of_trigger(layer: AnnotationLayer, trigger_id: int) -> Event:
    event = Event.objects.filter(layer=layer, trigger_id=trigger_id).first()
    if event is None:
        raise AnnotationError("not_found", _("That event does not exist in your layer."))
    return event


@require_POST
@login_required
@_plain_404
def argument_update(request: HtmxHttpRequest, slug: str, document_id: int) -> HttpResponse:
    """Move an argument to another role of its event (from the event frame)."""

    def rerole(layer: AnnotationLayer, data: dict[str, Any]) -> dict[str, Any]:
        event = Event.objects.filter(layer=layer, arguments__pk=data["argument"]).first()
        if event is None:
            raise AnnotationError("not_found", _("That argument does not exist in your layer."))
        events.change_argument_role(
            layer=layer,
            argument=data["argument"],
            role=data["role"],
            by=request.user,
            version=data["version"],
        )
        return {"selected_id": event.trigger_id}

    return _act(request, _document(request, slug, document_id), ArgumentRoleForm, rerole)


@require_POST
@login_required
@_plain_404
def event_attribute(request: HtmxHttpRequest, slug: str, document_id: int) -> HttpResponse:
    """Set or clear an attribute (realis, a note) of an event, from its frame."""

    def set_attribute(layer: AnnotationLayer, data: dict[str, Any]) -> dict[str, Any]:
        event = _event_of_trigger(layer, data["trigger"])
        events.set_event_attribute(
            layer=layer,
            event=event,
            name=data["name"],
            value=data.get("value") or None,
            by=request.user,
            version=data["version"],
        )
        return {"selected_id": event.trigger_id}

    return _act(request, _document(request, slug, document_id), EventAttributeForm, set_attribute)
