"""The closing ceremony: prizes revealed one by one, from the lowest to the highest.

The state (how many are revealed) lives on the final ``Result``, so a viewer who
connects late, or reconnects, gets every reveal so far; each new reveal is sent
to every viewer through ``contest.events`` once it is committed.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contest import events
from contest.models import Contest, Result, ResultRow
from contest.results.selectors import mask_person
from contest.results.workflow import (
    WorkflowRefused,
    check_contest_finished,
    check_ranked_after_close,
    check_winners_verified,
)
from core.errors import Refusal


class CeremonyError(Refusal):
    """The ceremony step cannot be taken (message for the organizer)."""

    code = "ceremony_refused"


def ceremony_result(contest: Contest) -> Result | None:
    """The final result the ceremony reveals: the latest round's that has prize winners.

    A later round without winners (no entries yet, or no prizes) must not hide
    the winners of the round before it.
    """
    finals = (
        Result.objects.filter(contest=contest, final=True)
        .select_related("round", "contest")
        .order_by("-round__number")
    )
    with_winners = finals.filter(
        pk__in=ResultRow.objects.exclude(prize="").values("result_id")
    ).first()
    return with_winners or finals.first()


def _winners(result: Result) -> list[ResultRow]:
    # Lowest prize first: the winners from the bottom of the prize list up.
    return list(
        ResultRow.objects.filter(result=result)
        .exclude(prize="")
        .select_related("unit", "attempt", "paper")
        .order_by("-rank")
    )


def _maximum(row: ResultRow) -> float | None:
    entry = row.attempt or row.paper
    return float(entry.max_score) if entry and entry.max_score is not None else None


def _payload(row: ResultRow, index: int, total: int) -> dict:
    return {
        "index": index,
        "total": total,
        "rank": row.rank,
        "prize": row.prize,
        "full_name": row.full_name,
        "unit": row.unit.name if row.unit else "",
        "score": float(row.score) if row.score is not None else None,
        "max_score": _maximum(row),
        "person": mask_person(row.person),
    }


def check_ceremony_may_start(*, contest: Contest, now) -> Result:
    """The final result to reveal; the same conditions as publishing it."""
    result = ceremony_result(contest)
    if result is None:
        raise CeremonyError(
            _("chưa có kết quả chính thức: hãy chốt kết quả trước khi trao giải."), "no_final"
        )
    try:
        check_contest_finished(contest=contest, now=now)
        check_ranked_after_close(contest=contest, results=[result])
        check_winners_verified(contest=contest, results=[result])
    except WorkflowRefused as refused:
        raise CeremonyError(refused.message, refused.code, refused.field) from refused
    return result


def ceremony_start(*, contest: Contest, now=None) -> Result:
    """Hide the winners of the final result until they are revealed one by one.

    Publishes the result, so it requires what publication requires: the contest
    closed, every attempt finished, every winner's identity checked.
    """
    now = now or timezone.now()
    result = check_ceremony_may_start(contest=contest, now=now)
    result.ceremony_ended_at = None
    result.revealed = 0
    result.published_at = result.published_at or timezone.now()
    result.save(update_fields=["revealed", "published_at", "ceremony_ended_at"])
    return result


def ceremony_end(*, contest: Contest, now=None) -> Result:
    """End the ceremony: the public page shows the whole list of winners again."""
    now = now or timezone.now()
    with transaction.atomic():
        result = ceremony_result(contest)
        if result is None or result.revealed is None:
            raise CeremonyError(_("lễ trao giải chưa bắt đầu."), "not_started")
        result = Result.objects.select_for_update().get(pk=result.pk)
        result.revealed = None
        result.ceremony_ended_at = now
        result.save(update_fields=["revealed", "ceremony_ended_at"])
        events.ceremony_reveal(contest_id=contest.pk, payload={"ended": True})
    return result


def ceremony_reveal_next(*, contest: Contest) -> dict:
    with transaction.atomic():
        result = ceremony_result(contest)
        if result is None or result.revealed is None:
            raise CeremonyError(_("lễ trao giải chưa bắt đầu."), "not_started")
        result = Result.objects.select_for_update().get(pk=result.pk)
        winners = _winners(result)
        if result.revealed >= len(winners):
            raise CeremonyError(_("đã công bố hết các giải."), "all_revealed")
        row = winners[result.revealed]
        result.revealed += 1
        result.save(update_fields=["revealed"])
        payload = _payload(row, result.revealed, len(winners))
        events.ceremony_reveal(contest_id=contest.pk, payload=payload)
    return payload


def revealed_payloads(contest: Contest) -> list[dict]:
    """Every reveal so far, in order (empty when no ceremony is running)."""
    # Every live socket asks this when it connects, nearly always while no ceremony runs:
    # one light query then, instead of ceremony_result's two (joined) ones.
    if not Result.objects.filter(contest=contest, final=True, revealed__isnull=False).exists():
        return []
    result = ceremony_result(contest)
    if result is None or result.revealed is None:
        return []
    winners = _winners(result)
    return [_payload(row, i + 1, len(winners)) for i, row in enumerate(winners[: result.revealed])]
