"""The jury reads the essays: the organizers download every submitted one with its writer."""

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from contest.online.attempts import attempt_start
from contest.online.finishing import attempt_submit, attempts_sweep
from contest.organizer import ESSAY_COLUMNS
from tests.contest.test_ranking import make_contest
from tests.contest.test_result_pages import organizer_of
from tests.factories import ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = datetime(2022, 6, 1, 8, tzinfo=VN)


def entry(contest, phone, essay, *, submit=True, minutes=0):
    user = ProfileFactory(
        user=UserFactory(phone=phone), full_name=f"Người {phone[-3:]}", id_number=f"079{phone}"
    ).user
    start = DAY + timedelta(minutes=minutes)
    attempt = attempt_start(contest=contest, user=user, now=start)[0]
    if submit:
        attempt_submit(
            attempt=attempt,
            user=user,
            submit_key="k",
            prediction=10,
            essay=essay,
            now=start + timedelta(minutes=5),
        )
    else:
        attempt.essay = essay
        attempt.save(update_fields=["essay"])
    return attempt


def read(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")  # Excel opens it as UTF-8
    return list(csv.reader(io.StringIO(body[1:])))


def test_organizers_download_every_submitted_essay_with_its_writer(client):
    contest = make_contest(essay_question="Theo bạn, cải cách hành chính cần gì nhất?")
    first = entry(contest, "0905000001", "Giảm giấy tờ,\nmột cửa liên thông.", minutes=1)
    second = entry(contest, "0905000002", '=HYPERLINK("http://x")', minutes=2)
    entry(contest, "0905000003", "")  # no essay: no line
    late = entry(contest, "0905000004", "Viết dở", submit=False, minutes=3)  # still open
    client.force_login(organizer_of(contest))

    with time_machine.travel(DAY + timedelta(minutes=4), tick=False):
        response = client.get(reverse("contest:manage_essays", args=[contest.slug]))
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "bai-viet-cchc-2022.csv" in response["Content-Disposition"]
    lines = read(response)
    assert lines[0] == ESSAY_COLUMNS
    assert lines[1:] == [
        [
            "1",
            first.receipt_code,
            "Người 001",
            "0905000001",
            "0790905000001",
            first.user.profile.unit.name,
            "2022-06-01 08:06:00",
            "Đã nộp",
            "Giảm giấy tờ,\nmột cửa liên thông.",
        ],
        [
            "1",
            second.receipt_code,
            "Người 002",
            "0905000002",
            "0790905000002",
            second.user.profile.unit.name,
            "2022-06-01 08:07:00",
            "Đã nộp",
            '\'=HYPERLINK("http://x")',  # never run as a formula
        ],
    ]
    # Once its time is up the attempt is submitted with what it holds, and its essay goes to
    # the jury too.
    attempts_sweep(now=DAY + timedelta(hours=1))
    overview = client.get(reverse("contest:manage_overview", args=[contest.slug]))
    assert "Tải các bài viết (CSV)" in overview.content.decode()
    lines = read(client.get(reverse("contest:manage_essays", args=[contest.slug])))
    assert [line[1] for line in lines[1:]] == [
        first.receipt_code,
        second.receipt_code,
        late.receipt_code,
    ]
    assert lines[3][7:] == ["Hết giờ, tự động nộp", "Viết dở"]


def test_a_contest_without_an_essay_question_offers_no_download_and_others_get_nothing(client):
    contest = make_contest()
    other = make_contest(slug="khac", essay_question="?")
    client.force_login(organizer_of(other))
    assert client.get(reverse("contest:manage_essays", args=[contest.slug])).status_code == 403
    client.force_login(organizer_of(contest))
    overview = client.get(reverse("contest:manage_overview", args=[contest.slug]))
    assert "Tải các bài viết" not in overview.content.decode()
    assert read(client.get(reverse("contest:manage_essays", args=[contest.slug]))) == [
        ESSAY_COLUMNS
    ]
