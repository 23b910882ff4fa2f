"""Two residents through a contest of two rounds, each on a phone of their own, on the
server's clock: one takes the first round, the other arrives between the rounds, watches the
final open and takes it; then the first comes back for the final.

The rounds' times are moved in the database as the walk goes (the server reads them on every
page); the pages count down and reload on their own.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from contest.models import Attempt
from tests.browser.journey import Journey, fits_width, log_in, person_context
from tests.browser.test_attempt_flow import open_contest
from tests.factories import ProfileFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PREDICTION = "Theo bạn, có bao nhiêu người tham gia cuộc thi?"


def take_the_round(page, journey, label: str, round_name: str) -> str:
    """Start, answer the question on screen, submit with a prediction; the receipt code."""
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    page.wait_for_url("**/attempts/**")
    page.locator("fieldset.question:visible label.option").first.click()
    page.locator("#save-state", has_text="Đã lưu tất cả câu trả lời").wait_for()
    journey.see(page, f"{label}-attempt")
    page.get_by_role("link", name="Xem lại và nộp bài").click()
    page.wait_for_url("**/review/")
    page.get_by_label(PREDICTION).fill("7000")
    page.get_by_role("button", name="Nộp bài").click()
    page.wait_for_url("**/receipt/")
    journey.see(page, f"{label}-receipt")
    assert f"Vòng thi\n{round_name}\n" in page.locator("dl.facts").inner_text()  # which round
    return page.locator("#receipt-code").inner_text()


def test_two_residents_take_a_contest_of_two_rounds_on_the_servers_clock(live_server, browser):
    contest = open_contest()
    first = contest.rounds.get()
    now = timezone.now()
    final = contest.rounds.create(
        number=2,
        title="Vòng chung kết",
        opens_at=now + timedelta(hours=2),
        closes_at=first.closes_at,
    )
    first.closes_at = now + timedelta(hours=1)
    first.save(update_fields=["closes_at"])
    hoa, binh = ProfileFactory().user, ProfileFactory().user
    contest_url = f"{live_server.url}/contests/{contest.slug}/"
    journey = Journey("test_two_residents_take_a_contest_of_two_rounds")

    # Hoa, during the first round: the page counts down to the round's close, not the
    # contest's, and says nothing yet of the final.
    hoa_phone = person_context(browser, address="203.0.113.21")
    page = hoa_phone.new_page()
    log_in(page, live_server.url, hoa.phone)
    page.goto(contest_url)
    assert page.locator(".countdown").inner_text().startswith("Vòng này đóng sau 59:")
    assert page.get_by_text("Vòng chung kết chưa mở").count() == 0
    journey.see(page, "hoa-round-1")
    assert fits_width(page)
    hoa_first = take_the_round(page, journey, "hoa-round-1", "Vòng 1")

    # The first round closes; the final opens in a few seconds.
    first.closes_at = timezone.now() - timedelta(seconds=1)
    first.save(update_fields=["closes_at"])
    final.opens_at = timezone.now() + timedelta(seconds=15)
    final.save(update_fields=["opens_at"])

    # Binh arrives between the rounds: no start, the final's opening with its time zone,
    # and a countdown to it.
    binh_phone = person_context(browser, address="203.0.113.22")
    other = binh_phone.new_page()
    log_in(other, live_server.url, binh.phone)
    other.goto(contest_url)
    other.get_by_text("Vòng chung kết chưa mở").wait_for()
    assert "giờ Việt Nam (UTC+07:00)" in other.get_by_role("status").first.inner_text()
    assert other.get_by_role("button", name="Bắt đầu làm bài").count() == 0
    assert re.fullmatch(r"Vòng chung kết mở sau 0:[01]\d", other.locator(".countdown").inner_text())
    journey.see(other, "binh-between-rounds")
    assert fits_width(other)
    # At zero the page reloads by itself, with the final open.
    other.get_by_role("button", name="Bắt đầu làm bài").wait_for(timeout=20_000)
    # (the button is on the page before its script has counted: wait for the count)
    other.locator(".countdown", has_text="Vòng này đóng sau").wait_for()
    journey.see(other, "binh-final-open")
    binh_final = take_the_round(other, journey, "binh-final", "Vòng chung kết")

    # Hoa comes back for the final: a new attempt, in the final.
    page.goto(contest_url)
    hoa_final = take_the_round(page, journey, "hoa-final", "Vòng chung kết")
    page.goto(f"{live_server.url}/me/entries/")
    journey.see(page, "hoa-my-entries")
    for code in (hoa_first, hoa_final):
        assert page.get_by_text(code).count() == 1
    # Each entry says its round (both are "Lượt 1": the first attempt of each round).
    entries = page.locator("main .card").all_inner_texts()
    assert any("Vòng chung kết · Lượt 1" in e and hoa_final in e for e in entries), entries
    assert any("Vòng 1 · Lượt 1" in e and hoa_first in e for e in entries), entries

    rounds = {
        (a.user_id, a.receipt_code): a.round.number for a in Attempt.objects.select_related("round")
    }
    assert rounds == {(hoa.pk, hoa_first): 1, (binh.pk, binh_final): 2, (hoa.pk, hoa_final): 2}
    assert set(Attempt.objects.values_list("status", flat=True)) == {"submitted"}
    hoa_phone.close()
    binh_phone.close()
