"""Progress of a project and of each annotator (issue 11): assigned / in progress /
submitted / reviewed, in a constant number of queries however large the project.

"Submitted" is the layer status stored as "done" (`AnnotationLayer.Status.DONE`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from newsreview.annotations.models import AnnotationLayer, Change, Span
from newsreview.documents.models import Document
from newsreview.projects.models import Assignment, Membership, Project

Status = AnnotationLayer.Status


@dataclass
class Progress:
    """One bar: `total` documents, of which each state counts its own (they add up)."""

    name: str
    total: int = 0
    not_started: int = 0
    in_progress: int = 0
    submitted: int = 0
    reviewed: int = 0
    assigned: int = 0

    @property
    def finished(self) -> int:
        return self.submitted + self.reviewed

    def share(self, count: int) -> float:
        return 100 * count / self.total if self.total else 0.0

    @property
    def segments(self) -> list[tuple[str, int, float]]:
        """(state, count, percent) in bar order, for the template."""
        return [
            ("reviewed", self.reviewed, self.share(self.reviewed)),
            ("submitted", self.submitted, self.share(self.submitted)),
            ("in_progress", self.in_progress, self.share(self.in_progress)),
            ("not_started", self.not_started, self.share(self.not_started)),
        ]


def annotator_progress(project: Project, only: int | None = None) -> list[Progress]:
    """Per annotator (members with the annotator role, and anyone else with a layer or an
    assignment here): their documents are those assigned to them plus those they started
    without an assignment. Three queries. `only`: one user id (an annotator's own bar)."""
    assignments = Assignment.objects.filter(document__project=project)
    layers = AnnotationLayer.objects.filter(
        document__project=project, kind=AnnotationLayer.Kind.ANNOTATOR
    )
    members = Membership.objects.filter(project=project, role=Membership.Role.ANNOTATOR)
    if only is not None:
        assignments, layers = assignments.filter(annotator_id=only), layers.filter(owner_id=only)
        members = members.filter(user_id=only)
    assigned = dict(
        assignments.order_by()
        .values("annotator_id")
        .annotate(n=Count("id"))
        .values_list("annotator_id", "n")
    )
    is_assigned = Assignment.objects.filter(
        document=OuterRef("document"), annotator=OuterRef("owner")
    )
    rows = (
        layers.order_by()
        .annotate(is_assigned=Exists(is_assigned))
        .values("owner_id", "status", "is_assigned")
        .annotate(n=Count("id"))
        .values_list("owner_id", "status", "is_assigned", "n")
    )
    by_user: dict[int, Progress] = {}
    user_ids = set(assigned) | set(members.values_list("user_id", flat=True))
    counts = list(rows)
    user_ids |= {owner for owner, *_rest in counts}
    names = dict(get_user_model().objects.filter(pk__in=user_ids).values_list("pk", "username"))
    for pk in user_ids:
        by_user[pk] = Progress(name=names.get(pk, "?"), assigned=assigned.get(pk, 0))
        by_user[pk].total = by_user[pk].assigned
    for owner, status, is_assigned_row, n in counts:
        progress = by_user[owner]
        if not is_assigned_row and status != Status.NEW:
            progress.total += n  # started without an assignment (open mode)
        if status == Status.IN_PROGRESS:
            progress.in_progress += n
        elif status == Status.DONE:
            progress.submitted += n
        elif status == Status.REVIEWED:
            progress.reviewed += n
    for progress in by_user.values():
        progress.not_started = max(
            0, progress.total - progress.in_progress - progress.submitted - progress.reviewed
        )
    return sorted(by_user.values(), key=lambda p: p.name)


def project_progress(project: Project) -> Progress:
    """The project's documents, each counted once in the furthest state any of its layers
    reached (reviewed, submitted, in progress), else as assigned or not. One query."""
    layers = AnnotationLayer.objects.filter(document=OuterRef("pk"))
    figures = (
        Document.objects.filter(project=project)
        .annotate(
            has_reviewed=Exists(layers.filter(status=Status.REVIEWED)),
            has_submitted=Exists(layers.filter(status=Status.DONE)),
            has_started=Exists(layers.filter(status=Status.IN_PROGRESS)),
            has_assignment=Exists(Assignment.objects.filter(document=OuterRef("pk"))),
        )
        .aggregate(
            total=Count("pk"),
            reviewed=Count("pk", filter=Q(has_reviewed=True)),
            submitted=Count("pk", filter=Q(has_reviewed=False, has_submitted=True)),
            in_progress=Count(
                "pk", filter=Q(has_reviewed=False, has_submitted=False, has_started=True)
            ),
            assigned=Count("pk", filter=Q(has_assignment=True)),
        )
    )
    progress = Progress(name=project.name, **figures)
    progress.not_started = progress.total - progress.reviewed - progress.submitted
    progress.not_started -= progress.in_progress
    return progress


@dataclass
class Day:
    day: date
    spans: int = 0
    documents: int = 0


def throughput(project: Project, days: int = 30) -> list[Day]:
    """Per day over the last `days` days (today included): spans created in annotator
    layers, and documents that had a layer submitted that day (the audit trail's status
    changes to submitted). Two queries."""
    today = timezone.localdate()
    first = today - timedelta(days=days - 1)
    since = timezone.make_aware(datetime.combine(first, time.min))
    table = {first + timedelta(days=n): Day(first + timedelta(days=n)) for n in range(days)}
    spans = (
        Span.objects.filter(
            layer__document__project=project,
            layer__kind=AnnotationLayer.Kind.ANNOTATOR,
            created_at__gte=since,
        )
        .annotate(day=TruncDate("created_at"))
        .order_by()
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    for day, n in spans:
        if day in table:
            table[day].spans = n
    submitted = (
        Change.objects.filter(
            document__project=project,
            action="layer.status",
            after__status=Status.DONE,
            created_at__gte=since,
        )
        .annotate(day=TruncDate("created_at"))
        .order_by()
        .values("day")
        .annotate(n=Count("document", distinct=True))
        .values_list("day", "n")
    )
    for day, n in submitted:
        if day in table:
            table[day].documents = n
    return [table[d] for d in sorted(table)]
