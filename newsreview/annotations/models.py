from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from newsreview.documents.models import Document
from newsreview.projects.models import EntityType, EventType, Membership, RoleType

if TYPE_CHECKING:
    from newsreview.accounts.models import User

GOLD = "gold"
REVIEW_ROLES = (Membership.Role.REVIEWER, Membership.Role.MANAGER)


class LayerQuerySet(models.QuerySet["AnnotationLayer"]):
    def viewable_by(self, user: User) -> LayerQuerySet:
        """Annotators see their own layers; reviewers and managers every layer of their projects."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(
            Q(owner=user, document__project__memberships__user=user)
            | Q(
                document__project__memberships__user=user,
                document__project__memberships__role__in=REVIEW_ROLES,
            )
        ).distinct()

    def editable_by(self, user: User) -> LayerQuerySet:
        """An annotator edits only their own layer; reviewers and managers the gold layer."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.filter(Q(owner=user) | Q(kind=AnnotationLayer.Kind.GOLD))
        return self.filter(
            Q(
                owner=user,
                kind=AnnotationLayer.Kind.ANNOTATOR,
                document__project__memberships__user=user,
            )
            | Q(
                kind=AnnotationLayer.Kind.GOLD,
                document__project__memberships__user=user,
                document__project__memberships__role__in=REVIEW_ROLES,
            )
        ).distinct()


class AnnotationLayer(models.Model):
    """One independent set of annotations on a document: an annotator's, the gold one,
    or a named pre-annotation layer (imports, models)."""

    class Kind(models.TextChoices):
        ANNOTATOR = "annotator", _("Annotator")
        GOLD = "gold", _("Gold")
        PREANNOTATION = "pre", _("Pre-annotation")

    class Status(models.TextChoices):
        NEW = "new", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        # Stored as "done" (exports and imports keep that value); shown as "Submitted".
        DONE = "done", _("Submitted")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        REVIEWED = "reviewed", _("Reviewed")

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="layers")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.ANNOTATOR)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="layers",
        verbose_name=_("annotator"),
    )
    name = models.CharField(
        _("name"),
        max_length=150,
        blank=True,
        help_text=_(
            "For gold and pre-annotation layers; an annotator's layer is named after them."
        ),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW
    )
    # Optimistic locking: every write checks and bumps it (PRODUCT.md: no lost work).
    version = models.PositiveIntegerField(_("version"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LayerQuerySet.as_manager()

    class Meta:
        ordering = ["document", "kind", "owner__username", "name"]
        verbose_name = _("annotation layer")
        constraints = [
            models.UniqueConstraint(
                fields=["document", "owner"],
                condition=Q(owner__isnull=False),
                name="layer_unique_owner",
            ),
            models.UniqueConstraint(
                fields=["document", "name"],
                condition=Q(owner__isnull=True),
                name="layer_unique_name",
            ),
            models.CheckConstraint(
                condition=(Q(kind="annotator", owner__isnull=False) | ~Q(kind="annotator")),
                name="layer_annotator_has_owner",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["annotator", "gold", "pre"]), name="layer_valid_kind"
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=["new", "in_progress", "done", "changes_requested", "reviewed"]
                ),
                name="layer_valid_status",
            ),
        ]
        indexes = [models.Index(fields=["status"], name="layer_status_idx")]

    def __str__(self) -> str:
        return f"{self.document_id}:{self.layer_name}"

    @property
    def layer_name(self) -> str:
        """The name exports use: 'gold', the annotator's username, or the layer's name."""
        if self.owner_id is not None:
            return self.owner.username
        return self.name or self.kind


