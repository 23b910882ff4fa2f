"""The live pages: the public figures as JSON (the websocket's polling fallback) and the
organizers' dashboard."""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render

from contest.live.selectors import dashboard_stats, live_stats
from contest.models import Contest
from contest.organizer import _organizer
from contest.results.ceremony import revealed_payloads


def live_json(request, slug: str):
    """The live figures for pages whose websocket is unavailable (polling fallback)."""
    contest = get_object_or_404(Contest, slug=slug)
    return JsonResponse(
        {**live_stats(contest=contest), "reveals": revealed_payloads(contest)},
        json_dumps_params={"ensure_ascii": False},
    )


@login_required
def manage_live(request, slug: str):
    contest = get_object_or_404(Contest, slug=slug)
    _organizer(request, contest)
    if request.GET.get("format") == "json":
        return JsonResponse(
            dashboard_stats(contest=contest), json_dumps_params={"ensure_ascii": False}
        )
    return render(
        request,
        "contest/manage_live.html",
        {"contest": contest, "stats": dashboard_stats(contest=contest)},
    )
