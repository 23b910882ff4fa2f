"""Online attempts: start, autosave, submit, and finishing the ones left open.

The server's clock is the only clock: every function takes ``now`` from its
caller (one reading per request) and enforces the deadline itself. An attempt's
deadline is the earlier of its time limit and its round's close; answers and
submits that arrive within ``contest.grace_seconds`` after it are accepted and
stamped with their arrival time (answers in flight when time ran out).
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from contest.models import Attempt, AttemptQuestion, Contest, Round
from contest.permissions import user_sees_key
from questions.models import LETTERS, QuestionVersion
from questions.selectors import spec_questions

_random = random.SystemRandom()
_IN_PROGRESS = Attempt.Status.IN_PROGRESS


class AttemptRefused(Exception):
    """A rule forbids the action; ``message`` is for the participant (Vietnamese)."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message, self.code = message, code


@dataclass
class Saved:
    """What is stored for a question after a write: ``seq`` is the server's order."""

    position: int | str  # "prediction" for the prediction
    answer: str
    saved_at: datetime
    seq: int = 0
    stale: bool = False  # the write was not applied: a newer answer is stored


def round_current(*, contest: Contest, now: datetime) -> Round | None:
    """The round open at ``now``, if any."""
    return contest.rounds.filter(opens_at__lte=now, closes_at__gt=now).order_by("number").first()


# --- checks ---------------------------------------------------------------------------


def check_may_start(*, contest: Contest, user, now: datetime) -> Round:
    """Return the open round ``user`` may start an attempt in, or raise ``AttemptRefused``."""
    if "online" not in contest.channels:
        raise AttemptRefused(_("Cuộc thi này chỉ nhận bài trên giấy."), "no_online")
    if now < contest.opens_at:
        raise AttemptRefused(_("Cuộc thi chưa mở. Hãy quay lại đúng giờ mở."), "not_open")
    current = round_current(contest=contest, now=now)
    if current is None:
        raise AttemptRefused(_("Cuộc thi đã đóng, không thể bắt đầu lượt thi mới."), "closed")
    if user_sees_key(user=user, contest=contest):
        raise AttemptRefused(
            _(
                "Bạn xem được đáp án của cuộc thi này (Ban Tổ chức, người nhập phiếu hoặc "
                "người quản lý ngân hàng câu hỏi) nên không được dự thi."
            ),
            "staff",
        )
    profile = getattr(user, "profile", None)
    if profile is None or not profile.full_name:
        raise AttemptRefused(
            _("Hãy cập nhật họ tên trong Thông tin cá nhân trước khi dự thi."), "profile"
        )
    if not contest.admits_unit(profile.unit_id):
        raise AttemptRefused(
            _("Cuộc thi này chỉ dành cho người thuộc các đơn vị được mời."), "not_eligible"
        )
    return current


# --- start ------------------------------------------------------------------------------


def _draw(spec: dict) -> list[QuestionVersion]:
    """The question versions of one attempt, drawn by the contest's rule, in one query.

    The versions carry only what an attempt needs (id, kind, options).
    """
    base = spec_questions(bank_slug=spec["bank"])
    fields = ("current_version_id", "current_version__kind", "current_version__options")
    if "codes" in spec:
        by_code = {
            row[0]: row[1:]
            for row in base.filter(code__in=spec["codes"]).values_list("code", *fields)
        }
        rows = [by_code[c] for c in spec["codes"] if c in by_code]
    else:
        pools: dict[str, list] = {}
        topics = [part["topic"] for part in spec["draw"]]
        for topic, *row in base.filter(topic__name__in=topics).values_list("topic__name", *fields):
            pools.setdefault(topic, []).append(tuple(row))
        rows = []
        for part in spec["draw"]:
            pool = sorted(pools.get(part["topic"], []))  # the draw, not the database, decides
            rows += _random.sample(pool, min(part["count"], len(pool)))
    if spec.get("shuffle_questions"):
        _random.shuffle(rows)
    return [QuestionVersion(id=pk, kind=kind, options=options) for pk, kind, options in rows]


