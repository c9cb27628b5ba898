"""The document list's filters (issue 11): status, annotator, label present and date,
each applied to the documents the viewer may see (`Document.objects.visible_to`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db.models import DateField, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast, Coalesce
from django.http import QueryDict
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from newsreview.annotations.models import AnnotationLayer, Span
from newsreview.projects.models import Assignment, EntityType, EventType, Membership, Project
from newsreview.projects.permissions import REVIEW_ROLES

from .models import Document

if TYPE_CHECKING:
    from newsreview.accounts.models import User

Status = AnnotationLayer.Status
STATUS_CHOICES = [
    (Status.NEW.value, Status.NEW.label),
    (Status.IN_PROGRESS.value, Status.IN_PROGRESS.label),
    # Stored as "done"; the workflow calls it submitted (issue 10).
    (Status.DONE.value, _("Submitted")),
    (Status.REVIEWED.value, Status.REVIEWED.label),
]
FILTER_KEYS = ("q", "status", "annotator", "label", "date_from", "date_to")


@dataclass
class ListFilters:
    query: str = ""
    status: str = ""
    annotator: Any = None  # a User
    label: str = ""
    date_from: date | None = None
    date_to: date | None = None
    errors: list[str] = field(default_factory=list)
    raw: dict[str, str] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return bool(
            self.query
            or self.status
            or self.annotator
            or self.label
            or self.date_from
            or self.date_to
        )

    @property
    def querystring(self) -> str:
        """The filters as a query string, for pagination links and redirects."""
        return urlencode({k: v for k, v in self.raw.items() if v})


def annotator_choices(project: Project) -> list[tuple[int, str]]:
    """Members who annotate (role annotator) or have an annotator layer or assignment."""
    users = get_user_model().objects.filter(
        Q(memberships__project=project, memberships__role=Membership.Role.ANNOTATOR)
        | Q(assignments__document__project=project)
        | Q(layers__document__project=project, layers__kind=AnnotationLayer.Kind.ANNOTATOR)
    )
    return list(users.distinct().order_by("username").values_list("pk", "username"))


def label_choices(project: Project) -> list[str]:
    schema_id = project.schema_id
    keys = list(EntityType.objects.filter(schema_id=schema_id).values_list("key", flat=True))
    keys += EventType.objects.filter(schema_id=schema_id).values_list("key", flat=True)
    return keys


def _date(value: str, errors: list[str]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(_("“%(value)s” is not a date (use YYYY-MM-DD).") % {"value": value})
        return None


def parse_filters(params: QueryDict, project: Project, role: str | None) -> ListFilters:
    """The filters from the query string; a bad value is reported and ignored."""
    raw = {key: params.get(key, "").strip() for key in FILTER_KEYS}
    filters = ListFilters(query=raw["q"], raw=raw)
    if raw["status"] in Status.values:
        filters.status = raw["status"]
    elif raw["status"]:
        filters.errors.append(_("Unknown status."))
    if raw["annotator"] and role in REVIEW_ROLES:
        # Reviewers and managers only: annotators see their own work anyway.
        pk = int(raw["annotator"]) if raw["annotator"].isdigit() else None
        filters.annotator = (
            get_user_model()
            .objects.filter(pk=pk, pk__in=[p for p, _n in annotator_choices(project)])
            .first()
            if pk is not None and len(raw["annotator"]) < 19
            else None
        )
        if filters.annotator is None:
            filters.errors.append(_("No such annotator in this project."))
    if raw["label"]:
        if raw["label"] in label_choices(project):
            filters.label = raw["label"]
        else:
            filters.errors.append(_("Unknown label."))
    filters.date_from = _date(raw["date_from"], filters.errors)
    filters.date_to = _date(raw["date_to"], filters.errors)
    return filters


def filtered_documents(
    project: Project, user: User, role: str | None, filters: ListFilters
) -> QuerySet[Document]:
    """The documents of `project` that `user` may see, narrowed by `filters`.

    Whose status and labels count: the chosen annotator's (reviewers and managers), else
    the viewer's own for an annotator, else any annotator's layer."""
    # The text query is not applied here: arabic.search matches it (normalised, ranked).
    documents = Document.objects.visible_to(user).filter(project=project)
    person = filters.annotator if filters.annotator is not None else None
    if person is None and role not in REVIEW_ROLES:
        person = user
    layers = AnnotationLayer.objects.filter(document=OuterRef("pk"))
    if person is not None:
        layers = layers.filter(owner=person)
    else:
        layers = layers.filter(kind=AnnotationLayer.Kind.ANNOTATOR)
    if filters.annotator is not None:
        documents = documents.filter(
            Exists(Assignment.objects.filter(document=OuterRef("pk"), annotator=person))
            | Exists(layers)
        )
    if filters.status == Status.NEW:
        documents = documents.exclude(Exists(layers.exclude(status=Status.NEW)))
    elif filters.status:
        documents = documents.filter(Exists(layers.filter(status=filters.status)))
    if filters.label:
        spans = Span.objects.filter(
            Q(entity_type__key=filters.label) | Q(event_type__key=filters.label),
            layer__document=OuterRef("pk"),
        )
        if person is not None:
            spans = spans.filter(layer__owner=person)
        documents = documents.filter(Exists(spans))
    if filters.date_from or filters.date_to:
        documents = documents.annotate(
            day=Coalesce("published_on", Cast("created_at", DateField()))
        )
        if filters.date_from:
            documents = documents.filter(day__gte=filters.date_from)
        if filters.date_to:
            documents = documents.filter(day__lte=filters.date_to)
    return documents
