from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contest.definition import contest_import
from contest.models import Attempt, ContestMembership
from contest.online.answers import answer_save
from contest.online.attempts import attempt_start
from contest.online.checks import AttemptRefused, check_may_start
from contest.online.finishing import attempt_submit, attempts_sweep, contest_close
from questions.models import Question
from questions.services import question_save
from tests.factories import ProfileFactory, UnitFactory, contest_json, make_bank_with_topics

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
OPENS = datetime(2022, 5, 24, 16, tzinfo=VN)
CLOSES = datetime(2022, 6, 9, 16, tzinfo=VN)
DURING = datetime(2022, 5, 30, 9, tzinfo=VN)


@pytest.fixture
def contest():
    make_bank_with_topics(multiple_every=4)
    return contest_import(data=contest_json())[0]


@pytest.fixture
def resident():
    return ProfileFactory().user


def start(contest, user, now=DURING):
    return attempt_start(contest=contest, user=user, now=now)[0]


def answer_all_correct(attempt, now):
    for item in attempt.items.select_related("version"):
        answer_save(
            attempt=attempt,
            user=attempt.user,
            position=item.position,
            answer=item.version.correct,
            seq=1,
            now=now,
        )


def test_starting_draws_the_blueprint_and_freezes_versions_and_option_order(contest, resident):
    attempt = start(contest, resident)
    items = list(attempt.items.select_related("version__question__topic"))
    topics = [i.version.question.topic.name for i in items]
    assert len(items) == 5 and topics.count("Thể chế") == 3 and topics.count("Thủ tục") == 2
    assert attempt.deadline == DURING + timedelta(minutes=30)
    assert all(sorted(i.option_order) == list("ABCD") for i in items)
    # Editing a drawn question afterwards does not change what this attempt shows.
    first = items[0].version
    question_save(
        bank=first.question.bank,
        code=first.question.code,
        topic_name="Thể chế",
        kind=first.kind,
        text="Sửa sau khi rút",
        options=first.options,
        correct="D",
    )
    items[0].refresh_from_db()
    assert items[0].version_id == first.id and items[0].version.text != "Sửa sau khi rút"


def test_a_second_tab_or_double_tap_resumes_the_same_attempt(contest, resident):
    first, created = attempt_start(contest=contest, user=resident, now=DURING)
    again, created_again = attempt_start(
        contest=contest, user=resident, now=DURING + timedelta(seconds=1)
    )
    assert created and not created_again and first.pk == again.pk
    assert Attempt.objects.count() == 1


@pytest.mark.parametrize(
    ("now", "code"),
    [
        (OPENS - timedelta(seconds=1), "not_open"),
        (CLOSES, "closed"),
        (CLOSES + timedelta(days=1), "closed"),
    ],
)
def test_nobody_starts_before_the_open_or_after_the_close(contest, resident, now, code):
    with pytest.raises(AttemptRefused) as refused:
        attempt_start(contest=contest, user=resident, now=now)
    assert refused.value.code == code and not Attempt.objects.exists()


def test_between_two_rounds_a_start_is_told_when_the_next_round_opens(contest, resident):
    """Found by review: it said the contest had closed."""
    first = contest.rounds.get()
    first.closes_at = DURING - timedelta(days=1)
    first.save()
    contest.rounds.create(
        number=2, opens_at=datetime(2022, 6, 1, 7, 30, tzinfo=VN), closes_at=CLOSES
    )
    with pytest.raises(AttemptRefused) as refused:
        start(contest, resident)
    assert refused.value.code == "between_rounds"
    assert refused.value.message == (
        "Vòng 2 chưa mở. Vòng này mở lúc 07:30 01/06/2022, giờ Việt Nam (UTC+07:00); hãy "
        "quay lại lúc đó."
    )
    # The contest page says it too, to anyone (found by review: it said nothing).
    from django.test import Client

    with time_machine.travel(DURING, tick=False):
        page = Client().get(f"/contests/{contest.slug}/").content.decode()
    assert "Vòng 2 chưa mở. Vòng này mở lúc 07:30 01/06/2022" in page
    assert start(contest, resident, now=datetime(2022, 6, 1, 7, 30, tzinfo=VN)).round.number == 2
    with pytest.raises(AttemptRefused) as refused:  # after the last round: closed, as before
        start(contest, resident, now=CLOSES)
    assert refused.value.code == "closed" and Attempt.objects.count() == 1


