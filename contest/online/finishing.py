"""Submit, and finishing the attempts left open (time out, the sweeper, closing a contest).

A submit is counted once: a retried or doubled submit returns the attempt already
submitted. An attempt whose time is up is finished with the answers it has saved.
"""

from datetime import datetime
from decimal import Decimal

from django.db import connection, transaction
from django.utils.translation import gettext as _

from contest.events import entry_counted
from contest.grading import grade_answers, key_rules
from contest.models import Attempt, AttemptQuestion, Contest, KeyCorrection
from contest.online.answers import essay_clean
from contest.online.checks import AttemptRefused
from questions.models import QuestionVersion

_IN_PROGRESS = Attempt.Status.IN_PROGRESS


def _finish(
    attempt: Attempt,
    *,
    status: str,
    submitted_at: datetime,
    now: datetime,
    locked: bool = False,
    **given,
) -> Attempt:
    """Grade and close the attempt; ``given`` holds what the participant sent with a submit.

    A finish without a submit (time out, the sweeper, the close) keeps the
    prediction and essay already saved in the row, never the ones of a stale object.
    ``locked``: the caller read the row in progress under its lock in this transaction.
    """
    # Lock the attempt row first (callers hold a transaction): an autosave in flight
    # holds this lock until it commits, so the answers read below are every answer
    # stored, and an autosave arriving later finds the attempt finished (_next_write).
    if not locked:
        rows = Attempt.objects.select_for_update().filter(pk=attempt.pk, status=_IN_PROGRESS)
        if not list(rows.values_list("pk", flat=True)):
            attempt.refresh_from_db()
            return attempt
    end = min(submitted_at, attempt.deadline)
    finished = {
        "status": status,
        "submitted_at": submitted_at,
        "duration_seconds": max(0, int((end - attempt.started_at).total_seconds())),
        **given,
    }
    if connection.vendor == "postgresql":
        graded = _finish_graded_pg(attempt, finished)
        updated = graded is not None
        if updated:
            finished["score"], finished["max_score"] = graded
    else:
        answers = AttemptQuestion.objects.filter(attempt_id=attempt.pk).values_list(
            "version_id", "answer", "version__correct", "version__points"
        )
        finished["score"], finished["max_score"] = grade_answers(
            answers, key_rules(attempt.contest_id)
        )
        updated = Attempt.objects.filter(pk=attempt.pk, status=_IN_PROGRESS).update(**finished)
    # What was written, without reading the row back (the submit's hot path); a finish
    # without a submit re-reads what autosave stored meanwhile.
    for name, value in finished.items():
        setattr(attempt, name, value)
    if "prediction" not in given:
        attempt.refresh_from_db(fields=["prediction", "prediction_seq", "essay", "answers_written"])
    if updated:
        entry_counted(attempt=attempt)
    return attempt


def _finish_graded_pg(attempt: Attempt, finished: dict) -> tuple[Decimal, Decimal] | None:
    """PostgreSQL: write ``finished`` and the grade, computed in the same statement from
    the stored answers and the key corrections in force; the (score, maximum) written,
    or None when the attempt was no longer in progress.

    The grade is ``grade_answers`` in SQL (the latest correction of a version decides: void
    scores nothing out of nothing, accept takes its answers instead of the key); the
    tests check that both agree. The caller holds the row's lock, so this statement's
    snapshot has every answer stored.
    """
    q = connection.ops.quote_name
    columns, values = [], []
    for name, value in finished.items():
        field = Attempt._meta.get_field(name)
        columns.append(f"{q(field.column)} = %s")
        values.append(field.get_db_prep_save(value, connection))
    corrections = q(KeyCorrection._meta.db_table)
    sql = f"""
        UPDATE {q(Attempt._meta.db_table)} AS a SET {", ".join(columns)},
               score = g.points, max_score = g.maximum
        FROM (
            SELECT COALESCE(SUM(CASE
                       WHEN k.action = %s THEN 0
                       WHEN i.answer = '' THEN 0
                       WHEN k.action IS NOT NULL THEN
                           CASE WHEN k.answers ? i.answer THEN v.points ELSE 0 END
                       WHEN i.answer = v.correct THEN v.points ELSE 0 END), 0) AS points,
                   COALESCE(SUM(CASE WHEN k.action = %s THEN 0 ELSE v.points END), 0)
                       AS maximum
            FROM {q(AttemptQuestion._meta.db_table)} i
            JOIN {q(QuestionVersion._meta.db_table)} v ON v.id = i.version_id
            LEFT JOIN (
                SELECT DISTINCT ON (version_id) version_id, action, answers FROM {corrections}
                WHERE contest_id = %s ORDER BY version_id, created_at DESC, id DESC
            ) k ON k.version_id = i.version_id
            WHERE i.attempt_id = %s
        ) g
        WHERE a.id = %s AND a.status = %s
        RETURNING g.points, g.maximum
    """
    void = KeyCorrection.Action.VOID
    pk = Attempt._meta.pk.get_db_prep_value(attempt.pk, connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, void, void, attempt.contest_id, pk, pk, _IN_PROGRESS])
        return cursor.fetchone()


# What a submit reads of the attempt and its contest, in the one query that locks the row.
_SUBMIT_FIELDS = (
    "user",
    "contest",
    "status",
    "started_at",
    "deadline",
    "prediction",
    "essay_seq",
    "essay_key",
    "contest__grace_seconds",
    "contest__prediction_question",
    "contest__essay_question",
)


