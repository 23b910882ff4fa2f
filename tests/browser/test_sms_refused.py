"""A resident whose phone has had its SMS for the day is told when to try again (360 px)."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.models import SmsSent
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parent / "screenshots" / "test_sms_refused"


def test_a_login_code_past_the_daily_cap_says_when_to_try_again(live_server, phone_page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    user = UserFactory(phone="0987654321")
    first = timezone.now() - timedelta(hours=3)
    SmsSent.objects.bulk_create(
        [
            SmsSent(phone=user.phone, user=user, sent_at=first + timedelta(minutes=n))
            for n in range(5)
        ]
    )
    page = phone_page
    page.goto(live_server.url + "/accounts/login/code/")
    page.locator("input[name=phone]").fill("0987 654 321")
    page.locator("form button[type=submit]").first.click()
    page.get_by_text("Chưa gửi được mã").first.wait_for()
    when = timezone.localtime(first + timedelta(hours=24)).strftime("%H:%M ngày %d/%m/%Y")
    assert when in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(SHOTS / "phone.png"), full_page=True)
