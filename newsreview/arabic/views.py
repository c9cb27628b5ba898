"""Views of the Arabic tools in the annotation workspace: the label-all-mentions preview
and its POST, and the gazetteer suggestions (panel, accept, reject). Thin: they scope the
document and the span to the user, call the services, and answer with the workspace's
own fragments (annotations/_update.html, out of band) so the page and its layer version
stay in step."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from newsreview.annotations.context import annotate_context, own_layer
from newsreview.annotations.errors import AnnotationError
from newsreview.annotations.forms import VersionForm
from newsreview.annotations.models import AnnotationLayer, Span
from newsreview.core.http import HtmxHttpRequest, navigate
from newsreview.documents.models import Document
from newsreview.jobs.models import Job
from newsreview.jobs.services import fail_stale_jobs, read_progress, start_job, visible_jobs
from newsreview.projects.models import EntityType, EventType
from newsreview.projects.permissions import document_for, project_for

from . import gazetteer, mentions
from .forms import MentionsForm
from .search import search_annotations
from .tasks import project_mentions_job, project_result

PREVIEW = "arabic/mentions.html"
MAX_SHOWN = 1_000  # a preview longer than this lists the first ones (all stay checked)


def _document(request: HtmxHttpRequest, slug: str, document_id: int) -> Document:
    """The document as the user may see it, in one query (projects.permissions.document_for:
    another project's document, or a stranger: 404)."""
    return document_for(request.user, slug, document_id)


def _layer_and_span(
    request: HtmxHttpRequest, document: Document, span_id: int | None
) -> tuple[AnnotationLayer, Span]:
    """The user's own layer and a span of it: anything else does not exist for them."""
    layer = own_layer(request.user, document)
    span = (
        Span.objects.filter(layer=layer, pk=span_id)
        .select_related("entity_type", "event_type", "layer__document")
        .first()
        if layer is not None and span_id
        else None
    )
    if span is None:
        raise Http404(_("That annotation does not exist in your layer."))
    return layer, span


def _span_param(request: HtmxHttpRequest) -> int | None:
    value = request.GET.get("span", "")
    return int(value) if value.isdigit() and len(value) < 19 else None


def _preview_context(
    document: Document,
    layer: AnnotationLayer,
    span: Span,
    *,
    project_wide: bool,
    found: list[mentions.Mention] | None = None,
    unsearched: int = 0,
) -> dict:
    """The preview's context: `found` is a project-wide job's result (with the number of
    documents it left unsearched, its list being full), else the in-document search runs
    here (it is fast)."""
    if found is None:
        found = mentions.document_mentions(layer=layer, span=span)
    here = [m for m in found if m.document_id == document.pk]
    return {
        "document": document,
        "project": document.project,
        "span": span,
        "version": layer.version,
        "mentions": found[:MAX_SHOWN],
        "hidden_count": max(0, len(found) - MAX_SHOWN),
        "here_count": len(here),
        "elsewhere_count": len(found) - len(here),
        "project_wide": project_wide,
        "unsearched": unsearched,
    }


@require_GET
@login_required
def mentions_preview(request: HtmxHttpRequest, slug: str, document_id: int) -> HttpResponse:
    """The other mentions of a span's text, to check before labelling them (a fragment
    for the workspace's dialog, or a page without JavaScript)."""
    document = _document(request, slug, document_id)
    span_id = _span_param(request)
    if span_id is None:
        return HttpResponse(
            _("Focus an annotation first."), status=400, content_type="text/plain; charset=utf-8"
        )
    layer, span = _layer_and_span(request, document, span_id)
    # The project-wide search is a background job (mentions_project_start); this GET
    # only ever runs the in-document one.
    context = _preview_context(document, layer, span, project_wide=False)
    template = PREVIEW + "#mentions-body" if request.htmx else PREVIEW
    return render(request, template, context)


@require_POST
@login_required
def mentions_project_start(request: HtmxHttpRequest, slug: str, document_id: int) -> HttpResponse:
    """Start looking for a span's mentions in the user's other documents of the project,
    as a background job; answer with its progress, which the dialog polls."""
    document = _document(request, slug, document_id)
    value = request.POST.get("span", "")
    span_id = int(value) if value.isdigit() and len(value) < 19 else None
    if span_id is None:
        return HttpResponse(
            _("Focus an annotation first."), status=400, content_type="text/plain; charset=utf-8"
        )
    _layer, span = _layer_and_span(request, document, span_id)
    job = start_job(
        user=request.user,
        project=document.project,
        kind=Job.Kind.MENTIONS,
        title=f"{span.text[:100]} · {document.title[:150]}",
        params={"document": document.pk, "span": span.pk},
        task=project_mentions_job,
    )
    url = reverse("arabic:mentions-job", args=[slug, document.pk, job.pk])
    if not request.htmx:
        return navigate(request, url)
    # Always the progress first, even when the job is already done (the immediate
    # backend): the dialog's next poll brings the preview.
    return render(
        request,
        PREVIEW + "#mentions-job",
        {
            "job": job,
            "document": document,
            "project": document.project,
            "span": span,
            "progress": None,
            "poll_url": url,
        },
    )


@require_GET
@login_required
def mentions_job(
    request: HtmxHttpRequest, slug: str, document_id: int, job_id: int
) -> HttpResponse:
    """A project-wide search's progress while it runs, then its preview (the same one as
    the in-document search, with its checkboxes). Only its owner sees it (404)."""
    document = _document(request, slug, document_id)
    mine = visible_jobs(request.user).filter(
        kind=Job.Kind.MENTIONS, project=document.project, params__document=document.pk
    )
    fail_stale_jobs(mine.filter(pk=job_id))
    job = get_object_or_404(mine, pk=job_id)
    layer, span = _layer_and_span(request, document, job.params.get("span"))
    context = {"job": job, "document": document, "project": document.project, "span": span}
    if job.status == Job.Status.DONE:
        result = project_result(job)
        if result is not None:
            context = _preview_context(
                document,
                layer,
                span,
                project_wide=True,
                found=result.mentions,
                unsearched=result.unsearched,
            )
            template = PREVIEW + "#mentions-body" if request.htmx else PREVIEW
            return render(request, template, context)
        job.status = Job.Status.FAILED
        job.message = _("The result of this search is no longer there; start it again.")
    state = read_progress(job.pk) if job.status == Job.Status.RUNNING else None
    context.update(
        progress=state,
        poll_url=reverse("arabic:mentions-job", args=[slug, document.pk, job.pk]),
    )
    template = PREVIEW + "#mentions-job" if request.htmx else PREVIEW
    if not request.htmx:
        context["job_page"] = True
    return render(request, template, context)


@require_POST
@login_required
def mentions_apply(request: HtmxHttpRequest, slug: str, document_id: int) -> HttpResponse:
    """Label the checked mentions: one audited change per document, so one undo in the
    workspace removes every mention it labelled there."""
    document = _document(request, slug, document_id)
    form = MentionsForm(request.POST)
    if not form.is_valid():
        return _refuse(request, document, None, 422, _("This form is incomplete; try again."))
    data = form.cleaned_data
    layer, span = _layer_and_span(request, document, data["span"])
    project_wide = data.get("scope") == "project"
    try:
        chosen = mentions.parse_keys(data["mention"])
        added = mentions.label_mentions(
            layer=layer,
            span=span,
            chosen=chosen,
            by=request.user,
            version=data["version"],
            project_wide=project_wide,
        )
    except AnnotationError as error:
        return _refuse(request, document, span, error.http_status, error.message)
    total = sum(added.values())
    message = ngettext(
        "Labelled %(n)s mention in %(docs)s document.",
        "Labelled %(n)s mentions in %(docs)s document(s).",
        total,
    ) % {"n": total, "docs": len(added)}
    url = reverse("annotations:annotate", args=[document.project.slug, document.pk])
    if not request.htmx:
        return navigate(request, f"{url}?span={span.pk}")
    return _workspace(request, document, span.pk, status_message=message)


def _workspace(
    request: HtmxHttpRequest,
    document: Document,
    selected_id: int | None,
    *,
    message: str = "",
    status_message: str = "",
    status: int = 200,
) -> HttpResponse:
    context = annotate_context(
        document=document,
        layer=own_layer(request.user, document),
        user=request.user,
        selected_id=selected_id,
    )
    context.update(message=message, status_message=status_message)
    return render(request, "arabic/_workspace_update.html", context, status=status)


def _refuse(
    request: HtmxHttpRequest, document: Document, span: Span | None, status: int, message: str
) -> HttpResponse:
    """A refused POST: 409 brings the current workspace (a stale page), 422 shows the
    message in the dialog; plain text otherwise, as the workspace's own views answer."""
    if request.htmx and status == 409:
        return _workspace(request, document, span.pk if span else None, message=message, status=409)
    if request.htmx and status == 422:
        response = render(request, f"{PREVIEW}#mentions-problem", {"message": message}, status=422)
        response["HX-Retarget"] = "#mentions-problem"
        response["HX-Reswap"] = "outerHTML"
        return response
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


# --- gazetteer suggestions ------------------------------------------------------------------

SUGGESTIONS = "arabic/suggestions.html"


def _suggestions_context(request: HtmxHttpRequest, document: Document) -> dict:
    layer = own_layer(request.user, document)
    return {
        "document": document,
        "project": document.project,
        "suggestions": gazetteer.suggestions_for(document=document, layer=layer),
        "version": layer.version if layer is not None else 0,
    }


@require_GET
@login_required
def suggestions_panel(request: HtmxHttpRequest, slug: str, document_id: int) -> HttpResponse:
    """The gazetteer's suggestions for the user's layer (a fragment the workspace loads,
    or a page without JavaScript)."""
    document = _document(request, slug, document_id)
    template = SUGGESTIONS + "#suggestions" if request.htmx else SUGGESTIONS
    return render(request, template, _suggestions_context(request, document))


def _chosen_suggestions(request: HtmxHttpRequest) -> set[tuple[int, int, str]] | None:
    """None for "all of them", else the `suggestion` values of the form."""
    if request.POST.get("all"):
        return None
    return gazetteer.parse_suggestion_keys(request.POST.getlist("suggestion"))


@require_POST
@login_required
def suggestions_accept(request: HtmxHttpRequest, slug: str, document_id: int) -> HttpResponse:
    """Accept one suggestion, or all: they become spans (origin "gazetteer"), one undo."""
    document = _document(request, slug, document_id)
    form = VersionForm(request.POST)
    if not form.is_valid():
        return _refuse_suggestions(request, document, 422, _("This form is incomplete; try again."))
    try:
        spans = gazetteer.accept_suggestions(
            document=document,
            user=request.user,
            chosen=_chosen_suggestions(request),
            version=form.cleaned_data["version"],
        )
    except AnnotationError as error:
        return _refuse_suggestions(request, document, error.http_status, error.message)
    if not request.htmx:
        url = reverse("annotations:annotate", args=[document.project.slug, document.pk])
        return navigate(request, url)
    message = ngettext("Accepted %(n)s suggestion.", "Accepted %(n)s suggestions.", len(spans)) % {
        "n": len(spans)
    }
    return _workspace(request, document, spans[0].pk, status_message=message)


@require_POST
@login_required
def suggestions_reject(request: HtmxHttpRequest, slug: str, document_id: int) -> HttpResponse:
    """Reject one suggestion, or all: they are not offered again in this layer."""
    document = _document(request, slug, document_id)
    try:
        gazetteer.reject_suggestions(
            document=document, user=request.user, chosen=_chosen_suggestions(request)
        )
    except AnnotationError as error:
        return _refuse_suggestions(request, document, error.http_status, error.message)
    if not request.htmx:
        url = reverse("annotations:annotate", args=[document.project.slug, document.pk])
        return navigate(request, url)
    return render(request, SUGGESTIONS + "#suggestions", _suggestions_context(request, document))


def _refuse_suggestions(
    request: HtmxHttpRequest, document: Document, status: int, message: str
) -> HttpResponse:
    """409 brings the current workspace; 422 shows the message above the suggestions."""
    if request.htmx and status == 409:
        return _workspace(request, document, None, message=message, status=409)
    if request.htmx and status == 422:
        context = _suggestions_context(request, document)
        context["message"] = message
        response = render(request, SUGGESTIONS + "#suggestions", context, status=422)
        response["HX-Retarget"] = "#suggestions"
        response["HX-Reswap"] = "outerHTML"
        return response
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


# --- annotation search -----------------------------------------------------------------------


@require_GET
@login_required
def annotation_search(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Spans across the project by normalised text and label, each linking to its place in
    its document. Annotators find their own layers' spans, reviewers every layer's."""
    project = project_for(request.user, slug)
    query = request.GET.get("q", "").strip()
    label = request.GET.get("label", "").strip()[:64]
    hits, more = search_annotations(user=request.user, project=project, query=query, label=label)
    labels = list(
        EntityType.objects.filter(schema_id=project.schema_id).values_list("key", flat=True)
    ) + list(EventType.objects.filter(schema_id=project.schema_id).values_list("key", flat=True))
    template = "arabic/annotation_search.html"
    if request.htmx and request.htmx.target == "annotation-hits":
        template += "#annotation-hits"
    context = {
        "project": project,
        "query": query,
        "label": label,
        "labels": labels,
        "hits": hits,
        "more": more,
    }
    return render(request, template, context)
