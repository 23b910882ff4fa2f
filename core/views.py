"""The page of a background job and the JSON it polls: its owner's and site admins' only."""

from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from core.models import BackgroundJob


def _own_job(request, pk) -> BackgroundJob:
    job = get_object_or_404(BackgroundJob, pk=pk)
    if not request.user.is_authenticated or (
        job.owner_id != request.user.pk and not request.user.is_superuser
    ):
        raise PermissionDenied
    return job


def job_page(request, pk):
    return render(request, "core/job.html", {"job": _own_job(request, pk)})


def job_json(request, pk):
    job = _own_job(request, pk)
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "done": job.done,
            "total": job.total,
            "percent": job.percent,
            # Progress words are stored in Vietnamese; shown in the reader's language.
            "message": _(job.message) if job.message else "",
        }
    )
