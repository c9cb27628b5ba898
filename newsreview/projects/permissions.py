"""The one permission layer views use: who may see a project, and in which role.

The rule everywhere (HELPERS.md): a project the user is not a member of does not
exist for them (404, so ids and slugs leak nothing); a project they belong to but
in a role too small for the page is a 403 (they know it exists, the page says no).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from newsreview.documents.models import Document

from .models import Membership, Project

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from newsreview.accounts.models import User

Role = Membership.Role
# Roles that may read other people's work and the audit trail.
REVIEW_ROLES: tuple[str, ...] = (Role.REVIEWER, Role.MANAGER)
MANAGER_ROLES: tuple[str, ...] = (Role.MANAGER,)


def role_in(user: User | AnonymousUser, project: Project) -> str | None:
    """The user's role in `project` ('manager' for a superuser), or None for a stranger
    (and for anonymous or deactivated users)."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Role.MANAGER
    cached = getattr(project, "_role_cache", {})
    if user.pk not in cached:
        cached[user.pk] = (
            Membership.objects.filter(project=project, user=user)
            .values_list("role", flat=True)
            .first()
        )
        project._role_cache = cached
    return cached[user.pk]


def project_for(
    user: User | AnonymousUser, slug: str, roles: Iterable[str] | None = None
) -> Project:
    """The project `slug` as `user` may see it, with `project.role` set.

    Raises Http404 when the user is not a member (or it does not exist) and
    PermissionDenied when they are a member whose role is not in `roles`.
    """
    project = Project.objects.visible_to(user).filter(slug=slug).select_related("schema").first()
    if project is None:
        raise Http404(_("No such project."))
    project.role = role_in(user, project)
    require_role(project, roles)
    return project


def require_role(project: Project, roles: Iterable[str] | None) -> None:
    """Raise PermissionDenied unless `project.role` (set by project_for) is in `roles`."""
    if roles is not None and project.role not in set(roles):
        raise PermissionDenied(_("Your role in this project does not allow this."))


def document_for(
    user: User | AnonymousUser, slug: str, document_id: int, roles: Iterable[str] | None = None
) -> Document:
    """The document `document_id` of project `slug` as `user` may see it.

    A document of another project (or a wrong slug/id pair) is a 404, like a
    project the user cannot see; a too-small role is a 403. `document.project.role`
    holds the user's role.
    """
    document = Document.objects.opened_by(user, slug, document_id)
    if document is None:
        # Which 404 (the rare path): no such project for them, or no such document in it.
        project_for(user, slug)
        raise Http404(_("No such document."))
    require_role(document.project, roles)
    return document
