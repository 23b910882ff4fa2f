from django.core.cache import cache
from django.db.models import QuerySet, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from contest.models import Attempt, AttemptQuestion, Contest, PaperEntry

FINISHED = (Attempt.Status.SUBMITTED, Attempt.Status.EXPIRED)


def contests_for_home(*, now=None) -> dict[str, QuerySet[Contest]]:
    """Open, upcoming and past contests for the home page."""
    now = now or timezone.now()
    return {
        "open": Contest.objects.filter(opens_at__lte=now, closes_at__gt=now).order_by("closes_at"),
        "upcoming": Contest.objects.filter(opens_at__gt=now).order_by("opens_at"),
        "past": Contest.objects.filter(closes_at__lte=now).order_by("-closes_at")[:10],
    }


def participation(*, contest: Contest, fresh: bool = False) -> dict[str, int]:
    """Distinct people and entries so far, online and on paper, cached for a few seconds."""
    key = f"contest:{contest.pk}:participation"
    value = None if fresh else cache.get(key)
    if value is None:
        online = Attempt.objects.filter(contest=contest, status__in=FINISHED)
        paper = PaperEntry.objects.filter(contest=contest)
        # A person is their phone, else their citizen id, on paper as online.
        people = online.order_by().values_list(
            Coalesce(NullIf("user__phone", Value("")), "user__username")
        )
        people = people.union(
            paper.order_by().values_list(
                Coalesce(NullIf("phone", Value("")), NullIf("id_number", Value("")), "sheet_no")
            )
        )
        value = {"participants": people.count(), "entries": online.count() + paper.count()}
        cache.set(key, value, timeout=5)
    return value


def attempts_of(*, user, contest: Contest | None = None) -> QuerySet[Attempt]:
    found = (
        Attempt.objects.filter(user=user).select_related("contest", "round").order_by("-started_at")
    )
    return found.filter(contest=contest) if contest is not None else found


def attempt_items(*, attempt: Attempt) -> list[AttemptQuestion]:
    """The attempt's questions in order, with the versions shown."""
    return list(attempt.items.select_related("version").order_by("position"))


def displayed_options(item: AttemptQuestion) -> list[dict]:
    """Options in the order shown: display letter, original letter (the value sent), text."""
    options = item.version.options
    return [
        {
            "label": "ABCDEF"[i],
            "value": original,
            "text": options["ABCDEF".index(original)],
            "checked": original in item.answer,
        }
        for i, original in enumerate(item.option_order)
    ]


def live_stats(*, contest: Contest, fresh: bool = False, newer_than: float = 0.0) -> dict:
    """The live channel's figures: people, entries, entries by unit.

    Cached for one second in the shared cache (Redis in production), so that
    however many viewers and processes ask, the database answers about once a
    second per contest. ``newer_than`` (a Unix time, e.g. when the last entry was
    committed) refuses a cached value computed before it: a viewer told of a new
    entry never gets the figures from just before it. Participants are left out
    when the organizer hides them.
    """
    import time

    from django.db.models import Count

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
    from datetime import timedelta

    from django.db.models import Count
    from django.db.models.functions import TruncMinute

    from contest.paper.parsing import paper_progress

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
