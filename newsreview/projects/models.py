from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from newsreview.accounts.models import User

# Label keys are what exports carry (FORMATS.md §0): ASCII upper case.
key_validator = RegexValidator(
    r"^[A-Z][A-Z0-9_]*\Z", _("Use A-Z, digits and _, starting with a letter.")
)
colour_validator = RegexValidator(r"^#[0-9A-Fa-f]{6}\Z", _("Use a colour like #1971C2."))
shortcut_validator = RegexValidator(r"^[a-z0-9]\Z", _("Use one lower-case letter or digit."))

# FORMATS.md §10: keys the app itself uses; no label may take them.
RESERVED_SHORTCUTS = frozenset("arushkibx")


class LabelSchema(models.Model):
    """A set of entity and event types; projects point at one."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("label schema")

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"


class LabelBase(models.Model):
    key = models.CharField(_("key"), max_length=64, validators=[key_validator])
    name_en = models.CharField(_("English name"), max_length=200)
    name_ar = models.CharField(_("Arabic name"), max_length=200)
    colour = models.CharField(_("colour"), max_length=7, validators=[colour_validator])
    shortcut = models.CharField(
        _("shortcut key"), max_length=1, blank=True, validators=[shortcut_validator]
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        abstract = True
        ordering = ["order", "key"]

    def __str__(self) -> str:
        return self.key

    @property
    def name(self) -> str:
        """The display name in the active UI language."""
        return self.name_ar if (get_language() or "").startswith("ar") else self.name_en

    @property
    def shortcut_code(self) -> str:
        """The physical key (`KeyboardEvent.code`) for the shortcut: FORMATS.md §10."""
        if not self.shortcut:
            return ""
        return f"Digit{self.shortcut}" if self.shortcut.isdigit() else f"Key{self.shortcut.upper()}"


TEXT_COLOUR = "#1a1a1a"  # --fg in static/css/app.css
# static/css/app.css: .span--entity paints color-mix(label 70%, the white card), and a
# span nested in another paints 55% over its parent's fill.
FILL_SHARE, NESTED_SHARE = 0.7, 0.55
MIN_CONTRAST = 4.5  # WCAG AA for body text


def _luminance(rgb: tuple[float, float, float]) -> float:
    def channel(value: float) -> float:
        value /= 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(round(v)) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _rgb(colour: str) -> tuple[float, float, float]:
    return (int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16))


def _over(colour: tuple[float, ...], share: float, below: tuple[float, ...]) -> tuple:
    return tuple(c * share + b * (1 - share) for c, b in zip(colour, below, strict=True))


def fill_contrast(colour: str) -> float:
    """Contrast of the document text on the darkest fill the workspace paints for an entity
    label: a span of that label nested in another of the same label."""
    rgb = _rgb(colour)
    outer = _over(rgb, FILL_SHARE, (255, 255, 255))
    nested = _over(rgb, NESTED_SHARE, outer)
    light, dark = sorted((_luminance(nested), _luminance(_rgb(TEXT_COLOUR))), reverse=True)
    return (light + 0.05) / (dark + 0.05)


class EntityType(LabelBase):
    schema = models.ForeignKey(LabelSchema, on_delete=models.CASCADE, related_name="entity_types")

    class Meta(LabelBase.Meta):
        verbose_name = _("entity type")
        constraints = [
            models.UniqueConstraint(fields=["schema", "key"], name="entitytype_unique_key"),
        ]

    kind = "entity"

    def clean(self) -> None:
        # FORMATS.md §10: entity colours are light fills behind black text (≥ 4.5:1).
        if self.colour and colour_validator.regex.match(self.colour):
            ratio = fill_contrast(self.colour)
            if ratio < MIN_CONTRAST:
                raise ValidationError(
                    {
                        "colour": _(
                            "Too dark for a fill behind the text (contrast %(ratio).1f:1 where "
                            "spans nest, at least 4.5:1 needed): choose a lighter colour."
                        )
                        % {"ratio": ratio}
                    }
                )


class EventType(LabelBase):
    schema = models.ForeignKey(LabelSchema, on_delete=models.CASCADE, related_name="event_types")

    class Meta(LabelBase.Meta):
        verbose_name = _("event type")
        constraints = [
            models.UniqueConstraint(fields=["schema", "key"], name="eventtype_unique_key"),
        ]

    kind = "event"


class RoleType(models.Model):
    """An argument role of an event type; may restrict which entity types fill it."""

    event_type = models.ForeignKey(EventType, on_delete=models.CASCADE, related_name="roles")
    key = models.CharField(_("key"), max_length=64, validators=[key_validator])
    name_en = models.CharField(_("English name"), max_length=200)
    name_ar = models.CharField(_("Arabic name"), max_length=200)
    allowed_entity_types = models.ManyToManyField(
        EntityType,
        blank=True,
        related_name="allowed_in_roles",
        help_text=_("Empty means any entity type."),
    )
    is_required = models.BooleanField(_("required"), default=False)
    is_multiple = models.BooleanField(_("may repeat"), default=False)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "key"]
        verbose_name = _("role type")
        constraints = [
            models.UniqueConstraint(fields=["event_type", "key"], name="roletype_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type.key}.{self.key}"

    @property
    def name(self) -> str:
        return self.name_ar if (get_language() or "").startswith("ar") else self.name_en


attribute_key_validator = RegexValidator(
    r"^[a-z][a-z0-9_]*\Z", _("Use a-z, digits and _, starting with a letter.")
)
attribute_value_validator = RegexValidator(
    r"^[a-z][a-z0-9_]*\Z", _("Values use a-z, digits and _, starting with a letter.")
)
NOTE_MAX = 1_000  # a free-text attribute's longest value


def _no_values() -> list[str]:
    return []


class AttributeType(models.Model):
    """An event attribute of a schema (issue 12): `realis` with its allowed values, or,
    with no values, a free-text note. Stored in Event.attributes as {key: value}."""

    schema = models.ForeignKey(LabelSchema, on_delete=models.CASCADE, related_name="attributes")
    key = models.CharField(_("key"), max_length=64, validators=[attribute_key_validator])
    name_en = models.CharField(_("English name"), max_length=200)
    name_ar = models.CharField(_("Arabic name"), max_length=200)
    # Lower-case keys as exports carry them (jsonl "attributes", brat A lines); empty:
    # any text up to NOTE_MAX characters.
    values = models.JSONField(
        _("allowed values"),
        default=_no_values,
        blank=True,
        help_text=_('A list such as ["actual", "planned"]; empty for a free-text note.'),
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "key"]
        verbose_name = _("event attribute")
        constraints = [
            models.UniqueConstraint(fields=["schema", "key"], name="attributetype_unique_key"),
        ]

    def __str__(self) -> str:
        return self.key

    @property
    def name(self) -> str:
        return self.name_ar if (get_language() or "").startswith("ar") else self.name_en

    @property
    def is_free_text(self) -> bool:
        return not self.values

    def clean(self) -> None:
        values = self.values
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ValidationError({"values": _("Give the allowed values as a list of strings.")})
        for value in values:
            try:
                attribute_value_validator(value)
            except ValidationError as error:
                raise ValidationError({"values": f"{value}: {error.messages[0]}"}) from None
        if len(set(values)) != len(values):
            raise ValidationError({"values": _("Each value may appear once.")})


class ProjectQuerySet(models.QuerySet["Project"]):
    def visible_to(self, user: User) -> ProjectQuerySet:
        """Projects `user` is a member of (all of them for a superuser)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(memberships__user=user).distinct()

    def managed_by(self, user: User) -> ProjectQuerySet:
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(
            memberships__user=user, memberships__role=Membership.Role.MANAGER
        ).distinct()


