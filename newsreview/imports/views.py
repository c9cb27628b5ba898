"""The import pages (managers only): upload → preview (every error listed) → confirm.

The uploaded file stays in the shared storage between preview and confirmation
(uploads.py); confirming starts a background job (tasks.py) that imports that stored file
again with the same service as the command.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from newsreview.core.http import HtmxHttpRequest, navigate
from newsreview.jobs.models import Job
from newsreview.jobs.services import read_progress, start_job
from newsreview.projects.models import Project
from newsreview.projects.permissions import MANAGER_ROLES, project_for

from .forms import OFFSET_UNIT_LABELS, UploadForm
from .results import ImportOptions, default_layer_name
from .services import preview, read_uploaded
from .tasks import import_upload
from .uploads import Upload, create_upload, forget_upload, get_upload

STAGES = {
    "parse": _("Reading the file…"),
    "validate": _("Checking documents"),
    "write": _("Saving documents"),
}


def _managed_project(request: HtmxHttpRequest, slug: str) -> Project:
    """The project if `request.user` manages it: 404 for outsiders, 403 for other members."""
    return project_for(request.user, slug, roles=MANAGER_ROLES)


def _upload_of(request: HtmxHttpRequest, project: Project, token: str) -> Upload:
    upload = get_upload(
        session=request.session, token=token, user_id=request.user.pk, project_id=project.pk
    )
    if upload is None:
        raise Http404(_("This upload is not available any more; please upload the file again."))
    return upload


def _upload_page(
    request: HtmxHttpRequest,
    project: Project,
    form: UploadForm,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    template = "imports/upload.html"
    if request.htmx:
        template += "#upload-form"
        # htmx swaps 422 only (base.html): a refused upload must still show its message.
        status = 422 if status >= 400 else status
    return render(
        request,
        template,
        {
            "project": project,
            "form": form,
            "error": error,
            "max_size": filesizeformat(settings.NEWSREVIEW_MAX_UPLOAD_BYTES),
        },
        status=status,
    )


@csrf_exempt
@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The upload form; a POST stores the file, previews it and shows the preview."""
    project = _managed_project(request, slug)
    if request.method == "POST":
        # A malformed header never gets here (core.middleware answers 400).
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if length > settings.NEWSREVIEW_MAX_UPLOAD_BYTES + 64 * 1024:
            # Refused before the body is read: a huge upload is not even stored.
            return _too_big(request, project)
    return _upload(request, project)


def _too_big(request: HtmxHttpRequest, project: Project) -> HttpResponse:
    message = _(
        "The file is too big: the limit is %(limit)s. Split it into several files, or "
        "use the import_documents command on the server."
    ) % {"limit": filesizeformat(settings.NEWSREVIEW_MAX_UPLOAD_BYTES)}
    return _upload_page(request, project, UploadForm(project=project), message, status=413)


@csrf_protect
def _upload(request: HtmxHttpRequest, project: Project) -> HttpResponse:
    # CSRF is checked here, after the size check above, so that a too-big body is
    # refused without being read (the CSRF check would read it to find the token).
    if request.method != "POST":
        return _upload_page(request, project, UploadForm(project=project))
    form = UploadForm(request.POST, request.FILES, project=project)
    if not form.is_valid():
        return _upload_page(request, project, form, status=422)
    uploaded = form.cleaned_data["file"]
    if uploaded.size > settings.NEWSREVIEW_MAX_UPLOAD_BYTES:
        return _too_big(request, project)
    data = uploaded.read()
    annotator = form.cleaned_data.get("annotator")
    options = ImportOptions(
        format=form.cleaned_data.get("format") or None,
        layer=(form.cleaned_data.get("layer") or "").strip() or None,
        annotator=annotator.username if annotator else None,
        offset_unit=form.cleaned_data.get("offset_unit") or None,
    )
    files = read_uploaded(uploaded.name, data)
    if not isinstance(files, list):
        return _upload_page(request, project, form, str(files), status=422)
    stored = create_upload(
        session=request.session,
        user_id=request.user.pk,
        project_id=project.pk,
        name=uploaded.name,
        data=data,
        options=options,
    )
    result = preview(project=project, files=files, options=options, by=request.user)
    stored.save_summary(result)
    if result.errors:
        stored.drop_data()  # nothing can be confirmed; only the report is kept
    return navigate(request, reverse("imports:preview", args=[project.slug, stored.token]))


