"""One rule decides when answers stop being accepted; keys are shown only after it."""

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from contest.definition import contest_import
from contest.online.attempts import attempt_start
from contest.online.finishing import attempt_submit
from tests.factories import ProfileFactory, contest_json, make_bank_with_topics

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
CLOSE = datetime(2022, 6, 9, 16, tzinfo=VN)
KEY_MARK = "✓"


@pytest.fixture
def contest():
    make_bank_with_topics()
    return contest_import(data=contest_json(grace_seconds=60, max_attempts=3))[0]


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def submitted(contest, user, now):
    attempt = attempt_start(contest=contest, user=user, now=now)[0]
    return attempt_submit(attempt=attempt, user=user, submit_key="k", prediction=1, now=now)


def test_no_key_or_score_while_another_attempt_can_still_save_within_the_grace(contest):
    early, late = ProfileFactory().user, ProfileFactory().user
    done = submitted(contest, early, CLOSE - timedelta(hours=1))
    running = attempt_start(contest=contest, user=late, now=CLOSE - timedelta(minutes=5))[0]
    early_client, late_client = logged_in(early), logged_in(late)
    with time_machine.travel(CLOSE + timedelta(seconds=10), tick=False):
        receipt = early_client.get(reverse("contest:receipt", args=[done.pk])).content.decode()
        entries = early_client.get(reverse("contest:my_entries")).content.decode()
        assert KEY_MARK not in receipt and "Giải thích" not in receipt
        assert "Điểm" not in entries
        # …because this one can still save and submit.
        item = running.items.select_related("version").first()
        saved = late_client.post(
            reverse("contest:answer", args=[running.pk]),
            data=json.dumps({"position": item.position, "answer": "B", "seq": 1}),
            content_type="application/json",
        )
        assert saved.status_code == 200
        assert not contest.answers_closed(CLOSE + timedelta(seconds=10))
    with time_machine.travel(CLOSE + timedelta(seconds=61), tick=False):
        receipt = early_client.get(reverse("contest:receipt", args=[done.pk])).content.decode()
        assert KEY_MARK in receipt and "Giải thích" in receipt
        assert "Điểm" in early_client.get(reverse("contest:my_entries")).content.decode()


def test_a_close_moved_earlier_waits_for_the_attempts_still_running(contest):
    user, other = ProfileFactory().user, ProfileFactory().user
    start = CLOSE - timedelta(minutes=20)
    running = attempt_start(contest=contest, user=other, now=start)[0]
    done = submitted(contest, user, start)
    # An organizer moves the close earlier by editing the contest: the running attempt keeps
    # its deadline, so the key must wait for it.
    contest.closes_at = start + timedelta(minutes=1)
    contest.save()
    moved = contest.closes_at + timedelta(seconds=61)
    assert moved < running.accepts_until
    assert not contest.answers_closed(moved)
    with time_machine.travel(moved, tick=False):
        receipt = logged_in(user).get(reverse("contest:receipt", args=[done.pk])).content
        assert KEY_MARK not in receipt.decode()
    assert contest.answers_closed(running.accepts_until)


def test_results_are_not_published_nor_made_final_while_answers_are_accepted(contest):
    from contest.results.ranking import RankingError, contest_rank
    from contest.results.workflow import WorkflowRefused, results_publish

    submitted(contest, ProfileFactory().user, CLOSE - timedelta(hours=1))
    # Someone is still answering when the contest closes: their answers count for the grace.
    attempt_start(contest=contest, user=ProfileFactory().user, now=CLOSE - timedelta(minutes=5))
    within_grace = CLOSE + timedelta(seconds=30)
    with time_machine.travel(within_grace, tick=False):
        with pytest.raises(RankingError, match="thời gian ân hạn"):
            contest_rank(contest, final=True)
        contest_rank(contest)
        with pytest.raises(WorkflowRefused, match="còn nhận câu trả lời"):
            results_publish(contest=contest, user=None, objections_until=CLOSE + timedelta(days=3))


def test_once_no_attempt_can_save_answers_are_closed_at_the_close(contest):
    """Nobody still answering (or everyone finished by closing the contest): no grace to wait."""
    from contest.online.finishing import contest_close

    submitted(contest, ProfileFactory().user, CLOSE - timedelta(hours=1))
    assert contest.answers_closed(CLOSE) and not contest.answers_closed(
        CLOSE - timedelta(seconds=1)
    )
    running = attempt_start(
        contest=contest, user=ProfileFactory().user, now=CLOSE - timedelta(hours=2)
    )[0]
    early = running.started_at + timedelta(minutes=10)
    assert not contest.answers_closed(early)
    contest_close(contest=contest, now=early)
    contest.refresh_from_db()
    assert contest.answers_closed(early)
