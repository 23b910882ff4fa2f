"""The road from a ranking to the published, final result; every step is recorded.

provisional ranking (organizers only) → every prize winner's identity checked
(``WinnerCheck``) → publication (a provisional result may be published with an
objection window) → final (frozen, inputs hashed; not before the objection
window has closed) → published. ``ResultEvent`` keeps who did what and when.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contest.models import (
    Attempt,
    Contest,
    KeyCorrection,
    PaperCorrection,
    PaperEntry,
    Result,
    ResultEvent,
    ResultRow,
    WinnerCheck,
)
from core.errors import Refusal


class WorkflowRefused(Refusal):
    """The step cannot be taken now (message for the organizer); ``code`` names the rule."""

    code = "workflow_refused"


def record(*, contest: Contest, action: str, detail: str = "", by=None) -> None:
    ResultEvent.objects.create(contest=contest, action=action, detail=detail[:255], by=by)


def latest_results(contest: Contest) -> list[Result]:
    """Per round, the final result if there is one, else the latest provisional one."""
    out = []
    for round in contest.rounds.order_by("number"):
        result = Result.objects.filter(round=round).order_by("-final", "-created_at").first()
        if result is not None:
            out.append(result)
    return out


def winners(results: list[Result]) -> list[str]:
    """The people holding a prize in these results."""
    return list(
        ResultRow.objects.filter(result__in=results)
        .exclude(prize="")
        .values_list("person", flat=True)
        .distinct()
    )


def unverified_winners(contest: Contest, results: list[Result]) -> list[str]:
    people = winners(results)
    done = {
        check.person
        for check in WinnerCheck.objects.filter(contest=contest, person__in=people)
        if check.complete
    }
    return [p for p in people if p not in done]


def check_contest_finished(*, contest: Contest, now: datetime) -> None:
    """Refuse while entries may still come in: the contest must be closed, every attempt finished.

    Publishing (provisional or final) and the ceremony call this; a provisional
    ranking for the organizers' eyes only does not.
    """
    if not contest.answers_closed(now):
        raise WorkflowRefused(
            _(
                "cuộc thi chưa đóng hẳn: còn nhận câu trả lời đến %(when)s, giờ Việt Nam (giờ "
                "đóng cộng thời gian ân hạn). Người dự thi vẫn đang làm bài; hãy đóng cuộc thi "
                "hoặc chờ đến lúc đó."
            )
            % {
                "when": f"{timezone.localtime(contest.answers_accepted_until(), contest.tz):%H:%M %d/%m/%Y}"
            },
            "contest_open",
        )
    open_attempts = Attempt.objects.filter(
        contest=contest, status=Attempt.Status.IN_PROGRESS
    ).count()
    if open_attempts:
        raise WorkflowRefused(
            _(
                "còn %(n)s lượt thi trực tuyến chưa kết thúc. Chờ vài phút để các lượt này "
                "hết giờ và được nộp tự động, rồi xếp hạng lại."
            )
            % {"n": open_attempts},
            "attempts_open",
        )


def check_ranked_after_close(*, contest: Contest, results: list[Result]) -> None:
    """Refuse a ranking made while entries could still arrive."""
    if any(result.created_at < contest.answers_accepted_until(result.round) for result in results):
        raise WorkflowRefused(
            _(
                "kết quả hiện có được xếp hạng khi cuộc thi còn mở. "
                "Hãy bấm “Chấm và xếp hạng tạm” để xếp hạng lại với mọi bài đã nộp."
            ),
            "ranked_while_open",
        )


def outdated(results: list[Result]) -> list[Result]:
    """The provisional results that no longer reflect the entries or the key.

    A result is outdated when its round now has another number of finished entries than it
    read (paper sheets keep arriving after the close), or a sheet or the contest's key was
    corrected after it was made. A final result is frozen and never outdated.
    """
    out = []
    for result in results:
        if result.final:
            continue
        entries = (
            Attempt.objects.filter(round=result.round)
            .exclude(status=Attempt.Status.IN_PROGRESS)
            .count()
            + PaperEntry.objects.filter(round=result.round).count()
        )
        since = result.created_at
        read = result.entries_read
        if read is None:  # a result made before entries_read was kept
            read = result.entries_count + result.invalid_count
        if (
            entries != read
            or PaperCorrection.objects.filter(entry__round=result.round, at__gt=since).exists()
            or KeyCorrection.objects.filter(contest=result.contest, created_at__gt=since).exists()
        ):
            out.append(result)
    return out


def check_ranking_current(*, results: list[Result]) -> None:
    """Refuse to publish a ranking that entries or key corrections made since have outdated."""
    if outdated(results):
        raise WorkflowRefused(
            _(
                "có bài dự thi, phiếu sửa hoặc đáp án sửa sau lần xếp hạng này: hãy bấm "
                "“Chấm và xếp hạng tạm” để xếp hạng lại trước khi công bố."
            ),
            "ranking_outdated",
        )


def check_winners_verified(*, contest: Contest, results: list[Result]) -> None:
    """Refuse while a prize winner's identity has not been checked in full."""
    missing = unverified_winners(contest, results)
    if missing:
        raise WorkflowRefused(
            _("còn %(n)s người đạt giải chưa xác minh xong (%(who)s).")
            % {
                "n": len(missing),
                "who": ", ".join(missing[:5]) + ("…" if len(missing) > 5 else ""),
            },
            "winners_unverified",
        )


