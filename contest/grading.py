"""Grading: the points of every entry from its frozen question versions and the key.

The key of a question is its version's correct set, unless an answer-key
correction taken after the close says otherwise: ``accept`` lists every answer
that now scores (e.g. ``["B", "C"]`` for an ambiguous question), ``void``
takes the question out of the contest for everyone (it scores for nobody and
no longer counts towards full marks). The latest correction of a version wins,
so a correction can itself be corrected; every one is kept (``KeyCorrection``).

Online attempts are graded when they finish (``grade_answers``; on PostgreSQL the same rule
in the statement that writes the finish, ``contest.online.finishing``); paper sheets
when they are written; a correction regrades the entries it touches. All of it
is set-based, per table: the sums of every entry (``SELECT … GROUP BY …``), then one
``UPDATE … FROM`` of the entries whose grade changes; never a loop over rows.
"""

import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction

from contest.models import (
    Attempt,
    AttemptQuestion,
    Contest,
    KeyCorrection,
    PaperAnswer,
    PaperEntry,
    Round,
)
from core.sql_values import in_values
from questions.models import QuestionVersion

Rules = dict[int, tuple[str, ...] | None]  # version id → accepted answers, or None when void


def key_rules(contest_id: int) -> Rules:
    """The answer-key corrections in force for a contest (latest per question version)."""
    rules: Rules = {}
    for version_id, action, answers in (
        KeyCorrection.objects.filter(contest_id=contest_id)
        .order_by("created_at", "pk")
        .values_list("version_id", "action", "answers")
    ):
        rules[version_id] = None if action == KeyCorrection.Action.VOID else tuple(answers)
    return rules


def grade_items(items, rules: Rules | None = None) -> tuple[Decimal, Decimal]:
    """(score, maximum) of one entry's items, loaded with their versions."""
    return grade_answers(
        ((i.version.pk, i.answer, i.version.correct, i.version.points) for i in items), rules
    )


def grade_answers(rows, rules: Rules | None = None) -> tuple[Decimal, Decimal]:
    """(score, maximum) of one entry from ``(version_id, answer, correct, points)`` rows.

    The rows are what a submit reads in one query (``values_list``), without building
    a model instance per question and version.
    """
    rules = rules or {}
    score = maximum = Decimal(0)
    for version_id, answer, correct, points in rows:
        if version_id in rules:
            accepted = rules[version_id]
            if accepted is None:
                continue  # void: neither scored nor counted
        else:
            accepted = (correct,)
        maximum += Decimal(points)
        if answer and answer in accepted:
            score += Decimal(points)
    return score, maximum


# --- set-based grading -------------------------------------------------------------------------


def _cases(rules: Rules) -> tuple[str, list, str, list]:
    """SQL for one item's points and its share of the maximum, with their parameters."""
    points, p_params, maximum, m_params = ["CASE"], [], "v.points", []
    voided = [vid for vid, accepted in rules.items() if accepted is None]
    if voided:
        marks = ", ".join(["%s"] * len(voided))
        points.append(f"WHEN i.version_id IN ({marks}) THEN 0")
        p_params += voided
        maximum = f"CASE WHEN i.version_id IN ({marks}) THEN 0 ELSE v.points END"
        m_params = list(voided)
    for vid, accepted in rules.items():
        if accepted:
            marks = ", ".join(["%s"] * len(accepted))
            points.append(
                f"WHEN i.version_id = %s THEN CASE WHEN i.answer IN ({marks}) "
                "THEN v.points ELSE 0 END"
            )
            p_params += [vid, *accepted]
    points.append("WHEN i.answer <> '' AND i.answer = v.correct THEN v.points ELSE 0 END")
    return " ".join(points), p_params, maximum, m_params


@dataclass(frozen=True)
class _Table:
    entry: str
    item: str
    fk: str
    finished: str  # condition on the entry table (alias e) for "may be graded"


def _tables() -> tuple[_Table, _Table]:
    online = _Table(
        Attempt._meta.db_table,
        AttemptQuestion._meta.db_table,
        "attempt_id",
        f"e.status <> '{Attempt.Status.IN_PROGRESS}'",
    )
    paper = _Table(PaperEntry._meta.db_table, PaperAnswer._meta.db_table, "entry_id", "1 = 1")
    return online, paper


def refresh_statistics(*models) -> None:
    """Let PostgreSQL see how big the tables of a set-based statement are before it runs.

    PostgreSQL plans from each table's statistics. Right after a bulk write in the same
    transaction (a paper import, the demo, a test) they may still say "empty", and the plan
    for the grading UPDATE becomes a nested loop that aggregates every entry again for each
    entry: hours instead of milliseconds. ``ANALYZE`` samples a bounded number of rows (a few
    milliseconds to a fraction of a second on a million entries) and sees this transaction's
    own rows. A table the database user does not own is skipped with a warning, not an error.
    """
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


