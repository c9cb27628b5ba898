"""Handing documents to annotators (issue 11): by hand, and balanced automatically.

Views, the admin and the `assign` command all call these. Assignment rows are the only
thing they write: unassigning never touches a layer (the annotator's work stays, it is
only hidden from them in an assigned-mode project until they are assigned again).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.contrib.admin.models import ADDITION, DELETION, LogEntry
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from .models import Assignment, Membership, Project
from .services import ProjectError

if TYPE_CHECKING:
    from newsreview.accounts.models import User

BATCH = 2_000


def _check_manager(project: Project, by: User | None) -> None:
    # `by=None` is the command line, run by whoever runs the server.
    if by is not None and not Project.objects.managed_by(by).filter(pk=project.pk).exists():
        raise ProjectError("forbidden", _("Only this project's managers can assign documents."))


def _document_ids(project: Project, documents: Iterable[object]) -> list[int]:
    """The ids of `documents` (ids or Document rows), all of which must be in `project`."""
    wanted = sorted({getattr(d, "pk", d) for d in documents})
    if not wanted:
        raise ProjectError("no_documents", _("Select at least one document."))
    if not all(isinstance(pk, int) for pk in wanted):
        raise ProjectError("bad_document", _("Documents are named by their number."))
    from newsreview.documents.models import Document  # documents imports projects

    found = set(
        Document.objects.filter(project=project, pk__in=wanted).values_list("pk", flat=True)
    )
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise ProjectError(
            "not_in_project",
            _("Document %(id)s is not in this project.") % {"id": missing[0]},
        )
    return wanted


def project_annotators(project: Project) -> list[User]:
    """Active members with the annotator role, by username: who automatic assignment
    hands work to unless told otherwise."""
    return list(
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__project=project,
            memberships__role=Membership.Role.ANNOTATOR,
        )
        .order_by("username")
    )


def _check_annotators(project: Project, annotators: Sequence[User]) -> list[User]:
    if not annotators:
        raise ProjectError("no_annotators", _("Choose at least one annotator."))
    members = set(
        Membership.objects.filter(
            project=project, user__in=annotators, user__is_active=True
        ).values_list("user_id", flat=True)
    )
    for user in annotators:
        if user.pk not in members:
            raise ProjectError(
                "not_a_member",
                _("%(username)s is not an active member of this project.")
                % {"username": user.username},
            )
    return sorted(set(annotators), key=lambda u: u.username)


def _log(by: User | None, project: Project, flag: int, message: str) -> None:
    """Who assigned what, in Django's admin log (one entry per call, not per document)."""
    if by is None:
        return
    LogEntry.objects.log_actions(
        by.pk, Project.objects.filter(pk=project.pk), flag, change_message=message[:2000]
    )


def _describe(ids: Sequence[int]) -> str:
    shown = ", ".join(map(str, ids[:20]))
    return shown + (f", … ({len(ids)} documents)" if len(ids) > 20 else "")


@transaction.atomic
def assign_documents(
    *, project: Project, documents: Iterable[object], annotators: Sequence[User], by: User | None
) -> int:
    """Assign every document to every annotator (already-assigned pairs are kept as they
    are); the number of new assignments."""
    _check_manager(project, by)
    ids = _document_ids(project, documents)
    users = _check_annotators(project, annotators)
    existing = set(
        Assignment.objects.filter(document_id__in=ids, annotator__in=users).values_list(
            "document_id", "annotator_id"
        )
    )
    rows = [
        Assignment(document_id=pk, annotator=user, assigned_by=by)
        for pk in ids
        for user in users
        if (pk, user.pk) not in existing
    ]
    Assignment.objects.bulk_create(rows, batch_size=BATCH)
    if rows:
        _log(
            by,
            project,
            ADDITION,
            f"assigned {_describe(ids)} to {', '.join(u.username for u in users)}",
        )
    return len(rows)


@transaction.atomic
def unassign_documents(
    *, project: Project, documents: Iterable[object], annotators: Sequence[User], by: User | None
) -> int:
    """Remove the assignments of these documents to these annotators; their layers stay.
    The number of assignments removed."""
    _check_manager(project, by)
    ids = _document_ids(project, documents)
    if not annotators:
        raise ProjectError("no_annotators", _("Choose at least one annotator."))
    deleted, _counts = Assignment.objects.filter(
        document_id__in=ids, annotator__in=annotators
    ).delete()
    if deleted:
        _log(
            by,
            project,
            DELETION,
            f"unassigned {_describe(ids)} from {', '.join(u.username for u in annotators)}",
        )
    return deleted


