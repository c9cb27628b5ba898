from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from newsreview.core.http import HtmxHttpRequest

from .models import Project


@require_GET
@login_required
def project_list(request: HtmxHttpRequest) -> HttpResponse:
    projects = (
        Project.objects.visible_to(request.user)
        .annotate(document_count=Count("documents", distinct=True))
        .order_by("name")
    )
    return render(request, "projects/project_list.html", {"projects": projects})
