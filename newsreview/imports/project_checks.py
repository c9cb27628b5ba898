"""The checks of a batch against the rest of the batch and the project (queries): document
ids, texts already in the project, the users a file names. `validation.Validator` runs
them chunk by chunk, before each chunk is written (services._check_and_write)."""

from __future__ import annotations

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from newsreview.accounts.models import User
from newsreview.documents.models import Document
from newsreview.projects.models import Membership, Project

from .parsed import Problem
from .plans import PlannedDocument
from .results import ImportOptions, ImportResult

USERNAME_MAX = User._meta.get_field("username").max_length
USERNAME_VALIDATOR = UnicodeUsernameValidator()


class ProjectChecks:
    """Validator's checks that query the project; the state they keep across chunks."""

    project: Project
    options: ImportOptions
    result: ImportResult
    planned: list[PlannedDocument]
    members_only: bool
    usernames: set[str]  # every user the batch names so far
    named_at: dict[str, tuple[str, str, str]]  # where each is first named
    users_checked: set[str]
    first_seen: dict[str, PlannedDocument]  # by document id (external_id)

    def error(self, file: str, where: str, field: str, message: str) -> None:
        self.result.errors.append(Problem(file, where, message, field))

    def check_external_ids(self, chunk: list[PlannedDocument]) -> None:
        """An id twice in the batch, or one the project has (a document written by this
        import, in an earlier chunk, is already reported as twice in the batch)."""
        first_seen = self.first_seen
        new: dict[str, PlannedDocument] = {}
        for planned in chunk:
            external_id = planned.document.external_id
            if not external_id:
                continue
            if external_id in first_seen:
                self.error(
                    planned.source,
                    planned.where,
                    "id",
                    _("the document id “%(id)s” appears twice in the import (also %(other)s)")
                    % {"id": external_id, "other": first_seen[external_id].where or "above"},
                )
            else:
                new[external_id] = planned
            first_seen[external_id] = planned
        if not new:
            return
        for external_id in Document.objects.filter(
            project=self.project, external_id__in=list(new)
        ).values_list("external_id", flat=True):
            self.error(
                new[external_id].source,
                new[external_id].where,
                "id",
                _("a document with the id “%(id)s” already exists in this project")
                % {"id": external_id},
            )

    def check_same_texts(self, chunk: list[PlannedDocument]) -> None:
        """Warn (not refuse) when a document without an id has the text of one already in
        the project: importing the same file twice would otherwise quietly make copies
        that leak across train/test splits. Documents this import wrote (earlier chunks,
        which have their ids by now) are not "already in the project"."""
        by_checksum = {p.document.checksum: p for p in chunk if not p.document.external_id}
        if not by_checksum:
            return
        found = list(
            Document.objects.filter(
                project=self.project, checksum__in=list(by_checksum)
            ).values_list("checksum", "pk")
        )
        if not found:
            return  # nearly always: the batch's own ids are only gathered when needed
        ours = {p.document.pk for p in self.planned if p.document.pk is not None}
        for checksum, pk in found:
            if pk in ours:
                continue
            planned = by_checksum[checksum]
            self.result.warnings.append(
                Problem(
                    planned.source,
                    planned.where,
                    _(
                        "a document with the same text is already in this project "
                        "(document %(pk)s); this import adds a second copy"
                    )
                    % {"pk": pk},
                )
            )

    def valid_username(self, file: str, where: str, field: str, username: str) -> bool:
        """A user named by the file may be created (check_users), so the name must be one
        Django's own forms would accept."""
        try:
            if len(username) > USERNAME_MAX:
                raise ValidationError(
                    _("a user name is limited to %(n)s characters") % {"n": USERNAME_MAX}
                )
            USERNAME_VALIDATOR(username)
        except ValidationError as error:
            self.error(
                file, where, field, f"“{username[:40]}”: " + " ".join(error.messages).rstrip(".")
            )
            return False
        return True

    def check_users(self) -> None:
        """The users named since the last call: those missing are to be created, unless
        the upload may only name the project's members. Per chunk, before the chunk is
        written: the writer creates the missing ones, which later checks must not take
        for users that were there."""
        new = self.usernames - self.users_checked
        if not new:
            return
        self.users_checked |= new
        existing = set(User.objects.filter(username__in=new).values_list("username", flat=True))
        missing = sorted(new - existing)
        if self.members_only:
            members = dict(
                Membership.objects.filter(project=self.project, user__username__in=new).values_list(
                    "user__username", "user__is_active"
                )
            )
            for username in sorted(new - {self.options.annotator}):
                if members.get(username):
                    continue
                file, where, field = self.named_at.get(username, ("", "", ""))
                if username in members:
                    message = _("“%(u)s” is a member of this project, but deactivated")
                else:
                    message = _(
                        "“%(u)s” is not a member of this project: add them on the members "
                        "page first (only the command line restores other accounts)"
                    )
                self.error(file, where, field, message % {"u": username})
            missing = [name for name in missing if name == self.options.annotator]
        if self.options.annotator and self.options.annotator in missing:
            self.error(
                "", "", "annotator", _("there is no user “%(u)s”") % {"u": self.options.annotator}
            )
            missing.remove(self.options.annotator)
        # Users named by a lossless export are restored as inactive accounts.
        self.result.users_to_create = sorted([*self.result.users_to_create, *missing])
