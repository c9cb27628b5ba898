"""The export page: a form (format, layer, statuses, format options), a summary of what
the choice covers, and the download. Every view is a GET and changes nothing. Only the
project's reviewers and managers (and superusers) may export."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from newsreview.core.http import HtmxHttpRequest, navigate
from newsreview.jobs.models import Job
from newsreview.jobs.services import start_job
from newsreview.projects.models import Project
from newsreview.projects.permissions import REVIEW_ROLES, project_for

from .forms import ExportForm, option_fields
from .records import ExportError
from .schema import schema_bytes
from .services import count_records, spooled_export, write_export
from .tasks import export_project

TEMPLATE = "exports/export.html"
# The page's script waits for this cookie to know the prepared download has started.
TOKEN_COOKIE = "nr_export"  # noqa: S105 (a cookie name, not a secret)
WARNINGS_KEY = "nr_export_warnings"
_TOKEN = re.compile(r"^[A-Za-z0-9]{1,40}\Z")
# Problems listed on the page; the rest are counted.
SHOWN_WARNINGS = 50


class _Discard:
    """A sink for a trial run (the summary's check for unrepresentable spans)."""

    def write(self, data: bytes) -> int:
        return len(data)

    def flush(self) -> None:
        pass


def _context(project: Project, form: ExportForm, **extra: Any) -> dict[str, Any]:
    formats = [
        {
            "key": key,
            "label": export_format.label,
            "extension": export_format.extension,
            "options": option_fields(export_format),
            "side_files": sorted(export_format.side_files(project, {})),
        }
        for key, export_format in form.formats.items()
    ]
    return {"project": project, "form": form, "formats": formats, **extra}


def _selection(form: ExportForm) -> dict[str, Any]:
    return {
        "project": form.project,
        "export_format": form.cleaned_data["export_format"],
        "layer": form.cleaned_data["layer"],
        "statuses": list(form.cleaned_data["status"]),
        "options": form.options,
    }


@require_GET
@login_required
def export(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    project = project_for(request.user, slug, REVIEW_ROLES)
    form = ExportForm(initial={"format": "jsonl", "layer": "gold"}, project=project)
    return render(request, TEMPLATE, _context(project, form))


@require_GET
@login_required
def export_download(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The export as a file. It is written to a temporary file first (memory up to 8 MB,
    then disk) and streamed from there, so a failing export sends an error page, never
    half a file (FORMATS.md §0)."""
    project = project_for(request.user, slug, REVIEW_ROLES)
    form = ExportForm(request.GET, project=project)
    if not form.is_valid():
        return render(request, TEMPLATE, _context(project, form), status=422)
    selection = _selection(form)
    warnings: list[str] = []
    try:
        spool, _count = spooled_export(warn=warnings.append, **selection)
    except ExportError as error:
        return render(request, TEMPLATE, _context(project, form, error=error), status=422)
    export_format = selection["export_format"]
    filename = f"{project.slug}-{selection['layer']}{export_format.extension}"
    response = FileResponse(
        spool, as_attachment=True, filename=filename, content_type=export_format.media_type
    )
    response["X-Export-Warnings"] = str(len(warnings))
    token = request.GET.get("token", "")
    if _TOKEN.match(token):
        # The page cannot read a download's headers: it sees this cookie, and when the
        # export left something out it fetches the summary, which shows these warnings.
        request.session[WARNINGS_KEY] = {
            "token": token,
            "count": len(warnings),
            "shown": warnings[:SHOWN_WARNINGS],
        }
        response.set_cookie(TOKEN_COOKIE, f"{token}-{len(warnings)}", max_age=60, samesite="Lax")
    return response


@require_POST
@login_required
def export_job(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Prepare the export in the background (for large projects): the file is stored and
    offered on the job's page once complete."""
    project = project_for(request.user, slug, REVIEW_ROLES)
    form = ExportForm(request.POST, project=project)
    if not form.is_valid():
        template = f"{TEMPLATE}#export-summary" if request.htmx else TEMPLATE
        context = _context(project, form, error=form.errors.as_text())
        return render(request, template, context, status=422)
    query = request.POST.copy()
    query.pop("csrfmiddlewaretoken", None)
    export_format = form.cleaned_data["export_format"]
    job = start_job(
        user=request.user,
        project=project,
        kind=Job.Kind.EXPORT,
        title=f"{project.slug}-{form.cleaned_data['layer']}{export_format.extension}",
        params={"query": query.urlencode()},
        task=export_project,
    )
    return navigate(request, reverse("jobs:job-detail", args=[job.pk]))


@require_GET
@login_required
def export_summary(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """What the current choice covers; with `check=1`, a trial run listing the spans the
    format cannot represent (the same warnings the command prints)."""
    project = project_for(request.user, slug, REVIEW_ROLES)
    form = ExportForm(request.GET, project=project)
    context = _context(project, form)
    if form.is_valid():
        selection = _selection(form)
        context["record_count"] = count_records(project, selection["layer"], selection["statuses"])
        stored = request.session.get(WARNINGS_KEY) or {}
        token = request.GET.get("token")
        if token and stored.get("token") == token:
            # After a download: what that export left out, without running it again.
            context["checked"] = context["downloaded"] = True
            context["warning_count"] = stored["count"]
            context["warnings"] = stored["shown"]
        elif request.GET.get("check"):
            warnings: list[str] = []
            try:
                write_export(out=_Discard(), warn=warnings.append, **selection)
            except ExportError as error:
                context["error"] = error
            context["checked"] = True
            context["warning_count"] = len(warnings)
            context["warnings"] = warnings[:SHOWN_WARNINGS]
    return render(request, f"{TEMPLATE}#export-summary", context)


@require_GET
@login_required
def schema_download(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    project = project_for(request.user, slug, REVIEW_ROLES)
    response = HttpResponse(schema_bytes(project), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{project.slug}-schema.json"'
    return response


@require_GET
@login_required
def side_file_download(request: HtmxHttpRequest, slug: str, name: str) -> HttpResponse:
    """A format's side file (Label Studio's labeling config, a dataset's info file)."""
    project = project_for(request.user, slug, REVIEW_ROLES)
    form = ExportForm(request.GET, project=project)
    key = request.GET.get("format", "")
    if key not in form.formats:
        raise Http404
    files = form.formats[key].side_files(project, {"layer": request.GET.get("layer", "gold")})
    if name not in files:
        raise Http404
    content_type = "application/xml" if name.endswith(".xml") else "application/json"
    response = HttpResponse(files[name], content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
