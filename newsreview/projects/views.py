from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Count, OuterRef, Subquery, Value
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from newsreview.core.http import HtmxHttpRequest, navigate

from .models import Membership, Project
from .permissions import MANAGER_ROLES, project_for
from .services import ProjectError, add_member, remove_member


@require_GET
@login_required
def project_list(request: HtmxHttpRequest) -> HttpResponse:
    my_role = Membership.objects.filter(project=OuterRef("pk"), user=request.user).values("role")
    projects = (
        Project.objects.visible_to(request.user)
        .annotate(
            document_count=Count("documents", distinct=True),
            my_role=Value(Membership.Role.MANAGER)
            if request.user.is_superuser
            else Subquery(my_role[:1]),
        )
        .order_by("name")
    )
    return render(request, "projects/project_list.html", {"projects": projects})


def _members_page(
    request: HtmxHttpRequest, project: Project, *, error: str = "", status: int = 200
) -> HttpResponse:
    members = (
        Membership.objects.filter(project=project).select_related("user").order_by("user__username")
    )
    return render(
        request,
        "projects/member_list.html",
        {
            "project": project,
            "members": members,
            "roles": Membership.Role.choices,
            "error": error,
            "form_username": request.POST.get("username", "") if request.method == "POST" else "",
            "form_role": request.POST.get("role", "") if request.method == "POST" else "",
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def member_list(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Who works on the project; managers add a member (or change a role) by username."""
    project = project_for(request.user, slug, roles=MANAGER_ROLES)
    if request.method == "GET":
        return _members_page(request, project)
    username = request.POST.get("username", "").strip()
    role = request.POST.get("role", "")
    user = get_user_model().objects.filter(username=username).first() if username else None
    if user is None:
        # Managers add colleagues they know by name; saying "no such user" only tells
        # them what they could already see in the admin, so it leaks nothing new.
        return _members_page(
            request,
            project,
            error=_("There is no user “%(username)s”. Check the spelling.") % {"username": username}
            if username
            else _("Enter a username."),
            status=422,
        )
    try:
        add_member(project=project, user=user, role=role, by=request.user)
    except ProjectError as error:
        return _members_page(request, project, error=error.message, status=422)
    messages.success(
        request,
        _("%(username)s is now %(role)s.")
        % {"username": user.username, "role": Membership.Role(role).label.lower()},
    )
    return navigate(request, reverse("projects:member-list", args=[project.slug]))


@require_POST
@login_required
def member_remove(request: HtmxHttpRequest, slug: str, user_id: int) -> HttpResponse:
    project = project_for(request.user, slug, roles=MANAGER_ROLES)
    membership = get_object_or_404(
        Membership.objects.select_related("user"), project=project, user_id=user_id
    )
    try:
        remove_member(project=project, user=membership.user, by=request.user)
    except ProjectError as error:
        return _members_page(request, project, error=error.message, status=422)
    messages.success(
        request, _("%(username)s was removed from the project.") % {"username": membership.user}
    )
    return navigate(request, reverse("projects:member-list", args=[project.slug]))
