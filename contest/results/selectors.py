"""What the results pages read: masked persons, the winners shown, the statistics."""

from django.db.models import Count, F
from django.db.models.functions import Coalesce

from contest.grading import key_rules
from contest.models import Attempt, AttemptQuestion, PaperAnswer, Result, ResultRow, Round
from questions.models import QuestionVersion


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


def question_stats(round: Round) -> list[dict]:
    """Share of answers that score, per question of the round (hardest first).

    Answer-key corrections in force count: a voided question is left out, and
    every accepted answer of a corrected question counts as right.
    """
    rules = key_rules(round.contest_id)
    voided = [vid for vid, accepted in rules.items() if accepted is None]
    corrected = {vid: accepted for vid, accepted in rules.items() if accepted}
    rows: dict[int, dict] = {}
    for model, owner in ((AttemptQuestion, "attempt"), (PaperAnswer, "entry")):
        base = model.objects.filter(**{f"{owner}__round": round}).exclude(version__in=voided)
        if model is AttemptQuestion:
            base = base.exclude(attempt__status=Attempt.Status.IN_PROGRESS)
        for version_id, total in base.values_list("version").annotate(n=Count("pk")):
            rows.setdefault(version_id, {"total": 0, "correct": 0})["total"] += total
        right_by_key = (
            base.exclude(version__in=list(corrected))
            .filter(answer=F("version__correct"))
            .exclude(answer="")
            .values_list("version")
            .annotate(n=Count("pk"))
        )
        for version_id, right in right_by_key:
            rows[version_id]["correct"] += right
        for version_id, accepted in corrected.items():
            if version_id in rows:
                rows[version_id]["correct"] += base.filter(
                    version=version_id, answer__in=accepted
                ).count()
    versions = QuestionVersion.objects.in_bulk(list(rows)).items()
    stats = [
        {
            "version": v,
            "total": rows[pk]["total"],
            "correct": rows[pk]["correct"],
            "share": rows[pk]["correct"] / rows[pk]["total"] if rows[pk]["total"] else 0,
        }
        for pk, v in versions
    ]
    stats.sort(key=lambda s: s["share"])
    return stats
