"""The entries as ranking sees them: every finished entry of a round, with its person and,
if it is invalid, why (docs/contracts.md, "Ranking rules" and "Invalid entries").

``candidates_sql`` is the SELECT that ``contest.results.ranking`` gathers into its work
table (``rank_candidates``, on PostgreSQL ``rank_candidates_<backend id>``); online attempts
and paper sheets meet there in one shape.
"""

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from accounts.identity import person_sql
from accounts.models import Profile, User
from contest.models import Attempt, Contest, PaperEntry, Round
from contest.permissions import key_viewers
from contest.results.lots import lot_sql


def bytewise(expression: str) -> str:
    """``expression`` compared byte by byte: PostgreSQL's "C" collation (SQLite compares so
    by default).

    The candidates' text columns and the lot are compared this way: the same order as the
    database's own collation for what they hold (digits, ASCII letters; the person key is
    only grouped, never ordered), but sorts and DISTINCT compare with ``memcmp`` and
    abbreviated keys instead of the locale's ``strcoll``.
    """
    if connection.vendor == "postgresql":
        return f'{expression} COLLATE "C"'
    return expression


def _among(column: str, values: QuerySet) -> tuple[str, list]:
    """SQL for ``column`` being one of the values ``values`` selects, and its parameters.

    PostgreSQL: the values, read first, as one array parameter (a subquery in each branch
    kept it from reading the paper sheets in parallel). SQLite: the subquery, which it runs
    once (it reads nothing in parallel, and a parameter per value would meet its limit on
    variables with some ten thousand staff).
    """
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(values)]
    sql, params = values.query.sql_with_params()
    return f"{column} IN ({sql})", list(params)


def paper_deadline(contest: Contest, round: Round):
    if contest.paper_postmark_deadline and round.number == contest.rounds.count():
        return contest.paper_postmark_deadline
    return timezone.localtime(round.closes_at, contest.tz).date()


def end_of_postmark_day(contest: Contest, round: Round) -> tuple[str, list]:
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


def candidates_sql(contest: Contest, round: Round, *, lot: bool = False) -> tuple[str, list]:
    """Every finished entry of the round with its person and, if invalid, why; with ``lot``,
    each entry's lot too (``contest.results.lots``, from the contest's ``lot_seed``).

    ``channel`` and ``person`` compare byte by byte (``bytewise``): the first branch of the
    UNION sets the collation of its columns. The lot is computed here, where PostgreSQL
    spreads the online entries over parallel workers: SHA-256 costs more to set up than to
    compute, about 1.4 s for a million people in one process.
    """
    ops = connection.ops
    late_after = round.closes_at + contest.grace
    end_of_day, end_params = end_of_postmark_day(contest, round)

    # People who can see the key (contest.permissions) are never ranked: reason "staff".
    viewers = key_viewers(contest)
    staff_ids, ids_params = _among("a.user_id", viewers.values_list("pk", flat=True))
    staff_phones, phones_params = _among(
        "e.phone", viewers.exclude(phone="").values_list("phone", flat=True)
    )
    staff_id_numbers, id_numbers_params = _among(
        "e.id_number",
        Profile.objects.filter(user__in=viewers.values("pk"))
        .exclude(id_number="")
        .values_list("id_number", flat=True),
    )
    attempt, user, profile = Attempt._meta.db_table, User._meta.db_table, Profile._meta.db_table
    paper = PaperEntry._meta.db_table
    online_person = person_sql("u.phone", "p.id_number")
    paper_person = person_sql("e.phone", "e.id_number")
    online_lot = lot_sql(f"%s || ':' || {online_person}") if lot else "NULL"
    paper_lot = lot_sql(f"%s || ':' || {paper_person}") if lot else "NULL"
    seed = [contest.lot_seed] if lot else []
    sql = f"""
        SELECT {bytewise("'online'")} AS channel, a.id AS attempt_id,
               CAST(NULL AS bigint) AS paper_id, {bytewise(online_person)} AS person, COALESCE(p.full_name, '') AS full_name,
               p.unit_id AS unit_id, COALESCE(a.score, 0) AS score,
               COALESCE(a.max_score > 0 AND a.score = a.max_score, FALSE) AS full_marks,
               a.prediction AS prediction, a.duration_seconds AS duration,
               a.submitted_at AS submitted_at, u.date_joined AS registered_at,
               CASE WHEN {staff_ids} THEN 'staff'
                    WHEN a.submitted_at > %s THEN 'late_submission'
                    WHEN TRIM(COALESCE(p.full_name, '')) = '' OR {online_person} = ''
                    THEN 'missing_identity'
                    ELSE '' END AS reason,
               {online_lot} AS lot
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
               CASE WHEN {staff_phones} OR {staff_id_numbers}
                    THEN 'staff'
                    WHEN e.invalid_reason <> '' THEN e.invalid_reason
                    WHEN TRIM(e.full_name) = '' OR {paper_person} = '' THEN 'missing_identity'
                    WHEN e.postmark_date > %s THEN 'late_postmark'
                    ELSE '' END,
               {paper_lot}
        FROM {paper} e
        WHERE e.round_id = %s
    """
    params = [
        *ids_params,
        ops.adapt_datetimefield_value(late_after),
        *seed,
        round.pk,
        Attempt.Status.IN_PROGRESS,
        *end_params,
        *end_params,
        *phones_params,
        *id_numbers_params,
        ops.adapt_datefield_value(paper_deadline(contest, round)),
        *seed,
        round.pk,
    ]
    return sql, params
