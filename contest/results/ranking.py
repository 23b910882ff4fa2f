"""Ranking by the rules of docs/contracts.md ("Ranking rules"), in SQL.

Entries are graded when they are written (``contest/grading.py``);
ranking grades whatever is still ungraded, then does the rest in the database
whatever the size of the contest: the round's entries are gathered once into a
work table (``_Scratch``) with their validity decided and their lot drawn
(``contest.results.candidates``); one pass counts the entries of the people who have
several (``rank_people``) and a window over theirs lists the entries not counted
(``rank_dropped``); window functions sort the counted entries by the contest's tie-break
chain and name the criterion that separates each entry from the next (``decided_by``);
the ranked and the invalid entries go straight into ``ResultRow`` (``contest.results.rows``:
on PostgreSQL the rank statement creates the result's own partition with
``CREATE TABLE … AS``). Only prizes (a few dozen rows) are decided in Python, because one
person gets at most one prize in a contest.

Tie-break criteria live in ``contest/criteria.py``: a name, a SQL key (never
NULL), a direction and their words; a contest lists them in its own order.
"""

import hashlib
import json
import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Profile, User
from contest.criteria import CRITERIA
from contest.grading import grade_round, key_rules, refresh_statistics
from contest.models import Contest, Result, Round
from contest.results import workflow
from contest.results.candidates import candidates_sql
from contest.results.prizes import prizes_award, unit_standings
from contest.results.rows import (
    Target,
    partitions_prune,
    rows_close,
    rows_discard,
    rows_open,
    rows_write,
)
from core.errors import Refusal
from core.timeparse import timezone_label

logger = logging.getLogger("cuocthi.ranking")


class RankingError(Refusal):
    """The ranking cannot be made or changed (message for the organizer)."""

    code = "ranking_refused"


# --- ranking -------------------------------------------------------------------------------------


# Criteria whose key is the same for every entry of a person: they cannot choose among a
# person's entries, so the counted entry is picked without them (and they are computed once
# per person, for the counted entry only).
_PER_PERSON = {"attempts", "registered_at", "lot"}


# The sort prefix: the first key in the high bits, the second (capped) in the low ones.
_LOW_BITS = 36
_LOW_CAP = 2**_LOW_BITS - 1


def _sort_prefix(chain: list[str]) -> str | None:
    """One BIGINT over ``k_0`` and ``k_1`` that orders as the first two criteria do, or None.

    A sort keeps each row's first sort key beside its pointer and reaches into the row
    only when two first keys are equal. The score has a few dozen values among a million
    entries, so almost every comparison went on into the rows (cache misses, numerics
    unpacked); with this prefix first, almost none do. It never contradicts the chain:
    it does not decrease when (first key, second key) moves down the chain's order, so
    where two prefixes are equal the keys themselves decide, as before. Only when the
    first criterion has a small ``bound`` and the second an ``integral`` (the default
    chain: score, then prediction_error).
    """
    if len(chain) < 2:
        return None
    first, second = CRITERIA[chain[0]], CRITERIA[chain[1]]
    if not (first.integral and 0 < first.bound <= 2 ** (63 - _LOW_BITS) and second.integral):
        return None
    high = first.integral.format(k="k_0")
    if first.descending:
        high = f"({first.bound - 1} - {high})"
    low = second.integral.format(k="k_1")
    low = f"CASE WHEN {low} > {_LOW_CAP} THEN {_LOW_CAP} ELSE {low} END"
    if second.descending:
        low = f"({_LOW_CAP} - {low})"
    return f"{high} * {2**_LOW_BITS} + {low}"


# The columns of ``rank_candidates`` that ranking reads (``contest.results.candidates``).
_ENTRY = (
    "person",
    "full_name",
    "unit_id",
    "channel",
    "attempt_id",
    "paper_id",
    "score",
    "full_marks",
    "prediction",
    "duration",
    "submitted_at",
    "registered_at",
    "lot",
)