class AssignmentMode(models.TextChoices):
    OPEN = "open", _("Open: any annotator takes any document")
    ASSIGNED = "assigned", _("Assigned: annotators see only their documents")


class Project(models.Model):
    AssignmentMode = AssignmentMode

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    language = models.CharField(_("language"), max_length=16, default="ar")
    schema = models.ForeignKey(
        LabelSchema,
        on_delete=models.PROTECT,
        related_name="projects",
        verbose_name=_("label schema"),
    )
    snap_to_words = models.BooleanField(
        _("snap selections to word boundaries"),
        default=False,
        help_text=_("Off: spans are exactly what the annotator selects (needed for clitics)."),
    )
    # Review (issue 10): how many submitted annotator layers make a document ready for
    # review, and whether candidates every one of them proposed go into gold by themselves.
    annotators_per_document = models.PositiveSmallIntegerField(
        _("annotators per document"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("A document is ready for review once this many annotators submitted it."),
    )
    preaccept_agreed = models.BooleanField(
        _("pre-accept agreed annotations"),
        default=True,
        help_text=_(
            "When review starts, annotations every required annotator made identically go "
            "into the gold layer; the reviewer can still remove them."
        ),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="projects", blank=True
    )
    assignment_mode = models.CharField(
        _("assignment"),
        max_length=16,
        choices=AssignmentMode.choices,
        default=AssignmentMode.OPEN,
        help_text=_(
            "Open: any annotator may take any document. Assigned: annotators see and open "
            "only the documents assigned to them."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("project")
        constraints = [
            models.CheckConstraint(
                condition=Q(assignment_mode__in=["open", "assigned"]),
                name="project_valid_assignment_mode",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("documents:document-list", args=[self.slug])

    def role_of(self, user: User) -> str | None:
        """The user's role here ('manager' for a superuser), or None."""
        if user.is_superuser:
            return Membership.Role.MANAGER
        membership = self.memberships.filter(user=user).only("role").first()
        return membership.role if membership else None


class Membership(models.Model):
    class Role(models.TextChoices):
        ANNOTATOR = "annotator", _("Annotator")
        REVIEWER = "reviewer", _("Reviewer")
        MANAGER = "manager", _("Manager")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.ANNOTATOR)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "user"]
        verbose_name = _("membership")
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="membership_unique_user"),
            models.CheckConstraint(
                condition=Q(role__in=["annotator", "reviewer", "manager"]),
                name="membership_valid_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.project} ({self.role})"


class Assignment(models.Model):
    """A document handed to an annotator. In an assigned-mode project it is what lets an
    annotator see the document; in either mode it orders their "next to do". Deleting
    it (unassigning) never touches the annotator's layer."""

    # By name: documents depends on projects, not the other way round (STYLE.md §1).
    # No index of its own: assignment_unique_annotator (document, annotator) serves it.
    document = models.ForeignKey(
        "documents.Document", on_delete=models.CASCADE, related_name="assignments", db_index=False
    )
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="assignments",
        verbose_name=_("annotator"),
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("assigned by"),
    )
    created_at = models.DateTimeField(_("assigned at"), auto_now_add=True)

    class Meta:
        ordering = ["document", "annotator"]
        verbose_name = _("assignment")
        constraints = [
            models.UniqueConstraint(
                fields=["document", "annotator"], name="assignment_unique_annotator"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document_id} → {self.annotator}"