def _in_model_order(model, names: set[str]) -> list:
    """The fields ``names`` (attribute names) of ``model`` in the order ``from_db`` takes."""
    return [f for f in model._meta.concrete_fields if f.attname in names]


# The same fields as columns, for the statement written out on PostgreSQL.
_SUBMIT_COLUMNS = _in_model_order(
    Attempt, {"id"} | {Attempt._meta.get_field(n).attname for n in _SUBMIT_FIELDS if "__" not in n}
)
_SUBMIT_CONTEST_COLUMNS = _in_model_order(
    Contest, {"id"} | {n.split("__", 1)[1] for n in _SUBMIT_FIELDS if n.startswith("contest__")}
)


def _locked_for_submit(pk) -> Attempt | None:
    """The attempt ``pk`` with what a submit reads of it and its contest, its row locked.

    On PostgreSQL the statement is written out (building it through the ORM was a fifth
    of a submit's CPU); elsewhere it is the ORM's (SQLite locks the whole database anyway).
    """
    if connection.vendor != "postgresql":
        return (
            Attempt.objects.select_for_update(of=("self",))
            .select_related("contest")
            .only(*_SUBMIT_FIELDS)
            .filter(pk=pk)
            .first()
        )
    q = connection.ops.quote_name
    columns = [f"a.{q(f.column)}" for f in _SUBMIT_COLUMNS]
    columns += [f"c.{q(f.column)}" for f in _SUBMIT_CONTEST_COLUMNS]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(columns)} FROM {q(Attempt._meta.db_table)} a "
            f"JOIN {q(Contest._meta.db_table)} c ON c.id = a.contest_id "
            "WHERE a.id = %s FOR UPDATE OF a",
            [Attempt._meta.pk.get_db_prep_value(pk, connection)],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    width = len(_SUBMIT_COLUMNS)
    names = [f.attname for f in _SUBMIT_COLUMNS]
    current = Attempt.from_db(connection.alias, names, row[:width])
    names = [f.attname for f in _SUBMIT_CONTEST_COLUMNS]
    current.contest = Contest.from_db(connection.alias, names, row[width:])
    return current


def attempt_submit(
    *,
    attempt,
    user,
    submit_key: str,
    prediction: int | None,
    essay: str | None = None,
    essay_base: int | None = None,
    essay_prior: tuple[int, ...] | list[int] = (),
    now: datetime,
) -> Attempt:
    """Submit once. A retried or doubled submit returns the same, already submitted, attempt.

    ``attempt`` is the attempt or its id (the submit view passes the id): either way the
    row is read once, under its lock, so a doubled submit waits for the first one and
    finds it submitted. Someone else's attempt, or none, is refused (``not_yours``,
    ``not_found``). After the deadline plus grace the attempt is finished with its saved
    answers (as the sweeper would) and the participant is told so.

    ``prediction`` and ``essay`` are what the review form sent; None (a form without the
    field, or an empty prediction) keeps what autosave stored. ``essay_base`` and
    ``essay_prior`` are what the page knew of the essay stored (autosave's rule): a page
    that did not know a newer essay, saved from another tab or device, is refused
    (``essay_stale``) rather than overwrite it with its own older box.
    """
    pk = attempt.pk if isinstance(attempt, Attempt) else attempt
    with transaction.atomic():
        current = _locked_for_submit(pk)
        if current is None:
            raise AttemptRefused(_("Không tìm thấy lượt thi."), "not_found")
        if current.user_id != user.pk:
            raise AttemptRefused(_("Lượt thi này không phải của bạn."), "not_yours")
        if current.status != Attempt.Status.IN_PROGRESS:
            return current  # the first submit won; this one is a retry
        expired = now > current.accepts_until
        if expired:
            _finish(
                current,
                status=Attempt.Status.EXPIRED,
                submitted_at=current.deadline,
                now=now,
                locked=True,
            )
        else:
            if prediction is None:
                # Typed on the attempt page and autosaved: the review form may leave it out.
                prediction = current.prediction
            if current.contest.prediction_question and prediction is None:
                raise AttemptRefused(
                    _("Hãy trả lời câu hỏi dự đoán trước khi nộp bài."), "prediction_missing"
                )
            given = {"prediction": prediction, "submit_key": submit_key[:64]}
            if not current.contest.essay_question:
                essay = None  # no box on the page: a crafted form's essay is not kept
            if essay is not None and _essay_overwrites_newer(
                current, essay, essay_base, essay_prior
            ):
                raise AttemptRefused(
                    _(
                        "Bài viết đã được sửa ở thẻ khác hoặc máy khác sau khi trang này mở. "
                        "Hãy xem lại bài viết trong ô dưới đây rồi bấm “Nộp bài”."
                    ),
                    "essay_stale",
                )
            if essay is not None:
                # A line break counts one in the page's box (maxlength) but arrives as
                # CR LF: as two, the end of a long essay was cut off.
                given["essay"] = essay_clean(essay)
            return _finish(
                current,
                status=Attempt.Status.SUBMITTED,
                submitted_at=now,
                now=now,
                locked=True,
                **given,
            )
    # Outside the transaction: the attempt finished above stays finished.
    raise AttemptRefused(
        _("Đã hết giờ làm bài. Bài của bạn đã được nộp tự động với các câu đã lưu."), "expired"
    )


def _essay_overwrites_newer(current: Attempt, essay: str, base, prior) -> bool:
    """True when the submitted box would replace an essay the page did not know of."""
    if base is None or current.essay_seq <= base or current.essay_key in prior:
        return False
    stored = Attempt.objects.filter(pk=current.pk).values_list("essay", flat=True).first()
    return essay_clean(essay) != stored


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
