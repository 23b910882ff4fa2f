from django.db.models import QuerySet
from django.utils import timezone

from contest.models import Contest


def contests_for_home(*, now=None) -> dict[str, QuerySet[Contest]]:
    """Open, upcoming and past contests for the home page."""
    now = now or timezone.now()
    return {
        "open": Contest.objects.filter(opens_at__lte=now, closes_at__gt=now).order_by("closes_at"),
        "upcoming": Contest.objects.filter(opens_at__gt=now).order_by("opens_at"),
        "past": Contest.objects.filter(closes_at__lte=now).order_by("-closes_at")[:10],
    }
