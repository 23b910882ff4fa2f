"""The essay on the review page is saved as it is typed, in a real browser on a phone.

Before, it travelled only with "Nộp bài": a resident still typing when the time ran out
lost it, and so did a reload.
"""

from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone

from contest.models import Attempt
from tests.browser.journey import Journey, fits_width, log_in
from tests.browser.test_attempt_flow import open_contest
from tests.factories import ProfileFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
QUESTION = "Bạn có ý kiến gì về thủ tục một cửa ở phường?"
ESSAY = "Thủ tục nhanh hơn trước.\nNên có thêm hướng dẫn bằng hình ảnh cho người cao tuổi."


def _stored(attempt) -> Attempt:
    """The attempt as the database has it (the test's SQLite is shared with the server's
    thread, whose write may hold its lock for a moment)."""
    for _ in range(40):
        try:
            return Attempt.objects.get(pk=attempt.pk)
        except OperationalError:
            pass
    return Attempt.objects.get(pk=attempt.pk)


def _eventually(attempt, check, page) -> Attempt:
    for _ in range(60):
        current = _stored(attempt)
        if check(current):
            return current
        page.wait_for_timeout(250)
    return _stored(attempt)


def _looks(box) -> list[str]:
    """The box's background and border style, as the resident sees them."""
    return box.evaluate(
        "b => [getComputedStyle(b).backgroundColor, getComputedStyle(b).borderStyle]"
    )


def _on_the_review_page(live_server, page, *, seconds_left: int, grace: int = 60):
    contest = open_contest()
    contest.essay_question = QUESTION
    contest.grace_seconds = grace
    contest.save(update_fields=["essay_question", "grace_seconds"])
    user = ProfileFactory().user
    log_in(page, live_server.url, user.phone)
    page.goto(f"{live_server.url}/contests/{contest.slug}/")
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    page.wait_for_url("**/attempts/**")
    attempt = Attempt.objects.get()
    Attempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() + timedelta(seconds=seconds_left)
    )
    page.goto(f"{live_server.url}/attempts/{attempt.pk}/review/")
    return contest, attempt


def test_an_essay_still_being_typed_when_the_time_runs_out_is_kept(live_server, phone_page):
    page = phone_page
    journey = Journey("essay_autosave")
    _contest, attempt = _on_the_review_page(live_server, page, seconds_left=14, grace=2)
    box = page.get_by_label(QUESTION)
    assert _looks(box) == ["rgb(255, 255, 255)", "solid"]
    box.click()
    box.press_sequentially(ESSAY[:40], delay=20)  # typing, a key at a time
    page.locator("#save-state", has_text="Đã lưu tất cả câu trả lời").wait_for()
    assert _stored(attempt).essay == ESSAY[:40]
    # A screen reader is not told of every save (it spoke after every pause in typing).
    assert page.locator("#save-spoken").inner_text() == ""
    box.press_sequentially(ESSAY[40:60], delay=20)
    journey.see(page, "review-essay-saved")
    assert fits_width(page)
    # The resident never presses "Nộp bài"; the time and the grace run out.
    page.locator("#grace-over").wait_for(state="visible", timeout=25_000)
    assert page.get_by_role("button", name="Nộp bài").is_disabled()
    # Found by review: the box stayed open and the status still said "all saved".
    assert not box.is_editable()
    # ... and it no longer looks open: greyed and dashed, where an open box is white.
    assert _looks(box) == ["rgb(236, 238, 242)", "dashed"]
    assert page.locator("#save-state").inner_text() == "Hết thời gian nộp: không sửa được nữa."
    # Found by review: the rest of the page still said the opposite.
    assert not page.get_by_text("Được lưu ngay khi bạn gõ").first.is_visible()
    assert page.evaluate("document.activeElement === document.getElementById('essay')") is False
    assert not page.get_by_text("câu chưa trả lời").is_visible()  # no links back to them
    assert not page.get_by_role("link", name="Quay lại làm bài").is_visible()
    button = page.get_by_role("button", name="Nộp bài")
    colours = "b => [getComputedStyle(b).color, getComputedStyle(b).backgroundColor]"
    assert button.evaluate(colours) == ["rgb(43, 47, 54)", "rgb(201, 206, 214)"]  # 8.6:1
    assert not page.locator("#submit-form .req").first.is_visible()  # nothing is required now
    journey.see(page, "review-grace-over")
    finish = page.get_by_role("link", name="Kết thúc và xem biên nhận")
    # Offline, the way on stays on the page and says why (it opened the browser's error page).
    page.context.set_offline(True)
    finish.click()
    page.locator("#save-state", has_text="Mất kết nối").wait_for()
    assert page.url.endswith(f"/attempts/{attempt.pk}/review/")
    page.context.set_offline(False)
    finish.click()
    page.wait_for_url("**/receipt/")
    assert _stored(attempt).status == "expired"
    page.go_back()  # the review page again: the receipt, as the attempt's is finished
    page.wait_for_url("**/receipt/")
    finished = _stored(attempt)
    assert finished.status == "expired" and finished.essay == ESSAY[:60]


