"""Starting an online attempt: the questions drawn for it and their option order.

The checks are ``contest.online.checks``; autosave is ``contest.online.answers``; submit and
finishing the attempts left open are ``contest.online.finishing``.

The server's clock is the only clock: every function takes ``now`` from its
caller (one reading per request) and enforces the deadline itself. An attempt's
deadline is the earlier of its time limit and its round's close; answers and
submits that arrive within ``contest.grace_seconds`` after it are accepted and
stamped with their arrival time (answers in flight when time ran out).
"""

import json
import random
from contextlib import nullcontext
from datetime import datetime, timedelta
from functools import lru_cache

from django.db import IntegrityError, connection, transaction
from django.db.models.sql import InsertQuery
from django.utils.translation import gettext as _

from contest.models import Attempt, AttemptQuestion, Contest
from contest.online.checks import AttemptRefused, check_may_start
from contest.online.finishing import attempt_finish_expired
from questions.models import LETTERS, QuestionVersion
from questions.selectors import spec_questions

_random = random.SystemRandom()
_IN_PROGRESS = Attempt.Status.IN_PROGRESS


# --- start ------------------------------------------------------------------------------


_POOL_FIELDS = ("current_version_id", "current_version__kind", "current_version__options")


@lru_cache(maxsize=256)
def _pool_sql(bank: str, by_code: bool, names: tuple[str, ...]) -> tuple[str, tuple]:
    """The SQL of a draw's pool: (code or topic, version id, kind, options) of the usable
    questions of ``bank`` with those codes or in those topics; built once per process
    (compiling the query at every start cost a tenth of a start's CPU)."""
    base = spec_questions(bank_slug=bank)
    if by_code:
        pool = base.filter(code__in=names).values_list("code", *_POOL_FIELDS)
    else:
        pool = base.filter(topic__name__in=names).values_list("topic__name", *_POOL_FIELDS)
    return pool.order_by().query.sql_with_params()


def _pool(bank: str, by_code: bool, names: tuple[str, ...]) -> list[tuple]:
    sql, params = _pool_sql(bank, by_code, names)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    # options: JSON text from both databases (as JSONField reads it); an attempt needs
    # only how many there are
    return [
        (key, pk, kind, json.loads(options) if isinstance(options, str) else options)
        for key, pk, kind, options in rows
    ]


def _draw(spec: dict) -> list[QuestionVersion]:
    """The question versions of one attempt, drawn by the contest's rule, in one query.

    The versions carry only what an attempt needs (id, kind, options).
    """
    if "codes" in spec:
        by_code = {row[0]: row[1:] for row in _pool(spec["bank"], True, tuple(spec["codes"]))}
        rows = [by_code[c] for c in spec["codes"] if c in by_code]
    else:
        pools: dict[str, list] = {}
        topics = tuple(part["topic"] for part in spec["draw"])
        for topic, *row in _pool(spec["bank"], False, topics):
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


def _items_sql(attempt: Attempt, rows: list[tuple[int, int, str]]) -> tuple[str, list]:
    """The INSERT of the drawn questions ``(position, version id, option order)``, one statement.

    What ``bulk_create`` would write, without its per-object preparation of every field
    (a seventh of a start's CPU with 20 questions); every other column takes its default.
    """
    table = connection.ops.quote_name(AttemptQuestion._meta.db_table)
    attempt_id = Attempt._meta.pk.get_db_prep_value(attempt.pk, connection)
    values = ", ".join(["(%s, %s, %s, %s, '', 0, 0)"] * len(rows))
    params = [value for row in rows for value in (attempt_id, *row)]
    return (
        f"INSERT INTO {table} (attempt_id, position, version_id, option_order, answer, "
        f"answer_seq, answer_key) VALUES {values}",
        params,
    )


def _write(attempt: Attempt, rows: list[tuple[int, int, str]]) -> None:
    """Write the new attempt and its drawn questions, all or nothing.

    On PostgreSQL in one statement (the attempt's INSERT as Django compiles it, in a WITH):
    one round trip, where a transaction of its own took four. Elsewhere, two INSERTs in a
    transaction.
    """
    items, item_params = _items_sql(attempt, rows)
    if connection.vendor != "postgresql":
        with transaction.atomic():
            attempt.save(force_insert=True)
            with connection.cursor() as cursor:
                cursor.execute(items, item_params)
        return
    query = InsertQuery(Attempt)
    query.insert_values(Attempt._meta.local_concrete_fields, [attempt])
    [(insert, params)] = query.get_compiler(connection=connection).as_sql()
    # Inside a caller's transaction, a savepoint keeps a refused INSERT from spoiling it.
    inside = transaction.atomic() if connection.in_atomic_block else nullcontext()
    with inside, connection.cursor() as cursor:
        cursor.execute(f"WITH attempt AS ({insert}) {items}", [*params, *item_params])
    attempt._state.adding, attempt._state.db = False, connection.alias


def attempt_start(*, contest: Contest, user, now: datetime) -> tuple[Attempt, bool]:
    """Start an attempt, or return the one already in progress; returns (attempt, created).

    Questions (versions and option order) are drawn and frozen here. A second
    tab, a second device or a double tap gets the same attempt back.
    """
    facts = check_may_start(contest=contest, user=user, now=now)
    current, used = facts.round, facts.attempts_used
    if facts.in_progress_id is not None:
        existing = Attempt.objects.filter(pk=facts.in_progress_id).first()
        if existing is not None:  # (None: finished by the sweeper meanwhile)
            existing.contest = contest
            if existing.accepts_until > now:
                return existing, False
            attempt_finish_expired(attempt=existing, now=now)
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
    attempt = Attempt(
        contest=contest,
        round=current,
        user=user,
        number=used + 1,
        started_at=now,
        deadline=deadline,
    )
    shuffle = spec.get("shuffle_options", False)
    try:
        _write(
            attempt,
            [(i, v.pk, _option_order(v, shuffle)) for i, v in enumerate(versions, start=1)],
        )
    except IntegrityError:
        # Two starts raced (double tap on two devices): the other one won.
        attempt = Attempt.objects.get(round=current, user=user, status=Attempt.Status.IN_PROGRESS)
        return attempt, False
    return attempt, True
