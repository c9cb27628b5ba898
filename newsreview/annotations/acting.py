"""How every POST of the workspace acts on the user's own layer (annotations/views.py
holds the views): the action id checked and remembered, the layer found in one query,
the version checked, the service called in one transaction, and the answer: the
touched chunks and side-list row for a plain entity, else the refreshed workspace, or
the refusal shown in #problems."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import nullcontext
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from newsreview.core import rows, writes
from newsreview.core.http import HtmxHttpRequest, navigate
from newsreview.documents.models import Document

from . import services
from .answers import span_added_context, span_changed_context
from .context import annotate_context, own_layer
from .errors import AnnotationError
from .forms import VersionForm, error_message
from .models import AnnotationLayer, AppliedAction, Argument, Comment, Span

TEMPLATE = "annotations/annotate.html"
# The workspace's client-generated action id (static/js/queue.js): remembered per layer so
# a retried request whose answer was lost is answered, not applied twice (issue 9).
ACTION_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
# Applied action ids older than this are forgotten (a retry comes within seconds or minutes).
ACTION_MEMORY = timedelta(days=2)


def annotate_url(document: Document, **query: int | None) -> str:
    url = reverse("annotations:annotate", args=[document.project.slug, document.pk])
    params = "&".join(f"{k}={v}" for k, v in query.items() if v)
    return f"{url}?{params}" if params else url


def answer(
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
        return navigate(request, annotate_url(document, span=selected_id, picker=picker_id))
    context = annotate_context(
        document=document,
        layer=own_layer(request.user, document),
        user=request.user,
        selected_id=selected_id,
        picker_id=picker_id,
    )
    context["message"] = message
    template = "annotations/_update.html" if request.htmx else TEMPLATE
    return stamp(render(request, template, context, status=status), context, selected_id)


def stamp(response: HttpResponse, context: dict[str, Any], span_id: int | None) -> HttpResponse:
    """The layer version after this answer, and the span it is about: the workspace's queue
    sends its next action with that version and maps a pending span to its id (issue 9)."""
    response["X-Layer-Version"] = str(context.get("version", 0))
    if span_id is not None:
        response["X-Span-Id"] = str(span_id)
    return response


def replay(request: HtmxHttpRequest, document: Document, key: str) -> HttpResponse | None:
    """The answer to an action this layer has applied already (its first answer was lost),
    or None if it has not: the current view, about the span the action touched."""
    layer = own_layer(request.user, document)
    applied = AppliedAction.objects.filter(layer=layer, key=key).first() if layer else None
    if applied is None:
        return None
    return answer(request, document, selected_id=applied.result.get("span"))


def writable_layer(
    request: HtmxHttpRequest, document: Document, key: str
) -> tuple[AnnotationLayer | None, bool]:
    """The user's own layer on `document` (None before their first write) and whether the
    action `key` was applied to it already: one simple query on every write.

    The document came through projects.permissions.document_for (the user is a member of its
    project, or a superuser), so the user's own annotator layer is theirs to edit: the
    same rows own_layer finds through the permission-scoped queryset, without its joins."""
    with connection.cursor() as cursor:
        params = [key, document.pk, request.user.pk, AnnotationLayer.Kind.ANNOTATOR]
        cursor.execute(WRITABLE_SQL, params)
        row = cursor.fetchone()
    if row is None:
        return None, False
    layer = rows.instance(AnnotationLayer, row[:-1])
    layer.document = document  # the services reuse it instead of fetching the text again
    return layer, bool(row[-1])


# Hand-written: it runs on every write, and compiling it with the ORM cost more CPU than
# the database spent on it (bench/bench_annotate.py). Names come from the models.
WRITABLE_SQL = (
    f"SELECT {rows.columns(AnnotationLayer, 'l')}, "  # noqa: S608
    f"EXISTS (SELECT 1 FROM {AppliedAction._meta.db_table} a "
    "WHERE a.layer_id = l.id AND a.key = %s) "
    f"FROM {AnnotationLayer._meta.db_table} l "
    "WHERE l.document_id = %s AND l.owner_id = %s AND l.kind = %s ORDER BY l.id LIMIT 1"
)


def refuse(request: HtmxHttpRequest, document: Document, status: int, message: str) -> HttpResponse:
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
    return answer(request, document, message=message, status=status)


Action = Callable[[AnnotationLayer, dict[str, Any]], dict[str, Any]]


def act(
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
        return refuse(request, document, 422, _("The action id is not valid."))
    form = form_class(request.POST)
    if not form.is_valid():
        return refuse(request, document, 422, error_message(form))
    layer, applied = writable_layer(request, document, key)
    if applied and (replayed := replay(request, document, key)) is not None:
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
                remember(layer, key, shown.get("selected_id"))
    except AnnotationError as error:
        # The same action sent twice at once (a retry while the first was still being
        # applied): the second waited for the layer lock, then saw a newer version. It was
        # applied once; answer it as such, not as a conflict.
        if key and error.code == "stale" and (replayed := replay(request, document, key)):
            return replayed
        return refuse(request, document, error.http_status, error.message)
    except IntegrityError:
        if key and (replayed := replay(request, document, key)):
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
        return stamp(response, context, span_id if now else None)
    # A new trigger brings a new event frame and may change the incomplete count: the
    # full answer (issue 12). Entities, by far the most frequent, take the hot path.
    if added is not None and request.htmx and added.layer.version > 1 and not added.is_trigger:
        # The hot path: only the touched chunks and one side-list row travel back
        # (out of band); the first span of a layer also changes its status, so it
        # gets the full answer below.
        context = span_added_context(document=document, layer=added.layer, span=added)
        response = render(request, "annotations/_span_added.html", context)
        response["HX-Reswap"] = "none"
        return stamp(response, context, added.pk)
    return answer(request, document, **shown)


def remember(layer: AnnotationLayer, key: str, span_id: int | None) -> None:
    """Record `key` as applied to `layer`, in the action's own transaction."""
    now = timezone.now()
    values = {"layer": layer.pk, "key": key, "result": {"span": span_id}, "created_at": now}
    applied_id = writes.insert(AppliedAction, values)  # by hand: every write (core/writes.py)
    if applied_id % 200 == 0:  # now and then, forget old ids (one indexed delete)
        AppliedAction.objects.filter(layer=layer, created_at__lt=now - ACTION_MEMORY).delete()


def span_in(layer: AnnotationLayer, span_id: int) -> Span:
    # `is_plain`: an entity no event argument or comment refers to, whose change touches
    # only its own chunks and side-list row (the hot path of act); one query either way.
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


def plain_change(span: Span) -> tuple[int, int, int] | None:
    """(id, start, end) of `span` before a change if only its own chunks and side-list row
    can change with it, else None (a trigger, an argument or a commented span: the answer
    is the whole workspace, as frames, counts and threads may change too)."""
    if span.is_trigger or not getattr(span, "is_plain", False):
        return None
    return (span.pk, span.start, span.end)
