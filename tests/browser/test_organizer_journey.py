"""An organizer runs a whole contest from the pages alone: bank by upload, contest with rounds,
prizes, collective prizes and tie-break order, dashboard, close, rank, winners' identity,
provisional results, the objection window (time_machine), final results, the ceremony to its
end, and every export. Desktop, with the pages people open on a phone at 360 px."""

import time
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import Unit
from accounts.roles import ORGANIZERS_GROUP
from contest.models import Attempt, Contest, Result
from contest.online.answers import answer_save
from contest.online.attempts import attempt_start
from contest.online.finishing import attempt_submit
from questions.models import Question
from tests.browser.journey import DESKTOP, PHONE, Journey, fits_width, log_in
from tests.factories import ProfileFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CSV = "code,topic,text,option_a,option_b,option_c,option_d,correct,difficulty,source\n" + "".join(
    f"C-{n},{'Thể chế' if n <= 3 else 'Thủ tục'},Câu hỏi số {n} về cải cách hành chính?,"
    f"Một,Hai,Ba,Bốn,B,medium,Nghị quyết 76/NQ-CP\n"
    for n in range(1, 7)
)
LOCAL = "%Y-%m-%dT%H:%M"


def take_part(contest, phone, unit, *, right: int, seconds: int, prediction: int, now):
    """A resident's attempt through the services (their own journey is another test's)."""
    user = ProfileFactory(
        user=UserFactory(phone=phone), full_name=f"Người {phone[-3:]}", unit=unit
    ).user
    attempt = attempt_start(contest=contest, user=user, now=now)[0]
    for n, item in enumerate(attempt.items.select_related("version").order_by("position")):
        answer = item.version.correct if n < right else "A"
        answer_save(
            attempt=attempt, user=user, position=item.position, answer=answer, seq=1, now=now
        )
    return attempt_submit(
        attempt=attempt,
        user=user,
        submit_key="k",
        prediction=prediction,
        now=now + timedelta(seconds=seconds),
    )


