from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from contest.models import Contest
from contest.selectors import contests_for_home


def home(request):
    now = timezone.now()
    return render(request, "contest/home.html", {"now": now, **contests_for_home(now=now)})


def contest_detail(request, slug: str):
    contest = get_object_or_404(Contest, slug=slug)
    return render(request, "contest/detail.html", {"contest": contest, "now": timezone.now()})


def _own_job(request, pk):
    from django.core.exceptions import PermissionDenied

    from contest.models import BackgroundJob

    job = get_object_or_404(BackgroundJob, pk=pk)
    if not request.user.is_authenticated or (
        job.owner_id != request.user.pk and not request.user.is_superuser
    ):
        raise PermissionDenied
    return job


def job_page(request, pk):
    return render(request, "contest/job.html", {"job": _own_job(request, pk)})


def job_json(request, pk):
    from django.http import JsonResponse

    job = _own_job(request, pk)
    return JsonResponse(
        {
            "status": job.status,
            "done": job.done,
            "total": job.total,
            "percent": job.percent,
            "message": job.message,
        }
    )
