from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from newsreview.annotations.context import document_view_context
from newsreview.annotations.models import AnnotationLayer
from newsreview.core.http import HtmxHttpRequest
from newsreview.projects.models import Project

from .models import Document

PAGE_SIZE = 50


@require_GET
@login_required
def document_list(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    project = get_object_or_404(Project.objects.visible_to(request.user), slug=slug)
    own_layer = AnnotationLayer.objects.filter(document=OuterRef("pk"), owner=request.user)
    documents = (
        Document.objects.filter(project=project)
        .annotate(
            my_status=Subquery(own_layer.values("status")[:1]),
            done_layers=Count(
                "layers", filter=Q(layers__status__in=["done", "reviewed"]), distinct=True
            ),
        )
        .only("id", "title", "project_id", "created_at")
        .order_by("id")
    )
    query = request.GET.get("q", "").strip()
    if query:
        documents = documents.filter(
            Q(title__icontains=query) | Q(text__icontains=query) | Q(external_id=query)
        )
    page = Paginator(documents, PAGE_SIZE).get_page(request.GET.get("page"))
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
            "progress": progress,
            "role": project.role_of(request.user),
        },
    )


@require_GET
@login_required
def document_detail(request: HtmxHttpRequest, slug: str, document_id: int) -> HttpResponse:
    document = get_object_or_404(
        Document.objects.visible_to(request.user).select_related("project__schema"),
        project__slug=slug,
        pk=document_id,
    )
    layers = AnnotationLayer.objects.viewable_by(request.user).filter(document=document)
    layer = None
    if request.GET.get("layer"):
        layer = get_object_or_404(layers, pk=request.GET["layer"])
    else:
        layer = layers.filter(owner=request.user).first() or layers.filter(kind="gold").first()
    context = document_view_context(document=document, layer=layer)
    context["layers"] = layers.select_related("owner")
    return render(request, "documents/document_detail.html", context)