def test_the_contest_page_counts_down_to_what_comes_next_in_a_contest_of_two_rounds(contest):
    """Found by review: between two rounds the page said "Đang mở", counting down to the
    contest's close; during the first round it also said to come back for the second."""
    from django.test import Client

    first = contest.rounds.get()
    first.closes_at = DURING - timedelta(days=1)
    first.save()
    second = contest.rounds.create(
        number=2, title="Vòng chung kết", opens_at=DURING + timedelta(days=1), closes_at=CLOSES
    )

    def page(at):
        with time_machine.travel(at, tick=False):
            return Client().get(f"/contests/{contest.slug}/").content.decode()

    during_first = page(first.closes_at - timedelta(hours=1))
    assert f'data-countdown="{first.closes_at.isoformat()}"' in during_first
    assert 'data-label="Vòng này đóng sau"' in during_first and "Đang mở" in during_first
    assert "chưa mở" not in during_first  # the first round is open: nothing to come back for

    between = page(DURING)
    assert f'data-countdown="{second.opens_at.isoformat()}"' in between
    assert 'data-label="Vòng chung kết mở sau"' in between and "Giữa hai vòng thi" in between
    assert "Đang mở" not in between and "Vòng chung kết chưa mở" in between

    during_second = page(second.opens_at + timedelta(hours=1))
    assert f'data-countdown="{CLOSES.isoformat()}"' in during_second
    assert "chưa mở" not in during_second

    # Both rounds over, the contest not yet (found by review: the page said nothing at all).
    second.closes_at = CLOSES - timedelta(days=1)
    second.save()
    after_both = page(CLOSES - timedelta(hours=1))
    assert "Các vòng thi đã kết thúc" in after_both and "data-countdown" not in after_both
    with time_machine.travel(DURING, tick=False):
        english = Client(headers={"accept-language": "en"}).get(f"/contests/{contest.slug}/")
    assert "Round 1:" in english.content.decode()  # the rounds' list, in the reader's language


