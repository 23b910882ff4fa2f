"""Autosave: one answer (or the prediction, or the essay) at a time, in the order the server receives it.

Every answer a resident gives is saved as it is given; a retried request changes nothing,
and a late one from an offline queue never overwrites a newer answer (``Saved.stale``).
"""

import re
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from contest.inputs import prediction_parse
from contest.models import Attempt, AttemptQuestion, Contest
from contest.online.checks import OPEN_FIELDS, AttemptRefused, check_open_row
from questions.models import LETTERS, QuestionVersion

_IN_PROGRESS = Attempt.Status.IN_PROGRESS
ESSAY_MAX_CHARS = 5000  # the essay's box on the review page (maxlength) and what is kept
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass
class Saved:
    """What is stored for a question after a write: ``seq`` is the server's order."""

    position: int | str  # "prediction" for the prediction, "essay" for the essay
    answer: str
    saved_at: datetime
    seq: int = 0
    stale: bool = False  # the write was not applied: a newer answer is stored


def _clean_answer(raw: str, item_options: int, kind: str) -> str:
    letters = "".join(sorted(set((raw or "").upper())))
    if any(letter not in LETTERS[:item_options] for letter in letters):
        raise AttemptRefused(_("Câu trả lời không hợp lệ cho câu hỏi này."), "bad_answer")
    if kind != QuestionVersion.Kind.MULTIPLE and len(letters) > 1:
        raise AttemptRefused(_("Câu này chỉ chọn một đáp án."), "bad_answer")
    return letters


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


def _over_what_the_phone_knew(seq: int, base, prior) -> tuple[str, list]:
    """SQL conditions on the stored answer ``q`` (with their parameters) under which a
    write applies: not a retry of what is stored (``seq``), and, with ``base``, over the
    server order the phone last saw or over its own changes not yet confirmed."""
    conditions, params = "", []
    if seq:
        conditions += " AND q.answer_key <> %s"
        params.append(seq)
    if base is not None:
        conditions += " AND (q.answer_seq <= %s OR q.answer_key = ANY(%s))"
        params += [base, list(prior)[-20:]]
    return conditions, params


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
    conditions, params = _over_what_the_phone_knew(seq, base, prior)
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