def _option_order(version: QuestionVersion, shuffle: bool) -> str:
    letters = list(LETTERS[: len(version.options)])
    if shuffle and version.kind != QuestionVersion.Kind.TRUE_FALSE:
        _random.shuffle(letters)
    return "".join(letters)


def attempt_start(*, contest: Contest, user, now: datetime) -> tuple[Attempt, bool]:
    """Start an attempt, or return the one already in progress; returns (attempt, created).

    Questions (versions and option order) are drawn and frozen here. A second
    tab, a second device or a double tap gets the same attempt back.
    """
    current = check_may_start(contest=contest, user=user, now=now)
    mine = list(Attempt.objects.filter(round=current, user=user))  # a handful at most
    existing = next((a for a in mine if a.status == Attempt.Status.IN_PROGRESS), None)
    if existing is not None:
        existing.contest = contest
        if existing.accepts_until > now:
            return existing, False
        attempt_finish_expired(attempt=existing, now=now)
    used = len(mine)
    if used >= contest.max_attempts:
        raise AttemptRefused(
            _("Bạn đã dùng hết %(n)s lượt thi của vòng này.") % {"n": contest.max_attempts},
            "no_attempts_left",
        )
    spec = current.questions_spec or contest.questions_spec
    versions = _draw(spec)
    if not versions:
        raise AttemptRefused(_("Cuộc thi chưa có câu hỏi. Hãy báo Ban Tổ chức."), "no_questions")
    deadline = min(now + timedelta(minutes=contest.attempt_time_limit_minutes), current.closes_at)
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(
                contest=contest,
                round=current,
                user=user,
                number=used + 1,
                started_at=now,
                deadline=deadline,
            )
            AttemptQuestion.objects.bulk_create(
                [
                    AttemptQuestion(
                        attempt=attempt,
                        position=i,
                        version=v,
                        option_order=_option_order(v, spec.get("shuffle_options", False)),
                    )
                    for i, v in enumerate(versions, start=1)
                ]
            )
    except IntegrityError:
        # Two starts raced (double tap on two devices): the other one won.
        attempt = Attempt.objects.get(round=current, user=user, status=Attempt.Status.IN_PROGRESS)
        return attempt, False
    return attempt, True


# --- autosave ---------------------------------------------------------------------------


def _clean_answer(raw: str, item_options: int, kind: str) -> str:
    letters = "".join(sorted(set((raw or "").upper())))
    if any(letter not in LETTERS[:item_options] for letter in letters):
        raise AttemptRefused(_("Câu trả lời không hợp lệ cho câu hỏi này."), "bad_answer")
    if kind != QuestionVersion.Kind.MULTIPLE and len(letters) > 1:
        raise AttemptRefused(_("Câu này chỉ chọn một đáp án."), "bad_answer")
    return letters


def check_accepts_answers(*, attempt: Attempt, user, now: datetime) -> None:
    _check_open(
        user_id=attempt.user_id,
        status=attempt.status,
        accepts_until=attempt.accepts_until,
        user=user,
        now=now,
    )


def _check_open(*, user_id, status: str, accepts_until: datetime, user, now: datetime) -> None:
    if user_id != user.pk:
        raise AttemptRefused(_("Lượt thi này không phải của bạn."), "not_yours")
    if status != Attempt.Status.IN_PROGRESS:
        raise AttemptRefused(_("Bài đã nộp; không sửa được câu trả lời nữa."), "finished")
    if now > accepts_until:
        raise AttemptRefused(_("Đã hết giờ làm bài. Các câu đã lưu được nộp tự động."), "expired")


_OPEN_FIELDS = ("user_id", "status", "deadline", "contest__grace_seconds")


def _check_open_row(row: dict | None, *, prefix: str, user, now: datetime) -> None:
    """Refuse unless ``row`` (values of ``_OPEN_FIELDS``, under ``prefix``) is ``user``'s
    attempt and still takes answers; a missing attempt is refused as ``not_found``."""
    if row is None:
        raise AttemptRefused(_("Không tìm thấy lượt thi."), "not_found")
    _check_open(
        user_id=row[f"{prefix}user_id"],
        status=row[f"{prefix}status"],
        accepts_until=row[f"{prefix}deadline"]
        + timedelta(seconds=row[f"{prefix}contest__grace_seconds"]),
        user=user,
        now=now,
    )


