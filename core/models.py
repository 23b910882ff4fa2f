"""Records that are not the domain's: uploads waiting for confirmation, background jobs.

Both were made by the contest app; their tables keep the names it gave them.
"""

import secrets
import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.storage import private_storage


def random_name(folder: str, filename: str) -> str:
    """A name nobody can guess; only the extension (of the verified type) is kept."""
    suffix = PurePath(filename).suffix.lower()[:8]
    return f"{folder}/{secrets.token_hex(16)}{suffix}"


def _pending_path(instance, filename: str) -> str:
    return random_name("pending", filename)


class PendingUpload(models.Model):
    """An uploaded file between its preview and its confirmation.

    The confirmation names it by this random id, and only its owner may use it, only in
    its scope (``paper:<contest id>``, ``bank:<bank id>``) and before it expires: never by a
    path the browser could rewrite. It is confirmed once (``job``).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=60)
    file = models.FileField(upload_to=_pending_path, storage=private_storage)
    original_name = models.CharField(max_length=255, blank=True)
    format = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    # The job its confirmation started: a second confirmation (a double click, the page sent
    # again) is sent to that job instead of starting another import of the same file.
    job = models.ForeignKey(
        "BackgroundJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        db_table = "contest_pendingupload"  # made by the contest app, kept in place

    def __str__(self) -> str:
        return f"{self.scope} · {self.original_name}"


class BackgroundJob(models.Model):
    """Progress of a long job run through django-tasks, for a page to watch."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Đang chờ")
        RUNNING = "running", _("Đang chạy")
        DONE = "done", _("Xong")
        FAILED = "failed", _("Lỗi")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=40)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "contest_backgroundjob"  # made by the contest app, kept in place

    def __str__(self) -> str:
        return f"{self.kind} {self.status} {self.done}/{self.total}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0