def _grade(
    table: _Table, where: str, params: list, rules: Rules, having: str = "", having_params=()
) -> int:
    """Grade the entries of ``table`` that ``where`` selects (and whose items meet the
    aggregate condition ``having``, when given); the number of entries graded.

    Two statements: the points of every entry are summed into a temporary table (a plain
    SELECT, so PostgreSQL may spread it over parallel workers; an UPDATE never is), then
    only the entries whose score or maximum changes are written. A row left as it was
    costs nothing: no new row version, no index entries, no WAL.
    """
    points, p_params, maximum, m_params = _cases(rules)
    versions = QuestionVersion._meta.db_table
    # PostgreSQL: the sums in the order of the entries' pages, so that the UPDATE walks the
    # table once from start to end (in the hash's order, a table larger than the shared
    # buffers was read and written back again for almost every row).
    in_page_order = " ORDER BY MIN(e.ctid)" if connection.vendor == "postgresql" else ""
    sums = f"""
        SELECT i.{table.fk} AS entry_id, SUM({points}) AS points, SUM({maximum}) AS maximum
        FROM {table.item} i
        JOIN {versions} v ON v.id = i.version_id
        JOIN {table.entry} e ON e.id = i.{table.fk}
        WHERE {table.finished} AND {where}
        GROUP BY i.{table.fk}{f" HAVING {having}" if having else ""}{in_page_order}
    """
    # g.points and g.maximum are never NULL (a sum over at least one item).
    update = f"""
        UPDATE {table.entry} SET score = g.points, max_score = g.maximum
        FROM grade_sums g
        WHERE {table.entry}.id = g.entry_id
          AND ({table.entry}.score IS NULL OR {table.entry}.max_score IS NULL
               OR {table.entry}.score <> g.points OR {table.entry}.max_score <> g.maximum)
    """
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS grade_sums")
        cursor.execute(
            f"CREATE TEMPORARY TABLE grade_sums AS {sums}",
            [*p_params, *m_params, *params, *having_params],
        )
        cursor.execute("SELECT COUNT(*) FROM grade_sums")
        count = cursor.fetchone()[0]
        cursor.execute(update)
        cursor.execute("DROP TABLE grade_sums")
        # An entry without items (nothing drawn) scores nothing out of nothing.
        cursor.execute(
            f"UPDATE {table.entry} SET score = 0, max_score = 0 WHERE score IS NULL AND id IN "
            f"(SELECT e.id FROM {table.entry} e WHERE {table.finished} AND {where})",
            params,
        )
    return count


def _ungraded(table: _Table, round_id: int) -> bool:
    """Whether ``table`` holds a finished entry of the round without a grade (one probe)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {table.entry} e WHERE {table.finished} AND e.round_id = %s "
            "AND e.score IS NULL LIMIT 1",
            [round_id],
        )
        return cursor.fetchone() is not None


def grade_round(round: Round, *, only_ungraded: bool = False) -> None:
    """Grade the finished attempts and the paper sheets of ``round`` (all, or those not yet)."""
    rules = key_rules(round.contest_id)
    where = "e.round_id = %s" + (" AND e.score IS NULL" if only_ungraded else "")
    tables = _tables()
    if only_ungraded:
        # Ranking asks first, every time; entries are graded as they are written, so
        # usually nothing is left and neither the statistics nor the sums are redone.
        tables = tuple(table for table in tables if _ungraded(table, round.pk))
        if not tables:
            return
    refresh_statistics(Attempt, AttemptQuestion, PaperEntry, PaperAnswer, QuestionVersion)
    with transaction.atomic():
        _sort_memory()
        for table in tables:
            _grade(table, where, [round.pk], rules)


def _sort_memory() -> None:
    """PostgreSQL: room for a big round's sort and per-entry sums in memory, not on disk, for
    the rest of the current transaction only (``SET LOCAL``)."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '256MB'")


def paper_grades(entry_ids: list[int], contest_id: int) -> dict[int, tuple[Decimal, Decimal]]:
    """(score, maximum) of each of ``entry_ids`` from its answers, whether or not the entry
    itself is written yet: the sums ``_grade`` sets, for a writer that puts them in the row
    it writes (PostgreSQL; an UPDATE afterwards rewrites every row and its index entries).

    One statement; each entry's answers are summed by a lookup on ``(entry, position)``
    (LATERAL), a plan that does not depend on the statistics of rows just written. Without
    those statistics the estimated cost passes PostgreSQL's JIT threshold, and compiling
    took 0.3-0.5 s for a statement that runs in 40 ms: JIT is off for the rest of the
    caller's transaction (``SET LOCAL``), as ``_sort_memory`` sets its memory.
    """
    points, p_params, maximum, m_params = _cases(key_rules(contest_id))
    sql = f"""
        SELECT e.id, COALESCE(g.points, 0), COALESCE(g.maximum, 0)
        FROM unnest(%s::bigint[]) AS e(id)
        CROSS JOIN LATERAL (
            SELECT SUM({points}) AS points, SUM({maximum}) AS maximum
            FROM {PaperAnswer._meta.db_table} i
            JOIN {QuestionVersion._meta.db_table} v ON v.id = i.version_id
            WHERE i.entry_id = e.id
        ) g
    """
    with connection.cursor() as cursor:
        if connection.in_atomic_block:
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, [list(entry_ids), *p_params, *m_params])
        return {entry_id: (score, top) for entry_id, score, top in cursor.fetchall()}


