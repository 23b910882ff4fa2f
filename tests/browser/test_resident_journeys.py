"""Six residents, one after another, each on a device of their own; then the public.

Each signs up by phone, verifies the SMS code, completes the profile and takes the
open contest: answers, a dropped connection, a reload. One runs out of time (the
prediction is kept), one double-taps "Nộp bài" (one entry). Every page they see is
screenshot under ``screenshots/<test name>/`` and checked with axe-core.
"""

import hashlib
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from accounts import sms
from accounts.models import User
from contest.models import Attempt, Result, ResultRow, WinnerCheck
from contest.results.workflow import results_publish
from tests.browser.journey import VIETNAMESE_OUTSIDE_CONTENT, Journey, person_context
from tests.browser.test_attempt_flow import open_contest
from tests.contest.test_ranking import make_contest, online
from tests.factories import UnitFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RESIDENTS = [
    ("0912 000 101", "Nguyễn Thị Hoa"),
    ("0912 000 102", "Trần Văn Bình"),
    ("0912 000 103", "Lê Thị Cúc"),  # runs out of time
    ("0912 000 104", "Phạm Văn Dũng"),  # double-taps "Nộp bài"
    ("0912 000 105", "Hoàng Thị Em"),
    ("0912 000 106", "Võ Văn Giang"),
]
PASSWORD = "Cải-cách-2026!"


