"""What the paper pages read: keying progress, sheets in conflict, people entered twice."""

from collections import defaultdict

from django.db.models import Count

from accounts.identity import person_key
from contest.models import Attempt, Contest, PaperEntry, PaperKeying


def paper_progress(contest: Contest) -> dict[str, int]:
    """Received, keyed once, verified (entries), in conflict: for the clerks' dashboard."""
    done = set(PaperEntry.objects.filter(contest=contest).values_list("sheet_no", flat=True))
    pending = (
        PaperKeying.objects.filter(contest=contest)
        .exclude(sheet_no__in=PaperEntry.objects.filter(contest=contest).values("sheet_no"))
        .values("sheet_no")
        .annotate(n=Count("pk"))
    )
    once = sum(1 for p in pending if p["n"] == 1)
    conflict = sum(1 for p in pending if p["n"] >= 2)
    return {
        "received": contest.paper_receipts.count(),
        "keyed_once": once,
        "conflict": conflict,
        "verified": len(done),
    }


def conflicts(contest: Contest) -> list[str]:
    return list(
        PaperKeying.objects.filter(contest=contest)
        .exclude(sheet_no__in=PaperEntry.objects.filter(contest=contest).values("sheet_no"))
        .values("sheet_no")
        .annotate(n=Count("pk"))
        .filter(n__gte=2)
        .order_by("sheet_no")
        .values_list("sheet_no", flat=True)
    )


def duplicate_people(contest: Contest) -> list[dict]:
    """People with more than one entry (paper twice, or paper and online), for the organizer."""
    seen: dict[str, list[str]] = defaultdict(list)
    for sheet_no, phone, id_number in PaperEntry.objects.filter(contest=contest).values_list(
        "sheet_no", "phone", "id_number"
    ):
        seen[person_key(phone, id_number)].append(f"giấy {sheet_no}")
    keys = [k for k in seen if k]
    for phone, number, receipt in (
        Attempt.objects.filter(contest=contest, user__phone__in=keys)
        .exclude(status=Attempt.Status.IN_PROGRESS)
        .values_list("user__phone", "number", "receipt_code")
    ):
        seen[phone].append(f"trực tuyến lượt {number} ({receipt})")
    return [{"person": k, "entries": v} for k, v in sorted(seen.items()) if k and len(v) > 1]
