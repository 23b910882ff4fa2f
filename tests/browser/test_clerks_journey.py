"""Two clerks key the same sheets, one disagreement; the organizer reconciles and corrects a
sheet, keeping its history. Clerk 1 and the organizer on a 360 px phone, clerk 2 at a desk."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.roles import ORGANIZERS_GROUP
from contest.definition import contest_import
from contest.models import ContestMembership, PaperCorrection, PaperEntry
from tests.browser.journey import DESKTOP, PHONE, Journey, fits_width, log_in
from tests.factories import UnitFactory, UserFactory, contest_json, make_bank_with_topics

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CODES = ["Q-001", "Q-002", "Q-003", "Q-004", "Q-005"]
SHEETS = [
    # sheet, name, birth year, phone, answers (clerk 1), answers (clerk 2), prediction
    ("P-00001", "Trần Thị Lụa", "1958", "0905 777 888", "BBBBB", "BBBBB", "1500"),
    ("P-00002", "Lê Văn Hùng", "1975", "0905 777 999", "BBABB", "BBCBB", "1200"),
]


def key(page, base, slug, sheet, answers, unit=""):
    number, name, year, phone, _a, _b, prediction = sheet
    page.goto(f"{base}/manage/{slug}/paper/key/")
    page.fill("#id_sheet_no", number)
    page.fill("#id_full_name", name)
    page.fill("#id_birth_year", year)
    page.fill("#id_phone", phone)
    page.fill("#id_unit", unit)
    page.fill("#id_answers", answers)
    page.fill("#id_prediction", prediction)
    page.fill("#id_postmark_date", timezone.localdate().strftime("%d/%m/%Y"))
    page.click("#key-form button[type=submit]")
    page.wait_for_load_state()


def test_two_clerks_key_the_same_sheets_and_the_organizer_reconciles_and_corrects(
    live_server, browser
):
    journey = Journey("test_two_clerks_key_the_same_sheets_and_the_organizer_reconciles")
    make_bank_with_topics()
    UnitFactory(code="an-thanh", name="Xã An Thành", kind="commune")
    now = timezone.localtime(timezone.now())
    contest = contest_import(
        data=contest_json(
            opens_at=(now - timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
            closes_at=(now + timedelta(days=5)).strftime("%Y-%m-%d %H:%M"),
            paper_postmark_deadline=(now + timedelta(days=5)).strftime("%Y-%m-%d"),
            channels=["online", "paper"],
            questions={"bank": "cchc", "codes": CODES},
        )
    )[0]
    first, second = UserFactory(), UserFactory()
    organizer = UserFactory(is_staff=True, first_name="Ban", last_name="Tổ chức")
    organizer.groups.add(Group.objects.get_or_create(name=ORGANIZERS_GROUP)[0])
    for user, role in ((first, "clerk"), (second, "clerk"), (organizer, "organizer")):
        ContestMembership.objects.create(contest=contest, user=user, role=role)
    base, slug = live_server.url, contest.slug

    phone = browser.new_context(viewport=PHONE, locale="vi-VN", device_scale_factor=1)
    desk = browser.new_context(viewport=DESKTOP, locale="vi-VN")
    for context in (phone, desk):
        context.set_default_timeout(10_000)
    clerk1, clerk2 = phone.new_page(), desk.new_page()
    log_in(clerk1, base, first.phone)
    clerk1.goto(f"{base}/paper/")
    journey.shot(clerk1, "clerk1-home-360")
    for sheet in SHEETS:
        key(clerk1, base, slug, sheet, sheet[4], unit="Xã An Thành")
        assert f"Phiếu {sheet[0]}: đã nhập lần 1" in clerk1.content()
    journey.shot(clerk1, "clerk1-keyed-360")
    assert fits_width(clerk1)

    log_in(clerk2, base, second.phone)
    key(clerk2, base, slug, SHEETS[0], SHEETS[0][5], unit="an-thanh")
    assert "hai lần nhập khớp nhau" in clerk2.content()
    key(clerk2, base, slug, SHEETS[1], SHEETS[1][5], unit="an-thanh")
    assert "hai lần nhập KHÁC nhau" in clerk2.content()
    journey.shot(clerk2, "clerk2-disagreement-desktop")
    assert PaperEntry.objects.count() == 1

    # The organizer, on a phone, reconciles against the original sheet.
    phone.clear_cookies()
    boss = clerk1
    log_in(boss, base, organizer.phone)
    boss.goto(f"{base}/manage/{slug}/paper/")
    boss.click("text=P-00002")
    boss.wait_for_load_state()
    assert "khác nhau ở câu 3" in boss.content()
    assert boss.locator("ol.answer-diff li.differs").count() == 1
    assert "Xã An Thành" in boss.locator("dl.compare").inner_text()
    assert fits_width(boss), "the reconciliation page scrolls sideways at 360 px"
    journey.shot(boss, "organizer-reconciliation-360")
    journey.doc(boss, "clerks-reconciliation-360", height=1500)
    boss.fill("#id_answers", "BBCBB")  # the original sheet says C
    boss.click("form.card button[type=submit]")
    boss.wait_for_load_state()
    assert "Đã đối chiếu phiếu P-00002" in boss.content()
    assert PaperEntry.objects.get(sheet_no="P-00002").answers == "BBCBB"

    # A correction later: the prediction was misread; the history keeps before and after.
    boss.goto(f"{base}/manage/{slug}/paper/sheets/P-00001/")
    boss.fill("#id_prediction", "1800")
    boss.fill("#reason", "Đọc nhầm chữ số 8 thành 5")
    boss.click("form.card button[type=submit]")
    boss.wait_for_load_state()
    boss.click("details summary")
    history = boss.locator("details").inner_text()
    assert "Dự đoán" in history and "“1500” → “1800”" in history
    assert PaperCorrection.objects.count() == 1
    assert fits_width(boss)
    journey.shot(boss, "organizer-correction-history-360")
    journey.assert_accessible()
    phone.close()
    desk.close()
