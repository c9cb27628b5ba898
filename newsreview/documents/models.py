from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _

from newsreview.projects.models import Assignment, AssignmentMode, Membership, Project

if TYPE_CHECKING:
    from newsreview.accounts.models import User


def text_checksum(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class DocumentQuerySet(models.QuerySet["Document"]):
    def visible_to(self, user: User) -> DocumentQuerySet:
        """Documents of the projects `user` belongs to; in an assigned-mode project an
        annotator sees only the documents assigned to them (issue 11). Every view that
        shows or opens a document starts here, so this is the one place that rule lives."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        memberships = Membership.objects.filter(user=user)
        everything = memberships.filter(
            Q(role__in=[Membership.Role.REVIEWER, Membership.Role.MANAGER])
            | Q(project__assignment_mode=AssignmentMode.OPEN)
        ).values("project_id")
        assigned_only = memberships.filter(
            role=Membership.Role.ANNOTATOR, project__assignment_mode=AssignmentMode.ASSIGNED
        ).values("project_id")
        # Subqueries, not joins: a document with several assignments stays one row.
        mine = Assignment.objects.filter(document=OuterRef("pk"), annotator=user)
        return self.filter(
            Q(project_id__in=everything) | (Q(project_id__in=assigned_only) & Exists(mine))
        )

    def opened_by(self, user: User, slug: str, document_id: int) -> Document | None:
        """Document `document_id` of project `slug` with its project and schema, if `user`
        may see it (the rule of visible_to), in one query: the user's role comes along
        (`document.project.role`, 'manager' for a superuser). The workspace's and the
        curation page's writes start here, so the rule costs one indexed look-up, not
        the membership subqueries' planning (issue 14)."""
        if not user.is_authenticated or not user.is_active:
            return None
        rows = self.filter(pk=document_id, project__slug=slug).select_related("project__schema")
        if not user.is_superuser:
            role = Membership.objects.filter(project=OuterRef("project_id"), user=user)
            mine = Assignment.objects.filter(document=OuterRef("pk"), annotator=user)
            rows = rows.annotate(
                member_role=Subquery(role.values("role")[:1]), is_assigned=Exists(mine)
            )
        document = rows.first()
        if document is None:
            return None
        project = document.project
        if user.is_superuser:
            project.role = Membership.Role.MANAGER
        else:
            project.role = document.member_role
            if project.role is None:
                return None  # not a member: the project does not exist for them
            if (
                project.role == Membership.Role.ANNOTATOR
                and project.assignment_mode == AssignmentMode.ASSIGNED
                and not document.is_assigned
            ):
                return None  # an assigned-mode annotator sees only their documents
        project._role_cache = {user.pk: project.role}  # permissions.role_in asks no more
        return document

    def managed_by(self, user: User) -> DocumentQuerySet:
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(
            project__memberships__user=user,
            project__memberships__role=Membership.Role.MANAGER,
        )


class Document(models.Model):
    """One article. Its text is immutable once any annotation exists (PRODUCT.md)."""

    class Direction(models.TextChoices):
        RTL = "rtl", _("Right to left")
        LTR = "ltr", _("Left to right")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=500)
    text = models.TextField(_("text"))
    language = models.CharField(_("language"), max_length=16, default="ar")
    direction = models.CharField(
        _("direction"), max_length=3, choices=Direction.choices, default=Direction.RTL
    )
    source_url = models.URLField(_("source URL"), max_length=2000, blank=True)
    published_on = models.DateField(_("published"), null=True, blank=True)
    external_id = models.CharField(_("external id"), max_length=200, blank=True)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    checksum = models.CharField(_("text checksum (SHA-256)"), max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("document")
        indexes = [models.Index(fields=["project", "checksum"], name="document_checksum_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "external_id"],
                condition=~Q(external_id=""),
                name="document_unique_external_id",
            ),
            models.CheckConstraint(
                condition=Q(direction__in=["rtl", "ltr"]), name="document_valid_direction"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        # The checksum is derived data: keep it in step with the text on every save.
        self.checksum = text_checksum(self.text)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("documents:document-detail", args=[self.project.slug, self.pk])

    @property
    def export_id(self) -> str:
        """The stable id exports carry: the external id, else `NNN_<checksum prefix>`."""
        return self.external_id or f"{self.pk:03d}_{self.checksum[:16]}"

    @property
    def is_annotated(self) -> bool:
        return self.layers.filter(spans__isnull=False).exists()
