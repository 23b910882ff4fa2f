"""What residents read: time zones, durations, scores with their maximum, receipts, menus."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from contest.models import Attempt
from core.timeparse import duration_text, timezone_label
from tests.contest.test_attempt_views import save, save_prediction
from tests.contest.test_result_pages import organizer_of

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
DURING = datetime(2022, 5, 30, 9, tzinfo=VN)
AFTER = datetime(2022, 6, 10, 9, tzinfo=VN)


def submitted(client, contest, *, seconds=1316) -> Attempt:
    with time_machine.travel(DURING, tick=False) as travel:
        client.post(reverse("contest:start", args=[contest.slug]))
        attempt = Attempt.objects.get()
        item = attempt.items.get(position=1)
        save(client, attempt, 1, item.version.correct)
        save_prediction(client, attempt, "12")
        travel.shift(timedelta(seconds=seconds))
        client.post(reverse("contest:submit", args=[attempt.pk]), {"submit_key": "k"})
    attempt.refresh_from_db()
    return attempt


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 giây"), (59, "59 giây"), (1316, "21 phút 56 giây"), (3725, "1 giờ 2 phút 5 giây")],
)
def test_durations_read_in_minutes_and_seconds(seconds, text):
    assert duration_text(seconds) == text


def test_the_vietnamese_time_zone_is_named_for_people():
    assert timezone_label("Asia/Ho_Chi_Minh") == "giờ Việt Nam (UTC+07:00)"
    assert timezone_label("Asia/Tokyo") == "giờ UTC+09:00"


def test_every_deadline_a_resident_sees_names_vietnam_time_never_the_zone_code(
    client, contest, resident
):
    with time_machine.travel(DURING, tick=False):
        pages = [reverse("contest:home"), reverse("contest:detail", args=[contest.slug])]
        client.post(reverse("contest:start", args=[contest.slug]))
        attempt = Attempt.objects.get()
        pages += [
            reverse("contest:review", args=[attempt.pk]),
            reverse("contest:my_entries"),
        ]
        for url in pages:
            html = client.get(url).content.decode()
            assert "Asia/Ho_Chi_Minh" not in html, url
            assert "giờ Việt Nam (UTC+07:00)" in html, url


def test_the_english_interface_says_vietnam_time_and_marks_vietnamese_content(
    client, contest, resident
):
    client.cookies["django_language"] = "en"
    with time_machine.travel(DURING, tick=False):
        html = client.get(reverse("contest:detail", args=[contest.slug])).content.decode()
        assert "Vietnam time (UTC+07:00)" in html and "giờ Việt Nam" not in html
        assert f'<h1 lang="vi">{contest.title}</h1>' in html
        client.post(reverse("contest:start", args=[contest.slug]))
        attempt = Attempt.objects.get()
        page = client.get(reverse("contest:attempt", args=[attempt.pk])).content.decode()
    question = attempt.items.get(position=1).version.text
    assert f'<p class="q-text" lang="vi">{question}</p>' in page
    assert '<html lang="en">' in page


def test_a_receipt_after_the_close_shows_score_out_of_the_maximum_and_no_promise(
    client, contest, resident
):
    attempt = submitted(client, contest)
    with time_machine.travel(AFTER, tick=False):
        html = client.get(reverse("contest:receipt", args=[attempt.pk])).content.decode()
        mine = client.get(reverse("contest:my_entries")).content.decode()
    assert "được công bố sau khi cuộc thi kết thúc" not in html
    assert "1/5 điểm" in html and "21 phút 56 giây" in html and "1316" not in html
    assert "1/5 điểm" in mine


def test_an_attempt_in_progress_shows_no_receipt_code(client, contest, resident):
    with time_machine.travel(DURING, tick=False):
        client.post(reverse("contest:start", args=[contest.slug]))
        attempt = Attempt.objects.get()
        mine = client.get(reverse("contest:my_entries")).content.decode()
    assert attempt.receipt_code not in mine and "Chưa nộp" in mine


def test_the_organizers_menu_does_not_offer_my_entries(client, contest):
    client.force_login(organizer_of(contest))
    html = client.get(reverse("contest:home")).content.decode()
    assert "Bài dự thi của tôi" not in html and "Quản lý cuộc thi" in html


def test_a_residents_menu_offers_my_entries(client, resident):
    html = client.get(reverse("contest:home")).content.decode()
    assert "Bài dự thi của tôi" in html


def test_my_entries_never_shows_an_attempt_running_after_its_time(client, contest, resident):
    with time_machine.travel(DURING, tick=False) as travel:
        client.post(reverse("contest:start", args=[contest.slug]))
        attempt = Attempt.objects.get()
        travel.shift(timedelta(minutes=31))
        mine = client.get(reverse("contest:my_entries")).content.decode()
    attempt.refresh_from_db()
    assert attempt.status == "expired"
    assert "Hết giờ, tự động nộp" in mine and attempt.receipt_code in mine


def test_an_attempt_ended_by_the_organizers_close_does_not_say_time_ran_out(
    client, contest, resident
):
    from contest.online.finishing import contest_close

    with time_machine.travel(DURING, tick=False) as travel:
        client.post(reverse("contest:start", args=[contest.slug]))
        travel.shift(timedelta(minutes=5))
        contest_close(contest=contest, now=timezone.now())
        mine = client.get(reverse("contest:my_entries")).content.decode()
        attempt = Attempt.objects.get()
        receipt = client.get(reverse("contest:receipt", args=[attempt.pk])).content.decode()
    assert attempt.status == "expired"
    for page in (mine, receipt):
        assert "Vòng thi đã đóng, bài được nộp tự động" in page
        assert "Hết giờ, tự động nộp" not in page