# The people with more than one valid entry, with their count and first registration (the
# per-person criteria). Everyone else has one entry, which is the counted one: a hash of
# people in one pass, where a window over the entries sorted them all by person.
_PEOPLE_SQL = """
    CREATE {kind} TABLE {people} AS
    SELECT person, COUNT(*) AS n_entries, MIN(registered_at) AS first_registered
    FROM {candidates} WHERE reason = '' GROUP BY person HAVING COUNT(*) > 1
"""


@dataclass(frozen=True)
class _Scratch:
    """The ranking's work tables: the entries gathered, the people with several, and the
    entries of theirs not counted.

    On PostgreSQL, UNLOGGED tables of this connection's own (its backend's id in their
    names), created and dropped inside the ranking's transaction, so that no other session
    ever sees them and a failed ranking leaves nothing behind. Not TEMPORARY: PostgreSQL
    never reads a temporary table in parallel, and with these the people, the inputs hash
    and the rank statement's scan and sort are spread over the cores. Elsewhere, TEMPORARY
    tables.
    """

    candidates: str
    people: str
    dropped: str
    kind: str

    @classmethod
    def of(cls, cursor) -> "_Scratch":
        if connection.vendor != "postgresql":
            return cls("rank_candidates", "rank_people", "rank_dropped", "TEMPORARY")
        cursor.execute("SELECT pg_backend_pid()")
        pid = int(cursor.fetchone()[0])
        return cls(
            f"rank_candidates_{pid}", f"rank_people_{pid}", f"rank_dropped_{pid}", "UNLOGGED"
        )

    def sql(self, template: str) -> str:
        return template.format(
            candidates=self.candidates, people=self.people, dropped=self.dropped, kind=self.kind
        )


def _counted_order(contest: Contest, chain: list[str], keys: list[str]) -> str:
    """How the contest's rule orders one person's entries, the counted one first."""
    rule = contest.counted_attempt
    if rule == Contest.CountedAttempt.FIRST:
        return "submitted_at ASC, channel, attempt_id, paper_id"
    if rule == Contest.CountedAttempt.LAST:
        return "submitted_at DESC, channel, attempt_id, paper_id"
    # The same chain as the ranking, on the keys that can differ within a person.
    return ", ".join(
        [
            f"{key} {'DESC' if CRITERIA[name].descending else 'ASC'}"
            for name, key in zip(chain, keys, strict=True)
            if name not in _PER_PERSON
        ]
        + ["channel, attempt_id, paper_id"]
    )


def _keys(chain: list[str], target: int | None) -> list[str]:
    target_sql = "NULL" if target is None else str(int(target))
    return [CRITERIA[name].key.format(target=target_sql) for name in chain]


def _dropped_sql(contest: Contest, chain: list[str], target: int | None, scratch: _Scratch) -> str:
    """The valid entries not counted: of the people in ``rank_people``, every entry but the
    one the contest's rule picks (a sort of these people's entries only)."""
    order = _counted_order(contest, chain, _keys(chain, target))
    return scratch.sql(
        f"""
        CREATE {{kind}} TABLE {{dropped}} AS
        SELECT attempt_id, paper_id FROM (
            SELECT c.attempt_id, c.paper_id,
                   ROW_NUMBER() OVER (PARTITION BY c.person ORDER BY {order}) AS nth
            FROM {{candidates}} c JOIN {{people}} p ON p.person = c.person
            WHERE c.reason = ''
        ) several WHERE nth > 1
        """
    )


