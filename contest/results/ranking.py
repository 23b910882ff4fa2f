"""Ranking by the rules of docs/contracts.md ("Ranking rules"), in SQL.

Entries are graded when they are written (``contest/grading.py``);
ranking grades whatever is still ungraded, then does the rest in the database
whatever the size of the contest: the round's entries are gathered once into a
temporary table with their validity decided (``_CANDIDATES``); window functions
count each person's entries, pick each person's counted entry, sort by the
contest's tie-break chain and name the criterion that separates each entry from
the next (``decided_by``); the ranked and the invalid entries go straight into
``ResultRow`` with ``INSERT … SELECT``. Only prizes (a few dozen rows) are
decided in Python, because one person gets at most one prize in a contest.

Tie-break criteria live in ``contest/criteria.py``: a name, a SQL key (never
NULL), a direction and their words; a contest lists them in its own order.
"""

import hashlib
import json
import logging
import time
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from accounts.identity import person_sql
from contest.criteria import CRITERIA
from contest.models import (
    Attempt,
    Contest,
    PaperEntry,
    Result,
    ResultRow,
    Round,
)
from contest.results.prizes import prizes_award, unit_standings

logger = logging.getLogger("cuocthi.ranking")
PAPER = "paper"


class RankingError(Exception):
    """The ranking cannot be made or changed (message for the organizer, in Vietnamese)."""


