"""A full online attempt on a 360 px phone, with the connection lost half-way."""

from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone

from accounts import sms
from contest.definition import contest_import
from contest.models import Attempt
from tests.browser.journey import PASSWORD, log_in
from tests.factories import contest_json, make_bank_with_topics

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_contest():
    make_bank_with_topics()
    now = timezone.localtime(timezone.now())
    return contest_import(
        data=contest_json(
            opens_at=(now - timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
            closes_at=(now + timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
            paper_postmark_deadline=(now + timedelta(days=1)).strftime("%Y-%m-%d"),
        )
    )[0]


def sign_up(page, base):
    page.goto(base + "/accounts/signup/")
    page.get_by_label("Số điện thoại").fill("0987 111 222")
    page.get_by_label("Họ và tên").fill("Lê Văn Tám")
    page.locator("#id_password1").fill("Một-cửa-2022")
    page.locator("#id_password2").fill("Một-cửa-2022")
    page.get_by_role("button", name="Đăng ký").click()
    page.wait_for_url("**/phone/verify/**")
    page.get_by_label("Mã").fill(sms.outbox[-1]["text"].rsplit(" ", 1)[-1])
    page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_url(base + "/")


def pick(page, index):
    """Choose the first option of the question on screen; returns the question's position."""
    question = page.locator("fieldset.question:visible")
    position = int(question.get_attribute("data-position"))
    question.locator("label.option").nth(index).click()
    return position


def test_attempt_survives_a_lost_connection_and_a_reload(live_server, phone_page):
    contest = open_contest()
    page = phone_page
    sign_up(page, live_server.url)
    page.goto(f"{live_server.url}/contests/{contest.slug}/")
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    page.wait_for_url("**/attempts/**")
    assert page.locator("fieldset.question:visible").count() == 1  # one question per screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    first = pick(page, 0)
    page.locator("#save-state", has_text="Đã lưu tất cả câu trả lời").wait_for()
    page.get_by_role("button", name="Câu sau ›").first.click()

    page.context.set_offline(True)
    second = pick(page, 1)
    page.locator("#save-state", has_text="Mất kết nối").wait_for()
    attempt = Attempt.objects.get()
    assert attempt.items.get(position=second).answer == ""  # not on the server yet

    page.context.set_offline(False)
    page.reload()  # the queued answer is kept on the phone and sent again
    page.locator("#save-state", has_text="Đã lưu tất cả câu trả lời").wait_for()
    saved = dict(attempt.items.values_list("position", "answer"))
    assert saved[first] and saved[second]
    page.locator(".qmap a").nth(second - 1).click()
    assert page.locator(f"#q-{second} input:checked").count() == 1  # the page shows it after reload

    page.get_by_role("link", name="Xem lại và nộp bài").click()
    page.get_by_text("Bạn còn 3 câu chưa trả lời").wait_for()
    page.get_by_label("Theo bạn, có bao nhiêu người tham gia cuộc thi?").fill("8123")
    page.get_by_role("button", name="Nộp bài").click()
    page.wait_for_url("**/receipt/")
    attempt.refresh_from_db()
    assert attempt.status == "submitted" and attempt.prediction == 8123
    assert page.locator("#receipt-code").inner_text() == attempt.receipt_code


def test_the_countdown_follows_the_server_not_a_wrong_phone_clock(live_server, browser):
    contest = open_contest()
    from tests.factories import ProfileFactory

    user = ProfileFactory().user
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    context.set_default_timeout(10_000)
    # The phone's clock is two hours fast.
    context.add_init_script(
        "(() => { const real = Date.now; const skew = 2*3600*1000;"
        " Date.now = () => real() + skew; })();"
    )
    page = context.new_page()
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=login]", user.phone)
    page.fill("input[name=password]", "mat-khau-9x!")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/contests/{contest.slug}/")
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    page.wait_for_url("**/attempts/**")
    page.wait_for_timeout(1500)
    shown = page.locator("#timer").inner_text()
    minutes = int(shown.split(":")[0])
    assert minutes in (29, 30), shown
    context.close()


def _signed_in_attempt(live_server, page):
    """A resident signed in on ``page`` with an attempt of an open contest on screen."""
    from tests.factories import ProfileFactory

    contest = open_contest()
    user = ProfileFactory().user
    log_in(page, live_server.url, user.phone)
    page.goto(f"{live_server.url}/contests/{contest.slug}/")
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    page.wait_for_url("**/attempts/**")
    return contest, user, Attempt.objects.get()


def _answered_offline_near_the_deadline(live_server, page, *, grace: int, left: int):
    """A resident ``left`` seconds before the deadline (``grace`` seconds of grace) answers
    one question offline; returns the attempt and the question's position."""
    contest, _user, attempt = _signed_in_attempt(live_server, page)
    contest.grace_seconds = grace
    contest.save(update_fields=["grace_seconds"])
    deadline = timezone.now() + timedelta(seconds=left)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=deadline)
    page.reload()
    page.context.set_offline(True)
    position = pick(page, 1)
    page.locator("#save-state", has_text="Mất kết nối").wait_for()
    return attempt, position