def grade_paper(entry_ids: list[int], contest_id: int) -> None:
    """Grade freshly written or corrected paper sheets: one statement for all of them."""
    rules = key_rules(contest_id)
    if len(entry_ids) > 100:  # a bulk write: see refresh_statistics
        refresh_statistics(PaperEntry, PaperAnswer, QuestionVersion)
        _sort_memory()
    where, params = in_values("e.id", entry_ids)
    _grade(_tables()[1], where, params, rules)


# --- answer-key corrections ----------------------------------------------------------------------


def _rounds_where_every_entry_holds(contest_id: int, version_ids) -> tuple[list[int], bool]:
    """The rounds of the contest whose every entry holds one of the questions of
    ``version_ids``: those given a fixed list of questions (``codes``) that names one.

    (Every entry of such a round, online or on paper, was given the list; one drawn after
    a question of the list was archived lacks it, which the regrade checks entry by entry.)
    Also whether these are all the contest's rounds.
    """
    held = set(
        QuestionVersion.objects.filter(pk__in=version_ids).values_list(
            "question__bank__slug", "question__code"
        )
    )
    contest = Contest.objects.prefetch_related("rounds").get(pk=contest_id)
    found = []
    for round in contest.rounds.all():
        spec = round.questions_spec or contest.questions_spec or {}
        if any((spec.get("bank"), code) in held for code in spec.get("codes", ())):
            found.append(round.pk)
    return found, len(found) == len(contest.rounds.all())


def regrade_using_versions(*, contest_id: int, version_ids, rules: Rules) -> int:
    """Regrade, in SQL, every entry of the contest (online and paper) that holds one of the
    ``version_ids``; the number of entries touched.

    In a round where every entry holds one (a fixed list of questions), its entries are read
    as a full regrade reads them, one pass over the round's answers, keeping the entries
    holding a version: finding them first through the answers' index was a loop over the
    entries that the planner, expecting few, chose (twice as slow with a million entries).
    Elsewhere (questions drawn per attempt) the entries holding a version are found first.
    """
    version_ids = list(version_ids)
    marks = ", ".join(["%s"] * len(version_ids))
    full, every_round = _rounds_where_every_entry_holds(contest_id, version_ids)
    rounds = ", ".join(["%s"] * len(full))
    touched = 0
    _sort_memory()  # (a correction's regrade ran its sorts on disk: 4 MB of work_mem)
    for table in _tables():
        if full:
            touched += _grade(
                table,
                f"e.contest_id = %s AND e.round_id IN ({rounds})",
                [contest_id, *full],
                rules,
                having=f"SUM(CASE WHEN i.version_id IN ({marks}) THEN 1 ELSE 0 END) > 0",
                having_params=version_ids,
            )
        if every_round:
            continue
        touched += _grade(
            table,
            f"e.contest_id = %s{f' AND e.round_id NOT IN ({rounds})' if full else ''} "
            f"AND e.id IN (SELECT {table.fk} FROM {table.item} WHERE version_id IN ({marks}))",
            [contest_id, *full, *version_ids],
            rules,
        )
    return touched


# --- consistency ---------------------------------------------------------------------------------


def attempts_disagreeing(*, contest: Contest) -> list[str]:
    """Ids of the contest's finished attempts whose stored score is not the grade of their answers.

    An empty list is the guarantee the submit path gives (it grades under the
    attempt's lock): every finished attempt's ``score`` equals the points of the
    answers stored with it under the key in force. One query, in the database.
    """
    points, p_params, _maximum, _m_params = _cases(key_rules(contest.pk))
    online = _tables()[0]
    sql = f"""
        SELECT e.id FROM {online.entry} e
        LEFT JOIN (
            SELECT i.attempt_id AS entry_id, SUM({points}) AS points
            FROM {online.item} i JOIN {QuestionVersion._meta.db_table} v ON v.id = i.version_id
            GROUP BY i.attempt_id
        ) g ON g.entry_id = e.id
        WHERE e.contest_id = %s AND {online.finished}
          AND (e.score IS NULL OR e.score <> COALESCE(g.points, 0))
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*p_params, contest.pk])
        return [str(uuid.UUID(str(row[0]))) for row in cursor.fetchall()]