def open_load(project: Project, annotators: Sequence[User]) -> dict[int, int]:
    """Per annotator id: documents assigned to them in `project` that they have not
    submitted yet (no layer of theirs is submitted or reviewed)."""
    from newsreview.annotations.models import AnnotationLayer  # annotations imports projects

    finished = AnnotationLayer.objects.filter(
        document__project=project,
        owner__in=annotators,
        status__in=[AnnotationLayer.Status.DONE, AnnotationLayer.Status.REVIEWED],
    ).values_list("document_id", "owner_id")
    done = set(finished)
    load = {u.pk: 0 for u in annotators}
    rows = Assignment.objects.filter(document__project=project, annotator__in=annotators)
    for document_id, annotator_id in rows.values_list("document_id", "annotator_id").iterator(
        chunk_size=BATCH
    ):
        if (document_id, annotator_id) not in done:
            load[annotator_id] += 1
    return load


@dataclass
class AutoAssignResult:
    documents: int = 0  # documents that received at least one new assignment
    assignments: int = 0
    load_before: dict[str, int] = field(default_factory=dict)  # username -> open load
    load_after: dict[str, int] = field(default_factory=dict)


@transaction.atomic
def auto_assign(
    *,
    project: Project,
    per_document: int,
    annotators: Sequence[User] | None = None,
    by: User | None,
) -> AutoAssignResult:
    """Give each document that has fewer than `per_document` annotators enough more to
    reach it (an unassigned document gets `per_document`), each time choosing the
    annotators with the smallest open load, so loads end up even to within one.

    `annotators` defaults to the project's active annotators. Documents are taken in id
    order (the queue order); ties go to the annotator first by username, so the result is
    deterministic."""
    _check_manager(project, by)
    users = _check_annotators(
        project, project_annotators(project) if annotators is None else annotators
    )
    if not 1 <= per_document <= len(users):
        raise ProjectError(
            "bad_count",
            _("Each document can go to between 1 and %(n)d of the chosen annotators.")
            % {"n": len(users)},
        )
    from newsreview.documents.models import Document  # documents imports projects

    load = open_load(project, users)
    result = AutoAssignResult(load_before={u.username: load[u.pk] for u in users})
    order = {u.pk: i for i, u in enumerate(users)}
    heap = [(load[u.pk], order[u.pk], u.pk) for u in users]
    heapq.heapify(heap)
    by_pk = {u.pk: u for u in users}
    existing: dict[int, set[int]] = {}
    wanting = (
        Document.objects.filter(project=project)
        .annotate(n=Count("assignments"))
        .filter(n__lt=per_document)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    ids = list(wanting)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        for document_id, annotator_id in Assignment.objects.filter(
            document_id__in=chunk
        ).values_list("document_id", "annotator_id"):
            existing.setdefault(document_id, set()).add(annotator_id)
    rows: list[Assignment] = []
    for document_id in ids:
        have = existing.get(document_id, set())
        need = per_document - len(have)
        taken, skipped = [], []
        # Least loaded first; an annotator already on this document (or one who is not
        # among the chosen ones but was assigned by hand) is skipped, not counted twice.
        while heap and len(taken) < need:
            entry = heapq.heappop(heap)
            (skipped if entry[2] in have else taken).append(entry)
        for current, rank, pk in taken:
            rows.append(Assignment(document_id=document_id, annotator=by_pk[pk], assigned_by=by))
            heapq.heappush(heap, (current + 1, rank, pk))
        for entry in skipped:
            heapq.heappush(heap, entry)
        if taken:
            result.documents += 1
        if len(rows) >= BATCH:
            Assignment.objects.bulk_create(rows)
            result.assignments += len(rows)
            rows = []
    Assignment.objects.bulk_create(rows)
    result.assignments += len(rows)
    result.load_after = {by_pk[pk].username: current for current, _rank, pk in heap}
    if result.assignments:
        _log(
            by,
            project,
            ADDITION,
            f"automatic assignment: {result.assignments} assignments over {result.documents} "
            f"documents, {per_document} per document, to "
            f"{', '.join(u.username for u in users)}",
        )
    return result


def annotators_by_name(project: Project, usernames: Iterable[str]) -> list[User]:
    """The members named (for the command line and forms); an unknown name is an error."""
    names = [n.strip() for n in usernames if n.strip()]
    users = {
        u.username: u
        for u in get_user_model().objects.filter(username__in=names, memberships__project=project)
    }
    for name in names:
        if name not in users:
            raise ProjectError(
                "not_a_member",
                _("%(username)s is not a member of this project.") % {"username": name},
            )
    return [users[n] for n in dict.fromkeys(names)]
