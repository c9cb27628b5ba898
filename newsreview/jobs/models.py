"""A background job as its owner sees it: what it is, how far it got, how it ended.

The queue itself is django-tasks' (its database backend's table); this row is what the
"my jobs" page lists, kept after the task is gone, with the stored result's name."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from newsreview.projects.models import Project


class Job(models.Model):
    class Kind(models.TextChoices):
        IMPORT = "import", _("Import")
        EXPORT = "export", _("Export")
        MENTIONS = "mentions", _("Label all mentions")
        AGREEMENT = "agreement", _("Agreement figures")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs"
    )
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    title = models.CharField(max_length=300)
    # What the task needs (ids, an upload token, export choices): JSON, like its arguments.
    params = models.JSONField(default=dict, blank=True)
    # The outcome in words: a summary when done, the reason when failed.
    message = models.TextField(blank=True)
    # Where to go once done (the imported documents), if anywhere.
    link = models.CharField(max_length=500, blank=True)
    # The result in Django's storage (an export file), offered only once the job is done.
    result_file = models.CharField(max_length=500, blank=True)
    result_name = models.CharField(max_length=300, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="job_user_recent"),
            models.Index(fields=["status"], name="job_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def has_result(self) -> bool:
        return self.status == self.Status.DONE and bool(self.result_file)