def test_answers_given_offline_just_before_the_deadline_are_sent_in_the_grace(
    live_server, phone_page
):
    """Offline at the deadline, the page stays and keeps the answers queued; back online
    within the grace, they reach the server, and only then does the review page open."""
    page = phone_page
    attempt, position = _answered_offline_near_the_deadline(live_server, page, grace=60, left=6)
    page.locator("#timer", has_text="Hết giờ").wait_for()
    # Nothing more can be answered once the time is up.
    assert page.locator("fieldset.question:visible input").first.is_disabled()
    page.wait_for_timeout(3000)  # the page used to leave for the review page 2 s after
    assert page.url.endswith(f"/attempts/{attempt.pk}/")  # still here, with its queue
    assert attempt.items.get(position=position).answer == ""  # still on the phone
    page.context.set_offline(False)
    page.wait_for_url("**/review/")
    assert attempt.items.get(position=position).answer != ""
    page.get_by_role("button", name="Nộp bài").wait_for()


def test_a_resident_signed_out_meanwhile_is_told_so_and_loses_no_answer(live_server, phone_page):
    page = phone_page
    _contest, user, attempt = _signed_in_attempt(live_server, page)
    page.context.clear_cookies()  # signed out (in another tab, or the session ended)
    position = pick(page, 0)
    page.locator("#save-state", has_text="Bạn đã bị đăng xuất").wait_for()
    assert attempt.items.get(position=position).answer == ""
    # Signed in again in another tab, the resident opens the review page there: the answer
    # still queued on the phone is sent first (by the attempt page), none is lost.
    other = page.context.new_page()
    log_in(other, live_server.url, user.phone)
    other.goto(f"{live_server.url}/attempts/{attempt.pk}/review/")
    other.wait_for_url(f"**/attempts/{attempt.pk}/")
    other.locator("#save-state", has_text="Đã lưu tất cả câu trả lời").wait_for()
    assert attempt.items.get(position=position).answer != ""


def test_the_signed_out_message_opens_signing_in_again_beside_the_attempt(live_server, phone_page):
    """The message links to the sign-in page in a tab of its own, coming back to the attempt;
    the answer kept on the phone reaches the server once the resident is signed in."""
    page = phone_page
    _contest, user, attempt = _signed_in_attempt(live_server, page)
    page.context.clear_cookies()
    position = pick(page, 0)
    link = page.locator("#save-state").get_by_role("link", name="Đăng nhập lại")
    link.wait_for()
    with page.expect_popup() as opened:
        link.click()
    tab = opened.value
    tab.wait_for_load_state()
    tab.fill("input[name=login]", user.phone)
    tab.fill("input[name=password]", PASSWORD)
    tab.click("main button[type=submit]")
    tab.wait_for_url(f"**/attempts/{attempt.pk}/")
    for _ in range(60):  # the queue is sent by the first tab's next try or by this one
        try:
            if attempt.items.get(position=position).answer:
                break
        except OperationalError:
            # "database table is locked": the test's in-memory SQLite is shared with the
            # server's thread, whose write is under way; its locks wait for no one.
            pass
        page.wait_for_timeout(250)
    assert attempt.items.get(position=position).answer != ""


def test_offline_past_the_grace_the_resident_is_told_what_was_not_sent(live_server, phone_page):
    page = phone_page
    attempt, _position = _answered_offline_near_the_deadline(live_server, page, grace=3, left=5)
    page.locator("#save-state", has_text="1 câu trả lời chưa gửi được vì mất kết nối").wait_for(
        timeout=20_000
    )
    assert page.url.endswith(f"/attempts/{attempt.pk}/")  # not the browser's offline page
    page.context.set_offline(False)
    # Past the grace, the page goes on to the receipt of what was saved (the review page it
    # goes to finishes the attempt, as the attempt page would).
    page.wait_for_url("**/receipt/")
    page.get_by_text("Bài đã được nộp tự động với các câu đã lưu").wait_for()
    attempt.refresh_from_db()
    assert attempt.status == "expired"


def test_a_refused_prediction_stays_said_on_screen(live_server, phone_page):
    page = phone_page
    _signed_in_attempt(live_server, page)
    page.locator(".qmap a", has_text="?").click()
    page.locator("#prediction").fill("12 người")
    page.locator("#save-state", has_text="Số dự đoán phải là số nguyên").wait_for()
    page.wait_for_timeout(1500)
    assert "Số dự đoán phải là số nguyên" in page.locator("#save-state").inner_text()


def test_the_review_page_in_the_grace_counts_the_seconds_left_down(live_server, phone_page):
    """Past the deadline, the review page says how long the grace still lets "Nộp bài" be
    pressed. A page open across the deadline shows it when the deadline comes; a page that
    stalls (a locked screen, a busy phone) does not fall behind; at the end the button is
    disabled and the page says the entry will be submitted with the answers saved."""
    from tests.browser.journey import Journey

    page = phone_page
    contest, _user, attempt = _signed_in_attempt(live_server, page)
    contest.grace_seconds = 12
    contest.save(update_fields=["grace_seconds"])
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() + timedelta(seconds=3))
    page.goto(f"{live_server.url}/attempts/{attempt.pk}/review/")
    grace, left = page.locator("#grace"), page.locator("#grace-left")
    assert not grace.is_visible()  # before the deadline
    grace.wait_for(state="visible", timeout=6000)
    first = int(left.inner_text().split()[1])
    assert 10 <= first <= 12, left.inner_text()
    Journey("review_in_the_grace").see(page, "review-grace")
    page.evaluate("() => { const t = Date.now(); while (Date.now() - t < 3000) {} }")  # a stall
    page.wait_for_timeout(300)
    later = int(left.inner_text().split()[1])
    assert first - 4 <= later <= first - 3, (first, left.inner_text())
    page.locator("#grace-over").wait_for(state="visible", timeout=15000)
    assert page.get_by_role("button", name="Nộp bài").is_disabled()
    assert not page.locator("#grace-on").is_visible()
    Journey("review_after_the_grace").see(page, "review-grace-over")