def lot_digest(seed: str, person: str) -> str:
    """The lot value anyone can recompute: SHA-256 of ``seed:person`` in hex."""
    return hashlib.sha256(f"{seed}:{person}".encode()).hexdigest()


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    """SQLite has no SHA-256: give it the same function PostgreSQL computes natively."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "sha256_hex",
            1,
            lambda text: None if text is None else hashlib.sha256(text.encode()).hexdigest(),
            deterministic=True,
        )


def _sha256_sql(expression: str) -> str:
    if connection.vendor == "postgresql":
        return f"encode(sha256(convert_to({expression}, 'UTF8')), 'hex')"
    return f"sha256_hex({expression})"


# --- the entries as ranking sees them ----------------------------------------------------------


def _paper_deadline(contest: Contest, round: Round):
    if contest.paper_postmark_deadline and round.number == contest.rounds.count():
        return contest.paper_postmark_deadline
    return timezone.localtime(round.closes_at, contest.tz).date()


def _end_of_postmark_day(contest: Contest, round: Round) -> tuple[str, list]:
    """SQL for the last instant of a sheet's postmark day in the contest's time zone."""
    if connection.vendor == "postgresql":
        return (
            "(((e.postmark_date + 1)::timestamp - interval '1 microsecond') AT TIME ZONE %s)",
            [contest.timezone],
        )
    offset = int(timezone.localtime(round.closes_at, contest.tz).utcoffset().total_seconds())
    return (
        "(strftime('%%Y-%%m-%%d %%H:%%M:%%S', e.postmark_date, '+1 day', %s, '-1 seconds')"
        " || '.999999')",
        [f"{-offset:+d} seconds"],
    )


def _candidates_sql(contest: Contest, round: Round) -> tuple[str, list]:
    """Every finished entry of the round with its person and, if invalid, why."""
    ops = connection.ops
    late_after = round.closes_at + contest.grace
    end_of_day, end_params = _end_of_postmark_day(contest, round)
    from accounts.models import Profile, User
    from contest.permissions import key_viewer_sql

    # People who can see the key (contest.permissions) are never ranked: reason "staff".
    staff = key_viewer_sql(contest)
    attempt, user, profile = Attempt._meta.db_table, User._meta.db_table, Profile._meta.db_table
    paper = PaperEntry._meta.db_table
    online_person = person_sql("u.phone", "p.id_number")
    paper_person = person_sql("e.phone", "e.id_number")
    sql = f"""
        SELECT 'online' AS channel, a.id AS attempt_id, CAST(NULL AS bigint) AS paper_id,
               {online_person} AS person, COALESCE(p.full_name, '') AS full_name,
               p.unit_id AS unit_id, COALESCE(a.score, 0) AS score,
               COALESCE(a.max_score > 0 AND a.score = a.max_score, FALSE) AS full_marks,
               a.prediction AS prediction, a.duration_seconds AS duration,
               a.submitted_at AS submitted_at, u.date_joined AS registered_at,
               CASE WHEN a.user_id IN ({staff["user_id"][0]}) THEN 'staff'
                    WHEN a.submitted_at > %s THEN 'late_submission'
                    WHEN TRIM(COALESCE(p.full_name, '')) = '' OR {online_person} = ''
                    THEN 'missing_identity'
                    ELSE '' END AS reason
        FROM {attempt} a
        JOIN {user} u ON u.id = a.user_id
        LEFT JOIN {profile} p ON p.user_id = u.id
        WHERE a.round_id = %s AND a.status <> %s
        UNION ALL
        SELECT 'paper', NULL, e.id, {paper_person}, e.full_name, e.unit_id,
               COALESCE(e.score, 0),
               COALESCE(e.max_score > 0 AND e.score = e.max_score, FALSE),
               e.prediction, NULL,
               COALESCE(e.received_at, {end_of_day}), COALESCE(e.received_at, {end_of_day}),
               CASE WHEN (e.phone <> '' AND e.phone IN ({staff["phone"][0]}))
                      OR (e.id_number <> '' AND e.id_number IN ({staff["id_number"][0]}))
                    THEN 'staff'
                    WHEN e.invalid_reason <> '' THEN e.invalid_reason
                    WHEN TRIM(e.full_name) = '' OR {paper_person} = '' THEN 'missing_identity'
                    WHEN e.postmark_date > %s THEN 'late_postmark'
                    ELSE '' END
        FROM {paper} e
        WHERE e.round_id = %s
    """
    params = [
        *staff["user_id"][1],
        ops.adapt_datetimefield_value(late_after),
        round.pk,
        Attempt.Status.IN_PROGRESS,
        *end_params,
        *end_params,
        *staff["phone"][1],
        *staff["id_number"][1],
        ops.adapt_datefield_value(_paper_deadline(contest, round)),
        round.pk,
    ]
    return sql, params


# --- ranking -------------------------------------------------------------------------------------


def _rank_sql(contest: Contest, chain: list[str], target: int | None) -> tuple[str, list]:
    """INSERT … SELECT of the ranked counted entries (prizes are added afterwards)."""
    target_sql = "NULL" if target is None else str(int(target))
    keys = [CRITERIA[name].key.format(target=target_sql) for name in chain]
    order = ", ".join(
        f"k_{i} {'DESC' if CRITERIA[name].descending else 'ASC'}" for i, name in enumerate(chain)
    )
    order = f"{order}, channel, attempt_id, paper_id"
    rule = contest.counted_attempt
    if rule == Contest.CountedAttempt.FIRST:
        counted_order = "submitted_at ASC, channel, attempt_id, paper_id"
    elif rule == Contest.CountedAttempt.LAST:
        counted_order = "submitted_at DESC, channel, attempt_id, paper_id"
    else:
        counted_order = order
    params: list = []
    lot = "''"
    if "lot" in chain:
        lot = _sha256_sql("%s || ':' || person")
        params.append(contest.lot_seed)
    key_columns = ", ".join(f"{key} AS k_{i}" for i, key in enumerate(keys))
    next_columns = ", ".join(f"LEAD(k_{i}) OVER w AS n_{i}" for i in range(len(chain)))
    decided = " ".join(f"WHEN k_{i} <> n_{i} THEN '{name}'" for i, name in enumerate(chain))
    sql = f"""
        WITH valid AS (
            SELECT c.*, COUNT(*) OVER (PARTITION BY person) AS n_entries,
                   MIN(registered_at) OVER (PARTITION BY person) AS first_registered,
                   {lot} AS lot
            FROM rank_candidates c WHERE reason = ''
        ), keyed AS (
            SELECT valid.*, {key_columns} FROM valid
        ), numbered AS (
            SELECT keyed.*,
                   ROW_NUMBER() OVER (PARTITION BY person ORDER BY {counted_order}) AS nth
            FROM keyed
        ), counted AS (
            SELECT * FROM numbered WHERE nth = 1
        ), ranked AS (
            SELECT counted.*, ROW_NUMBER() OVER w AS position, {next_columns}
            FROM counted WINDOW w AS (ORDER BY {order})
        )
        INSERT INTO {ResultRow._meta.db_table} (result_id, rank, person, full_name, unit_id,
            channel, attempt_id, paper_id, score, prediction, duration_seconds, submitted_at,
            full_marks, prize, decided_by, reason)
        SELECT %s, position, person, full_name, unit_id, channel, attempt_id, paper_id, score,
               prediction, duration, submitted_at, full_marks, '',
               CASE WHEN n_0 IS NULL THEN '' {decided} ELSE '' END, ''
        FROM ranked
    """
    return sql, params


def _invalid_sql() -> str:
    return f"""
        INSERT INTO {ResultRow._meta.db_table} (result_id, rank, person, full_name, unit_id,
            channel, attempt_id, paper_id, score, prediction, duration_seconds, submitted_at,
            full_marks, prize, decided_by, reason)
        SELECT %s, NULL, person, full_name, unit_id, channel, attempt_id, paper_id, score,
               prediction, duration, submitted_at, full_marks, '', '', reason
        FROM rank_candidates WHERE reason <> ''
    """


def _inputs_hash(cursor, header: list) -> str:
    """SHA-256 of everything the ranking read: the rules, then every entry in a fixed order."""
    digest = hashlib.sha256(json.dumps(header, ensure_ascii=False, default=str).encode())
    if connection.vendor == "postgresql":
        # The same rows, hashed where they are: no million rows through Python.
        cursor.execute(
            "SELECT encode(sha256(convert_to(COALESCE(string_agg(concat_ws('|', channel, "
            "attempt_id, paper_id, person, score, prediction, duration, submitted_at, reason), "
            "E'\\n' ORDER BY channel, attempt_id, paper_id), ''), 'UTF8')), 'hex') "
            "FROM rank_candidates"
        )
        digest.update(cursor.fetchone()[0].encode())
        return digest.hexdigest()
    cursor.execute(
        "SELECT channel, attempt_id, paper_id, person, score, prediction, duration, "
        "submitted_at, reason FROM rank_candidates ORDER BY channel, attempt_id, paper_id"
    )
    while rows := cursor.fetchmany(10_000):
        digest.update("".join(f"\n{'|'.join(map(str, row))}" for row in rows).encode())
    return digest.hexdigest()


class _Clock:
    """Step timings in the log, so an operator sees where a big ranking spends its time."""

    def __init__(self, what: str):
        self.what, self.last = what, time.perf_counter()

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        logger.info("%s: %s in %.2f s", self.what, step, now - self.last)
        self.last = now


def rank_round(
    contest: Contest, round: Round, *, final: bool = False, user=None, excluded=frozenset()
) -> Result:
    """Grade what is ungraded, rank ``round`` and store the result.

    A provisional result replaces the previous provisional one; a final one is
    frozen (``--final``) and can no longer be replaced. ``excluded``: people who
    already hold a prize in an earlier round of the contest.
    """
    from accounts.models import Profile, User
    from contest.grading import grade_round, key_rules, refresh_statistics

    if final and not contest.answers_closed(timezone.now(), round):
        raise RankingError(
            "vòng thi chưa đóng hoặc còn trong thời gian ân hạn nhận câu trả lời: chỉ xếp "
            "hạng tạm được; kết quả chính thức sau đó."
        )
    clock = _Clock(f"rank {contest.slug} round {round.number}")
    grade_round(round, only_ungraded=True)
    refresh_statistics(User, Profile)  # the entries' tables are fresh from grade_round
    clock.lap("graded what was ungraded")
    chain = [name for name in (contest.tie_break or ["score"]) if name in CRITERIA]
    candidates, params = _candidates_sql(contest, round)
    rows_table = ResultRow._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        if Result.objects.select_for_update().filter(round=round, final=True).exists():
            raise RankingError("kết quả chính thức của vòng này đã chốt; không xếp lại được.")
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL work_mem = '256MB'")
        old = list(Result.objects.filter(round=round, final=False).values_list("pk", flat=True))
        if old:
            marks = ", ".join(["%s"] * len(old))
            cursor.execute(f"DELETE FROM {rows_table} WHERE result_id IN ({marks})", old)
            Result.objects.filter(pk__in=old).delete()
        cursor.execute("DROP TABLE IF EXISTS rank_candidates")
        cursor.execute(f"CREATE TEMPORARY TABLE rank_candidates AS {candidates}", params)
        clock.lap("gathered the entries")
        if contest.prediction_target == Contest.PredictionTarget.PARTICIPANTS:
            cursor.execute("SELECT COUNT(DISTINCT person) FROM rank_candidates WHERE reason = ''")
            target = cursor.fetchone()[0]
        elif contest.prediction_target == Contest.PredictionTarget.ALL_CORRECT:
            cursor.execute("SELECT COUNT(*) FROM rank_candidates WHERE reason = '' AND full_marks")
            target = cursor.fetchone()[0]
        else:
            target = None
        header = [
            contest.slug,
            round.number,
            chain,
            contest.lot_seed,
            target,
            contest.counted_attempt,
            sorted(key_rules(contest.pk).items()),
        ]
        result = Result.objects.create(
            contest=contest,
            round=round,
            final=final,
            target=target,
            tie_break=chain,
            inputs_hash=_inputs_hash(cursor, header),
            created_by=user,
        )
        clock.lap("target and inputs hash")
        rank_sql, rank_params = _rank_sql(contest, chain, target)
        cursor.execute(rank_sql, [*rank_params, result.pk])
        clock.lap("ranked and stored")
        cursor.execute(_invalid_sql(), [result.pk])
        cursor.execute(
            f"SELECT COUNT(rank), COUNT(*) - COUNT(rank) FROM {rows_table} WHERE result_id = %s",
            [result.pk],
        )
        ranked, invalid = cursor.fetchone()
        cursor.execute("DROP TABLE rank_candidates")
        Result.objects.filter(pk=result.pk).update(entries_count=ranked, invalid_count=invalid)
        result.entries_count, result.invalid_count = ranked, invalid
        prizes_award(result, round.prizes or contest.prizes or [], set(excluded))
        clock.lap("invalid entries and prizes")
    return result


def contest_rank(contest: Contest, *, final: bool = False, user=None) -> list[Result]:
    """Rank every round of ``contest`` in order (or keep the frozen result of a final round).

    One prize per person in the contest: whoever holds a prize of an earlier
    round is passed over in the later ones.
    """
    from contest.results import workflow
    from core.timeparse import timezone_label

    if final:
        window = workflow.objection_window_open(contest)
        if window is not None:
            until = timezone.localtime(window.objections_until, contest.tz)
            raise RankingError(
                f"đang trong thời hạn nhận khiếu nại (đến {until:%H:%M %d/%m/%Y}, "
                f"{timezone_label(contest.timezone, until)}); chốt kết quả chính thức sau "
                "thời hạn đó."
            )
    public = Result.objects.filter(contest=contest, final=False, published_at__isnull=False)
    was_published = public.exists()
    window_end = max((r.objections_until for r in public if r.objections_until), default=None)
    results: list[Result] = []
    prized: set[str] = set()
    for round in contest.rounds.order_by("number"):
        frozen = Result.objects.filter(round=round, final=True).first()
        if frozen is not None:
            if final:
                raise RankingError(
                    f"vòng {round.number}: kết quả chính thức đã chốt lúc "
                    f"{timezone.localtime(frozen.created_at, contest.tz):%H:%M %d/%m/%Y}."
                )
            result = frozen
        else:
            result = rank_round(contest, round, final=final, user=user, excluded=prized)
        prized |= set(result.rows.exclude(prize="").values_list("person", flat=True))
        results.append(result)
    if contest.unit_prizes.get("prizes") and results and not results[-1].unit_standings:
        results[-1].unit_standings = unit_standings(contest, results)
        Result.objects.filter(pk=results[-1].pk).update(unit_standings=results[-1].unit_standings)
    workflow.record(
        contest=contest,
        action="finalized" if final else "ranked",
        detail=", ".join(f"vòng {r.round.number}: {r.entries_count} bài" for r in results),
        by=user,
    )
    if was_published:
        # The provisional results were public: the new ones (final, or corrected during
        # the objection window) replace them, as long as every winner has been checked.
        try:
            workflow.results_publish(
                contest=contest, user=user, objections_until=None if final else window_end
            )
        except workflow.WorkflowRefused as refused:
            workflow.record(contest=contest, action="not_published", detail=str(refused), by=user)
    return results


# --- reading a stored result ------------------------------------------------------------------


def _number(value: Decimal | None):
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def result_json(result: Result) -> dict:
    """The stored result in the shape of docs/contracts.md's ``rank_contest --json``."""
    rows = ResultRow.objects.filter(result=result)
    fields = (
        "rank",
        "person",
        "full_name",
        "channel",
        "paper__sheet_no",
        "attempt__receipt_code",
        "score",
        "prediction",
        "duration_seconds",
        "submitted_at",
        "prize",
        "decided_by",
        "reason",
        "unit__name",
    )
    entries, invalid = [], []
    tz = result.contest.tz
    for r in rows.filter(rank__isnull=False).order_by("rank").values(*fields).iterator(2000):
        entry = {
            "rank": r["rank"],
            "person": r["person"],
            "full_name": r["full_name"],
            "channel": r["channel"],
        }
        if r["channel"] == PAPER:
            entry["sheet_no"] = r["paper__sheet_no"]
        else:
            entry["receipt"] = r["attempt__receipt_code"]
        entry.update(
            {
                "score": _number(r["score"]),
                "prediction": r["prediction"],
                "duration": r["duration_seconds"],
                "submitted_at": timezone.localtime(r["submitted_at"], tz).isoformat(),
                "unit": r["unit__name"],
                "prize": r["prize"] or None,
                "decided_by": r["decided_by"] or None,
            }
        )
        entries.append(entry)
    for r in rows.filter(rank__isnull=True).order_by("pk").values(*fields).iterator(2000):
        item = (
            {"sheet_no": r["paper__sheet_no"]}
            if r["channel"] == PAPER
            else {"receipt": r["attempt__receipt_code"]}
        )
        item.update({"person": r["person"], "channel": r["channel"], "reason": r["reason"]})
        invalid.append(item)
    return {
        "contest": result.contest.slug,
        "round": result.round.number,
        "final": result.final,
        "target": result.target,
        "tie_break": result.tie_break,
        "lot_seed": result.contest.lot_seed,
        "inputs_hash": result.inputs_hash,
        "entries": entries,
        "invalid": invalid,
    }
