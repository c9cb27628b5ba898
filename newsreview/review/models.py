"""Review records: what a reviewer decided about the candidates of a document, and the
status changes of its layers read as a timeline."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from newsreview.annotations.models import AnnotationLayer, Change, Span
from newsreview.documents.models import Document


class Decision(models.Model):
    """A reviewer's verdict on a candidate or a disagreement group (merge.py ids), with
    the origin of what went into gold: which layers proposed it, their span/event ids."""

    class Kind(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        PREACCEPTED = "preaccepted", _("Pre-accepted (all annotators agreed)")

    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="review_decisions"
    )
    kind = models.CharField(_("decision"), max_length=16, choices=Kind.choices)
    group = models.CharField(_("disagreement group"), max_length=200, blank=True)
    candidate = models.CharField(_("candidate"), max_length=300, blank=True)
    # {"layers": [names], "ids": {name: span or event id}, "label": key, "start", "end"}
    origin = models.JSONField(_("origin"), default=dict, blank=True)
    # The gold span (or trigger) the decision created; kept when the span goes.
    span = models.ForeignKey(
        Span, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The audit row of the write: undoing that row undoes the decision.
    change = models.ForeignKey(
        Change, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewer"),
    )
    is_undone = models.BooleanField(_("undone"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("review decision")
        indexes = [models.Index(fields=["document", "kind"], name="decision_document_kind_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["accepted", "rejected", "preaccepted"]),
                name="decision_valid_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.candidate or self.group}"


class TransitionManager(models.Manager["Transition"]):
    def get_queryset(self) -> models.QuerySet[Transition]:
        return super().get_queryset().filter(action="layer.status")


class Transition(Change):
    """A layer status change (who, when, from, to, comment): the audit rows that
    services.set_layer_status writes, read as the document's review timeline."""

    objects = TransitionManager()

    class Meta:
        proxy = True
        ordering = ["id"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def _side(self, state: Any, key: str) -> str:
        return state.get(key, "") if isinstance(state, dict) else ""

    @property
    def from_status(self) -> str:
        return self._side(self.before, "status")

    @property
    def to_status(self) -> str:
        return self._side(self.after, "status")

    @property
    def comment(self) -> str:
        return self._side(self.after, "comment")

    @staticmethod
    def status_label(value: str) -> str:
        try:
            return str(AnnotationLayer.Status(value).label)
        except ValueError:
            return value

    @property
    def from_label(self) -> str:
        return self.status_label(self.from_status)

    @property
    def to_label(self) -> str:
        return self.status_label(self.to_status)


class ReviewDocument(Document):
    """A document seen from review: its admin lists review status and approves or
    reopens (the documents admin stays about content)."""

    class Meta:
        proxy = True
        verbose_name = _("document review")
        verbose_name_plural = _("document reviews")