def test_an_essay_that_could_not_be_sent_is_kept_on_the_phone_across_a_reload(
    live_server, phone_page
):
    page = phone_page
    _contest, attempt = _on_the_review_page(live_server, page, seconds_left=600)
    # The connection drops for the autosave alone (the page itself still loads).
    page.route("**/answer/", lambda route: route.abort())
    page.get_by_label(QUESTION).fill(ESSAY)
    page.locator("#save-state", has_text="Mất kết nối").wait_for()
    assert page.locator("#save-spoken").inner_text().startswith("Mất kết nối")  # said aloud
    page.reload()  # the page comes back with the essay kept on the phone
    assert page.get_by_label(QUESTION).input_value() == ESSAY
    page.locator("#save-state", has_text="Mất kết nối").wait_for()
    assert _stored(attempt).essay == ""  # still on the phone
    page.unroute("**/answer/")  # back: the next try sends it
    page.locator("#save-state", has_text="Đã lưu tất cả câu trả lời").wait_for(timeout=15_000)
    assert page.locator("#save-spoken").inner_text() == "Đã lưu tất cả câu trả lời"  # recovered
    assert _eventually(attempt, lambda a: a.essay == ESSAY, page).essay == ESSAY
    # Still on the review page (only answers to questions go back to the attempt page).
    assert page.url.endswith(f"/attempts/{attempt.pk}/review/")
    page.get_by_label("Theo bạn, có bao nhiêu người tham gia cuộc thi?").fill("8123")
    page.get_by_role("button", name="Nộp bài").click()
    page.wait_for_url("**/receipt/")
    submitted = _stored(attempt)
    assert submitted.status == "submitted" and submitted.essay == ESSAY
    assert submitted.prediction == 8123


def test_the_prediction_changed_on_the_review_page_is_saved_too(live_server, phone_page):
    page = phone_page
    _contest, attempt = _on_the_review_page(live_server, page, seconds_left=600)
    page.get_by_label("Theo bạn, có bao nhiêu người tham gia cuộc thi?").fill("9 001")
    page.locator("#save-state", has_text="Đã lưu tất cả câu trả lời").wait_for()
    assert _eventually(attempt, lambda a: a.prediction == 9001, page).prediction == 9001


def test_writing_on_in_a_tab_that_missed_the_other_tabs_essay_loses_nothing(
    live_server, phone_page
):
    """Found by review: a tab behind another (signed in again in a tab of its own, two
    devices) was answered "a newer essay is stored", and its box was replaced by that one:
    what the resident had just typed there was gone."""
    page = phone_page
    _contest, attempt = _on_the_review_page(live_server, page, seconds_left=600)
    other = page.context.new_page()
    other.goto(page.url)
    other.get_by_label(QUESTION).fill("Viết ở thẻ kia.")
    other.locator("#save-state", has_text="Đã lưu tất cả câu trả lời").wait_for()
    # Back in the first tab, which never heard of it, the resident writes on.
    page.get_by_label(QUESTION).fill(ESSAY)
    page.locator("#save-state", has_text="Đã lưu tất cả câu trả lời").wait_for()
    assert page.get_by_label(QUESTION).input_value() == ESSAY
    assert _eventually(attempt, lambda a: a.essay == ESSAY, page).essay == ESSAY
    # "Nộp bài" in the other tab, its box now behind: refused, and shown the essay saved.
    other.get_by_label("Theo bạn, có bao nhiêu người tham gia cuộc thi?").fill("8123")
    other.get_by_role("button", name="Nộp bài").click()
    other.get_by_text("Bài viết đã được sửa ở thẻ khác hoặc máy khác").wait_for()
    assert other.get_by_label(QUESTION).input_value() == ESSAY
    assert _stored(attempt).status == "in_progress"
    other.get_by_role("button", name="Nộp bài").click()
    other.wait_for_url("**/receipt/")
    submitted = _stored(attempt)
    assert submitted.status == "submitted" and submitted.essay == ESSAY
