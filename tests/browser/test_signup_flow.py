"""A resident signs up on a 360 px phone with the real Chromium."""

import pytest

from accounts import sms
from accounts.models import User
from tests.factories import UnitFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_resident_signs_up_by_phone_verifies_the_code_and_lands_signed_in(
    live_server, phone_page
):
    UnitFactory(code="xa-an-thanh", name="Xã An Thành")
    page = phone_page
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Đăng ký").first.click()
    page.get_by_label("Số điện thoại").fill("0912 345 678")
    page.get_by_label("Họ và tên").fill("Trần Thị Bình")
    page.get_by_label("Năm sinh").fill("1990")
    page.get_by_label("Xã, phường hoặc cơ quan").select_option(label="Xã An Thành")
    page.locator("#id_password1").fill("Cải-cách-2022!")
    page.locator("#id_password2").fill("Cải-cách-2022!")
    # Nothing sticks out of a 360 px screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("button", name="Đăng ký").click()
    page.wait_for_url("**/phone/verify/**")
    code = sms.outbox[-1]["text"].rsplit(" ", 1)[-1]
    page.get_by_label("Mã").fill(code)
    page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_url(live_server.url + "/")
    assert page.get_by_role("button", name="Đăng xuất").is_visible()
    user = User.objects.get(phone="0912345678")
    assert user.phone_verified and user.profile.unit.code == "xa-an-thanh"


def test_text_size_switch_enlarges_the_page_and_is_remembered(live_server, phone_page):
    page = phone_page
    page.goto(live_server.url + "/")
    before = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    page.get_by_role("button", name="Chữ lớn hơn").click()
    after = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert after > before
    page.reload()
    assert page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)") == after
