from __future__ import annotations

import hashlib
from functools import cache
from typing import TYPE_CHECKING

from django.db import connection, models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from newsreview.core import rows
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
        may see it (the rule of visible_to, assigned mode included), in one query; the
        user's role comes along (`document.project.role`, 'manager' for a superuser).
        Every workspace and curation write starts here: hand-written SQL, because
        compiling the equivalent ORM query cost more CPU than answering it (issue 14;
        tests/projects/test_permissions_opened.py holds it to visible_to)."""
        if not user.is_authenticated or not user.is_active:
            return None
        row = _opened_row(user.pk, slug, document_id)
        if row is None:
            return None
        role, is_assigned = row[-2], bool(row[-1])
        document, project, schema = _opened_instances(row)
        document.project, project.schema = project, schema
        if user.is_superuser:
            role = Membership.Role.MANAGER
        elif role is None:
            return None  # not a member: the project does not exist for them
        elif (
            role == Membership.Role.ANNOTATOR
            and project.assignment_mode == AssignmentMode.ASSIGNED
            and not is_assigned
        ):
            return None  # an assigned-mode annotator sees only their documents
        project.role = role
        project._role_cache = {user.pk: role}  # permissions.role_in asks no more
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


@cache
def _opened_sql() -> str:
    # Table and column names come from the models, never from input: the values are
    # parameters.
    schema = Project.schema.field.related_model
    return (
        f"SELECT {rows.columns(Document, 'd')}, {rows.columns(Project, 'p')}, "  # noqa: S608
        f"{rows.columns(schema, 's')}, "
        f"(SELECT m.role FROM {Membership._meta.db_table} m "
        " WHERE m.project_id = p.id AND m.user_id = %s LIMIT 1), "
        f"EXISTS (SELECT 1 FROM {Assignment._meta.db_table} a "
        " WHERE a.document_id = d.id AND a.annotator_id = %s) "
        f"FROM {Document._meta.db_table} d "
        f"JOIN {Project._meta.db_table} p ON p.id = d.project_id "
        f"JOIN {schema._meta.db_table} s ON s.id = p.schema_id "
        "WHERE d.id = %s AND p.slug = %s"
    )


def _opened_row(user_id: int, slug: str, document_id: int) -> tuple | None:
    with connection.cursor() as cursor:
        cursor.execute(_opened_sql(), [user_id, user_id, document_id, slug])
        return cursor.fetchone()


def _opened_instances(row: tuple) -> tuple[Document, Project, models.Model]:
    schema = Project.schema.field.related_model
    first, second = rows.width(Document), rows.width(Document) + rows.width(Project)
    return (
        rows.instance(Document, row[:first]),
        rows.instance(Project, row[first:second]),
        rows.instance(schema, row[second : second + rows.width(schema)]),
    )
