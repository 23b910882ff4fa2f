"""Upload a file, preview it (a dry run: nothing written), confirm, import it in the background.

The one flow for every file people import through a page (a question bank, a file of
transcribed paper sheets). A page checks access, describes its import as an ``UploadFlow``
and hands it the request:

1. A POST with ``file`` fills the page's form (an ``UploadForm``: a file, at most
   ``UPLOAD_MAX_BYTES``, plus the page's own rules). The page's dry run reads the file and
   writes nothing; a refusal of the whole file is shown as ``error``. Otherwise the file is
   kept as a pending upload of this person in this scope and the preview is shown with its
   id (``upload``).
2. A POST with ``upload`` confirms. The pending upload is found only by that id, for the same
   person, in the same scope, before it expires; anything else is ``PENDING_GONE`` and the
   empty page again, with nothing enqueued. Otherwise one job is created, the page's task is
   enqueued once and the person is sent to the job page; a pending upload is confirmed once,
   and confirming it again (a double click) leads to the same job. ``partial`` is ``"1"`` to
   import only the valid rows; anything else (or nothing) imports the whole file or nothing.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.jobs import job_create
from core.models import BackgroundJob
from core.uploads import (
    PENDING_GONE,
    UPLOAD_MAX_BYTES,
    pending_upload_claim,
    pending_upload_create,
    pending_upload_find,
)

UPLOAD_FIELD = "upload"  # the pending upload's id, in the preview's confirm form
PARTIAL_FIELD = "partial"
# The import tasks report three steps (read, check, write); a queued job shows 0 of 3.
JOB_STEPS = 3


class UploadForm(forms.Form):
    """The file to preview: present and at most ``UPLOAD_MAX_BYTES``.

    A page's form adds its own rules and fields. ``cleaned_data["format"]``, when the form
    sets it, is kept with the pending upload and given to the dry run (an importer's name,
    or the file's extension); the background task reads it from the upload.
    """

    file = forms.FileField()  # a page's form gives it its label

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > UPLOAD_MAX_BYTES:
            raise ValidationError(_("Tệp quá lớn: tối đa 20 MB."), code="too_big")
        return upload


def file_extension(name: str) -> str:
    """The part of ``name`` after its last dot, lower case ("" when there is none)."""
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


@dataclass(frozen=True, kw_only=True)
class UploadFlow:
    """One page's import, described; ``respond`` runs the flow for a request.

    ``preview(data=, filename=, format=)`` is the dry run: it returns what the template
    shows of the preview (the report, its errors as the page prints them, ``valid_rows``)
    and raises one of ``refusals`` when the file as a whole cannot be imported.
    ``task`` is a django-tasks task taking ``job_id``, ``upload_id``, ``partial``,
    ``user_id`` and ``task_kwargs``; it deletes the pending upload when it is done.
    """

    scope: str  # binds the pending upload: "bank:<bank id>", "paper:<contest id>"
    form_class: type[UploadForm]
    preview: Callable[..., Mapping[str, Any]]
    refusals: tuple[type[Exception], ...]
    task: Any
    task_kwargs: Mapping[str, Any] = field(default_factory=dict)
    job_kind: str
    next_url: str  # where the job page leads back to, from the start
    template: str
    context: Mapping[str, Any] = field(default_factory=dict)

    def respond(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and UPLOAD_FIELD in request.POST:
            return self._confirm(request)
        if request.method == "POST":
            return self._preview(request)
        return self._render(request, form=self.form_class())

    def _render(self, request: HttpRequest, **extra) -> HttpResponse:
        context = {"error": None, "upload": "", "filename": "", **self.context, **extra}
        return render(request, self.template, context)

    def _preview(self, request: HttpRequest) -> HttpResponse:
        form = self.form_class(request.POST, request.FILES)
        if not form.is_valid():
            return self._render(request, form=form)
        upload = form.cleaned_data["file"]
        format = form.cleaned_data.get("format") or ""
        data = upload.read()
        try:
            shown = self.preview(data=data, filename=upload.name, format=format)
        except self.refusals as refusal:
            return self._render(request, form=form, error=str(refusal))
        pending = pending_upload_create(
            owner=request.user,
            scope=self.scope,
            data=data,
            filename=upload.name,
            format=format,
            now=timezone.now(),
        )
        return self._render(
            request, form=form, upload=str(pending.pk), filename=upload.name, **shown
        )

    def _confirm(self, request: HttpRequest) -> HttpResponse:
        find = partial(
            pending_upload_find,
            pk=request.POST[UPLOAD_FIELD],
            owner=request.user,
            scope=self.scope,
            now=timezone.now(),
        )
        pending = find()
        if pending is not None and pending.job_id is None:
            job = self._start(request, pending)
            if job is not None:
                return redirect("contest:job", pk=job.pk)
            pending = find()  # another confirmation came first: its job
        if pending is None or pending.job_id is None:
            messages.error(request, _(PENDING_GONE))
            return redirect(request.path)
        return redirect("contest:job", pk=pending.job_id)  # confirmed before: that job

    def _start(self, request: HttpRequest, pending) -> BackgroundJob | None:
        """The job this confirmation started, its task enqueued; None when another
        confirmation of the same upload started one first."""
        with transaction.atomic():
            job = job_create(
                kind=self.job_kind, owner=request.user, total=JOB_STEPS, next_url=self.next_url
            )
            if not pending_upload_claim(upload=pending, job=job):
                transaction.set_rollback(True)
                return None
        # Enqueued after the commit: a worker must find the job, and the immediate backend
        # runs the whole import here, outside the transaction above.
        self.task.enqueue(
            job_id=str(job.pk),
            upload_id=str(pending.pk),
            partial=request.POST.get(PARTIAL_FIELD) == "1",
            language=translation.get_language(),
            user_id=request.user.pk,
            **self.task_kwargs,
        )
        return job