def test_an_organizer_runs_a_whole_contest_from_the_pages(live_server, browser):
    journey = Journey("test_an_organizer_runs_a_whole_contest_from_the_pages")
    started = time.perf_counter()
    units = [
        Unit.objects.create(code="an-thanh", name="Xã An Thành", kind="commune", headcount=40),
        Unit.objects.create(code="tt-dak-po", name="Thị trấn Đak Pơ", kind="town", headcount=60),
    ]
    organizer = UserFactory(is_staff=True)
    organizer.groups.add(Group.objects.get_or_create(name=ORGANIZERS_GROUP)[0])
    base = live_server.url
    desk = browser.new_context(viewport=DESKTOP, locale="vi-VN", accept_downloads=True)
    phone = browser.new_context(viewport=PHONE, locale="vi-VN", device_scale_factor=1)
    for context in (desk, phone):
        context.set_default_timeout(15_000)
    page, mobile = desk.new_page(), phone.new_page()
    log_in(page, base, organizer.phone)
    log_in(mobile, base, organizer.phone)

    # 1. A question bank, by upload: preview, then confirm.
    page.goto(base + "/questions/")
    page.click("details.card summary")
    page.fill("#id_slug", "cchc-moi")
    page.fill("#id_title", "Cải cách hành chính 2026")
    page.click("details.card button[type=submit]")
    page.goto(base + "/questions/cchc-moi/import/")
    page.set_input_files(
        "#id_file", files=[{"name": "cau-hoi.csv", "mimeType": "text/csv", "buffer": CSV.encode()}]
    )
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    journey.shot(page, "bank-import-preview")
    journey.doc(page, "organizer-01-bank-import")
    page.click("button[name=confirm]")
    page.wait_for_load_state()
    assert Question.objects.filter(bank__slug="cchc-moi").count() == 6
    page.goto(base + "/questions/")
    assert "6 câu hỏi" in page.content()

    # 2. The contest, with two weekly rounds, prizes, collective prizes and the tie-break order.
    now = timezone.localtime(timezone.now())
    opens, closes = now - timedelta(minutes=30), now + timedelta(days=7)
    middle = now + timedelta(days=3)
    page.goto(base + "/manage/new/")
    form = {
        "#id_slug": "cchc-tuan",
        "#id_title": "Cuộc thi tìm hiểu cải cách hành chính theo tuần",
        "#id_organizer": "UBND huyện Đak Pơ",
        "#id_rules": "Mỗi người thi tối đa 2 lượt; tính lượt cao nhất.",
        "#id_opens_at": opens.strftime(LOCAL),
        "#id_closes_at": closes.strftime(LOCAL),
        "#id_attempt_time_limit_minutes": "15",
        "#id_max_attempts": "2",
        "#id_codes": "C-1, C-2, C-3, C-4, C-5, C-6",
        "#id_prediction_question": "Theo bạn, có bao nhiêu người tham gia?",
        "#id_lot_seed": "chuoi-boc-tham-cong-bo-truoc",
        "#id_prize_0_name": "Giải Nhất",
        "#id_prize_0_count": "1",
        "#id_prize_0_points": "5",
        "#id_prize_1_name": "Giải Khuyến khích",
        "#id_prize_1_count": "2",
        "#id_prize_1_points": "1",
        "#id_unit_prize_0_name": "Giải tập thể",
        "#id_unit_prize_0_count": "1",
        "#id_rate_0_percent": "2",
        "#id_round_0_title": "Tuần 1",
        "#id_round_0_opens_at": opens.strftime(LOCAL),
        "#id_round_0_closes_at": middle.strftime(LOCAL),
        "#id_round_1_title": "Tuần 2",
        "#id_round_1_opens_at": middle.strftime(LOCAL),
        "#id_round_1_closes_at": closes.strftime(LOCAL),
    }
    for selector, value in form.items():
        page.fill(selector, value)
    page.uncheck("input[name=channels][value=paper]")
    page.select_option("#id_bank", "cchc-moi")
    page.select_option("#id_prediction_target", "participants")
    page.select_option("#id_tie_break_2", label="Bốc thăm")  # score, prediction, draw
    for i in (3, 4):
        page.select_option(f"#id_tie_break_{i}", "")
    journey.shot(page, "contest-form-filled")
    journey.doc(page.locator("fieldset.rows").nth(0), "organizer-02-tie-break")
    journey.doc(page.locator("fieldset.rows").nth(1), "organizer-03-prizes")
    journey.doc(page.locator("fieldset.rows").nth(3), "organizer-04-rounds")
    page.click("form.contest-form > button[type=submit]")
    page.wait_for_load_state()
    assert "Đã lưu cuộc thi." in page.content(), page.inner_text("main")[:2000]
    contest = Contest.objects.get(slug="cchc-tuan")
    assert contest.tie_break == ["score", "prediction_error", "lot"]
    assert [r.title for r in contest.rounds.all()] == ["Tuần 1", "Tuần 2"]
    assert contest.unit_prizes["prizes"] == [{"name": "Giải tập thể", "count": 1}]
    mobile.goto(f"{base}/manage/cchc-tuan/edit/")
    assert fits_width(mobile), "the contest form scrolls sideways at 360 px"
    journey.shot(mobile, "contest-form-360")

    # 3. It is open: residents take part; one is still answering when the organizer closes it.
    submitted = timezone.now() - timedelta(minutes=20)
    take_part(contest, "0905000001", units[0], right=6, seconds=300, prediction=4, now=submitted)
    take_part(contest, "0905000002", units[1], right=6, seconds=200, prediction=9, now=submitted)
    take_part(contest, "0905000003", units[1], right=4, seconds=100, prediction=4, now=submitted)
    still = ProfileFactory(user=UserFactory(phone="0905000004"), full_name="Người 004").user
    attempt_start(contest=contest, user=still, now=timezone.now())
    page.goto(f"{base}/manage/cchc-tuan/live/")
    journey.shot(page, "dashboard")
    journey.doc(page, "organizer-05-dashboard", height=900)

    # 4. Closing from the pages, after a confirmation.
    mobile.goto(f"{base}/manage/cchc-tuan/")
    journey.shot(mobile, "overview-360")
    mobile.click("text=Đóng cuộc thi ngay")
    mobile.wait_for_load_state()
    assert "1 lượt thi đang làm sẽ được nộp tự động" in mobile.content()
    journey.shot(mobile, "close-confirmation-360")
    journey.doc(mobile, "organizer-06-close-360")
    mobile.click("main form button[type=submit]")
    mobile.wait_for_load_state()
    assert "Đã đóng cuộc thi" in mobile.content()
    assert not Attempt.objects.filter(status=Attempt.Status.IN_PROGRESS).exists()

    # 5. Rank, check the winners' identity, publish provisional results.
    # Answers still in flight are accepted for the grace period (30 s) after the close: the
    # organizer ranks once it has passed.
    with time_machine.travel(timezone.now() + timedelta(minutes=1), tick=True):
        results = f"{base}/manage/cchc-tuan/results/"
        page.goto(results)
        page.click("button:has-text('Chấm và xếp hạng tạm')")
        page.wait_for_load_state()
        page.goto(results)
        assert "Dự đoán gần đúng" in page.content() and "prediction_error" not in page.content()
        while page.locator("#xac-minh details[open] form").count():
            form = page.locator("#xac-minh details[open] form").first
            for box in form.locator("input[type=checkbox]").all():
                box.check()
            form.locator("button[type=submit]").click()
            page.wait_for_load_state()
        journey.shot(page, "ranked-and-checked")
        journey.doc(page, "organizer-07-ranked", height=1500)
        until = timezone.localtime(timezone.now()) + timedelta(days=2)
        page.fill("#objections-until", until.strftime(LOCAL))
        page.click("button:has-text('Công bố kết quả tạm')")
        page.wait_for_load_state()
        assert Result.objects.filter(published_at__isnull=False).exists(), page.inner_text("main")[
            :1500
        ]
        mobile.goto(f"{base}/contests/cchc-tuan/results/")
        assert "Đây là kết quả tạm thời" in mobile.content()
        journey.shot(mobile, "public-provisional-360")
        journey.doc(mobile, "organizer-08-provisional-360", height=1100)

    # 6. After the objection window: final results, the ceremony, the exports.
    with time_machine.travel(until + timedelta(minutes=5), tick=True):
        page.goto(results)
        page.click("button:has-text('Chốt kết quả chính thức')")
        page.wait_for_load_state()
        page.goto(results)
        assert "Kết quả đã chốt chính thức" in page.content(), page.inner_text("main")[:1500]
        assert page.locator("text=Chấm và xếp hạng tạm").count() == 0
        journey.shot(page, "final-results")
        journey.doc(page, "organizer-09-final", height=700)
        page.goto(f"{base}/manage/cchc-tuan/ceremony/")
        journey.shot(page, "ceremony-ready")
        page.click("text=Bắt đầu lễ trao giải")
        page.wait_for_load_state()
        while page.locator("text=Công bố giải tiếp theo").count():
            page.click("text=Công bố giải tiếp theo")
            page.wait_for_load_state()
        assert "Đã công bố 3/3 giải" in page.content()
        journey.shot(page, "ceremony-last-reveal")
        journey.doc(page, "organizer-10-ceremony", height=600)
        if page.locator("text=Kết thúc lễ trao giải").count():
            page.click("text=Kết thúc lễ trao giải")
            page.wait_for_load_state()
            assert "Lễ trao giải đã kết thúc" in page.content()
        journey.shot(page, "ceremony-ended", check=False)
        page.goto(results)
        names = set()
        for label in ("Tải Excel", "Tải CSV", "Danh sách đạt giải (PDF)", "Giấy chứng nhận (PDF)"):
            with page.expect_download() as download:
                page.click(f"text={label}")
            names.add(download.value.suggested_filename)
            assert download.value.path().stat().st_size > 200
        assert len(names) == 4, names
        mobile.goto(f"{base}/contests/cchc-tuan/results/")
        assert "Đây là kết quả tạm thời" not in mobile.content()
        journey.shot(mobile, "public-final-360")
    journey.assert_accessible()
    print(f"organizer journey: {time.perf_counter() - started:.0f} s")
    desk.close()
    phone.close()