class Span(models.Model):
    """A labelled `[start, end)` range of code points of the document text. Its label is an
    entity type, or an event type when it is an event trigger."""

    # No index of its own: span_layer_start_idx (layer, start) serves every layer lookup,
    # and each index costs bulk imports time (bench/bench_import.py).
    layer = models.ForeignKey(
        AnnotationLayer, on_delete=models.CASCADE, related_name="spans", db_index=False
    )
    start = models.PositiveIntegerField(_("start"))
    end = models.PositiveIntegerField(_("end"))
    # The labels are unindexed too: only deleting a label reads spans by label alone (a
    # scan, for a rare schema edit; every other read goes through the layer), while the
    # two indexes were a quarter of PostgreSQL's time storing imported spans.
    entity_type = models.ForeignKey(
        EntityType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="spans",
        db_index=False,
    )
    event_type = models.ForeignKey(
        EventType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="trigger_spans",
        db_index=False,
    )
    # What text[start:end] was when the span was made; exports check it still matches.
    text = models.TextField(_("text"))
    # Unindexed on purpose: only deleting a user reads it (rare), while every span write
    # would maintain the index.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Where the span came from when no one selected it by hand: "gazetteer" (an accepted
    # suggestion), "mentions" (label all mentions); empty for a hand-made span (issue 13).
    # db_default too: writers that list columns (COPY in imports) may leave it out.
    origin = models.CharField(_("origin"), max_length=32, blank=True, default="", db_default="")

    class Meta:
        ordering = ["start", "-end", "id"]
        verbose_name = _("span")
        constraints = [
            models.CheckConstraint(
                condition=Q(start__gte=0) & Q(end__gt=F("start")), name="span_offsets_ordered"
            ),
            models.CheckConstraint(
                condition=(
                    Q(entity_type__isnull=False, event_type__isnull=True)
                    | Q(entity_type__isnull=True, event_type__isnull=False)
                ),
                name="span_one_label",
            ),
            models.UniqueConstraint(
                fields=["layer", "start", "end", "entity_type"],
                condition=Q(entity_type__isnull=False),
                name="span_unique_entity",
            ),
            models.UniqueConstraint(
                fields=["layer", "start", "end", "event_type"],
                condition=Q(event_type__isnull=False),
                name="span_unique_trigger",
            ),
        ]
        indexes = [models.Index(fields=["layer", "start"], name="span_layer_start_idx")]

    def __str__(self) -> str:
        return f"{self.label_key} [{self.start}, {self.end})"

    @property
    def label(self) -> EntityType | EventType:
        return self.entity_type if self.entity_type_id is not None else self.event_type

    @property
    def label_key(self) -> str:
        return self.label.key

    @property
    def is_trigger(self) -> bool:
        return self.event_type_id is not None

    def as_record(self) -> dict[str, Any]:
        return {
            "id": self.pk,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "entity_type": self.entity_type_id,
            "event_type": self.event_type_id,
            "label": self.label_key,
            "origin": self.origin,
        }


class Event(models.Model):
    """An event: its trigger span (labelled with the event type) and its arguments."""

    layer = models.ForeignKey(AnnotationLayer, on_delete=models.CASCADE, related_name="events")
    trigger = models.OneToOneField(Span, on_delete=models.CASCADE, related_name="event")
    event_type = models.ForeignKey(EventType, on_delete=models.PROTECT, related_name="events")
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["trigger__start", "id"]
        verbose_name = _("event")

    def __str__(self) -> str:
        return f"{self.event_type.key} @ {self.trigger_id}"


class Argument(models.Model):
    """A role of an event filled by an entity span of the same layer."""

    # Indexed through argument_unique (event, role, span), whose first column it is.
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="arguments", db_index=False
    )
    role = models.ForeignKey(RoleType, on_delete=models.PROTECT, related_name="arguments")
    span = models.ForeignKey(Span, on_delete=models.CASCADE, related_name="argument_of")

    class Meta:
        ordering = ["event", "role__order", "span__start", "id"]
        verbose_name = _("argument")
        constraints = [
            models.UniqueConstraint(fields=["event", "role", "span"], name="argument_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.role.key} → {self.span_id}"


class Comment(models.Model):
    """A remark on a layer, optionally about one span (reviewers' notes travel in exports)."""

    layer = models.ForeignKey(AnnotationLayer, on_delete=models.CASCADE, related_name="comments")
    span = models.ForeignKey(
        Span, on_delete=models.SET_NULL, null=True, blank=True, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="comments"
    )
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")

    def __str__(self) -> str:
        return self.text[:60]


class Change(models.Model):
    """The audit trail: one row per change to a layer (who, when, what, before → after).
    Undo and redo read it back, so it also carries their state."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="changes")
    # No index of its own: change_layer_user_idx (layer, user, -id) serves every lookup
    # by layer, and every write (each action, each imported layer) would maintain both.
    layer = models.ForeignKey(
        AnnotationLayer,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="changes",
        db_index=False,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="changes",
    )
    action = models.CharField(_("action"), max_length=40)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    is_undone = models.BooleanField(default=False)
    is_redoable = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("change")
        indexes = [
            models.Index(fields=["layer", "user", "-id"], name="change_layer_user_idx"),
            # Every write ends the writer's redo chain (services.close_write) and redo looks
            # for its start: the few redoable rows, found without reading the layer's
            # whole history, which grows all day.
            models.Index(
                fields=["layer", "user", "id"],
                condition=Q(is_redoable=True),
                name="change_redoable_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} by {self.user} at {self.created_at:%Y-%m-%d %H:%M}"


class AppliedAction(models.Model):
    """An action id the workspace generated, remembered per layer once its write committed.
    A retried request whose first answer was lost (issue 9) finds its id here and is
    answered with the current view instead of being applied twice."""

    layer = models.ForeignKey(
        AnnotationLayer, on_delete=models.CASCADE, related_name="applied_actions", db_index=False
    )
    key = models.CharField(_("action id"), max_length=64)
    # What the first answer said that the client needs again (e.g. the new span's id).
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("applied action")
        constraints = [
            models.UniqueConstraint(fields=["layer", "key"], name="applied_action_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.layer_id}:{self.key}"
