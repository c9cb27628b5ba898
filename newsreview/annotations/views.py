"""The annotation workspace: one page (GET) and the POSTs that change the user's own layer.

Every POST loads the document through the user's scope, cleans its input with a form,
calls one service inside a transaction (so a refused change leaves nothing behind, not
even a new empty layer) and answers htmx with the text fragment plus the side panel and
the layer bar out of band; without htmx it redirects back (post/redirect/get). How a
POST acts and answers is annotations/acting.py; here, what each one does.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from newsreview.core.http import HtmxHttpRequest
from newsreview.documents.models import Document
from newsreview.projects.permissions import document_for

from . import events, services
from .acting import TEMPLATE, act, plain_change, span_in
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
    move_edge,
)
from .models import AnnotationLayer, Event
from .offsets import snap_to_words, trim_whitespace, utf16_to_codepoint

View = Callable[..., HttpResponse]


def _plain_404(view: View) -> View:
    """For htmx, a missing document or layer is a plain-text 404 that app.js shows in
    #problems (as acting.refuse answers), not Django's HTML page that the user never sees."""

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

    return act(request, document, SpanCreateForm, add, create_layer=True)


@require_POST
@login_required
@_plain_404
def span_update(request: HtmxHttpRequest, slug: str, document_id: int) -> HttpResponse:
    """Relabel a span or move one of its edges by one character."""

    def update(layer: AnnotationLayer, data: dict[str, Any]) -> dict[str, Any]:
        span = span_in(layer, data["span"])
        changed = plain_change(span)
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

    return act(request, _document(request, slug, document_id), SpanUpdateForm, update)


@require_POST
@login_required
@_plain_404
def span_delete(request: HtmxHttpRequest, slug: str, document_id: int) -> HttpResponse:
    def delete(layer: AnnotationLayer, data: dict[str, Any]) -> dict[str, Any]:
        span = span_in(layer, data["span"])
        changed = plain_change(span)
        services.delete_span(layer=layer, span=span, by=request.user, version=data["version"])
        return {} if changed is None else {"changed": (changed, None)}

    return act(request, _document(request, slug, document_id), SpanForm, delete)


# --- event arguments ---------------------------------------------------------------------


@require_POST
@login_required
@_plain_404
def argument_create(request: HtmxHttpRequest, slug: str, document_id: int) -> HttpResponse:
    def link(layer: AnnotationLayer, data: dict[str, Any]) -> dict[str, Any]:
        event = Event.objects.filter(layer=layer, trigger_id=data["trigger"]).first()
        if event is None:
            raise AnnotationError("not_found", _("That event does not exist in your layer."))
        span_in(layer, data["span"])
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

    return act(request, _document(request, slug, document_id), ArgumentCreateForm, link)


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

    return act(request, _document(request, slug, document_id), ArgumentDeleteForm, unlink)


# --- the layer ---------------------------------------------------------------------------


@require_POST
@login_required
@_plain_404
def layer_undo(request: HtmxHttpRequest, slug: str, document_id: int) -> HttpResponse:
    """Undo the user's last change; it reads the audit trail, so it survives a reload."""

    def step(layer: AnnotationLayer, data: dict[str, Any]) -> dict[str, Any]:
        services.undo(layer=layer, by=request.user, version=data["version"])
        return {}

    return act(
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

    return act(
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

    return act(request, _document(request, slug, document_id), StatusForm, mark, create_layer=True)


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

    return act(request, _document(request, slug, document_id), ArgumentRoleForm, rerole)


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

    return act(request, _document(request, slug, document_id), EventAttributeForm, set_attribute)
