"""The demo's finished contest: generated online attempts and paper sheets, ranked and
published, dated back so that the story reads as one that has happened (``seed_demo``)."""

import csv
import io
import random
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from accounts.models import Profile, Unit, User
from contest.models import (
    Attempt,
    AttemptQuestion,
    Contest,
    PaperEntry,
    Result,
    ResultEvent,
    ResultRow,
    WinnerCheck,
)
from contest.paper.importing import paper_import
from contest.paper.marks import paper_versions
from contest.results.ranking import contest_rank

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def demo_entries(contest: Contest, *, online: int = 1800, sheets: int = 700) -> int:
    """A finished contest's story: generated online attempts and paper sheets, final results.

    Online attempts are generated straight into the tables (they stand for
    participants who took part in 2021); paper sheets go through the public
    importer like a clerk's file. Deterministic, and done once.
    """
    if contest.has_entries():
        return contest.attempts.count() + contest.paper_entries.count()
    rng = random.Random(2021)
    round_ = contest.rounds.get()
    versions = paper_versions(round_)
    communes = list(Unit.objects.filter(kind=Unit.Kind.COMMUNE).order_by("code"))
    family = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Võ", "Đặng", "Bùi"]
    middle = ["Văn", "Thị", "Minh", "Thị Thu", "Văn Hữu", "Ngọc", "Thanh", "Đức"]
    given = [
        "An",
        "Bình",
        "Cường",
        "Dung",
        "Hà",
        "Hải",
        "Hoa",
        "Hùng",
        "Lan",
        "Long",
        "Mai",
        "Nam",
        "Nga",
        "Phúc",
        "Quang",
        "Sơn",
        "Tâm",
        "Thảo",
        "Trang",
        "Tuấn",
        "Vy",
        "Yến",
    ]

    def name() -> str:
        return f"{rng.choice(family)} {rng.choice(middle)} {rng.choice(given)}"

    def marks(skill: float) -> list[str]:
        out = []
        for v in versions:
            if rng.random() < skill:
                out.append(v.correct)
            else:
                wrong = [c for c in "ABCD"[: len(v.options)] if c not in v.correct]
                out.append(rng.choice(wrong) if rng.random() < 0.93 else "")
        return out

    actual = online + sheets
    opens = contest.opens_at
    users = User.objects.bulk_create(
        [
            User(username=f"demo-2021-{n}", phone=f"097{n:07d}", phone_verified=True, password="!")
            for n in range(online)
        ]
    )
    users = list(User.objects.filter(username__startswith="demo-2021-").order_by("phone"))
    Profile.objects.bulk_create(
        [
            Profile(
                user=u,
                full_name=name(),
                birth_year=rng.randint(1960, 2005),
                unit=rng.choice(communes),
            )
            for u in users
        ]
    )
    attempts, answers = [], []
    for user in users:
        skill = rng.betavariate(6, 2)
        started = opens + timedelta(seconds=rng.randint(0, 13 * 86400))
        took = rng.randint(240, 1790)
        attempt = Attempt(
            contest=contest,
            round=round_,
            user=user,
            number=1,
            status="submitted",
            started_at=started,
            deadline=started + timedelta(minutes=30),
            submitted_at=started + timedelta(seconds=took),
            duration_seconds=took,
            prediction=max(1, int(rng.gauss(actual, actual * 0.25))),
            submit_key="demo",
        )
        attempts.append(attempt)
        answers.append(marks(skill))
    Attempt.objects.bulk_create(attempts, batch_size=1000)
    AttemptQuestion.objects.bulk_create(
        [
            AttemptQuestion(
                attempt=a,
                position=i,
                version=v,
                option_order="ABCD"[: len(v.options)],
                answer=m,
                answer_seq=1,
                answered_at=a.started_at,
            )
            for a, given_marks in zip(attempts, answers, strict=True)
            for i, (v, m) in enumerate(zip(versions, given_marks, strict=True), start=1)
        ],
        batch_size=5000,
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "sheet_no",
            "full_name",
            "phone",
            "id_number",
            "birth_year",
            "unit",
            "answers",
            "prediction",
            "postmark_date",
            "invalid_reason",
        ]
    )
    deadline = timezone.localtime(contest.closes_at, TZ).date()
    for n in range(1, sheets + 1):
        phone, id_number = f"086{n:07d}", ""
        if n % 50 == 0:
            phone = users[n].phone  # took part online too: only the better entry counts
        elif n % 9 == 0:
            phone, id_number = "", f"064{rng.randint(0, 1)}{rng.randint(60, 99):02d}{n:06d}"
        posted = deadline - timedelta(days=rng.randint(0, 14))
        reason = ""
        if n % 97 == 0:
            posted = deadline + timedelta(days=2)  # late postmark
        if n % 131 == 0:
            reason = "photocopy"
        full = "" if n % 173 == 0 else name()  # no name: missing identity
        year = ""
        if id_number:
            year = str(1900 + int(id_number[4:6]))  # century digit 0 or 1: born 19xx
        writer.writerow(
            [
                f"P-{n:04d}",
                full,
                phone,
                id_number,
                year,
                rng.choice(communes).code,
                "".join(m or "-" for m in marks(rng.betavariate(5, 2))),
                max(1, int(rng.gauss(actual, actual * 0.3))),
                posted.isoformat(),
                reason,
            ]
        )
    report = paper_import(contest=contest, data=out.getvalue().encode(), kind="csv")
    if report.errors:
        raise RuntimeError("\n".join(report.errors[:10]))
    contest_rank(contest, final=True)
    # The committee checked every winner before publishing (see the results page).

    WinnerCheck.objects.bulk_create(
        [
            WinnerCheck(
                contest=contest,
                person=person,
                checks={key: True for key, _label in WinnerCheck.ITEMS},
                note="Đã đối chiếu tại lễ trao giải (dữ liệu mẫu)",
            )
            for person in ResultRow.objects.filter(result__contest=contest)
            .exclude(prize="")
            .values_list("person", flat=True)
        ],
        ignore_conflicts=True,
    )
    _date_the_story(contest)
    return online + sheets


def _date_the_story(contest: Contest) -> None:
    """Give every record of the finished contest the date it would have had in its year.

    The rows above are written today (``auto_now_add``); a demo that says results
    were made today but published years ago contradicts itself.
    """
    closes = contest.closes_at
    ranked, checked, published = (closes + timedelta(days=d) for d in (3, 5, 10))
    joined = contest.opens_at - timedelta(days=1)
    Contest.objects.filter(pk=contest.pk).update(created_at=contest.opens_at - timedelta(days=30))
    demo_users = User.objects.filter(username__startswith="demo-2021-")
    demo_users.update(date_joined=joined)
    Profile.objects.filter(user__in=demo_users).update(created_at=joined)
    PaperEntry.objects.filter(contest=contest).update(created_at=closes + timedelta(days=2))
    # Ranked on the 23rd, the winners checked on the 25th, made final and published on the
    # 30th (docs/demo.md): the result kept is the final one, so it is dated the 30th, which
    # "rank_contest --final" gives again as the time it was made final (it said the 23rd).
    Result.objects.filter(contest=contest, final=True).update(
        created_at=published, published_at=published
    )
    WinnerCheck.objects.filter(contest=contest).update(checked_at=checked)
    events = ResultEvent.objects.filter(contest=contest)
    events.filter(action="ranked").update(at=ranked)
    events.filter(action="finalized").update(at=published)
    events.filter(action="winner_checked").update(at=checked)
    events.exclude(action__in=["ranked", "finalized", "winner_checked"]).update(at=published)
