"""Daily SMS caps per phone and per account (issue 14, item 3): every SMS costs money.

Login by code and phone change (which sends to any number typed in) stop at the
cap, and the refusal tells the resident when to try again.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from accounts import sms
from accounts.models import SmsSent, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
MORNING = datetime(2026, 3, 2, 8, 0, tzinfo=VN)


@pytest.fixture
def caps(settings):
    settings.SMS_MAX_PER_PHONE_PER_DAY = 3
    settings.SMS_MAX_PER_ACCOUNT_PER_DAY = 4


def request_code(client, phone):
    client.cookies.clear()  # a fresh visitor each time, as an abuser would be
    return client.post(reverse("account_request_login_code"), {"phone": phone})


def test_login_codes_to_one_phone_stop_at_the_daily_cap_and_say_when(client, caps):
    UserFactory(phone="0987654321")
    with time_machine.travel(MORNING, tick=False) as clock:
        for _ in range(3):
            assert request_code(client, "0987654321").status_code == 302
            clock.shift(timedelta(minutes=10))  # past allauth's per-minute limit
        refused = request_code(client, "0987 654 321")
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "08:00 ngày 03/03/2026" in page  # 24 hours after the first of the three
    assert len(sms.outbox) == 3 and SmsSent.objects.count() == 3
    with time_machine.travel(MORNING + timedelta(hours=24, minutes=1), tick=False):
        assert request_code(client, "0987654321").status_code == 302
    assert len(sms.outbox) == 4


def test_a_phone_change_to_arbitrary_numbers_stops_at_the_account_cap(client, caps):
    user = UserFactory(phone="0987654321", phone_verified=True)
    client.force_login(user)
    with time_machine.travel(MORNING, tick=False) as clock:
        statuses = []
        for n in range(5):
            response = client.post(reverse("account_change_phone"), {"phone": f"091200000{n}"})
            statuses.append(response.status_code)
            clock.shift(timedelta(minutes=10))
    assert statuses[:4] == [302] * 4 and statuses[4] == 429
    assert "Tài khoản này" in response.content.decode()
    assert "08:00 ngày 03/03/2026" in response.content.decode()
    assert [m["phone"] for m in sms.outbox] == [f"091200000{n}" for n in range(4)]
    user.refresh_from_db()
    assert user.phone == "0987654321"  # nothing changed by the refused request


def test_the_cap_counts_in_the_database_not_the_cache(client, caps):
    from django.core.cache import cache

    UserFactory(phone="0987654321")
    with time_machine.travel(MORNING, tick=False) as clock:
        for _ in range(3):
            request_code(client, "0987654321")
            cache.clear()  # as if Redis had been restarted
            clock.shift(timedelta(minutes=10))
        assert request_code(client, "0987654321").status_code == 429
    assert User.objects.count() == 1 and len(sms.outbox) == 3
