from django.core.cache import cache
from django.db.models import Count, QuerySet
from django.utils import timezone

from accounts.identity import person_expression
from contest.models import Attempt, AttemptQuestion, Contest, PaperEntry, Round

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
        # A person is their phone, else their citizen id, on paper as online
        # (accounts.identity); an account or sheet with neither still counts as one.
        people = online.order_by().values_list(
            person_expression("user__phone", "user__profile__id_number", fallback="user__username")
        )
        people = people.union(
            paper.order_by().values_list(
                person_expression("phone", "id_number", fallback="sheet_no")
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


def contests_of_several_rounds(contest_ids) -> set[int]:
    """Which of these contests have more than one round: their entries say which round."""
    return set(
        Round.objects.filter(contest_id__in=set(contest_ids))
        .values("contest_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("contest_id", flat=True)
    )


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
