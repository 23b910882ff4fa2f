"""The SQL ranking against the contract's rules written out in Python, on mixed entries.

Many people with several entries (online attempts and paper sheets, under a phone or a
citizen id), ties on every key, staff, invalid and late sheets; every counted-entry rule
and chains that use every criterion. The reference reads the stored entries and applies
docs/contracts.md ("Ranking rules") step by step; rank, person, entry and ``decided_by``
of every ranked entry, the invalid entries' reasons and the target must agree.
"""

import hashlib
import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from contest.models import Attempt, ContestMembership, PaperEntry
from contest.online.answers import answer_save
from contest.online.attempts import attempt_start
from contest.online.finishing import attempt_submit
from contest.results.ranking import contest_rank
from tests.contest.test_ranking import HEADER, make_contest, paper
from tests.factories import ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
BIG = 9223372036854775807
SEED = "hạt-giống-2022"
DEADLINE = datetime(2022, 6, 9).date()  # the contest_json's postmark deadline
STAFF_PHONE, STAFF_ID = "0905999999", "079000999999"


def _sheets(rng: random.Random) -> list[str]:
    """Sheets of 30 people (some by citizen id only), most with two or three sheets."""
    people = [(f"09051{n:05d}", "") for n in range(22)] + [
        ("", f"0790000{n:05d}") for n in range(8)
    ]
    answers = ["B B B AC B", "A B B AC B", "B B B AC A", "A A B AC B"]  # 5, 4, 4, 3 points
    rows = []
    for n in range(70):
        phone, id_number = rng.choice(people)
        if n % 4 == 0:
            # spelt another way: the same person
            phone = f"{phone[:4]} {phone[4:7]} {phone[7:]}" if phone else phone
        name = "" if n % 29 == 5 else f"Người {n}"
        prediction = rng.choice(["", "20", "25", "26", "30"])
        postmark = rng.choice(["2022-06-01", "2022-06-01", "2022-06-03", "2022-06-10"])
        received = rng.choice(["", "", f"0{rng.randint(1, 8)}/06/2022 09:00"])
        invalid = "photocopy" if n % 23 == 7 else ""
        rows.append(
            f"P-{n},{name},{phone},{id_number},{rng.choice(answers)},{prediction},"
            f"{postmark},{received},{invalid}"
        )
    rows += [
        f"P-S1,Cán bộ,{STAFF_PHONE},,B B B AC B,25,2022-06-01,,",
        f"P-S2,Cán bộ,,{STAFF_ID},B B B AC B,25,2022-06-01,,",
    ]
    assert HEADER.count(",") == rows[0].count(",")
    return rows


def _attempts(contest, rng: random.Random) -> None:
    """Online entries: some people with two attempts, some who also sent sheets."""
    phones = [f"09051{n:05d}" for n in (0, 1, 2, 3)] + [f"09052{n:05d}" for n in range(4)]
    for k, phone in enumerate(phones):
        user = ProfileFactory(user=UserFactory(phone=phone), full_name=f"Trực tuyến {k}").user
        for n in range(1 + k % 2):
            start = datetime(2022, 6, 1 + n, 8, tzinfo=VN) + timedelta(minutes=k)
            attempt = attempt_start(contest=contest, user=user, now=start)[0]
            for item in attempt.items.select_related("version"):
                wrong = rng.random() < 0.2
                answer_save(
                    attempt=attempt,
                    user=user,
                    position=item.position,
                    answer="D" if wrong else item.version.correct,
                    seq=1,
                    now=start,
                )
            attempt_submit(
                attempt=attempt,
                user=user,
                submit_key=str(n),
                prediction=rng.choice([24, 25, 26]),
                now=start + timedelta(seconds=rng.choice([60, 60, 90])),
            )


def _entries(contest) -> list[dict]:
    """Every finished entry with the fields the rules read, and the reason it is invalid."""
    staff_phones = {STAFF_PHONE}
    staff_ids = {STAFF_ID}
    entries = []
    for a in Attempt.objects.filter(contest=contest).exclude(status="in_progress"):
        profile = a.user.profile
        person = a.user.phone or profile.id_number
        entries.append(
            {
                "channel": "online",
                "order": (0, a.id.int, 0),
                "entry": str(a.id),
                "person": person,
                "score": a.score,
                "prediction": a.prediction,
                "duration": a.duration_seconds,
                "submitted_at": a.submitted_at,
                "registered_at": a.user.date_joined,
                "reason": "missing_identity" if not (profile.full_name.strip() and person) else "",
            }
        )
    for e in PaperEntry.objects.filter(contest=contest):
        person = e.phone or e.id_number
        at = e.received_at or datetime.combine(e.postmark_date + timedelta(days=1), time(), VN) - (
            timedelta(microseconds=1)
        )
        if e.phone in staff_phones or e.id_number in staff_ids:
            reason = "staff"
        elif e.invalid_reason:
            reason = e.invalid_reason
        elif not (e.full_name.strip() and person):
            reason = "missing_identity"
        elif e.postmark_date > DEADLINE:
            reason = "late_postmark"
        else:
            reason = ""
        entries.append(
            {
                "channel": "paper",
                "order": (1, 0, e.id),
                "entry": e.sheet_no,
                "person": person,
                "score": e.score,
                "prediction": e.prediction,
                "duration": None,
                "submitted_at": at,
                "registered_at": at,
                "reason": reason,
            }
        )
    return entries


