"""An organizer shares a question bank with a colleague, at 360 px; the colleague can open it."""

from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from accounts.roles import ORGANIZERS_GROUP
from tests.factories import UserFactory, make_bank_with_topics

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).parent / "screenshots" / "test_an_owner_shares_a_bank_at_phone_width"


def _organizer():
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=ORGANIZERS_GROUP)[0])
    return user


def _sign_in(page, url, user):
    page.goto(url + "/accounts/login/")
    page.fill("input[name=login]", user.phone)
    page.fill("input[name=password]", "mat-khau-9x!")
    page.click("button[type=submit]")


def test_an_owner_shares_a_bank_at_phone_width(live_server, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    bank = make_bank_with_topics(slug="cchc", topics=(("Thể chế", 3),))
    owner, colleague = _organizer(), _organizer()
    bank.owners.add(owner)
    for width, name in ((360, "phone"), (1280, "desktop")):
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="vi-VN")
        page = context.new_page()
        _sign_in(page, live_server.url, owner)
        page.goto(live_server.url + "/questions/cchc/")
        page.get_by_text("Người quản lý ngân hàng").click()
        page.screenshot(path=str(SHOTS / f"owners-{name}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        context.close()
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    page = context.new_page()
    _sign_in(page, live_server.url, owner)
    page.goto(live_server.url + "/questions/cchc/")
    page.get_by_text("Người quản lý ngân hàng").click()
    page.fill("input[name=to]", colleague.phone)
    page.get_by_role("button", name="Chia sẻ").click()
    page.get_by_text("Đã chia sẻ ngân hàng").wait_for()
    page.screenshot(path=str(SHOTS / "shared-phone.png"), full_page=True)
    context.close()
    assert set(bank.owners.all()) == {owner, colleague}
