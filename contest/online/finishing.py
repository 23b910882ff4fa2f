"""Submit, and finishing the attempts left open (time out, the sweeper, closing a contest).

A submit is counted once: a retried or doubled submit returns the attempt already
submitted. An attempt whose time is up is finished with the answers it has saved.
"""

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from contest.models import Attempt, Contest
from contest.online.checks import AttemptRefused

_IN_PROGRESS = Attempt.Status.IN_PROGRESS


def _finish(
    attempt: Attempt, *, status: str, submitted_at: datetime, now: datetime, **given
) -> Attempt:
    """Grade and close the attempt; ``given`` holds what the participant sent with a submit.

    A finish without a submit (time out, the sweeper, the close) keeps the
    prediction and essay already saved in the row, never the ones of a stale object.
    """
    from contest.grading import grade_items, key_rules

    # Lock the attempt row first (callers hold a transaction): an autosave in flight
    # holds this lock until it commits, so the answers read below are every answer
    # stored, and an autosave arriving later finds the attempt finished (_next_write).
    locked = Attempt.objects.select_for_update().filter(pk=attempt.pk, status=_IN_PROGRESS)
    if not list(locked.values_list("pk", flat=True)):
        attempt.refresh_from_db()
        return attempt
    items = list(attempt.items.select_related("version"))
    score, maximum = grade_items(items, key_rules(attempt.contest_id))
    end = min(submitted_at, attempt.deadline)
    finished = {
        "status": status,
        "submitted_at": submitted_at,
        "score": score,
        "max_score": maximum,
        "duration_seconds": max(0, int((end - attempt.started_at).total_seconds())),
        **given,
    }
    updated = Attempt.objects.filter(pk=attempt.pk, status=Attempt.Status.IN_PROGRESS).update(
        **finished
    )
    # What was written, without reading the row back (the submit's hot path); a finish
    # without a submit re-reads what autosave stored meanwhile.
    for name, value in finished.items():
        setattr(attempt, name, value)
    if "prediction" not in given:
        attempt.refresh_from_db(fields=["prediction", "prediction_seq", "essay", "answers_written"])
    if updated:
        from contest.events import entry_counted

        entry_counted(attempt=attempt)
    return attempt


def attempt_submit(
    *,
    attempt: Attempt,
    user,
    submit_key: str,
    prediction: int | None,
    essay: str = "",
    now: datetime,
) -> Attempt:
    """Submit once. A retried or doubled submit returns the same, already submitted, attempt.

    After the deadline plus grace the attempt is finished with its saved answers
    (as the sweeper would) and the participant is told so.
    """
    if attempt.user_id != user.pk:
        raise AttemptRefused(_("Lượt thi này không phải của bạn."), "not_yours")
    if attempt.status != Attempt.Status.IN_PROGRESS:
        return attempt  # the first submit won; this one is a retry
    if now > attempt.accepts_until:
        attempt_finish_expired(attempt=attempt, now=now)
        raise AttemptRefused(
            _("Đã hết giờ làm bài. Bài của bạn đã được nộp tự động với các câu đã lưu."), "expired"
        )
    if prediction is None:
        # Typed on the attempt page and autosaved: the review form may leave it out.
        prediction = Attempt.objects.filter(pk=attempt.pk).values_list("prediction", flat=True)[0]
    if attempt.contest.prediction_question and prediction is None:
        raise AttemptRefused(
            _("Hãy trả lời câu hỏi dự đoán trước khi nộp bài."), "prediction_missing"
        )
    with transaction.atomic():
        return _finish(
            attempt,
            status=Attempt.Status.SUBMITTED,
            submitted_at=now,
            now=now,
            prediction=prediction,
            essay=essay[:5000],
            submit_key=submit_key[:64],
        )


def attempt_finish_expired(*, attempt: Attempt, now: datetime) -> Attempt:
    """Finish an attempt whose time is up, with the answers it has saved."""
    with transaction.atomic():
        return _finish(
            attempt, status=Attempt.Status.EXPIRED, submitted_at=attempt.deadline, now=now
        )


def attempts_finish_overdue(*, user, now: datetime) -> int:
    """Finish this person's attempts whose time (and grace) is over; returns how many.

    Pages that list a person's attempts call it first, so they never show an
    attempt as still running after its time is up (the sweeper may not have run yet).
    """
    overdue = Attempt.objects.filter(
        user=user, status=Attempt.Status.IN_PROGRESS, deadline__lt=now
    ).select_related("contest")
    finished = 0
    for attempt in overdue:
        if attempt.accepts_until < now:
            attempt_finish_expired(attempt=attempt, now=now)
            finished += 1
    return finished


def attempts_sweep(*, now: datetime, contest: Contest | None = None, batch: int = 500) -> int:
    """Finish every attempt still open past its deadline plus grace; returns how many."""
    done = 0
    while True:
        overdue = (
            Attempt.objects.filter(status=Attempt.Status.IN_PROGRESS, deadline__lt=now)
            .select_related("contest")
            .order_by("deadline")
        )
        if contest is not None:
            overdue = overdue.filter(contest=contest)
        chunk = [a for a in overdue[:batch] if a.accepts_until < now]
        if not chunk:
            return done
        for attempt in chunk:
            attempt_finish_expired(attempt=attempt, now=now)
        done += len(chunk)
        if len(chunk) < batch:
            return done


def contest_close(*, contest: Contest, now: datetime) -> int:
    """Close the contest now if still open (every round ends now); finish overdue attempts.

    Attempts in progress get ``now`` as their deadline, so they are finished
    with their saved answers once the grace for answers in flight has passed
    (``close_contest`` finishes them at once). Returns the number finished.
    """
    with transaction.atomic():
        if contest.closes_at > now:
            contest.closes_at = now
            contest.save(update_fields=["closes_at", "updated_at"])
            contest.rounds.filter(closes_at__gt=now).update(closes_at=now)
            contest.rounds.filter(opens_at__gt=now).update(opens_at=now)
            Attempt.objects.filter(
                contest=contest, status=Attempt.Status.IN_PROGRESS, deadline__gt=now
            ).update(deadline=now)
    finished = 0
    for attempt in Attempt.objects.filter(contest=contest, status=Attempt.Status.IN_PROGRESS):
        attempt_finish_expired(attempt=attempt, now=now)
        finished += 1
    return finished
