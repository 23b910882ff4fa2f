"""Prizes: individual prizes down a round's ranking (one per person in the contest), the
closest-prediction prizes, and the collective prizes of units."""

from django.db.models import Count, F, Value
from django.db.models.functions import Abs

from accounts.models import Unit
from contest.models import Contest, Result, ResultRow


def _prize_list(prizes: list[dict]) -> tuple[list[str], list[str]]:
    """(individual prizes in ranking order, closest-prediction prizes), one name per winner."""
    individual: list[str] = []
    prediction: list[str] = []
    for prize in prizes:
        names = [prize["name"]] * int(prize.get("count", 0))
        (prediction if prize.get("for") == "prediction" else individual).extend(names)
    return individual, prediction


def prizes_award(result: Result, prizes: list[dict], excluded: set[str]) -> None:
    """Prizes down the ranking, one per person in the contest: holders of a prize from an
    earlier round are passed over and the next person moves up. Then the closest-prediction
    prizes, to the closest among those still without one (ties by rank)."""
    individual, prediction = _prize_list(prizes)
    awarded: dict[int, str] = {}
    taken = set(excluded)
    rows = ResultRow.objects.filter(result=result, rank__isnull=False)
    if individual:
        for pk, person in rows.order_by("rank").values_list("pk", "person").iterator(500):
            if len(awarded) == len(individual):
                break
            if person in taken:
                continue
            awarded[pk] = individual[len(awarded)]
            taken.add(person)
    if prediction and result.target is not None:
        closest = (
            rows.exclude(prediction__isnull=True)
            .annotate(error=Abs(F("prediction") - Value(result.target)))
            .order_by("error", "rank")
            .values_list("pk", "person")
        )
        given = 0
        for pk, person in closest.iterator(500):
            if given == len(prediction):
                break
            if person in taken:
                continue
            awarded[pk] = prediction[given]
            taken.add(person)
            given += 1
    by_prize: dict[str, list[int]] = {}
    for pk, name in awarded.items():
        by_prize.setdefault(name, []).append(pk)
    for name, pks in by_prize.items():
        # By result too: on PostgreSQL that is the one partition to look in.
        ResultRow.objects.filter(result=result, pk__in=pks).update(prize=name)


def _min_rate(bands: list[dict], headcount: int) -> float:
    """The minimum participation rate for a unit of this size: the first band it fits in."""
    for band in bands:
        if band.get("up_to") is None or headcount <= band["up_to"]:
            return float(band.get("rate", 0))
    return 0.0


def unit_standings(contest: Contest, results: list[Result]) -> list[dict]:
    """Collective prizes: units by participation rate, then prize points, then participants.

    Participants of a unit are the distinct people ranked in any round; the rate
    divides them by the unit's headcount (entered in the unit list). A unit
    below the minimum rate for its size, or without a headcount, takes no prize.
    """
    spec = contest.unit_prizes or {}
    points_for = spec.get("points", {})
    ranked = ResultRow.objects.filter(result__in=results, rank__isnull=False, unit__isnull=False)
    people = dict(ranked.values_list("unit").annotate(n=Count("person", distinct=True)).order_by())
    points: dict[int, int | float] = {}
    for unit_id, prize in ranked.exclude(prize="").values_list("unit", "prize"):
        points[unit_id] = points.get(unit_id, 0) + points_for.get(prize, 0)
    rows = []
    for unit in Unit.objects.filter(pk__in=people):
        n = people[unit.pk]
        rate = n / unit.headcount if unit.headcount else None
        minimum = _min_rate(spec.get("min_rate", []), unit.headcount or 0)
        rows.append(
            {
                "unit": unit.name,
                "unit_code": unit.code,
                "participants": n,
                "headcount": unit.headcount,
                "rate": round(rate, 4) if rate is not None else None,
                "min_rate": minimum,
                "points": points.get(unit.pk, 0),
                "eligible": rate is not None and rate >= minimum,
                "prize": "",
            }
        )
    rows.sort(
        key=lambda r: (
            not r["eligible"],
            -(r["rate"] or 0),
            -r["points"],
            -r["participants"],
            r["unit"],
        )
    )
    names = [p["name"] for p in spec.get("prizes", []) for _ in range(int(p.get("count", 0)))]
    for row, name in zip([r for r in rows if r["eligible"]], names, strict=False):
        row["prize"] = name
    return rows
