"""Uploads waiting between preview and confirmation (the upload-preview-confirm flow).

They live in the ``private`` storage (``PRIVATE_ROOT``, never aliased by the web
server) under random names. A pending upload is referred to by its id, bound to
the person who uploaded it and to a scope (``paper:<contest id>``,
``bank:<bank id>``), never by a path. Sheet scans are ``contest.paper.scans``.
"""

import uuid
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext_noop

from core.models import PendingUpload

PENDING_TTL = timedelta(hours=6)
UPLOAD_MAX_BYTES = 20 * 1024 * 1024  # a bank or sheet file uploaded through the web
# What a confirmation, or the job it started, says when the upload is not there: expired,
# already imported, another person's or another scope's. Stored untranslated in a job's
# message (the job page translates it); a page shows ``gettext(PENDING_GONE)``.
PENDING_GONE = gettext_noop("Tệp tải lên đã hết hạn; hãy tải lên lại.")


# --- pending uploads -----------------------------------------------------------------------


def pending_upload_create(
    *, owner, scope: str, data: bytes, filename: str, format: str = "", now: datetime | None = None
) -> PendingUpload:
    """Keep ``data`` privately until the same person confirms it in the same scope."""
    now = now or timezone.now()
    pending_uploads_purge(now=now)
    suffix = "." + format if format else ""
    upload = PendingUpload(
        owner=owner,
        scope=scope,
        original_name=str(filename)[:255],
        format=format,
        expires_at=now + PENDING_TTL,
    )
    upload.file.save(f"upload{suffix}", ContentFile(data), save=False)
    upload.save()
    return upload


def pending_upload_find(*, pk, owner, scope: str, now: datetime | None = None):
    """The pending upload ``pk`` if it belongs to ``owner`` and ``scope`` and has not expired."""
    try:
        key = uuid.UUID(str(pk))
    except ValueError:
        return None
    return PendingUpload.objects.filter(
        pk=key, owner=owner, scope=scope, expires_at__gt=now or timezone.now()
    ).first()


def pending_upload_claim(*, upload: PendingUpload, job) -> bool:
    """Tie ``upload`` to ``job``; False when another confirmation already tied it to its own.

    One conditional UPDATE: of two confirmations at the same moment, one wins.
    """
    return bool(PendingUpload.objects.filter(pk=upload.pk, job__isnull=True).update(job=job))


def pending_upload_read(upload: PendingUpload) -> bytes:
    with upload.file.open("rb") as handle:
        return handle.read()


def pending_upload_discard(*, pk) -> None:
    """Delete the upload and its file (a job calls it when done, whatever happened)."""
    upload = PendingUpload.objects.filter(pk=pk).first()
    if upload is not None:
        upload.file.delete(save=False)
        upload.delete()


def pending_uploads_purge(*, now: datetime) -> int:
    """Delete uploads nobody confirmed in time; returns how many."""
    expired = list(PendingUpload.objects.filter(expires_at__lte=now)[:100])
    for upload in expired:
        upload.file.delete(save=False)
        upload.delete()
    return len(expired)
