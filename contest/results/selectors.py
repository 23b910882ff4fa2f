"""What the results pages read: masked persons, the winners shown, the statistics."""

from django.db.models import Count
from django.db.models.functions import Coalesce

from contest.models import Result, ResultRow
from contest.results.ranking import question_stats


def mask_person(person: str) -> str:
    """0905123456 → 0905***456; a citizen id keeps its last three digits only."""
    if len(person) == 10:
        return f"{person[:4]}***{person[-3:]}"
    return f"*********{person[-3:]}" if person else ""


def result_statistics(result: Result) -> dict:
    """The public results page's figures: by unit, by channel, the score chart, the hardest."""
    rows = ResultRow.objects.filter(result=result, rank__isnull=False)
    by_unit = list(
        rows.values("unit__name").annotate(n=Count("pk")).order_by("-n", "unit__name")[:30]
    )
    by_channel = dict(rows.values_list("channel").annotate(n=Count("pk")))
    distribution = list(rows.values_list("score").annotate(n=Count("pk")).order_by("score"))
    peak = max((n for _s, n in distribution), default=1)
    bars = []
    for i, (score, n) in enumerate(distribution):
        width = max(1, round(200 * n / peak))
        bars.append(
            {
                "score": score.normalize(),
                "n": n,
                "y": 4 + i * 20,
                "width": width,
                "text_y": 17 + i * 20,
                "count_x": 50 + width,
            }
        )
    return {
        "by_unit": by_unit,
        "online": by_channel.get("online", 0),
        "paper": by_channel.get("paper", 0),
        "full_marks": rows.filter(full_marks=True).count(),
        "bars": bars,
        "chart_height": 8 + 20 * len(bars),
        "hardest": question_stats(result.round)[:5],
    }


def winners_shown(result: Result) -> list[dict]:
    """The prize winners as the public page lists them, persons masked; during the ceremony
    only those revealed so far."""
    rows = (
        ResultRow.objects.filter(result=result)
        .exclude(prize="")
        .order_by("rank")
        .values("rank", "full_name", "unit__name", "score", "prize", "person", "channel")
        .annotate(maximum=Coalesce("attempt__max_score", "paper__max_score"))
    )
    rows = list(rows)
    for row in rows:
        row["masked"] = mask_person(row["person"])
    if result.revealed is not None:
        # Ceremony under way: only the prizes revealed so far (they go from the bottom up).
        rows = rows[len(rows) - result.revealed :] if result.revealed else []
    return rows
