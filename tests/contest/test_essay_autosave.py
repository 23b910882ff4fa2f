"""The essay is saved as it is typed: an attempt whose time runs out while the resident is
still typing on the review page keeps what reached the server, like its answers.

Before, the essay travelled only with the submit, and an attempt finished by its time (the
sweeper, the close, a late submit) had none.
"""

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from contest.models import Attempt
from contest.online.finishing import attempts_sweep
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
DURING = datetime(2022, 5, 30, 9, tzinfo=VN)
QUESTION = "Bạn có ý kiến gì về thủ tục một cửa?"


@pytest.fixture
def travel():
    with time_machine.travel(DURING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def attempt(client, contest, resident, travel):
    contest.essay_question = QUESTION
    contest.save(update_fields=["essay_question"])
    client.post(reverse("contest:start", args=[contest.slug]))
    return Attempt.objects.get()


def send(client, attempt, **body):
    return client.post(
        reverse("contest:answer", args=[attempt.pk]),
        data=json.dumps(body, ensure_ascii=False),
        content_type="application/json",
    )


def stored(attempt) -> str:
    attempt.refresh_from_db()
    return attempt.essay


def test_the_essay_is_saved_as_it_is_typed_and_a_retry_changes_nothing(client, attempt):
    first = send(client, attempt, essay="Ý kiến của tôi", seq=11)
    assert first.status_code == 200
    assert first.json() | {"saved_at": None} == {
        "ok": True,
        "position": "essay",
        "answer": "Ý kiến của tôi",
        "seq": first.json()["seq"],
        "saved_at": None,
    }
    assert stored(attempt) == "Ý kiến của tôi" and attempt.essay_key == 11
    order = attempt.essay_seq
    # The same request again (the phone did not hear the answer): nothing new is written.
    again = send(client, attempt, essay="Ý kiến của tôi", seq=11)
    assert again.status_code == 200 and again.json()["seq"] == order
    more = send(client, attempt, essay="Ý kiến của tôi về một cửa", seq=12, base=order)
    assert more.status_code == 200 and stored(attempt) == "Ý kiến của tôi về một cửa"


def test_a_late_write_from_an_old_page_does_not_overwrite_a_newer_essay(client, attempt):
    """Another tab (or a phone's offline queue) wrote later: the old page's write is
    answered 409 with the essay stored, which the page then shows."""
    send(client, attempt, essay="Bản đầu", seq=1, base=0)
    newer = send(client, attempt, essay="Bản sửa ở máy khác", seq=2, base=stored_seq(attempt))
    assert newer.status_code == 200
    late = send(client, attempt, essay="Bản cũ gõ ở thẻ kia", seq=3, base=0)
    assert late.status_code == 409
    data = late.json()
    assert data["answer"] == "Bản sửa ở máy khác" and "Bài viết đã được sửa" in data["error"]
    assert stored(attempt) == "Bản sửa ở máy khác"
    # Over its own change not yet confirmed (``prior``), the old page's next write applies.
    mine = send(client, attempt, essay="Bản của tôi", seq=4, base=0, prior=[2])
    assert mine.status_code == 200 and stored(attempt) == "Bản của tôi"


def stored_seq(attempt) -> int:
    attempt.refresh_from_db()
    return attempt.essay_seq


def test_line_breaks_nul_and_length_are_kept_as_the_submit_keeps_them(client, attempt):
    lines = [f"Dòng {n:03d}: ý kiến của tôi về thủ tục." for n in range(1, 200)]
    text = "\r\n".join(lines) + "\x00"
    response = send(client, attempt, essay=text, seq=5)
    assert response.status_code == 200
    kept = stored(attempt)
    assert "\r" not in kept and "\x00" not in kept and len(kept) == 5000
    assert kept == "\n".join(lines)[:5000] and response.json()["answer"] == kept


def test_an_essay_of_5000_vietnamese_characters_fits_the_autosave(client, attempt):
    text = "Ở" * 4000 + "😀" * 500  # 12,000 + 2,000 bytes, as the page's box allows
    response = send(client, attempt, essay=text, seq=5)
    assert response.status_code == 200 and stored(attempt) == text


@pytest.mark.parametrize("essay", [None, 42, ["a"], {"a": 1}, True])
def test_an_essay_that_is_not_text_is_refused_with_a_message(client, attempt, essay):
    send(client, attempt, essay="Giữ nguyên", seq=1)
    response = send(client, attempt, essay=essay, seq=2)
    assert response.status_code == 400
    assert response.json()["error"] == "Dữ liệu gửi lên không hợp lệ."
    assert stored(attempt) == "Giữ nguyên"


def test_someone_elses_attempt_is_not_found_and_keeps_its_essay(attempt, travel):
    other = Client()
    other.force_login(ProfileFactory().user)
    response = send(other, attempt, essay="Chen ngang", seq=1)
    assert response.status_code == 404 and stored(attempt) == ""


def test_the_time_running_out_keeps_the_essay_typed_so_far(client, contest, attempt, travel):
    """The resident types on the review page until the time is up: the sweeper finishes
    the attempt with the essay autosaved, and the jury's download has it."""
    send(client, attempt, essay="Ý kiến gõ dở khi hết giờ", seq=1)
    after = attempt.deadline + timedelta(seconds=contest.grace_seconds + 1)
    late = None
    with time_machine.travel(after, tick=False):
        late = send(client, attempt, essay="gõ sau khi hết giờ", seq=2)
        assert attempts_sweep(now=after) == 1
    assert late.status_code == 410
    attempt.refresh_from_db()
    assert attempt.status == "expired" and attempt.essay == "Ý kiến gõ dở khi hết giờ"


def test_a_submit_without_the_essay_box_keeps_the_essay_autosaved(client, attempt):
    send(client, attempt, essay="Đã lưu khi gõ", seq=1)
    client.post(
        reverse("contest:submit", args=[attempt.pk]), {"submit_key": "k", "prediction": "3"}
    )
    attempt.refresh_from_db()
    assert attempt.status == "submitted" and attempt.essay == "Đã lưu khi gõ"


def test_the_essay_sent_with_the_submit_is_the_one_kept(client, attempt):
    """What the box holds when "Nộp bài" is pressed is the last word, even cleared."""
    send(client, attempt, essay="Bản nháp", seq=1)
    form = {"submit_key": "k", "prediction": "3", "essay": ""}
    client.post(reverse("contest:submit", args=[attempt.pk]), form)
    attempt.refresh_from_db()
    assert attempt.status == "submitted" and attempt.essay == ""


def test_after_the_submit_the_essay_can_no_longer_change(client, attempt):
    form = {"submit_key": "k", "prediction": "3", "essay": "Bài nộp"}
    client.post(reverse("contest:submit", args=[attempt.pk]), form)
    response = send(client, attempt, essay="Sửa sau khi nộp", seq=9)
    assert response.status_code == 410 and stored(attempt) == "Bài nộp"


def test_the_review_page_gives_the_essay_box_its_order_and_says_it_is_saved(client, attempt):
    send(client, attempt, essay="Đã lưu", seq=1)
    order = stored_seq(attempt)
    page = client.get(reverse("contest:review", args=[attempt.pk])).content.decode()
    assert f'data-seq="{order}" aria-describedby="essay-help">Đã lưu</textarea>' in page
    assert "Tối đa 5000 ký tự. Được lưu ngay khi bạn gõ." in page
    assert reverse("contest:answer", args=[attempt.pk]) in page


def test_a_submit_from_a_page_that_missed_a_newer_essay_is_refused_not_emptying_it(client, attempt):
    """Found by review: the review page open on one device, the essay typed and saved on
    another; "Nộp bài" on the first, its box still empty, stored an empty essay."""
    first_page = client.get(reverse("contest:review", args=[attempt.pk])).content.decode()
    assert 'name="essay_base" id="essay-base" value="0"' in first_page
    send(client, attempt, essay="Viết ở máy kia", seq=7)  # the other device
    stale = {"submit_key": "k", "prediction": "3456", "essay": "", "essay_base": "0"}
    response = client.post(reverse("contest:submit", args=[attempt.pk]), stale, follow=True)
    text = response.content.decode()
    assert "Bài viết đã được sửa ở thẻ khác hoặc máy khác sau khi trang này mở" in text
    attempt.refresh_from_db()
    assert attempt.status == "in_progress" and attempt.essay == "Viết ở máy kia"
    assert "Viết ở máy kia</textarea>" in text  # the page shows the essay saved meanwhile
    assert 'value="3456"' in text  # and keeps the prediction typed
    # From the page as it is now, the submit goes through, with what its box holds.
    fresh = {**stale, "essay": "Viết ở máy kia", "essay_base": str(attempt.essay_seq)}
    client.post(reverse("contest:submit", args=[attempt.pk]), fresh)
    attempt.refresh_from_db()
    assert attempt.status == "submitted" and attempt.essay == "Viết ở máy kia"


def test_a_submit_racing_its_own_autosave_is_not_refused(client, attempt):
    """The page's own change not yet confirmed (``essay_prior``) is not another device's;
    nor is a box that holds the essay stored."""
    send(client, attempt, essay="Đang gõ", seq=41)
    same = {"submit_key": "k", "prediction": "3", "essay": "Đang gõ thêm", "essay_base": "0"}
    client.post(reverse("contest:submit", args=[attempt.pk]), {**same, "essay_prior": "40,41"})
    attempt.refresh_from_db()
    assert attempt.status == "submitted" and attempt.essay == "Đang gõ thêm"


def test_a_form_without_what_the_page_knew_is_written_as_before(client, attempt):
    send(client, attempt, essay="Bản lưu", seq=1)
    form = {"submit_key": "k", "prediction": "3", "essay": "Bản nộp", "essay_base": "x"}
    client.post(reverse("contest:submit", args=[attempt.pk]), form)
    attempt.refresh_from_db()
    assert attempt.status == "submitted" and attempt.essay == "Bản nộp"


def test_a_lone_surrogate_is_kept_as_a_replacement_character_not_a_server_error(client, attempt):
    """Found by review: ``{"essay": "abc\\ud800def"}`` (no browser sends one) was a 500."""
    response = client.post(
        reverse("contest:answer", args=[attempt.pk]),
        data='{"essay": "abc\\ud800def", "seq": 15}',
        content_type="application/json",
    )
    assert response.status_code == 200 and stored(attempt) == "abc\ufffddef"


def test_a_contest_without_an_essay_question_takes_no_essay(client, contest, attempt):
    """Found by review: the text was stored, and would have reached the jury's file once an
    essay question was added."""
    contest.essay_question = ""
    contest.save(update_fields=["essay_question"])
    response = send(client, attempt, essay="Không có câu hỏi", seq=3)
    assert response.status_code == 400
    assert response.json()["error"] == "Cuộc thi này không có câu hỏi tự luận."
    assert stored(attempt) == ""


def test_a_submit_for_a_contest_without_an_essay_question_keeps_no_essay(client, contest, attempt):
    """Found by the second review: the submit form stored one, where autosave refused it."""
    contest.essay_question = ""
    contest.save(update_fields=["essay_question"])
    form = {"submit_key": "k", "prediction": "3", "essay": "Gửi lén", "essay_base": "0"}
    client.post(reverse("contest:submit", args=[attempt.pk]), form)
    attempt.refresh_from_db()
    assert attempt.status == "submitted" and attempt.essay == ""