def _save_at_once_pg(
    *, attempt_pk, user, position: int, letters: str, seq: int, base, prior, now
) -> int | None:
    """PostgreSQL, the usual autosave: every check and the write in ONE statement.

    The attempt's next write number is taken only if the attempt is the user's, in
    progress and before its deadline plus grace; the answer is written only if the
    question at ``position`` is the attempt's, has the letters chosen (and more than one
    only on a multiple-answer question) and the write is over what the phone knew of.
    None when anything of that fails: ``answer_save`` then asks again, step by step, to
    say why (a refusal, or the newer answer stored); a taken write number that stores
    nothing leaves a gap, which the order allows.
    """
    attempts = connection.ops.quote_name(Attempt._meta.db_table)
    contests = connection.ops.quote_name(Contest._meta.db_table)
    items = connection.ops.quote_name(AttemptQuestion._meta.db_table)
    versions = connection.ops.quote_name(QuestionVersion._meta.db_table)
    conditions, params = _over_what_the_phone_knew(seq, base, prior)
    highest = max((LETTERS.index(letter) + 1 for letter in letters), default=0)
    attempt_id = Attempt._meta.pk.get_db_prep_value(attempt_pk, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH a AS (UPDATE {attempts} AS t SET answers_written = t.answers_written + 1 "
            f"FROM {contests} AS c WHERE t.id = %s AND t.status = %s AND t.user_id = %s "
            "AND c.id = t.contest_id AND t.deadline + c.grace_seconds * INTERVAL '1 second' >= %s "
            "RETURNING t.answers_written) "
            f"UPDATE {items} AS q SET answer = %s, answer_seq = a.answers_written, "
            f"answer_key = %s, answered_at = %s FROM a, {versions} AS v "
            "WHERE q.attempt_id = %s AND q.position = %s AND v.id = q.version_id "
            "AND jsonb_array_length(v.options) >= %s AND (%s <= 1 OR v.kind = %s)"
            f"{conditions} RETURNING a.answers_written",
            [
                attempt_id,
                _IN_PROGRESS,
                user.pk,
                now,
                letters,
                seq,
                now,
                attempt_id,
                position,
                highest,
                len(letters),
                QuestionVersion.Kind.MULTIPLE,
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
    if connection.vendor == "postgresql":
        letters = "".join(sorted(set((answer or "").upper())))
        if set(letters) <= set(LETTERS):
            order = _save_at_once_pg(
                attempt_pk=pk,
                user=user,
                position=position,
                letters=letters,
                seq=seq,
                base=base,
                prior=prior,
                now=now,
            )
            if order is not None:
                return Saved(position=position, answer=letters, saved_at=now, seq=order)
    item = (
        AttemptQuestion.objects.filter(attempt_id=pk, position=position)
        .values("id", "version__options", "version__kind", *(f"attempt__{f}" for f in OPEN_FIELDS))
        .first()
    )
    if item is None:
        # Rare: a wrong attempt or a wrong question; say which.
        row = Attempt.objects.filter(pk=pk).values(*OPEN_FIELDS).first()
        check_open_row(row, prefix="", user=user, now=now)
        raise AttemptRefused(_("Câu hỏi này không thuộc lượt thi của bạn."), "bad_question")
    check_open_row(item, prefix="attempt__", user=user, now=now)
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
    try:
        return prediction_parse(raw)
    except ValueError as error:
        raise AttemptRefused(
            _("Số dự đoán phải là số nguyên không âm, ví dụ 8123."), "bad_prediction"
        ) from error


def essay_clean(raw: str) -> str:
    """The essay as it is kept: without NUL (PostgreSQL text cannot hold it), line breaks
    as LF (the page's box counts CR LF as one), at most ``ESSAY_MAX_CHARS`` characters."""
    text = raw.replace("\x00", "").replace("\r\n", "\n")[:ESSAY_MAX_CHARS]
    # A lone surrogate (half an emoji, from a crafted request: no browser sends one) cannot
    # be stored as UTF-8; it becomes U+FFFD.
    return _SURROGATE.sub("\ufffd", text)


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
    row = Attempt.objects.filter(pk=pk).values(*OPEN_FIELDS).first()
    check_open_row(row, prefix="", user=user, now=now)
    value = prediction_clean(raw)
    return _attempt_field_save(
        pk, user, "prediction", value, seq=seq, now=now, base=base, prior=prior
    )


def essay_save(
    *,
    attempt,
    user,
    text: str,
    seq: int,
    now: datetime,
    base: int | None = None,
    prior: tuple[int, ...] | list[int] = (),
) -> Saved:
    """Save the essay as it is typed, with the ordering rules of ``answer_save``: an
    attempt whose time runs out while the resident is still typing keeps what was sent.

    Returns what is stored (``position`` is ``"essay"``, ``answer`` the text kept).
    """
    pk = _attempt_pk(attempt)
    row = Attempt.objects.filter(pk=pk).values(*OPEN_FIELDS, "contest__essay_question").first()
    check_open_row(row, prefix="", user=user, now=now)
    if not row["contest__essay_question"]:
        raise AttemptRefused(_("Cuộc thi này không có câu hỏi tự luận."), "no_essay")
    return _attempt_field_save(
        pk, user, "essay", essay_clean(text), seq=seq, now=now, base=base, prior=prior
    )


def _attempt_field_save(pk, user, name: str, value, *, seq, now, base, prior) -> Saved:
    """Write ``value`` to the attempt's field ``name`` (the prediction or the essay), with
    its ``<name>_seq`` (the server's order) and ``<name>_key`` (the phone's id of it)."""
    order_field, key_field = f"{name}_seq", f"{name}_key"
    with transaction.atomic():
        order = _next_write(pk, user)
        if order is None:
            raise AttemptRefused(_("Bài đã nộp; không sửa được câu trả lời nữa."), "finished")
        target = Attempt.objects.filter(pk=pk, status=_IN_PROGRESS)
        if seq:
            target = target.exclude(**{key_field: seq})  # a retry of what is stored
        if base is not None:
            target = target.filter(
                Q(**{f"{order_field}__lte": base}) | Q(**{f"{key_field}__in": list(prior)[-20:]})
            )
        if target.update(**{name: value, order_field: order, key_field: seq}):
            shown = "" if value is None else str(value)
            return Saved(position=name, answer=shown, saved_at=now, seq=order)
        stored = Attempt.objects.values(name, order_field, key_field).get(pk=pk)
    kept = stored[name]
    return Saved(
        position=name,
        answer="" if kept is None else str(kept),
        saved_at=now,
        seq=stored[order_field],
        stale=not (seq and stored[key_field] == seq),
    )