@require_GET
@login_required
def preview_page(request: HtmxHttpRequest, slug: str, token: str) -> HttpResponse:
    project = _managed_project(request, slug)
    stored = _upload_of(request, project, token)
    return _preview_response(request, project, stored)


def _preview_response(
    request: HtmxHttpRequest, project: Project, stored: Upload, status: int = 200
) -> HttpResponse:
    summary = stored.summary
    options = stored.options
    target = options.annotator or options.layer or default_layer_name(summary.get("format", ""))
    template = "imports/preview.html"
    if request.htmx and request.method == "POST":
        template += "#import-report"
    return render(
        request,
        template,
        {
            "project": project,
            "upload": stored,
            "summary": summary,
            "target": target,
            "can_confirm": not summary.get("error_count") and stored.has_data,
            "offset_unit": dict(OFFSET_UNIT_LABELS).get(options.offset_unit or "utf16")
            if summary.get("format") == "doccano"
            else None,
        },
        status=status,
    )


@require_POST
@login_required
def confirm(request: HtmxHttpRequest, slug: str, token: str) -> HttpResponse:
    """Import the stored file as a background job (parsed and validated again, then
    written, all or nothing). The page follows the job; a job already finished (the
    immediate backend) goes straight to its outcome."""
    project = _managed_project(request, slug)
    stored = _upload_of(request, project, token)
    if not stored.has_data:
        return _preview_response(request, project, stored, status=422)
    started = job_for_upload(request.user, token)
    if started is not None:
        # A second click, or a retried request: the first job is already on its way.
        return navigate(request, reverse("jobs:job-detail", args=[started.pk]))
    job = start_job(
        user=request.user,
        project=project,
        kind=Job.Kind.IMPORT,
        title=stored.name,
        params={"token": token},
        task=import_upload,
    )
    if job.status == Job.Status.DONE:
        forget_upload(request.session, stored)
        messages.success(request, job.message)
        return navigate(request, job.link)
    if job.status == Job.Status.FAILED:
        refreshed = get_upload(
            session=request.session, token=token, user_id=request.user.pk, project_id=project.pk
        )
        return _preview_response(request, project, refreshed or stored, status=422)
    return navigate(request, reverse("jobs:job-detail", args=[job.pk]))


def job_for_upload(user: object, token: str) -> Job | None:
    return (
        Job.objects.filter(user=user, kind=Job.Kind.IMPORT, params__token=token)
        .exclude(status=Job.Status.FAILED)
        .first()
    )


@require_GET
@login_required
def progress(request: HtmxHttpRequest, slug: str, token: str) -> HttpResponse:
    """How far the confirmed import is (polled by the preview page while it runs)."""
    project = _managed_project(request, slug)
    stored = get_upload(
        session=request.session, token=token, user_id=request.user.pk, project_id=project.pk
    )
    job = job_for_upload(request.user, token) if stored else None
    state = read_progress(job.pk) if job else None
    context = {
        "project": project,
        "token": token,
        # The file goes once the import is done (or refused): polling stops then.
        "running": stored is not None and stored.has_data,
        "state": state,
        "stage": STAGES.get(state["stage"], "") if state else _("Starting…"),
    }
    return render(request, "imports/preview.html#import-progress", context)


@require_POST
@login_required
def cancel(request: HtmxHttpRequest, slug: str, token: str) -> HttpResponse:
    project = _managed_project(request, slug)
    stored = _upload_of(request, project, token)
    forget_upload(request.session, stored)
    messages.info(request, _("The upload was discarded; nothing was imported."))
    return navigate(request, reverse("imports:upload", args=[project.slug]))
