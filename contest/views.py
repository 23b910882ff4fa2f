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
