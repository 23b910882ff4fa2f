"""The participation counter on the contest page moves when someone else submits."""

import pytest

from tests.browser.test_attempt_flow import open_contest
from tests.factories import ProfileFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(context, base, user):
    page = context.new_page()
    page.goto(base + "/accounts/login/")
    page.fill("input[name=login]", user.phone)
    page.fill("input[name=password]", "mat-khau-9x!")
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
    return page


def test_counter_changes_after_an_entry_in_another_browser(live_server, browser):
    contest = open_contest()
    watcher = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    watcher.set_default_timeout(10_000)
    page = watcher.new_page()
    page.goto(f"{live_server.url}/contests/{contest.slug}/")
    counter = page.locator('[data-field="entries"]')
    assert counter.inner_text() == "0"

    other = browser.new_context(locale="vi-VN")
    other.set_default_timeout(10_000)
    resident = login(other, live_server.url, ProfileFactory().user)
    resident.goto(f"{live_server.url}/contests/{contest.slug}/")
    resident.get_by_role("button", name="Bắt đầu làm bài").click()
    resident.wait_for_url("**/attempts/**")
    resident.get_by_role("link", name="Xem lại và nộp bài").click()
    resident.get_by_label("Theo bạn, có bao nhiêu người tham gia cuộc thi?").fill("3")
    resident.get_by_role("button", name="Nộp bài").click()
    resident.wait_for_url("**/receipt/")

    # The test server speaks no websocket, so this also proves the polling fallback.
    from playwright.sync_api import expect

    expect(counter).to_have_text("1", timeout=20_000)
    assert page.locator('[data-field="participants"]').inner_text() == "1"
    assert page.locator("[data-live-ws]").get_attribute("data-mode") == "polling"
    watcher.close()
    other.close()
