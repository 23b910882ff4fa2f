"""The server orders answers (issue 14, items 4 and 5): never the phone's clock.

A retried change is applied once; a change that arrives after a newer answer is
answered as stale with what is stored; an autosave that arrives after the submit
is refused, so a finished attempt's score is always the grade of its answers.
"""

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from contest.grading import attempts_disagreeing
from contest.models import Attempt
from contest.online.answers import answer_save
from contest.online.attempts import attempt_start
from contest.online.checks import AttemptRefused
from contest.online.finishing import attempt_submit

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
DURING = datetime(2022, 5, 30, 9, tzinfo=VN)


@pytest.fixture
def attempt(contest, resident):
    return attempt_start(contest=contest, user=resident, now=DURING)[0]


def post(client, attempt, **body):
    with time_machine.travel(DURING, tick=False):
        return client.post(
            reverse("contest:answer", args=[attempt.pk]),
            data=json.dumps(body),
            content_type="application/json",
        )


def stored(attempt, position=1) -> str:
    return attempt.items.get(position=position).answer


def test_a_correction_from_a_phone_whose_clock_was_an_hour_ahead_is_kept(client, attempt):
    now_ms = int(DURING.timestamp() * 1000)
    ahead = post(client, attempt, position=1, answer="A", seq=now_ms + 3_600_000)
    assert ahead.status_code == 200 and ahead.json()["answer"] == "A"
    # The phone's clock is corrected; the resident changes the answer.
    fixed = post(client, attempt, position=1, answer="C", seq=now_ms, base=ahead.json()["seq"])
    assert fixed.status_code == 200 and fixed.json()["ok"] and fixed.json()["answer"] == "C"
    assert stored(attempt) == "C"
    # Without a base (an older page) arrival order decides, too.
    post(client, attempt, position=1, answer="B", seq=now_ms - 5)
    assert stored(attempt) == "B"


def test_the_server_issues_the_order_and_a_retry_is_applied_once(client, attempt):
    first = post(client, attempt, position=1, answer="A", seq=500, base=0).json()
    retry = post(client, attempt, position=1, answer="A", seq=500, base=0).json()
    assert first["ok"] and retry["ok"] and retry["seq"] == first["seq"]
    other = post(client, attempt, position=2, answer="B", seq=501, base=0).json()
    assert other["seq"] > first["seq"]  # one counter per attempt, issued by the server


def test_a_late_retry_from_the_offline_queue_is_stale_and_told_what_is_saved(client, attempt):
    old = post(client, attempt, position=1, answer="A", seq=900, base=0).json()
    newer = post(client, attempt, position=1, answer="D", seq=100, base=old["seq"]).json()
    assert newer["ok"]
    late = post(client, attempt, position=1, answer="A", seq=900, base=0)
    assert late.status_code == 409
    body = late.json()
    assert body["stale"] and body["answer"] == "D" and body["seq"] == newer["seq"]
    assert "Câu 1" in body["error"]
    assert stored(attempt) == "D"


def test_a_change_over_an_unconfirmed_one_of_the_same_phone_is_applied(client, attempt):
    # "A" reached the server but its answer was lost; the phone queued "C" on top of it.
    post(client, attempt, position=1, answer="A", seq=10, base=0)
    again = post(client, attempt, position=1, answer="C", seq=11, base=0, prior=[10])
    assert again.status_code == 200 and stored(attempt) == "C"
    # The same change from another page, which never saw "C", is stale.
    assert post(client, attempt, position=1, answer="B", seq=12, base=0).status_code == 409


@pytest.mark.parametrize(
    "body",
    [
        {"position": 1, "answer": "A", "seq": 1, "base": "x"},
        {"position": 1, "answer": "A", "seq": 1, "prior": 5},
        {"position": 1, "answer": "A", "seq": 1, "prior": [2**70]},
        {"position": 1, "answer": "A", "seq": -1},
        {"position": 1, "answer": "A", "seq": 2**64},
        # JSON's Infinity (Python's json reads it): int() raises OverflowError, not ValueError
        {"position": 1, "answer": "A", "seq": float("inf")},
        {"position": 1, "answer": "A", "seq": 1, "base": float("-inf")},
        {"position": 1, "answer": "A", "seq": 1, "prior": [float("inf")]},
        {"position": float("inf"), "answer": "A", "seq": 1},
    ],
)
def test_bad_order_fields_are_a_400(client, attempt, body):
    response = post(client, attempt, **body)
    assert response.status_code == 400 and not response.json()["ok"]


def test_an_autosave_that_arrives_after_the_submit_is_refused_and_the_score_holds(
    contest, resident, attempt
):
    in_flight = Attempt.objects.get(pk=attempt.pk)  # loaded by a request before the submit
    correct = attempt.items.select_related("version").get(position=1).version.correct
    wrong = "A" if correct != "A" else "B"
    answer_save(attempt=attempt, user=resident, position=1, answer=wrong, seq=1, now=DURING)
    attempt_submit(attempt=attempt, user=resident, submit_key="k", prediction=5, now=DURING)
    with pytest.raises(AttemptRefused) as refused:
        answer_save(attempt=in_flight, user=resident, position=1, answer=correct, seq=2, now=DURING)
    assert refused.value.code == "finished"
    assert stored(attempt) == wrong
    assert attempts_disagreeing(contest=contest) == []


def test_the_consistency_check_finds_a_score_that_disagrees_with_the_answers(
    contest, resident, attempt
):
    attempt_submit(attempt=attempt, user=resident, submit_key="k", prediction=5, now=DURING)
    assert attempts_disagreeing(contest=contest) == []
    Attempt.objects.filter(pk=attempt.pk).update(score=99)
    assert attempts_disagreeing(contest=contest) == [str(attempt.pk)]


def test_the_page_carries_the_server_order_of_each_answer(client, attempt):
    saved = post(client, attempt, position=2, answer="B", seq=7, base=0).json()
    with time_machine.travel(DURING + timedelta(seconds=5), tick=False):
        page = client.get(reverse("contest:attempt", args=[attempt.pk])).content.decode()
    assert f'data-position="2" data-seq="{saved["seq"]}"' in page


def test_the_prediction_is_kept_in_the_order_the_server_receives_it(client, attempt):
    now_ms = int(DURING.timestamp() * 1000)
    ahead = post(client, attempt, prediction="9000", seq=now_ms + 3_600_000)
    fixed = post(client, attempt, prediction="8123", seq=now_ms)
    assert ahead.json()["ok"] and fixed.json()["ok"] and fixed.json()["seq"] > ahead.json()["seq"]
    attempt.refresh_from_db()
    assert attempt.prediction == 8123
