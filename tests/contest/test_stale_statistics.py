"""Grading and ranking stay set operations whatever PostgreSQL's statistics say.

PostgreSQL plans from each table's statistics. When they were last taken while the
tables were empty (autovacuum does that between contests, and between tests), a bulk
write followed by grading in the same transaction used to get a plan that aggregated
every entry again for each entry: the suite once hung for an hour in ``seed_demo``.
"""

from datetime import datetime, timedelta

import pytest
from django.db import connection

from accounts.models import Profile, User
from contest.models import Attempt, AttemptQuestion, Result
from contest.online.attempts import attempt_start
from contest.results.ranking import contest_rank
from tests.contest.test_ranking import VN, make_contest
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db
PEOPLE = 2500


def _write_entries(contest, round, drawn, start, prefix):
    """PEOPLE submitted attempts, ungraded, written in bulk (as seed_demo and imports do)."""
    users = User.objects.bulk_create(
        [User(username=f"{prefix}{n}", phone=f"{prefix}{n:08d}") for n in range(PEOPLE)]
    )
    Profile.objects.bulk_create([Profile(user=u, full_name=f"Người {u.phone}") for u in users])
    attempts = Attempt.objects.bulk_create(
        [
            Attempt(
                contest=contest,
                round=round,
                user=u,
                number=1,
                status=Attempt.Status.SUBMITTED,
                started_at=start,
                deadline=start + timedelta(minutes=30),
                submitted_at=start + timedelta(seconds=300 + n),
                duration_seconds=300 + n,
                prediction=n % 50,
                submit_key=f"k{n}",
            )
            for n, u in enumerate(users)
        ]
    )
    AttemptQuestion.objects.bulk_create(
        [
            AttemptQuestion(
                attempt=a,
                position=position,
                version=version,
                option_order="ABCD"[: len(version.options)],
                answer=version.correct,
                answer_seq=1,
                answered_at=start,
            )
            for a in attempts
            for position, version in drawn
        ]
    )


def test_entries_written_after_statistics_said_empty_are_graded_and_ranked_quickly():
    if connection.vendor != "postgresql":
        pytest.skip("statistics and plans are PostgreSQL's (make test-services)")
    contest = make_contest()
    start = datetime(2022, 6, 1, 8, tzinfo=VN)
    first = attempt_start(contest=contest, user=ProfileFactory().user, now=start)[0]
    drawn = [(item.position, item.version) for item in first.items.all()]
    first.delete()
    # What autovacuum leaves behind after a big contest was removed (or a test rolled
    # back): tables of many pages, statistics that say "no rows".
    _write_entries(contest, first.round, drawn, start, "02")
    bulk = "SELECT id FROM accounts_user WHERE username LIKE '02%%'"
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM contest_attemptquestion")
        cursor.execute("DELETE FROM contest_attempt")
        cursor.execute(f"DELETE FROM accounts_profile WHERE user_id IN ({bulk})")
        cursor.execute(f"DELETE FROM accounts_user WHERE id IN ({bulk})")
        cursor.execute(
            "ANALYZE contest_attemptquestion, contest_attempt, accounts_profile, accounts_user"
        )
    _write_entries(contest, first.round, drawn, start, "03")
    with connection.cursor() as cursor:
        # Without fresh statistics the grading statement alone ran for minutes here.
        cursor.execute("SET LOCAL statement_timeout = '20s'")
    contest_rank(contest)

    assert Attempt.objects.filter(contest=contest, score=len(drawn)).count() == PEOPLE
    result = Result.objects.get(round__contest=contest)
    assert result.rows.filter(rank__isnull=False).count() == PEOPLE
