"""The project gazetteer (text → label) and the suggestions an annotator rejected."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from newsreview.annotations.models import AnnotationLayer
from newsreview.projects.models import EntityType, Project

from .normalise import normalise_text


class GazetteerEntry(models.Model):
    """One name the project knows: its text, the entity type it gets, and where it comes
    from. Gold entries are rebuilt from the reviewed gold layers (with how often the text
    was labelled so); uploaded and admin entries are the managers' own."""

    class Source(models.TextChoices):
        GOLD = "gold", _("Reviewed gold layers")
        UPLOAD = "upload", _("Uploaded CSV")
        ADMIN = "admin", _("Entered in the admin")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="gazetteer_entries")
    text = models.CharField(_("text"), max_length=500)
    # normalise.normalise_text(text), whitespace collapsed: what matching compares.
    normalised = models.CharField(_("normalised text"), max_length=500, editable=False)
    entity_type = models.ForeignKey(
        EntityType, on_delete=models.CASCADE, related_name="+", verbose_name=_("label")
    )
    source = models.CharField(
        _("source"), max_length=16, choices=Source.choices, default=Source.ADMIN
    )
    count = models.PositiveIntegerField(
        _("count"), default=0, help_text=_("How often reviewed gold layers label this text so.")
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive entries are never suggested.")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["project", "normalised", "entity_type"]
        verbose_name = _("gazetteer entry")
        verbose_name_plural = _("gazetteer entries")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "normalised", "entity_type", "source"],
                name="gazetteer_entry_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(source__in=["gold", "upload", "admin"]),
                name="gazetteer_entry_valid_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.text} → {self.entity_type.key}"

    def save(self, *args, **kwargs) -> None:
        # Derived data, kept in step with the text on every save (as Document.checksum).
        self.normalised = normalised_key(self.text)
        super().save(*args, **kwargs)
        _entries_changed(self.project_id)

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        _entries_changed(self.project_id)
        return result

    def clean(self) -> None:
        if (
            self.project_id
            and self.entity_type_id
            and self.entity_type.schema_id != self.project.schema_id
        ):
            raise ValidationError(
                {"entity_type": _("This label is not part of the project's schema.")}
            )
        if "\n" in (self.text or "") or not normalised_key(self.text or ""):
            raise ValidationError({"text": _("Enter a name on one line, with letters.")})


def normalised_key(text: str) -> str:
    """The gazetteer's key for `text`: normalised, white space collapsed."""
    return " ".join(normalise_text(text).split())


class Gazetteer(models.Model):
    """Bookkeeping of a project's gazetteer: which state of the reviewed gold layers its
    gold entries were built from, so opening a document rebuilds them only after a
    review changed (services.ensure_built)."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="gazetteer")
    gold_fingerprint = models.CharField(max_length=100, blank=True)
    built_at = models.DateTimeField(null=True, blank=True)
    # Renewed by every write to the project's entries (gazetteer.entries_changed): what
    # each process's compiled matcher is checked against, one row read instead of an
    # aggregate over every entry.
    revision = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("gazetteer")

    def __str__(self) -> str:
        return str(self.project)


class RejectedSuggestion(models.Model):
    """A suggestion the annotator rejected in their layer: it is not offered again."""

    layer = models.ForeignKey(
        AnnotationLayer, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    entity_type = models.ForeignKey(EntityType, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rejected suggestion")
        constraints = [
            models.UniqueConstraint(
                fields=["layer", "start", "end", "entity_type"], name="rejected_suggestion_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.layer_id} [{self.start}, {self.end})"


def _entries_changed(project_id: int) -> None:
    from .gazetteer import entries_changed  # gazetteer imports these models

    entries_changed(project_id)