def _attempt_pk(attempt) -> object:
    """An attempt or its id: the autosave path works from the id alone."""
    return attempt.pk if isinstance(attempt, Attempt) else attempt


def _next_write(attempt, user=None) -> int | None:
    """Take the attempt's next write number, or None when it is no longer in progress
    (or, with ``user``, is not that person's).

    One statement that checks the status, issues the server's order and locks the
    attempt row until the transaction ends: a submit (which locks the same row)
    waits for an autosave in flight, and an autosave arriving after the submit
    finds the attempt finished.
    """
    table = connection.ops.quote_name(Attempt._meta.db_table)
    params = [Attempt._meta.pk.get_db_prep_value(_attempt_pk(attempt), connection), _IN_PROGRESS]
    mine = ""
    if user is not None:
        mine, params = " AND user_id = %s", [*params, user.pk]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET answers_written = answers_written + 1 "
            f"WHERE id = %s AND status = %s{mine} RETURNING answers_written",
            params,
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _write_answer_pg(
    *, attempt_pk, user, item_id: int, letters: str, seq: int, base, prior, now
) -> int | None:
    """PostgreSQL: take the write number and store the answer in ONE statement.

    The attempt's row is updated (and locked until the statement commits) only if it
    is the user's and in progress; the answer is written only over what the phone
    knew of. Returns the write number, or None when nothing was written.
    """
    attempts = connection.ops.quote_name(Attempt._meta.db_table)
    items = connection.ops.quote_name(AttemptQuestion._meta.db_table)
    conditions, params = "", []
    if seq:
        conditions += " AND q.answer_key <> %s"
        params.append(seq)
    if base is not None:
        conditions += " AND (q.answer_seq <= %s OR q.answer_key = ANY(%s))"
        params += [base, list(prior)[-20:]]
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH a AS (UPDATE {attempts} SET answers_written = answers_written + 1 "
            "WHERE id = %s AND status = %s AND user_id = %s RETURNING answers_written) "
            f"UPDATE {items} AS q SET answer = %s, answer_seq = a.answers_written, "
            "answer_key = %s, answered_at = %s FROM a "
            f"WHERE q.id = %s{conditions} RETURNING a.answers_written",
            [
                Attempt._meta.pk.get_db_prep_value(attempt_pk, connection),
                _IN_PROGRESS,
                user.pk,
                letters,
                seq,
                now,
                item_id,
                *params,
            ],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def answer_save(
    *,
    attempt,
    user,
    position: int,
    answer: str,
    seq: int,
    now: datetime,
    base: int | None = None,
    prior: tuple[int, ...] | list[int] = (),
) -> Saved:
    """Save one answer in the order the server receives it; returns what is stored.

    ``attempt`` is the attempt or its id (the autosave view passes the id: the one
    query below proves the attempt is the user's and open, and reads the question).
    ``seq`` is the phone's id of this change (its clock in milliseconds: an id,
    never an order). The order is the server's: every write takes the attempt's
    next ``answers_written`` number. A retried request (same ``seq`` as the answer
    stored) changes nothing. With ``base``, the server order the phone last saw
    for this question, and ``prior``, the ids of the phone's own earlier changes
    not yet confirmed, a write is applied only over what the phone knew of; a
    request that arrives after a newer answer (a late retry from an offline queue,
    another device) is answered as stale (``Saved.stale``) with the answer stored.
    """
    pk = _attempt_pk(attempt)
    item = (
        AttemptQuestion.objects.filter(attempt_id=pk, position=position)
        .values("id", "version__options", "version__kind", *(f"attempt__{f}" for f in _OPEN_FIELDS))
        .first()
    )
    if item is None:
        # Rare: a wrong attempt or a wrong question; say which.
        row = Attempt.objects.filter(pk=pk).values(*_OPEN_FIELDS).first()
        _check_open_row(row, prefix="", user=user, now=now)
        raise AttemptRefused(_("Câu hỏi này không thuộc lượt thi của bạn."), "bad_question")
    _check_open_row(item, prefix="attempt__", user=user, now=now)
    letters = _clean_answer(answer, len(item["version__options"]), item["version__kind"])
    if connection.vendor == "postgresql":
        order = _write_answer_pg(
            attempt_pk=pk,
            user=user,
            item_id=item["id"],
            letters=letters,
            seq=seq,
            base=base,
            prior=prior,
            now=now,
        )
        if order is not None:
            return Saved(position=position, answer=letters, saved_at=now, seq=order)
        if not Attempt.objects.filter(pk=pk, status=_IN_PROGRESS).exists():
            raise AttemptRefused(_("Bài đã nộp; không sửa được câu trả lời nữa."), "finished")
        stored = AttemptQuestion.objects.values(
            "answer", "answer_seq", "answer_key", "answered_at"
        ).get(id=item["id"])
    else:
        with transaction.atomic():
            order = _next_write(pk, user)
            if order is None:
                raise AttemptRefused(_("Bài đã nộp; không sửa được câu trả lời nữa."), "finished")
            target = AttemptQuestion.objects.filter(id=item["id"])
            if seq:
                target = target.exclude(answer_key=seq)  # a retry of what is stored
            if base is not None:
                target = target.filter(
                    Q(answer_seq__lte=base) | Q(answer_key__in=list(prior)[-20:])
                )
            if target.update(answer=letters, answer_seq=order, answer_key=seq, answered_at=now):
                return Saved(position=position, answer=letters, saved_at=now, seq=order)
            stored = AttemptQuestion.objects.values(
                "answer", "answer_seq", "answer_key", "answered_at"
            ).get(id=item["id"])
    return Saved(
        position=position,
        answer=stored["answer"],
        saved_at=stored["answered_at"] or now,
        seq=stored["answer_seq"],
        stale=not (seq and stored["answer_key"] == seq),
    )


def prediction_clean(raw: str | int | None) -> int | None:
    """The prediction as a whole number (``8.123``, ``8 123`` and ``8,123`` read as 8123).

    Returns ``None`` for an empty answer; raises ``AttemptRefused`` for anything
    that is not a non-negative whole number of at most 12 digits.
    """
    from contest.inputs import prediction_parse

    try:
        return prediction_parse(raw)
    except ValueError as error:
        raise AttemptRefused(
            _("Số dự đoán phải là số nguyên không âm, ví dụ 8123."), "bad_prediction"
        ) from error


def prediction_save(
    *,
    attempt,
    user,
    raw: str,
    seq: int,
    now: datetime,
    base: int | None = None,
    prior: tuple[int, ...] | list[int] = (),
) -> Saved:
    """Save the prediction as it is typed, with the ordering rules of ``answer_save``.

    ``attempt`` is the attempt or its id. Returns what is stored (``position`` is
    ``"prediction"``, ``answer`` the number as text, ``seq`` the server's order);
    ``stale`` when a newer prediction is kept.
    """
    pk = _attempt_pk(attempt)
    row = Attempt.objects.filter(pk=pk).values(*_OPEN_FIELDS).first()
    _check_open_row(row, prefix="", user=user, now=now)
    value = prediction_clean(raw)
    with transaction.atomic():
        order = _next_write(pk, user)
        if order is None:
            raise AttemptRefused(_("Bài đã nộp; không sửa được câu trả lời nữa."), "finished")
        target = Attempt.objects.filter(pk=pk, status=_IN_PROGRESS)
        if seq:
            target = target.exclude(prediction_key=seq)  # a retry of what is stored
        if base is not None:
            target = target.filter(
                Q(prediction_seq__lte=base) | Q(prediction_key__in=list(prior)[-20:])
            )
        if target.update(prediction=value, prediction_seq=order, prediction_key=seq):
            shown = "" if value is None else str(value)
            return Saved(position="prediction", answer=shown, saved_at=now, seq=order)
        stored = Attempt.objects.values("prediction", "prediction_seq", "prediction_key").get(pk=pk)
    kept = stored["prediction"]
    return Saved(
        position="prediction",
        answer="" if kept is None else str(kept),
        saved_at=now,
        seq=stored["prediction_seq"],
        stale=not (seq and stored["prediction_key"] == seq),
    )


# --- submit -----------------------------------------------------------------------------


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
