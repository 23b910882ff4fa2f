import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse

from contest.models import Attempt
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
DURING = datetime(2022, 5, 30, 9, tzinfo=VN)
AFTER = datetime(2022, 6, 10, 9, tzinfo=VN)


@pytest.fixture
def travel():
    with time_machine.travel(DURING, tick=False) as traveller:
        yield traveller


def begin(client, contest) -> Attempt:
    response = client.post(reverse("contest:start", args=[contest.slug]))
    attempt = Attempt.objects.get()
    assert response["Location"] == reverse("contest:attempt", args=[attempt.pk])
    return attempt


def save(client, attempt, position, answer, seq=1):
    return client.post(
        reverse("contest:answer", args=[attempt.pk]),
        data=json.dumps({"position": position, "answer": answer, "seq": seq}),
        content_type="application/json",
    )


def test_the_whole_flow_start_answer_review_submit_receipt(client, contest, resident, travel):
    attempt = begin(client, contest)
    page = client.get(reverse("contest:attempt", args=[attempt.pk])).content.decode()
    # five questions and the prediction
    assert page.count('class="question card"') == 6 and "data-deadline" in page
    item = attempt.items.get(position=1)
    response = save(client, attempt, 1, item.version.correct)
    assert response.status_code == 200 and response.json()["ok"]
    review = client.get(reverse("contest:review", args=[attempt.pk])).content.decode()
    assert "Bạn còn 4 câu chưa trả lời" in review
    response = client.post(
        reverse("contest:submit", args=[attempt.pk]), {"submit_key": "abc", "prediction": "8.123"}
    )
    assert response["Location"] == reverse("contest:receipt", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.status == "submitted" and attempt.prediction == 8123 and attempt.score == 1
    receipt = client.get(response["Location"]).content.decode()
    assert attempt.receipt_code in receipt and "giờ Việt Nam (UTC+07:00)" in receipt
    assert (
        "Điểm" not in receipt.split("Mã biên nhận")[1].split("</dl>")[0]
    )  # no score before the close
    mine = client.get(reverse("contest:my_entries")).content.decode()
    assert attempt.receipt_code in mine


def test_the_answer_key_never_reaches_the_browser_before_the_close(
    client, contest, resident, travel
):
    attempt = begin(client, contest)
    pages = [
        client.get(reverse("contest:attempt", args=[attempt.pk])).content.decode(),
        client.get(reverse("contest:review", args=[attempt.pk])).content.decode(),
        save(client, attempt, 1, "A").content.decode(),
    ]
    client.post(
        reverse("contest:submit", args=[attempt.pk]), {"submit_key": "k", "prediction": "1"}
    )
    pages.append(client.get(reverse("contest:receipt", args=[attempt.pk])).content.decode())
    pages.append(client.get(reverse("contest:my_entries")).content.decode())
    for body in pages:
        assert "Giải thích" not in body and "Nghị quyết 76/NQ-CP" not in body
        assert "data-correct" not in body and '"correct"' not in body


def test_after_the_close_the_receipt_shows_score_answers_and_explanations(
    client, contest, resident, travel
):
    attempt = begin(client, contest)
    client.post(
        reverse("contest:submit", args=[attempt.pk]), {"submit_key": "k", "prediction": "1"}
    )
    travel.move_to(AFTER)
    receipt = client.get(reverse("contest:receipt", args=[attempt.pk])).content.decode()
    assert "Giải thích 1" in receipt or "Giải thích" in receipt
    assert "✓" in receipt and "Nghị quyết 76/NQ-CP" in receipt


def test_another_persons_attempt_id_is_not_found(client, contest, resident, travel):
    attempt = begin(client, contest)
    intruder = Client()
    intruder.force_login(ProfileFactory().user)
    for name in ("contest:attempt", "contest:review", "contest:receipt"):
        assert intruder.get(reverse(name, args=[attempt.pk])).status_code == 404
    assert save(intruder, attempt, 1, "A").status_code == 404
    oversized = json.dumps({"position": 1, "answer": "A", "pad": "x" * 20_000})
    assert (
        intruder.post(
            reverse("contest:answer", args=[attempt.pk]),
            data=oversized,
            content_type="application/json",
        ).status_code
        == 404
    )
    assert (
        intruder.post(reverse("contest:submit", args=[attempt.pk]), {"prediction": "1"}).status_code
        == 404
    )
    assert attempt.items.get(position=1).answer == ""


@pytest.mark.parametrize(
    ("payload", "status", "message"),
    [
        ({"position": 42, "answer": "A"}, 400, "không thuộc lượt thi"),
        ({"position": 1, "answer": "Q"}, 400, "không hợp lệ"),
        ({"position": "một", "answer": "A"}, 400, "Dữ liệu gửi lên không hợp lệ"),
        ({"answer": "A"}, 400, "Dữ liệu gửi lên không hợp lệ"),
        ({"position": 1, "seq": 5}, 400, "Dữ liệu gửi lên không hợp lệ"),  # no answer at all
        ({"prediction": "8123" + " " * 36 + "9", "seq": 5}, 400, "Dữ liệu gửi lên không hợp lệ"),
        # an answer padded to more than 64 KB: refused before it is read as JSON
        ({"position": 1, "answer": "A", "pad": "x" * 66_000}, 413, "quá lớn"),
    ],
)
def test_bad_autosave_requests_get_a_clear_message(
    client, contest, resident, travel, payload, status, message
):
    attempt = begin(client, contest)
    response = client.post(
        reverse("contest:answer", args=[attempt.pk]),
        data=json.dumps(payload),
        content_type="application/json",
    )
    assert response.status_code == status and message in response.json()["error"]
    attempt.refresh_from_db()  # nothing stored (a write number may be spent: gaps are allowed)
    assert attempt.prediction is None and not attempt.items.exclude(answer="").exists()


def test_an_autosave_with_the_most_a_page_sends_is_saved(client, contest, resident, travel):
    """The page's biggest body (its 20 changes not yet confirmed) is far under the cap."""
    attempt = begin(client, contest)
    prior = [1_700_000_000_000 + n for n in range(20)]
    response = client.post(
        reverse("contest:answer", args=[attempt.pk]),
        data=json.dumps({"position": 1, "answer": "B", "seq": 1_800_000_000_000, "prior": prior}),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert attempt.items.get(position=1).answer == "B"


def test_an_autosave_without_an_answer_leaves_the_stored_one(client, contest, resident, travel):
    attempt = begin(client, contest)
    assert save(client, attempt, 1, "B", seq=1).status_code == 200
    response = client.post(
        reverse("contest:answer", args=[attempt.pk]),
        data=json.dumps({"position": 1, "seq": 2}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert attempt.items.get(position=1).answer == "B"


def test_a_nul_character_pasted_into_the_essay_is_dropped_and_the_essay_kept(
    client, contest, resident, travel
):
    """It refused the submission, and the essay typed was lost on the redirect."""
    contest.essay_question = "Bạn có ý kiến gì về thủ tục một cửa?"
    contest.save(update_fields=["essay_question"])
    attempt = begin(client, contest)
    form = {"submit_key": "k", "prediction": "3", "essay": "Ý kiến\x00 của tôi\x00"}
    response = client.post(reverse("contest:submit", args=[attempt.pk]), form)
    assert response["Location"] == reverse("contest:receipt", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.status == "submitted" and attempt.essay == "Ý kiến của tôi"


@pytest.mark.parametrize("field", ["submit_key", "prediction"])
def test_a_submit_with_a_nul_character_is_refused_and_writes_nothing(
    client, contest, resident, travel, field
):
    """PostgreSQL text cannot hold NUL: it was a 500; now a message, and the attempt waits."""
    attempt = begin(client, contest)
    form = {"submit_key": "k", "prediction": "3", "essay": "", field: "a\x00b"}
    response = client.post(reverse("contest:submit", args=[attempt.pk]), form, follow=True)
    assert response.status_code == 200
    assert "Dữ liệu gửi lên không hợp lệ" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.status == "in_progress" and attempt.submit_key == ""
    intruder = Client()
    intruder.force_login(ProfileFactory().user)
    assert intruder.post(reverse("contest:submit", args=[attempt.pk]), form).status_code == 404


def test_autosave_after_expiry_is_refused_and_the_page_finishes_the_attempt(
    client, contest, resident, travel
):
    attempt = begin(client, contest)
    travel.shift(timedelta(minutes=31))
    response = save(client, attempt, 1, "A")
    assert response.status_code == 410 and "hết giờ" in response.json()["error"].lower()
    page = client.get(reverse("contest:attempt", args=[attempt.pk]))
    assert page["Location"] == reverse("contest:receipt", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.status == "expired"


def test_a_prediction_that_is_not_a_number_is_refused(client, contest, resident, travel):
    attempt = begin(client, contest)
    response = client.post(
        reverse("contest:submit", args=[attempt.pk]),
        {"submit_key": "k", "prediction": "khoảng 8 nghìn"},
        follow=True,
    )
    assert "Số dự đoán phải là số nguyên" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.status == "in_progress"


def test_autosave_needs_the_csrf_token(contest, travel):
    user = ProfileFactory().user
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    strict.get(reverse("contest:detail", args=[contest.slug]))
    token = strict.cookies["csrftoken"].value
    strict.post(reverse("contest:start", args=[contest.slug]), {"csrfmiddlewaretoken": token})
    attempt = Attempt.objects.get()
    url = reverse("contest:answer", args=[attempt.pk])
    body = json.dumps({"position": 1, "answer": "A", "seq": 1})
    assert strict.post(url, data=body, content_type="application/json").status_code == 403
    ok = strict.post(
        url, data=body, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert ok.status_code == 200


def test_the_review_page_in_the_grace_says_how_many_seconds_are_left(
    client, contest, resident, travel
):
    attempt = begin(client, contest)
    review = reverse("contest:review", args=[attempt.pk])
    before = client.get(review).content.decode()
    assert '<div id="grace" class="msg msg-error" hidden' in before  # shown at the deadline
    contest.grace_seconds = 120
    contest.save()
    travel.move_to(attempt.deadline + timedelta(seconds=45))
    page = client.get(review).content.decode()
    assert 'id="grace-left" data-seconds="75"' in page and "Còn 75 giây để bấm “Nộp bài”." in page
    assert '<div id="grace-on">' in page and 'id="grace-over" hidden' in page
    assert "vẫn được nhận, với số dự đoán và bài viết trong các ô dưới đây" in page
    travel.move_to(attempt.deadline + timedelta(seconds=121))  # past the grace
    # Loaded again then, the page is the receipt, as the attempt page's is (it was a page of
    # boxes that took nothing more until the sweeper came by).
    page = client.get(review, follow=True)
    assert page.redirect_chain == [(reverse("contest:receipt", args=[attempt.pk]), 302)]
    assert "Bài đã được nộp tự động với các câu đã lưu" in page.content.decode()
    attempt.refresh_from_db()
    assert attempt.status == "expired"


def test_the_review_page_takes_no_post(client, contest, resident, travel):
    """Its form posts to the submit; found by review: a POST here past the grace finished the
    attempt as a GET does, and rendered the page before it."""
    attempt = begin(client, contest)
    travel.move_to(attempt.deadline + timedelta(seconds=contest.grace_seconds + 1))
    assert client.post(reverse("contest:review", args=[attempt.pk])).status_code == 405
    attempt.refresh_from_db()
    assert attempt.status == "in_progress"  # (until a page or the sweeper finishes it)


def test_a_refused_submit_comes_back_with_what_was_typed(client, contest, resident, travel):
    """Found by review: the page came back with the essay and the prediction empty."""
    contest.essay_question = "Bạn có ý kiến gì về thủ tục một cửa?"
    contest.save()
    attempt = begin(client, contest)
    essay = "Ý kiến dài của tôi\r\nvề thủ tục một cửa."
    form = {"submit_key": "k", "prediction": "1234567890123", "essay": essay}
    page = client.post(reverse("contest:submit", args=[attempt.pk]), form, follow=True)
    text = page.content.decode()
    assert "Số dự đoán phải là số nguyên không âm" in text
    assert 'value="1234567890123"' in text and "về thủ tục một cửa.</textarea>" in text
    attempt.refresh_from_db()
    assert attempt.status == "in_progress"
    # Once shown, it is gone: the next look at the page shows what is saved.
    again = client.get(reverse("contest:review", args=[attempt.pk])).content.decode()
    assert "1234567890123" not in again


def test_a_long_essay_with_line_breaks_is_kept_whole(client, contest, resident, travel):
    """Found by review: the box counts a line break as one character, the form sends two
    (CR LF), and the last 5000 were cut on the two-character count."""
    contest.essay_question = "Bạn có ý kiến gì về thủ tục một cửa?"
    contest.save(update_fields=["essay_question"])
    attempt = begin(client, contest)
    lines = [f"Dòng {n:03d}: ý kiến của tôi về thủ tục." for n in range(1, 200)]
    essay = "\n".join(lines)[:5000]
    form = {"submit_key": "k", "prediction": "3", "essay": essay.replace("\n", "\r\n")}
    client.post(reverse("contest:submit", args=[attempt.pk]), form)
    attempt.refresh_from_db()
    assert attempt.status == "submitted" and attempt.essay == essay and len(essay) == 5000


def test_a_get_of_the_start_address_leads_back_to_the_contest_page(client, contest, travel):
    """Found by review: signing in again on the way to a start ends with a GET of its address
    (``?next=…/start/``), which answered a blank 405. It starts nothing."""
    start = reverse("contest:start", args=[contest.slug])
    assert client.get(start)["Location"].startswith(reverse("account_login") + "?next=")
    client.force_login(ProfileFactory().user)
    response = client.get(start)
    assert response.status_code == 302
    assert response["Location"] == reverse("contest:detail", args=[contest.slug])
    assert not Attempt.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "Bấm “Bắt đầu làm bài” để vào thi." in page


def test_start_autosave_and_submit_use_a_bounded_number_of_queries(
    client, contest, resident, travel, django_assert_max_num_queries
):
    """The hot path at a deadline: its query counts are pinned so they cannot creep back."""
    with django_assert_max_num_queries(11):
        attempt = begin(client, contest)
    with django_assert_max_num_queries(6):
        assert save(client, attempt, 2, "B").status_code == 200
    with django_assert_max_num_queries(7):
        client.post(
            reverse("contest:submit", args=[attempt.pk]), {"submit_key": "k", "prediction": "3"}
        )


def test_a_start_on_postgresql_writes_the_attempt_and_its_questions_in_one_statement(
    client, contest, resident, travel, django_assert_num_queries
):
    """The usual start on PostgreSQL: the user, the contest and its rounds, who may start (one
    statement), the draw, then the attempt and its questions in one statement (plus the
    test's savepoint and its release; the first request of the test also sweeps)."""
    if connection.vendor != "postgresql":
        pytest.skip("one statement on PostgreSQL (make test-services)")
    client.get(reverse("contest:time"))  # the sweeper's one query, out of the way
    with django_assert_num_queries(8):
        response = client.post(reverse("contest:start", args=[contest.slug]))
    attempt = Attempt.objects.get()
    assert response["Location"] == reverse("contest:attempt", args=[attempt.pk])
    assert attempt.items.count() == 5 and attempt.status == "in_progress"
    assert {len(i.option_order) for i in attempt.items.all()} == {4}


def test_a_submit_on_postgresql_is_the_user_the_lock_and_one_statement(
    client, contest, resident, travel, django_assert_num_queries
):
    """The usual submit on PostgreSQL: the signed-in user, the attempt read under its lock,
    then one statement that grades the stored answers and writes the submission (plus the
    test's savepoint and its release)."""
    if connection.vendor != "postgresql":
        pytest.skip("one statement on PostgreSQL (make test-services)")
    attempt = begin(client, contest)
    save(client, attempt, 1, "B")
    with django_assert_num_queries(5):
        response = client.post(
            reverse("contest:submit", args=[attempt.pk]), {"submit_key": "k", "prediction": "3"}
        )
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.status == "submitted" and attempt.prediction == 3
    assert attempt.score is not None and attempt.max_score > 0


def test_an_autosave_on_postgresql_is_the_user_and_one_statement(
    client, contest, resident, travel, django_assert_num_queries
):
    """The usual autosave on PostgreSQL: the signed-in user, then one statement that checks
    the attempt and the question and writes the answer (the session is in the cache)."""
    if connection.vendor != "postgresql":
        pytest.skip("one statement on PostgreSQL (make test-services)")
    attempt = begin(client, contest)
    with django_assert_num_queries(2):
        assert save(client, attempt, 2, "B", seq=7).status_code == 200
    assert attempt.items.get(position=2).answer == "B"


def test_submitting_is_rate_limited(client, contest, resident, travel):
    attempt = begin(client, contest)
    for _ in range(20):
        client.post(
            reverse("contest:submit", args=[attempt.pk]), {"submit_key": "k", "prediction": "x"}
        )
    response = client.post(
        reverse("contest:submit", args=[attempt.pk]),
        {"submit_key": "k", "prediction": "5"},
        follow=True,
    )
    assert "quá nhiều lần" in response.content.decode()


def test_the_contest_page_shows_participation_unless_hidden(client, contest, resident, travel):
    attempt = begin(client, contest)
    client.post(
        reverse("contest:submit", args=[attempt.pk]), {"submit_key": "k", "prediction": "3"}
    )
    from django.core.cache import cache

    cache.clear()
    page = client.get(reverse("contest:detail", args=[contest.slug])).content.decode()
    assert "Đã tham gia" in page and '<strong data-field="participants">1</strong> người' in page
    contest.hide_participation = True
    contest.save()
    assert (
        "Đã tham gia"
        not in client.get(reverse("contest:detail", args=[contest.slug])).content.decode()
    )


def test_the_server_time_endpoint_is_not_cached(client):
    response = client.get(reverse("contest:time"))
    assert response["Cache-Control"] == "no-store" and "now" in response.json()


def save_prediction(client, attempt, value, seq=1):
    return client.post(
        reverse("contest:answer", args=[attempt.pk]),
        data=json.dumps({"prediction": value, "seq": seq}),
        content_type="application/json",
    )


def test_the_prediction_is_asked_on_the_attempt_page(client, contest, resident, travel):
    attempt = begin(client, contest)
    page = client.get(reverse("contest:attempt", args=[attempt.pk])).content.decode()
    assert 'id="prediction"' in page and contest.prediction_question in page


def test_an_autosaved_prediction_is_kept_when_time_runs_out(client, contest, resident, travel):
    attempt = begin(client, contest)
    save(client, attempt, 1, "A")
    response = save_prediction(client, attempt, "8 123")
    assert response.status_code == 200 and response.json()["prediction"] == 8123
    review = client.get(reverse("contest:review", args=[attempt.pk])).content.decode()
    assert 'value="8123"' in review
    travel.shift(timedelta(minutes=31))
    page = client.get(reverse("contest:attempt", args=[attempt.pk]))
    assert page["Location"] == reverse("contest:receipt", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.status == "expired" and attempt.prediction == 8123


def test_a_late_retry_of_an_older_prediction_never_overwrites_a_newer_one(
    client, contest, resident, travel
):
    attempt = begin(client, contest)

    def send(value, seq, base):
        return client.post(
            reverse("contest:answer", args=[attempt.pk]),
            data=json.dumps({"prediction": value, "seq": seq, "base": base}),
            content_type="application/json",
        )

    first = send("400", 10, 0).json()
    assert send("500", 20, first["seq"]).json()["prediction"] == 500
    late = send("400", 10, 0)  # the first request, sent again from an offline queue
    assert late.status_code == 409 and late.json()["prediction"] == 500
    attempt.refresh_from_db()
    assert attempt.prediction == 500


def test_a_prediction_that_is_not_a_number_is_refused_by_autosave(
    client, contest, resident, travel
):
    attempt = begin(client, contest)
    for bad in ("khoảng 8 nghìn", "-5", "١٢٣", "9" * 13, "NaN"):
        response = save_prediction(client, attempt, bad)
        assert response.status_code == 400
        assert "Số dự đoán phải là số nguyên" in response.json()["error"]
    attempt.refresh_from_db()
    assert attempt.prediction is None


def test_submitting_without_the_field_uses_the_autosaved_prediction(
    client, contest, resident, travel
):
    attempt = begin(client, contest)
    save_prediction(client, attempt, "77")
    response = client.post(reverse("contest:submit", args=[attempt.pk]), {"submit_key": "k"})
    assert response["Location"] == reverse("contest:receipt", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.status == "submitted" and attempt.prediction == 77
