"""Grading and ranking a big contest on PostgreSQL.

BENCH_RANK_ENTRIES entries (default 200,000; DOMAIN.md's national contest had
~800,000) are generated with set-based SQL: 3/4 online attempts of distinct
people (20 answers each) and 1/4 paper sheets, some people on both. Figures:
grading (two UPDATEs), the whole ``contest_rank`` (grade, read, decide, sort,
store), and as a baseline in the same run the naive way, one attempt at a time
through the ORM (``grade_items`` + ``save``) on a sample, extrapolated.
"""

import os
import time
from datetime import timedelta

ENTRIES = int(os.environ.get("BENCH_RANK_ENTRIES", 200_000))
NAIVE_SAMPLE = 2_000


def _generate(contest, round_, versions) -> None:
    from django.db import connection

    online = ENTRIES * 3 // 4
    paper = ENTRIES - online
    opens = contest.opens_at
    ids = [v.pk for v in versions]
    with connection.cursor() as cur:
        cur.execute("DELETE FROM accounts_user WHERE username LIKE 'bench-rank-%%'")
        cur.execute(
            """
            INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name,
                email, is_staff, is_active, date_joined, phone, phone_verified)
            SELECT '!', false, 'bench-rank-' || n, '', '', '', false, true, %s,
                   '03' || lpad(n::text, 8, '0'), true
            FROM generate_series(1, %s) AS n
            """,
            [opens, online],
        )
        cur.execute(
            """
            INSERT INTO accounts_profile (user_id, full_name, birth_year, id_number, gender,
                address, unit_id, created_at)
            SELECT id, 'Người thi ' || id, 1980, NULL, '', '', NULL, now()
            FROM accounts_user WHERE username LIKE 'bench-rank-%%'
            """
        )
        cur.execute(
            """
            INSERT INTO contest_attempt (id, contest_id, round_id, user_id, number, status,
                started_at, deadline, submitted_at, duration_seconds, prediction, essay,
                receipt_code, submit_key)
            SELECT gen_random_uuid(), %s, %s, u.id, 1, 'submitted',
                   %s + (u.id %% 100000) * interval '1 second',
                   %s + (u.id %% 100000) * interval '1 second' + interval '30 minutes',
                   %s + (u.id %% 100000) * interval '1 second' + (300 + u.id %% 1200) * interval '1 second',
                   300 + u.id %% 1200, 100000 + (u.id::bigint * 7919) %% 200000, '',
                   upper(substr(md5(u.id::text || 'r'), 1, 10)), 'b'
            FROM accounts_user u WHERE u.username LIKE 'bench-rank-%%'
            """,
            [contest.pk, round_.pk, opens, opens, opens],
        )
        # 20 answers each: right with a probability that varies by person.
        cur.execute(
            """
            INSERT INTO contest_attemptquestion (attempt_id, position, version_id, option_order,
                answer, answer_seq, answered_at)
            SELECT a.id, p, (%s::bigint[])[p], 'ABCD',
                   CASE WHEN (hashtext(a.id::text || p) %% 10 + 10) %% 10 < 3 + (a.duration_seconds %% 7)
                        THEN 'B' ELSE 'C' END, 1, a.started_at
            FROM contest_attempt a CROSS JOIN generate_series(1, %s) AS p
            WHERE a.contest_id = %s
            """,
            [ids, len(ids), contest.pk],
        )
        cur.execute(
            """
            INSERT INTO contest_paperentry (contest_id, round_id, sheet_no, full_name, phone,
                id_number, birth_year, unit_id, address, answers, prediction, postmark_date,
                received_at, invalid_reason, score, content_hash, created_at, created_by_id)
            SELECT %s, %s, 'P-' || n, 'Người gửi phiếu ' || n,
                   CASE WHEN n %% 20 = 0 THEN '03' || lpad(n::text, 8, '0')
                        ELSE '08' || lpad(n::text, 8, '0') END,
                   '', NULL, NULL, '', '', 100000 + (n::bigint * 104729) %% 200000,
                   %s::date - (n %% 14), NULL, CASE WHEN n %% 500 = 0 THEN 'photocopy' ELSE '' END,
                   NULL, md5(n::text), now(), NULL
            FROM generate_series(1, %s) AS n
            """,
            [contest.pk, round_.pk, contest.closes_at.date(), paper],
        )
        cur.execute(
            """
            INSERT INTO contest_paperanswer (entry_id, position, version_id, answer)
            SELECT e.id, p, (%s::bigint[])[p],
                   CASE WHEN (hashtext(e.sheet_no || p) %% 10 + 10) %% 10 < 6 THEN 'B' ELSE '-' END
            FROM contest_paperentry e CROSS JOIN generate_series(1, %s) AS p
            WHERE e.contest_id = %s
            """,
            [ids, len(ids), contest.pk],
        )
        cur.execute("ANALYZE")