def _rank_sql(
    contest: Contest, chain: list[str], target: int | None, into: Target, scratch: _Scratch
) -> str:
    """The SELECT of the ranked counted entries as result rows (prizes are added afterwards;
    the result's id is its parameter).

    The counted entries are the valid ones less those in ``rank_dropped``: one scan of the
    entries, which PostgreSQL spreads over parallel workers together with the keys and the
    sort (a UNION of the single entries and the picked ones kept the sort in one process).
    Then one sort by the tie-break chain (rank and the criterion that separates each entry
    from the next).
    """
    keys = _keys(chain, target)
    order = ", ".join(
        f"k_{i} {'DESC' if CRITERIA[name].descending else 'ASC'}" for i, name in enumerate(chain)
    )
    order = f"{order}, channel, attempt_id, paper_id"
    prefix = _sort_prefix(chain)
    if prefix:
        order = f"k_prefix, {order}"
    key_columns = ", ".join(f"{key} AS k_{i}" for i, key in enumerate(keys))
    next_columns = ", ".join(f"LEAD(k_{i}) OVER w AS n_{i}" for i in range(len(chain)))
    decided = " ".join(f"WHEN k_{i} <> n_{i} THEN '{name}'" for i, name in enumerate(chain))
    entry = ", ".join(f"c.{column}" for column in _ENTRY)
    return f"""
        WITH counted AS (
            SELECT {entry}, COALESCE(p.n_entries, 1) AS n_entries,
                   COALESCE(p.first_registered, c.registered_at) AS first_registered
            FROM {scratch.candidates} c LEFT JOIN {scratch.people} p ON p.person = c.person
            WHERE c.reason = ''
              AND NOT EXISTS (SELECT 1 FROM {scratch.dropped} d WHERE d.attempt_id = c.attempt_id)
              AND NOT EXISTS (SELECT 1 FROM {scratch.dropped} d WHERE d.paper_id = c.paper_id)
        ), keyed AS (
            SELECT counted.*, {key_columns} FROM counted
        ), prefixed AS (
            SELECT keyed.*, {prefix or 0} AS k_prefix FROM keyed
        ), ranked AS (
            SELECT prefixed.*, ROW_NUMBER() OVER w AS position, {next_columns}
            FROM prefixed WINDOW w AS (ORDER BY {order})
        )
        SELECT {into.id_column("position")}%s AS result_id, position AS rank, person,
               full_name, unit_id, channel, attempt_id, paper_id, score, prediction,
               duration AS duration_seconds, submitted_at, full_marks, '' AS prize,
               CASE WHEN n_0 IS NULL THEN '' {decided} ELSE '' END AS decided_by, '' AS reason
        FROM ranked
    """


# The invalid entries in a fixed order (the rows' ids give the order of the exports'
# invalid list; gathered in parallel, the entries come in any order).
_INVALID_ORDER = "channel, attempt_id, paper_id"


def _invalid_sql(into: Target, scratch: _Scratch, ranked: int) -> str:
    """The SELECT of the invalid entries as result rows (the result's id is its parameter)."""
    number = into.id_column(f"ROW_NUMBER() OVER (ORDER BY {_INVALID_ORDER})", offset=ranked)
    return f"""
        SELECT {number}%s AS result_id, CAST(NULL AS integer) AS rank, person, full_name,
               unit_id, channel, attempt_id, paper_id, score, prediction,
               duration AS duration_seconds, submitted_at, full_marks, '' AS prize,
               '' AS decided_by, reason
        FROM {scratch.candidates} WHERE reason <> ''
    """


# What the inputs hash reads of each entry: every column the ranking reads but the lot, which
# the contest's seed (in the header) and the person decide. The name is written as a JSON
# string, so that no name (a resident types it) can pass for a "|" or a line of its own.
_HASHED = (
    "channel",
    "attempt_id",
    "paper_id",
    "person",
    "score",
    "prediction",
    "duration",
    "submitted_at",
    "reason",
    "full_name",
    "unit_id",
    "full_marks",
    "registered_at",
)