def test_the_contest_page_reads_the_rounds_once(contest, resident):
    """The start's checks, the countdown, the next round's message and the list of rounds
    all read the rounds: they read them nine times before the page loaded them with the
    contest (``contest_with_rounds``)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    first = contest.rounds.get()
    first.closes_at = DURING - timedelta(days=1)
    first.save()
    contest.rounds.create(number=2, opens_at=DURING + timedelta(days=1), closes_at=CLOSES)
    client = Client()
    client.force_login(resident)
    with time_machine.travel(DURING, tick=False), CaptureQueriesContext(connection) as queries:
        page = client.get(f"/contests/{contest.slug}/").content.decode()
    assert "Vòng 2 chưa mở" in page
    rounds = [q["sql"] for q in queries.captured_queries if 'FROM "contest_round"' in q["sql"]]
    assert len(rounds) == 1


def test_organizers_and_clerks_of_the_contest_cannot_enter(contest):
    for role in ("organizer", "clerk"):
        staff = ProfileFactory().user
        ContestMembership.objects.create(contest=contest, user=staff, role=role)
        with pytest.raises(AttemptRefused) as refused:
            start(contest, staff)
        assert refused.value.code == "staff"


def test_a_participant_without_a_name_is_sent_to_their_profile(contest):
    from tests.factories import UserFactory

    with pytest.raises(AttemptRefused) as refused:
        start(contest, UserFactory())
    assert refused.value.code == "profile"


def test_contests_limited_to_units_refuse_others(contest):
    invited = UnitFactory(code="xa-an-thanh")
    contest.eligible_units.add(invited)
    with pytest.raises(AttemptRefused) as refused:
        start(contest, ProfileFactory(unit=UnitFactory(code="xa-khac")).user)
    assert refused.value.code == "not_eligible"
    assert start(contest, ProfileFactory(unit=invited).user)


def test_attempt_limit_per_round(contest, resident):
    for n in range(3):
        attempt = start(contest, resident, DURING + timedelta(hours=n))
        attempt_submit(
            attempt=attempt,
            user=resident,
            submit_key="k",
            prediction=100,
            now=DURING + timedelta(hours=n, minutes=5),
        )
    with pytest.raises(AttemptRefused) as refused:
        start(contest, resident, DURING + timedelta(hours=4))
    assert refused.value.code == "no_attempts_left"
    assert "3 lượt" in refused.value.message


def test_a_new_round_gives_new_attempts_and_a_round_ends_at_its_boundary(resident):
    make_bank_with_topics()
    contest = contest_import(
        data=contest_json(
            max_attempts=1,
            rounds=[
                {
                    "title": "Tuần 1",
                    "opens_at": "2022-05-24 16:00",
                    "closes_at": "2022-05-31 16:00",
                },
                {
                    "title": "Tuần 2",
                    "opens_at": "2022-05-31 16:00",
                    "closes_at": "2022-06-09 16:00",
                },
            ],
        )
    )[0]
    boundary = datetime(2022, 5, 31, 16, tzinfo=VN)
    late_in_week_1 = start(contest, resident, boundary - timedelta(minutes=10))
    assert late_in_week_1.deadline == boundary  # the round's close cuts the 30 minutes short
    assert late_in_week_1.round.number == 1
    attempt_submit(
        attempt=late_in_week_1,
        user=resident,
        submit_key="a",
        prediction=1,
        now=boundary - timedelta(minutes=1),
    )
    with pytest.raises(AttemptRefused):
        start(contest, resident, boundary - timedelta(seconds=1))
    week_2 = start(contest, resident, boundary)
    assert week_2.round.number == 2 and week_2.number == 1


def test_starting_one_second_before_the_close_leaves_one_second(contest, resident):
    attempt = start(contest, resident, CLOSES - timedelta(seconds=1))
    assert attempt.deadline == CLOSES


def test_answers_are_saved_idempotently_in_the_order_they_arrive(contest, resident):
    attempt = start(contest, resident)
    answer_save(attempt=attempt, user=resident, position=1, answer="C", seq=200, now=DURING)
    answer_save(attempt=attempt, user=resident, position=1, answer="C", seq=200, now=DURING)
    assert attempt.items.get(position=1).answer == "C"
    # The phone's seq is an id, not an order: a later change with a smaller one wins.
    answer_save(attempt=attempt, user=resident, position=1, answer="A", seq=100, now=DURING)
    assert attempt.items.get(position=1).answer == "A"
    answer_save(attempt=attempt, user=resident, position=1, answer="", seq=300, now=DURING)
    assert attempt.items.get(position=1).answer == ""


@pytest.mark.parametrize(
    ("position", "answer", "code"),
    [
        (99, "A", "bad_question"),
        (0, "A", "bad_question"),
        (1, "E", "bad_answer"),
        (1, "Z", "bad_answer"),
    ],
)
def test_tampered_answers_are_refused(contest, resident, position, answer, code):
    attempt = start(contest, resident)
    with pytest.raises(AttemptRefused) as refused:
        answer_save(
            attempt=attempt, user=resident, position=position, answer=answer, seq=1, now=DURING
        )
    assert refused.value.code == code


def test_two_letters_for_a_single_answer_question_are_refused(contest, resident):
    attempt = start(contest, resident)
    single = attempt.items.filter(version__kind="single").first()
    with pytest.raises(AttemptRefused) as refused:
        answer_save(
            attempt=attempt, user=resident, position=single.position, answer="AB", seq=1, now=DURING
        )
    assert refused.value.code == "bad_answer"


def test_someone_elses_attempt_is_refused(contest, resident):
    attempt = start(contest, resident)
    other = ProfileFactory().user
    with pytest.raises(AttemptRefused) as refused:
        answer_save(attempt=attempt, user=other, position=1, answer="A", seq=1, now=DURING)
    assert refused.value.code == "not_yours"
    with pytest.raises(AttemptRefused):
        attempt_submit(attempt=attempt, user=other, submit_key="x", prediction=1, now=DURING)


def test_answers_in_flight_are_accepted_within_the_grace_and_refused_after(contest, resident):
    attempt = start(contest, resident)
    limit = attempt.deadline
    answer_save(
        attempt=attempt,
        user=resident,
        position=1,
        answer="B",
        seq=1,
        now=limit + timedelta(seconds=1),
    )
    assert attempt.items.get(position=1).answer == "B"
    with pytest.raises(AttemptRefused) as refused:
        answer_save(
            attempt=attempt,
            user=resident,
            position=2,
            answer="B",
            seq=1,
            now=limit + timedelta(seconds=contest.grace_seconds + 1),
        )
    assert refused.value.code == "expired"


def test_an_answer_at_the_very_end_of_the_grace_is_saved(contest, resident):
    """The last instant that counts, the same on both databases (PostgreSQL checks the
    deadline inside its one autosave statement, SQLite in Python)."""
    attempt = start(contest, resident)
    last = attempt.deadline + timedelta(seconds=contest.grace_seconds)
    saved = answer_save(attempt=attempt, user=resident, position=3, answer="c", seq=5, now=last)
    assert saved.answer == "C" and not saved.stale
    assert attempt.items.get(position=3).answer == "C"


def test_submit_scores_the_saved_answers_once_even_when_doubled(contest, resident):
    attempt = start(contest, resident)
    answer_all_correct(attempt, DURING + timedelta(minutes=1))
    answer_save(attempt=attempt, user=resident, position=5, answer="D", seq=9, now=DURING)
    submitted = attempt_submit(
        attempt=attempt,
        user=resident,
        submit_key="k1",
        prediction=8100,
        now=DURING + timedelta(minutes=12),
    )
    again = attempt_submit(
        attempt=Attempt.objects.get(pk=attempt.pk),
        user=resident,
        submit_key="k2",
        prediction=1,
        now=DURING + timedelta(minutes=13),
    )
    assert submitted.status == again.status == "submitted"
    assert again.submit_key == "k1" and again.prediction == 8100  # the retry changed nothing
    assert submitted.score == 4 and submitted.duration_seconds == 12 * 60


def test_a_several_correct_question_scores_only_when_all_are_marked(resident):
    make_bank_with_topics(multiple_every=1)  # every question has the correct set A,C
    attempt = start(contest_import(data=contest_json())[0], resident)
    multiple = attempt.items.first()
    assert multiple.version.kind == "multiple" and multiple.version.correct == "AC"
    answer_save(
        attempt=attempt, user=resident, position=multiple.position, answer="A", seq=1, now=DURING
    )
    assert (
        attempt_submit(
            attempt=attempt, user=resident, submit_key="k", prediction=1, now=DURING
        ).score
        == 0
    )


def test_submitting_one_second_after_the_limit_within_grace_counts_with_capped_duration(
    contest, resident
):
    attempt = start(contest, resident)
    done = attempt_submit(
        attempt=attempt,
        user=resident,
        submit_key="k",
        prediction=5,
        now=attempt.deadline + timedelta(seconds=1),
    )
    assert done.status == "submitted" and done.duration_seconds == 30 * 60
    assert done.submitted_at == attempt.deadline + timedelta(seconds=1)  # stamped on arrival


def test_submitting_after_the_grace_finishes_with_the_saved_answers(contest, resident):
    attempt = start(contest, resident)
    answer_all_correct(attempt, DURING)
    with pytest.raises(AttemptRefused) as refused:
        attempt_submit(
            attempt=attempt,
            user=resident,
            submit_key="k",
            prediction=5,
            now=attempt.deadline + timedelta(seconds=contest.grace_seconds + 1),
        )
    assert refused.value.code == "expired"
    attempt.refresh_from_db()
    assert attempt.status == "expired" and attempt.score == 5
    assert attempt.submitted_at == attempt.deadline and attempt.prediction is None


def test_the_prediction_is_required_when_the_contest_has_one(contest, resident):
    attempt = start(contest, resident)
    with pytest.raises(AttemptRefused) as refused:
        attempt_submit(attempt=attempt, user=resident, submit_key="k", prediction=None, now=DURING)
    assert refused.value.code == "prediction_missing"


def test_the_sweeper_finishes_attempts_left_open(contest, resident):
    attempt = start(contest, resident)
    answer_save(attempt=attempt, user=resident, position=1, answer="B", seq=1, now=DURING)
    assert attempts_sweep(now=attempt.deadline) == 0  # still within its time
    assert attempts_sweep(now=attempt.deadline + timedelta(seconds=contest.grace_seconds + 1)) == 1
    attempt.refresh_from_db()
    assert attempt.status == "expired" and attempt.submitted_at == attempt.deadline


def test_close_contest_closes_now_and_finishes_attempts_in_progress(contest, resident, capsys):
    from django.core.management import call_command

    attempt = start(contest, resident)
    with time_machine.travel(DURING + timedelta(minutes=5), tick=False):
        call_command("close_contest", contest.slug)
    contest.refresh_from_db()
    attempt.refresh_from_db()
    assert contest.closes_at == DURING + timedelta(minutes=5)
    assert attempt.status == "expired" and attempt.submitted_at == DURING + timedelta(minutes=5)
    assert "attempts finished: 1" in capsys.readouterr().out
    with pytest.raises(AttemptRefused):
        start(contest, ProfileFactory().user, DURING + timedelta(minutes=6))


def test_close_contest_refuses_an_unknown_slug():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="không có cuộc thi"):
        call_command("close_contest", "khong-co")


def test_contest_close_on_a_closed_contest_changes_nothing(contest):
    assert contest_close(contest=contest, now=CLOSES + timedelta(days=1)) == 0
    contest.refresh_from_db()
    assert contest.closes_at == CLOSES


def test_archived_questions_are_not_drawn(contest, resident):
    Question.objects.filter(topic__name="Thể chế", code__in=["Q-001", "Q-002", "Q-003"]).update(
        archived=True
    )
    attempt = start(contest, resident)
    codes = set(attempt.items.values_list("version__question__code", flat=True))
    assert not codes & {"Q-001", "Q-002", "Q-003"}


def _accounts_read(sql: str) -> list[int]:
    """How many rows of ``accounts_user`` each scan of it in the plan of ``sql`` reads
    (PostgreSQL: EXPLAIN ANALYZE, indexes preferred; SQLite: a full SCAN counts as many)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Tiny test tables: with a sequential scan allowed, one account or all would both
            # be read by a scan of the whole table.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
            found, nodes = [], [cursor.fetchone()[0][0]["Plan"]]
            while nodes:
                node = nodes.pop()
                nodes += node.get("Plans", [])
                if node.get("Relation Name") == "accounts_user":
                    read = node["Actual Rows"] + node.get("Rows Removed by Filter", 0)
                    found.append(read * node["Actual Loops"])
            return found
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        details = [row[-1] for row in cursor.fetchall()]
        return [10**6 if d.startswith("SCAN") else 1 for d in details if "accounts_user" in d]


def test_the_start_check_reads_the_persons_account_only(contest):
    """Who may start is asked of the person: a look-up by primary key, whatever the number of
    accounts (it runs at every start and on every contest page a signed-in person opens)."""
    for n in range(30):
        ProfileFactory(user__phone=f"09070000{n:02d}")
    person = ProfileFactory().user
    with CaptureQueriesContext(connection) as queries:
        check_may_start(contest=contest, user=person, now=DURING)
    facts = [q["sql"] for q in queries.captured_queries if "EXISTS" in q["sql"]]
    assert len(facts) == 1
    reads = _accounts_read(facts[0])
    assert reads and max(reads) <= 1, reads