def _reference(contest, entries: list[dict]):
    """Target, then (rank, person, entry, decided_by) of every ranked entry, by the rules."""
    valid = [e for e in entries if not e["reason"]]
    by_person: dict[str, list[dict]] = {}
    for e in valid:
        by_person.setdefault(e["person"], []).append(e)
    target = len(by_person)
    chain = contest.tie_break

    def key(e, name):
        if name == "score":
            return -e["score"]
        if name == "prediction_error":
            return BIG if e["prediction"] is None else abs(e["prediction"] - target)
        if name == "duration":
            return BIG if e["duration"] is None else e["duration"]
        if name == "submitted_at":
            return e["submitted_at"]
        if name == "attempts":
            return len(by_person[e["person"]])
        if name == "registered_at":
            return min(x["registered_at"] for x in by_person[e["person"]])
        if name == "lot":
            return hashlib.sha256(f"{SEED}:{e['person']}".encode()).hexdigest()
        raise AssertionError(name)

    per_person = {"attempts", "registered_at", "lot"}
    counted = []
    for mine in by_person.values():
        if contest.counted_attempt == "first":
            mine.sort(key=lambda e: (e["submitted_at"], e["order"]))
        elif contest.counted_attempt == "last":
            latest = max(e["submitted_at"] for e in mine)
            mine.sort(key=lambda e: (e["submitted_at"] != latest, e["order"]))
        else:
            mine.sort(key=lambda e: ([key(e, n) for n in chain if n not in per_person], e["order"]))
        counted.append(mine[0])
    counted.sort(key=lambda e: ([key(e, n) for n in chain], e["order"]))
    ranked = []
    for position, e in enumerate(counted, start=1):
        after = counted[position] if position < len(counted) else None
        decided = next((n for n in chain if after and key(e, n) != key(after, n)), "")
        ranked.append((position, e["person"], e["entry"], decided))
    return target, ranked


@pytest.mark.parametrize(
    ("chain", "rule"),
    [
        (["score", "prediction_error", "duration", "submitted_at", "lot"], "best"),
        (["score", "prediction_error", "duration", "submitted_at", "lot"], "first"),
        (["score", "attempts", "registered_at", "lot"], "last"),
        (["score", "registered_at", "attempts", "prediction_error"], "best"),
        (["lot", "score"], "best"),
        (["score"], "first"),
    ],
)
def test_the_sql_ranking_agrees_with_the_rules_written_out(chain, rule):
    contest = make_contest(
        tie_break=chain, counted_attempt=rule, lot_seed=SEED, prizes=[{"name": "Nhất", "count": 1}]
    )
    staff = ProfileFactory(user=UserFactory(phone=""), id_number=STAFF_ID).user
    ContestMembership.objects.create(contest=contest, user=staff, role="clerk")
    ProfileFactory(user=UserFactory(phone=STAFF_PHONE, is_superuser=True))
    rng = random.Random(f"{chain}{rule}")
    paper(contest, *_sheets(rng))
    _attempts(contest, rng)

    result = contest_rank(contest)[0]
    target, expected = _reference(contest, _entries(contest))
    rows = result.rows.order_by("rank")
    got = [
        (r.rank, r.person, str(r.attempt_id) if r.attempt_id else r.paper.sheet_no, r.decided_by)
        for r in rows.filter(rank__isnull=False).select_related("paper")
    ]
    assert result.target == target
    assert got == expected
    assert result.entries_read == len(_entries(contest))  # what workflow.outdated compares
    several = sum(1 for e in _entries(contest) if not e["reason"]) - target
    assert several > 10  # people with more than one entry, whose counted entry was chosen
    invalid = sorted(
        (r.paper.sheet_no if r.paper_id else str(r.attempt_id), r.reason)
        for r in result.rows.filter(rank__isnull=True).select_related("paper")
    )
    assert invalid == sorted((e["entry"], e["reason"]) for e in _entries(contest) if e["reason"])
    assert {"staff", "photocopy", "late_postmark", "missing_identity"} <= {r for _, r in invalid}


def test_thousands_of_staff_are_left_out_on_either_database():
    """Found by review: the staff went to SQLite as a parameter each (an account, a phone), and
    past its limit on variables (32,766 in a default build, some 11,000 staff) the ranking
    failed. The limit is lowered here to 500, under the 2 × 400 the staff would need."""
    import sqlite3

    from django.db import connection

    from accounts.models import User

    contest = make_contest(lot_seed=SEED)
    staff = User.objects.bulk_create(
        [User(username=f"can-bo-{n}", phone=f"0906{n:06d}") for n in range(400)]
    )
    ContestMembership.objects.bulk_create(
        [ContestMembership(contest=contest, user=user, role="clerk") for user in staff]
    )
    paper(
        contest,
        "P-1,Cán bộ,0906000399,,B B B AC B,2,2022-06-01,,",
        "P-2,Người dân,0905000001,,B B B AC B,2,2022-06-01,,",
    )
    raw = connection.connection if connection.vendor == "sqlite" else None
    if raw is not None:
        before = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 500)
    try:
        result = contest_rank(contest)[0]
    finally:
        if raw is not None:
            raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, before)
    rows = {r.person: (r.rank, r.reason) for r in result.rows.all()}
    assert rows == {"0906000399": (None, "staff"), "0905000001": (1, "")}