def _inputs_hash(cursor, header: list, scratch: _Scratch) -> str:
    """SHA-256 of everything the ranking read: the rules, then every entry in a fixed order."""
    digest = hashlib.sha256(json.dumps(header, ensure_ascii=False, default=str).encode())
    if connection.vendor == "postgresql":
        # The same rows, hashed where they are: no million rows through Python. The same
        # order too: an online entry is the one with an attempt_id, so "attempt_id, NULLs
        # last, then paper_id" is "channel, attempt_id, paper_id", and the sort no longer
        # compares the channel's text first at every step (half the time of the hash).
        # The lines are written and sorted in parallel workers (the sorted subquery, merged
        # in order), the aggregate's own ORDER BY then finds them in order: it is what
        # makes the order certain, and costs one pass over rows already sorted.
        # concat() with the "|" between, not concat_ws(), which drops a NULL with its "|":
        # a sheet without a prediction read as if its duration were the prediction.
        fields = ["to_json(full_name)" if f == "full_name" else f for f in _HASHED]
        line = "concat(" + ", '|', ".join(fields) + ")"
        with _parallel_joins(cursor):
            cursor.execute(
                "SELECT encode(sha256(convert_to(COALESCE(string_agg(line, E'\\n' "
                "ORDER BY attempt_id NULLS LAST, paper_id), ''), 'UTF8')), 'hex') FROM ("
                f"SELECT attempt_id, paper_id, {line} AS line FROM {scratch.candidates} "
                "ORDER BY attempt_id NULLS LAST, paper_id) lines"
            )
            digest.update(cursor.fetchone()[0].encode())  # (before the setting is put back)
        return digest.hexdigest()
    cursor.execute(
        f"SELECT {', '.join(_HASHED)} FROM {scratch.candidates} "
        "ORDER BY channel, attempt_id, paper_id"
    )
    name = _HASHED.index("full_name")
    while rows := cursor.fetchmany(10_000):
        lines = (
            "|".join(
                json.dumps(v, ensure_ascii=False) if i == name else str(v)
                for i, v in enumerate(row)
            )
            for row in rows
        )
        digest.update("".join(f"\n{line}" for line in lines).encode())
    return digest.hexdigest()