def winner_check(*, contest: Contest, person: str, checks: dict, note: str, user) -> WinnerCheck:
    """Record what the committee checked about a prize winner."""
    if person not in winners(latest_results(contest)):
        raise WorkflowRefused(
            _("người này không có giải trong kết quả hiện tại."), "not_a_winner", "person"
        )
    keys = {key for key, _label in WinnerCheck.ITEMS}
    check, _created = WinnerCheck.objects.update_or_create(
        contest=contest,
        person=person,
        defaults={
            "checks": {key: bool(checks.get(key)) for key in keys},
            "note": note.strip()[:255],
            "checked_by": user,
        },
    )
    record(
        contest=contest,
        action="winner_checked",
        detail=f"{person}: {'đủ' if check.complete else 'chưa đủ'}",
        by=user,
    )
    return check


def results_publish(
    *, contest: Contest, user, objections_until: datetime | None = None, now=None
) -> list[Result]:
    """Publish the current results once the contest is over and every prize winner checked.

    A provisional result may carry an objection window; a final one needs none.
    """
    now = now or timezone.now()
    check_contest_finished(contest=contest, now=now)
    results = latest_results(contest)
    if not results:
        raise WorkflowRefused(_("chưa có kết quả: hãy chấm và xếp hạng trước."), "no_results")
    check_ranked_after_close(contest=contest, results=results)
    check_ranking_current(results=results)
    check_winners_verified(contest=contest, results=results)
    final = all(r.final for r in results)
    if not final:
        if objections_until is None:
            raise WorkflowRefused(
                _(
                    "kết quả tạm chỉ công bố kèm thời hạn nhận khiếu nại; "
                    "hoặc chốt kết quả chính thức trước."
                ),
                "objections_until_missing",
                "objections_until",
            )
        if objections_until <= now:
            raise WorkflowRefused(
                _("thời hạn nhận khiếu nại phải sau lúc này."),
                "objections_until_past",
                "objections_until",
            )
    with transaction.atomic():
        for result in results:
            result.published_at = now
            result.objections_until = None if result.final else objections_until
            result.save(update_fields=["published_at", "objections_until"])
        detail = (
            "chính thức"
            if final
            else (
                "tạm, nhận khiếu nại đến "
                f"{timezone.localtime(objections_until, contest.tz):%H:%M %d/%m/%Y}"
            )
        )
        record(contest=contest, action="published", detail=detail, by=user)
    return results


def results_unpublish(*, contest: Contest, user) -> None:
    Result.objects.filter(contest=contest).update(published_at=None)
    record(contest=contest, action="unpublished", by=user)


def objection_window_open(contest: Contest, now=None) -> Result | None:
    """A published provisional result whose objection window has not closed, if any."""
    now = now or timezone.now()
    return (
        Result.objects.filter(
            contest=contest,
            final=False,
            published_at__isnull=False,
            objections_until__gt=now,
        )
        .order_by("-objections_until")
        .first()
    )
