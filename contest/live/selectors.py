"""The live figures: what the public live counter and the organizers' dashboard show."""

import time
from datetime import timedelta

from django.core.cache import cache
from django.db.models import Count
from django.db.models.functions import TruncMinute
from django.utils import timezone

from contest.models import Attempt, Contest, PaperEntry
from contest.paper.selectors import paper_progress
from contest.selectors import FINISHED, participation


def live_stats(*, contest: Contest, fresh: bool = False, newer_than: float = 0.0) -> dict:
    """The live channel's figures: people, entries, entries by unit.

    Cached for one second in the shared cache (Redis in production), so that
    however many viewers and processes ask, the database answers about once a
    second per contest. ``newer_than`` (a Unix time, e.g. when the last entry was
    committed) refuses a cached value computed before it: a viewer told of a new
    entry never gets the figures from just before it. Participants are left out
    when the organizer hides them.
    """
    key = f"contest:{contest.pk}:live"
    value = None if fresh else cache.get(key)
    if value is not None and value.get("computed_at", 0.0) < newer_than:
        value = None
    if value is None:
        computed_at = time.time()
        counts = participation(contest=contest, fresh=True)
        by_unit: dict[str, int] = {}
        online = (
            Attempt.objects.filter(contest=contest, status__in=FINISHED)
            .values_list("user__profile__unit__name")
            .annotate(n=Count("pk"))
            .order_by()
        )
        paper = (
            PaperEntry.objects.filter(contest=contest)
            .values_list("unit__name")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for name, n in [*online, *paper]:
            label = name or "—"
            by_unit[label] = by_unit.get(label, 0) + n
        value = {
            "participants": counts["participants"],
            "entries": counts["entries"],
            "by_unit": by_unit,
            "computed_at": computed_at,
        }
        cache.set(key, value, timeout=1)
    out = {"type": "stats", **value, "server_time": timezone.now().isoformat()}
    out.pop("computed_at")
    if contest.hide_participation:
        out.pop("participants")
    return out


def dashboard_stats(*, contest: Contest, newer_than: float = 0.0) -> dict:
    """The organizers' live picture: live stats plus entries per minute, channels, work queues."""
    stats = live_stats(contest=contest, newer_than=newer_than)
    stats["participants"] = participation(contest=contest)["participants"]
    since = timezone.now() - timedelta(minutes=60)
    per_minute = (
        Attempt.objects.filter(contest=contest, status__in=FINISHED, submitted_at__gte=since)
        .annotate(minute=TruncMinute("submitted_at"))
        .values_list("minute")
        .annotate(n=Count("pk"))
        .order_by("minute")
    )
    stats.update(
        {
            "type": "dashboard",
            "per_minute": [[m.isoformat(), n] for m, n in per_minute],
            "online": Attempt.objects.filter(contest=contest, status__in=FINISHED).count(),
            "paper": PaperEntry.objects.filter(contest=contest).count(),
            "in_progress": Attempt.objects.filter(
                contest=contest, status=Attempt.Status.IN_PROGRESS
            ).count(),
            "paper_queue": paper_progress(contest),
        }
    )
    return stats