@pytest.fixture
def behind_a_proxy(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1


GAP_TO_FOOTER = """() => {
  const last = document.querySelector('main').lastElementChild.getBoundingClientRect();
  return document.querySelector('footer').getBoundingClientRect().top - last.bottom;
}"""


def sign_up(page, base, journey, *, phone, name, english=False):
    page.goto(base + "/")
    journey.see(page, "home")
    page.get_by_role("link", name="Sign up" if english else "Đăng ký").first.click()
    page.locator("#id_phone").fill(phone)
    page.locator("#id_full_name").fill(name)
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    journey.see(page, "signup")
    assert page.evaluate(GAP_TO_FOOTER) >= 16  # the buttons do not touch the footer
    page.locator("form button[type=submit].primary").click()
    page.wait_for_url("**/phone/verify/**")
    journey.see(page, "verify")
    code = sms.outbox[-1]["text"].rsplit(" ", 1)[-1]
    page.locator("input[name=code]").fill(code)
    page.locator("form button[type=submit].primary").click()
    page.wait_for_url(base + "/")


def complete_profile(page, journey, *, english=False):
    page.locator("nav.nav a[href$='/accounts/profile/']").click()
    page.locator("#id_birth_year").fill("1988")
    page.locator("#id_unit").select_option(label="Xã An Thành")
    page.locator("#id_address").fill("Thôn 2")
    page.locator("form button[type=submit].primary").click()
    page.locator(".msg-success").wait_for()
    journey.see(page, "profile")


def answer_current(page, index):
    """Choose an option of the question on screen (phone) or of question ``index`` (desktop)."""
    visible = page.locator("fieldset.question:visible")
    question = visible if visible.count() == 1 else page.locator(f"#q-{index}")
    question.locator("label.option").first.click()


def take_the_contest(page, base, journey, contest, *, n_questions, english=False):
    page.goto(f"{base}/contests/{contest.slug}/")
    journey.see(page, "contest")
    page.locator("form[action$='/start/'] button").click()
    page.wait_for_url("**/attempts/**")
    journey.see(page, "attempt")
    phone = page.viewport_size["width"] < 600
    # Two Tabs and Enter reach the question on screen, past the menu and the question map.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "skip-current"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.closest('fieldset').id") == "q-1"
    saved = "All answers saved" if english else "Đã lưu tất cả câu trả lời"
    for index in range(1, n_questions + 1):
        if index == 3:
            # The connection drops: the answer waits on the phone, then a reload sends it.
            page.context.set_offline(True)
            answer_current(page, index)
            page.locator("#save-state.warn").wait_for()
            journey.shot(page, "offline")
            page.context.set_offline(False)
            page.reload()
            page.locator("#save-state", has_text=saved).wait_for()
            if phone:
                page.locator(f'.qmap a[data-position="{index}"]').click()
        else:
            answer_current(page, index)
        if phone:
            page.locator(f"#q-{index} [data-step='1']").click()
            # Focus follows to the new question's heading (not to <body>).
            assert page.evaluate("document.activeElement.classList.contains('q-heading')")
    page.locator("#prediction").fill("7")
    page.locator('.qmap a[data-position="prediction"].done').wait_for()  # queued
    page.wait_for_function(
        "() => !Object.keys(JSON.parse(localStorage.getItem("
        f"'cuocthi:pending:{page.locator('#attempt').get_attribute('data-attempt')}') || '{{}}')).length"
    )
    journey.shot(page, "answered")


def submit(page, journey, *, double_tap=False, english=False):
    page.locator("#to-review").click()
    page.wait_for_url("**/review/")
    journey.see(page, "review")
    assert page.locator("#prediction").input_value() == "7"  # typed on the attempt page
    button = page.locator("#submit-button")
    if double_tap:
        button.dblclick()
    else:
        button.click()
    page.wait_for_url("**/receipt/")
    journey.see(page, "receipt")


def my_entries(page, journey, *, english=False):
    page.locator("nav.nav a[href$='/me/entries/']").click()
    journey.see(page, "my-entries")


def test_six_residents_sign_up_and_take_the_contest_one_after_another(
    live_server, browser, behind_a_proxy
):
    UnitFactory(code="xa-an-thanh", name="Xã An Thành")
    contest = open_contest()
    journey = Journey("test_six_residents_sign_up_and_take_the_contest_one_after_another")
    base = live_server.url
    for number, (phone, name) in enumerate(RESIDENTS):
        context = person_context(browser, address=f"203.0.113.{10 + number}", phone=number % 2 == 0)
        page = context.new_page()
        sign_up(page, base, journey, phone=phone, name=name)
        complete_profile(page, journey)
        take_the_contest(page, base, journey, contest, n_questions=5)
        attempt = Attempt.objects.get(user__profile__full_name=name)
        assert attempt.prediction == 7 and all(attempt.items.values_list("answer", flat=True))
        if number == 2:
            # Time runs out on this one: the page goes to the review by itself, and the
            # attempt is finished with what was saved, the prediction included.
            traveller = time_machine.travel(attempt.deadline - timedelta(seconds=3), tick=True)
            clock = traveller.start()
            try:
                page.reload()
                page.wait_for_url("**/review/", timeout=15_000)
                journey.shot(page, "time-is-up")
                clock.shift(timedelta(seconds=90))
                my_entries(page, journey)
                attempt.refresh_from_db()
                assert attempt.status == "expired" and attempt.prediction == 7
                assert attempt.receipt_code in page.content()
            finally:
                traveller.stop()
        else:
            submit(page, journey, double_tap=number == 3)
            attempt.refresh_from_db()
            assert attempt.status == "submitted" and attempt.prediction == 7
            assert page.locator("#receipt-code").inner_text() == attempt.receipt_code
            my_entries(page, journey)
            assert page.content().count(attempt.receipt_code) == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
        context.close()
    assert User.objects.filter(phone__startswith="0912000").count() == 6
    assert Attempt.objects.filter(contest=contest).count() == 6  # the double tap made one entry
    assert set(Attempt.objects.values_list("status", flat=True)) == {"submitted", "expired"}


def test_a_resident_takes_the_contest_in_english(live_server, browser, behind_a_proxy):
    UnitFactory(code="xa-an-thanh", name="Xã An Thành")
    contest = open_contest()
    journey = Journey("test_a_resident_takes_the_contest_in_english")
    base = live_server.url
    context = person_context(browser, address="198.51.100.7", phone=True, locale="en-GB")
    page = context.new_page()
    page.goto(base + "/")
    page.locator("#lang-select").select_option("en")
    page.locator("form.lang button").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    sign_up(page, base, journey, phone="0913 222 333", name="Đỗ Thị Lan", english=True)
    complete_profile(page, journey, english=True)
    take_the_contest(page, base, journey, contest, n_questions=5, english=True)
    mixed = page.evaluate(VIETNAMESE_OUTSIDE_CONTENT)
    assert not mixed, mixed
    submit(page, journey, english=True)
    for path in ("", "/me/entries/", f"/contests/{contest.slug}/"):
        page.goto(base + path)
        journey.see(page, f"en{path.replace('/', '-') or '-home'}")
        mixed = page.evaluate(VIETNAMESE_OUTSIDE_CONTENT)
        assert not mixed, (path, mixed)
    page.goto(f"{base}/contests/{contest.slug}/")
    assert "Vietnam time (UTC+07:00)" in page.content()
    context.close()


def test_the_public_reads_results_explanations_and_recomputes_the_draw(live_server, browser):
    contest = make_contest()
    # Two people equal on every criterion before the draw.
    online(contest, "0905000011", prediction=4, seconds=100)
    online(contest, "0905000022", prediction=4, seconds=100)
    online(contest, "0905000033", prediction=9, seconds=300)
    call_command("rank_contest", contest.slug, "--final", stdout=None)
    for person in ResultRow.objects.exclude(prize="").values_list("person", flat=True):
        WinnerCheck.objects.create(
            contest=contest, person=person, checks={k: True for k, _l in WinnerCheck.ITEMS}
        )
    results_publish(contest=contest, user=None, now=timezone.now())
    assert Result.objects.get().published_at is not None
    journey = Journey("test_the_public_reads_results_explanations_and_recomputes_the_draw")
    for phone in (True, False):
        context = person_context(browser, address="192.0.2.50", phone=phone)
        page = context.new_page()
        page.goto(f"{live_server.url}/contests/{contest.slug}/results/")
        journey.see(page, "results")
        html = page.content()
        # Nothing personal beyond the masked forms.
        for full in ("0905000011", "0905000022", "0905000033"):
            assert full not in html
        assert "0905***011" in html and "0905***022" in html
        # The rules that decided, in words, and the draw anyone can recompute.
        assert "Cách xếp hạng và tự kiểm tra" in html and "SHA-256" in html
        seed = contest.lot_seed
        assert seed in html
        digest = {
            p: hashlib.sha256(f"{seed}:{p}".encode()).hexdigest()
            for p in ("0905000011", "0905000022")
        }
        first, second = sorted(digest, key=digest.get)
        names = [f"Người {first[-3:]}", f"Người {second[-3:]}"]
        winners = page.locator(".winners").first.inner_text()
        assert winners.index(names[0]) < winners.index(names[1]), winners
        assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
        context.close()