@contextmanager
def _parallel_joins(cursor):
    """PostgreSQL: let the planner spread a statement over parallel workers.

    Gathering a million entries joins attempts, accounts and profiles; at the default
    parallel_tuple_cost (0.1 per row handed back to the leader) the planner kept it in one
    process, and the parallel plan finishes sooner. The same for the inputs hash, whose
    million lines are written and sorted in the workers. For the statement inside only.
    """
    if connection.vendor != "postgresql":
        yield
        return
    cursor.execute("SELECT current_setting('parallel_tuple_cost')")
    before = cursor.fetchone()[0]
    cursor.execute("SET LOCAL parallel_tuple_cost = 0.01")
    yield  # (an error inside rolls the transaction back, and the setting with it)
    cursor.execute("SELECT set_config('parallel_tuple_cost', %s, true)", [before])


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
    if final and not contest.answers_closed(timezone.now(), round):
        raise RankingError(
            _(
                "vòng thi chưa đóng hoặc còn trong thời gian ân hạn nhận câu trả lời: chỉ xếp "
                "hạng tạm được; kết quả chính thức sau đó."
            ),
            "round_open",
        )
    clock = _Clock(f"rank {contest.slug} round {round.number}")
    grade_round(round, only_ungraded=True)
    refresh_statistics(User, Profile)  # the entries' tables are fresh from grade_round
    clock.lap("graded what was ungraded")
    chain = [name for name in (contest.tie_break or ["score"]) if name in CRITERIA]
    with transaction.atomic(), connection.cursor() as cursor:
        # One ranking of a round at a time: a second one (a double click, the command and the
        # page at once) waits here, then replaces the first's result instead of adding a second
        # provisional one beside it. NO KEY: attempts started meanwhile are not held up.
        Round.objects.select_for_update(no_key=True).filter(pk=round.pk).first()
        if Result.objects.select_for_update().filter(round=round, final=True).exists():
            raise RankingError(
                _("kết quả chính thức của vòng này đã chốt; không xếp lại được."), "final"
            )
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL work_mem = '256MB'")
        # The provisional result this one replaces stays readable until the commit.
        old = list(Result.objects.filter(round=round, final=False).values_list("pk", flat=True))
        scratch = _Scratch.of(cursor)
        cursor.execute(scratch.sql("DROP TABLE IF EXISTS {candidates}"))
        candidates, params = candidates_sql(contest, round, lot="lot" in chain)
        with _parallel_joins(cursor):
            cursor.execute(scratch.sql("CREATE {kind} TABLE {candidates} AS ") + candidates, params)
        cursor.execute(scratch.sql("DROP TABLE IF EXISTS {people}"))
        cursor.execute(scratch.sql(_PEOPLE_SQL))
        # Its size, for the planner (a table made in this transaction has no statistics of
        # its own): it then hashes these few people, not the entries.
        cursor.execute(scratch.sql("ANALYZE {people}"))
        # The valid entries not counted: the second and later of the people with several.
        cursor.execute(scratch.sql("SELECT COALESCE(SUM(n_entries - 1), 0) FROM {people}"))
        not_counted = int(cursor.fetchone()[0])
        clock.lap("gathered the entries")
        if contest.prediction_target == Contest.PredictionTarget.PARTICIPANTS:
            # Every valid entry is a person's, less those not counted.
            cursor.execute(scratch.sql("SELECT COUNT(*) FROM {candidates} WHERE reason = ''"))
            target = cursor.fetchone()[0] - not_counted
        elif contest.prediction_target == Contest.PredictionTarget.ALL_CORRECT:
            cursor.execute(
                scratch.sql("SELECT COUNT(*) FROM {candidates} WHERE reason = '' AND full_marks")
            )
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
            inputs_hash=_inputs_hash(cursor, header, scratch),
            created_by=user,
        )
        clock.lap("target and inputs hash")
        cursor.execute(scratch.sql("DROP TABLE IF EXISTS {dropped}"))
        cursor.execute(_dropped_sql(contest, chain, target, scratch))
        if connection.vendor == "postgresql":
            cursor.execute(scratch.sql("ANALYZE {dropped}"))  # then hashed, in every worker
        else:  # looked up once per entry
            cursor.execute(scratch.sql("CREATE INDEX {dropped}_a ON {dropped} (attempt_id)"))
            cursor.execute(scratch.sql("CREATE INDEX {dropped}_p ON {dropped} (paper_id)"))
        clock.lap("the entries not counted")
        into = rows_open(cursor, result)
        with _parallel_joins(cursor):
            ranked = rows_write(
                cursor, into, _rank_sql(contest, chain, target, into, scratch), [result.pk]
            )
        invalid = rows_write(
            cursor, into, _invalid_sql(into, scratch, ranked), [result.pk], order=_INVALID_ORDER
        )
        rows_close(cursor, result, into)
        clock.lap("ranked and stored")
        read = ranked + invalid + not_counted
        Result.objects.filter(pk=result.pk).update(
            entries_count=ranked, invalid_count=invalid, entries_read=read
        )
        result.entries_count, result.invalid_count, result.entries_read = ranked, invalid, read
        cursor.execute(scratch.sql("DROP TABLE {candidates}"))
        cursor.execute(scratch.sql("DROP TABLE {people}"))
        cursor.execute(scratch.sql("DROP TABLE {dropped}"))
        prizes_award(result, round.prizes or contest.prizes or [], set(excluded))
        clock.lap("invalid entries and prizes")
        rows_discard(cursor, old)
        Result.objects.filter(pk__in=old).delete()
        clock.lap("replaced the previous result")
    return result


def contest_rank(contest: Contest, *, final: bool = False, user=None) -> list[Result]:
    """Rank every round of ``contest`` in order (or keep the frozen result of a final round).

    One prize per person in the contest: whoever holds a prize of an earlier
    round is passed over in the later ones.
    """
    if final:
        window = workflow.objection_window_open(contest)
        if window is not None:
            until = timezone.localtime(window.objections_until, contest.tz)
            raise RankingError(
                _(
                    "đang trong thời hạn nhận khiếu nại (đến %(when)s, %(zone)s); chốt kết quả "
                    "chính thức sau thời hạn đó."
                )
                % {
                    "when": f"{until:%H:%M %d/%m/%Y}",
                    "zone": timezone_label(contest.timezone, until),
                },
                "objection_window_open",
            )
    partitions_prune()  # of results replaced earlier (outside the ranking's transaction)
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
                    _("vòng %(n)s: kết quả chính thức đã chốt lúc %(when)s.")
                    % {
                        "n": round.number,
                        "when": f"{timezone.localtime(frozen.created_at, contest.tz):%H:%M %d/%m/%Y}",
                    },
                    "final",
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
