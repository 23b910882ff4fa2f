"""Two devices of one resident, one with a clock an hour fast (issue 14, item 4).

The server orders the answers: the correction made on the device with the right
clock is kept, and the fast device, whose page is now behind, is told so and
shows what is really saved.
"""

from pathlib import Path

import pytest

from contest.models import Attempt
from tests.browser.test_attempt_flow import open_contest
from tests.factories import ProfileFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parent / "screenshots" / "test_answer_order"
AHEAD = (
    "(() => { const real = Date.now; const skew = 3600*1000; Date.now = () => real() + skew; })();"
)


def device(browser, base, user, *, width, script=None):
    context = browser.new_context(viewport={"width": width, "height": 740}, locale="vi-VN")
    context.set_default_timeout(10_000)
    if script:
        context.add_init_script(script)
    page = context.new_page()
    page.goto(base + "/accounts/login/")
    page.fill("input[name=login]", user.phone)
    page.fill("input[name=password]", "mat-khau-9x!")
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
    return context, page


def choose(page, index):
    page.locator("#q-1 label.option").nth(index).click()
    return page.locator("#q-1 input").nth(index).get_attribute("value")


def test_the_server_keeps_the_latest_answer_and_a_page_behind_is_shown_it(live_server, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    contest = open_contest()
    user = ProfileFactory().user
    fast_context, fast = device(browser, live_server.url, user, width=360, script=AHEAD)
    fast.goto(f"{live_server.url}/contests/{contest.slug}/")
    fast.get_by_role("button", name="Bắt đầu làm bài").click()
    fast.wait_for_url("**/attempts/**")
    choose(fast, 0)
    fast.locator("#save-state", has_text="Đã lưu tất cả câu trả lời").wait_for()
    attempt = Attempt.objects.get()

    right_context, right = device(browser, live_server.url, user, width=1280)
    right.goto(f"{live_server.url}/attempts/{attempt.pk}/")
    corrected = choose(right, 2)
    right.locator("#save-state", has_text="Đã lưu tất cả câu trả lời").wait_for()
    assert attempt.items.get(position=1).answer == corrected  # not the fast clock's answer
    right.screenshot(path=str(SHOTS / "desktop-corrected.png"), full_page=True)

    choose(fast, 1)  # the fast phone's page never saw the correction
    fast.locator("#save-state", has_text="đã có câu trả lời mới hơn").wait_for()
    assert attempt.items.get(position=1).answer == corrected
    checked = fast.locator("#q-1 input:checked")
    assert checked.count() == 1 and checked.get_attribute("value") == corrected
    fast.screenshot(path=str(SHOTS / "phone-stale.png"), full_page=True)
    fast_context.close()
    right_context.close()
