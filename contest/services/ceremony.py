"""The closing ceremony: prizes revealed one by one, from the lowest to the highest.

The state (how many are revealed) lives on the final ``Result``, so a viewer who
connects late, or reconnects, gets every reveal so far; each new reveal is sent
to every viewer through ``contest.events`` once it is committed.
"""

from django.db import transaction
from django.utils import timezone

from contest import events
from contest.models import Contest, Result, ResultRow


class CeremonyError(Exception):
    """Message for the organizer, in Vietnamese."""


def ceremony_result(contest: Contest) -> Result | None:
    return (
        Result.objects.filter(contest=contest, final=True)
        .select_related("round", "contest")
        .order_by("-round__number")
        .first()
    )


def _winners(result: Result) -> list[ResultRow]:
    # Lowest prize first: the winners from the bottom of the prize list up.
    return list(
        ResultRow.objects.filter(result=result)
        .exclude(prize="")
        .select_related("unit")
        .order_by("-rank")
    )


def _payload(row: ResultRow, index: int, total: int) -> dict:
    from contest.results import mask_person

    return {
        "index": index,
        "total": total,
        "rank": row.rank,
        "prize": row.prize,
        "full_name": row.full_name,
        "unit": row.unit.name if row.unit else "",
        "score": float(row.score) if row.score is not None else None,
        "person": mask_person(row.person),
    }


def ceremony_start(*, contest: Contest) -> Result:
    """Hide the winners of the final result until they are revealed one by one."""
    result = ceremony_result(contest)
    if result is None:
        raise CeremonyError("chưa có kết quả chính thức: hãy chốt kết quả trước khi trao giải.")
    result.revealed = 0
    result.published_at = result.published_at or timezone.now()
    result.save(update_fields=["revealed", "published_at"])
    return result


def ceremony_reveal_next(*, contest: Contest) -> dict:
    with transaction.atomic():
        result = ceremony_result(contest)
        if result is None or result.revealed is None:
            raise CeremonyError("lễ trao giải chưa bắt đầu.")
        result = Result.objects.select_for_update().get(pk=result.pk)
        winners = _winners(result)
        if result.revealed >= len(winners):
            raise CeremonyError("đã công bố hết các giải.")
        row = winners[result.revealed]
        result.revealed += 1
        result.save(update_fields=["revealed"])
        payload = _payload(row, result.revealed, len(winners))
        events.ceremony_reveal(contest_id=contest.pk, payload=payload)
    return payload


def revealed_payloads(contest: Contest) -> list[dict]:
    """Every reveal so far, in order (empty when no ceremony is running)."""
    result = ceremony_result(contest)
    if result is None or result.revealed is None:
        return []
    winners = _winners(result)
    return [_payload(row, i + 1, len(winners)) for i, row in enumerate(winners[: result.revealed])]
