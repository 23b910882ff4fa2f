"""A job still waiting: the page polls, shows its status in the reader's words, links back."""

from pathlib import Path

import pytest
from django.urls import reverse

from core.jobs import job_create
from tests.browser.journey import log_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parent / "screenshots" / "test_job_page"


@pytest.mark.parametrize(
    ("width", "locale", "label"), [(360, "vi-VN", "Đang chờ"), (1280, "en-GB", "Queued")]
)
def test_a_queued_job_page_shows_its_status_translated_and_the_right_back_link(
    live_server, browser, width, locale, label
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    user = UserFactory(phone="0912345670")
    job = job_create(kind="paper_import", owner=user, total=3, next_url="/manage/x/paper/")
    context = browser.new_context(viewport={"width": width, "height": 740}, locale=locale)
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in(page, live_server.url, user.phone)
    if locale.startswith("en"):
        context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    url = reverse("contest:job_json", args=[job.pk])
    with page.expect_response(lambda r: r.url.endswith(url)):
        page.goto(live_server.url + reverse("contest:job", args=[job.pk]))
    page.wait_for_timeout(300)  # the poll's answer written into the page
    assert page.locator("#job-message").inner_text() == label
    back = page.locator("#job a")
    assert back.count() == 1 and back.get_attribute("href") == "/manage/x/paper/"
    page.screenshot(path=str(SHOTS / f"{width}.png"), full_page=True)
    context.close()