def run(report) -> None:
    from django.db import connection
    from django.utils import timezone

    from contest.models import Attempt, Contest
    from contest.services.attempts import grade_items
    from contest.services.definition import contest_import
    from contest.services.paper import paper_versions
    from contest.services.ranking import contest_rank, grade_round
    from questions.models import Bank
    from questions.services import question_save

    if connection.vendor != "postgresql":
        print("# rank: needs PostgreSQL (make bench starts one)")
        return
    if Contest.objects.filter(slug="bench-rank").exists():
        print("# rank: the database already has the bench contest; make bench starts a fresh one")
        return
    bank, _ = Bank.objects.get_or_create(slug="bench-rank", defaults={"title": "bench"})
    for n in range(20):
        question_save(
            bank=bank,
            code=f"R-{n:03d}",
            topic_name="T",
            kind="single",
            text=f"Câu {n}?",
            options=["A", "B", "C", "D"],
            correct="B",
        )
    now = timezone.localtime(timezone.now())
    contest_import(
        data={
            "slug": "bench-rank",
            "title": "Bench",
            "organizer": "Bench",
            "opens_at": (now - timedelta(days=20)).strftime("%Y-%m-%d %H:%M"),
            "closes_at": (now - timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
            "channels": ["online", "paper"],
            "attempt_time_limit_minutes": 30,
            "max_attempts": 1,
            "questions": {"bank": "bench-rank", "codes": [f"R-{n:03d}" for n in range(20)]},
            "prediction": {"question": "?", "target": "participants"},
            "lot_seed": "bench",
            "prizes": [{"name": "Nhất", "count": 1}, {"name": "KK", "count": 10}],
        }
    )
    contest = Contest.objects.get(slug="bench-rank")
    round_ = contest.rounds.get()
    t = time.perf_counter()
    _generate(contest, round_, paper_versions(round_))
    print(f"# rank: generated {ENTRIES} entries in {time.perf_counter() - t:.1f} s", flush=True)

    # Baseline: one attempt at a time through the ORM.
    sample = list(Attempt.objects.filter(contest=contest)[:NAIVE_SAMPLE])
    t = time.perf_counter()
    for attempt in sample:
        attempt.score = grade_items(list(attempt.items.select_related("version")))
        attempt.save(update_fields=["score"])
    naive = (time.perf_counter() - t) / len(sample)
    report("rank_baseline_naive_grading_per_entry", naive * 1e6, "µs")
    report("rank_baseline_naive_grading_extrapolated", naive * ENTRIES, "s")

    t = time.perf_counter()
    grade_round(round_)
    graded = time.perf_counter() - t
    report("rank_grading_set_based", graded, "s")
    report("rank_grading_set_based_per_entry", graded / ENTRIES * 1e6, "µs")

    t = time.perf_counter()
    result = contest_rank(contest)[0]
    report("rank_contest_total", time.perf_counter() - t, "s")
    report("rank_entries_ranked", result.entries_count, "entries")
    report("rank_entries_invalid", result.invalid_count, "entries")
