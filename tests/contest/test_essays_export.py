"""The jury reads the essays: the organizers download every submitted one with its writer."""

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from asgiref.sync import async_to_sync
from django.urls import reverse

from contest.online.attempts import attempt_start
from contest.online.finishing import attempt_submit
from contest.organizer import ESSAY_COLUMNS
from tests.contest.test_ranking import make_contest
from tests.contest.test_result_pages import organizer_of
from tests.factories import ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = datetime(2022, 6, 1, 8, tzinfo=VN)


def entry(contest, phone, essay, *, submit=True, minutes=0):
    user = ProfileFactory(
        user=UserFactory(phone=phone),
        full_name=f"Người {phone[-3:]}",
        id_number=f"0790{phone[-8:]}",
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
    # Streamed to an ASGI server as it is read (found by review: a synchronous iterator was
    # read whole into memory first, 140 MB for 20,000 long essays).
    assert response.is_async

    async def body():
        return b"".join([part async for part in response.streaming_content])

    body = async_to_sync(body)().decode("utf-8")
    assert body.startswith("\ufeff")  # Excel opens it as UTF-8
    return list(csv.reader(io.StringIO(body[1:])))


def test_organizers_download_every_submitted_essay_with_its_writer(client):
    contest = make_contest(essay_question="Theo bạn, cải cách hành chính cần gì nhất?")
    first = entry(contest, "0905000001", "Giảm giấy tờ,\nmột cửa liên thông.", minutes=1)
    second = entry(contest, "0905000002", '=HYPERLINK("http://x")', minutes=2)
    entry(contest, "0905000003", "")  # no essay: no line
    entry(contest, "0905000005", "   \n  ", minutes=4)  # nor for spaces and line breaks
    # (An essay is sent with the submit; one held by an attempt not yet submitted waits.)
    late = entry(contest, "0905000004", "Viết dở", submit=False, minutes=3)
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
            "079005000001",
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
            "079005000002",
            second.user.profile.unit.name,
            "2022-06-01 08:07:00",
            "Đã nộp",
            '\'=HYPERLINK("http://x")',  # never run as a formula
        ],
    ]
    overview = client.get(reverse("contest:manage_overview", args=[contest.slug]))
    assert "Tải các bài viết (CSV)" in overview.content.decode()
    assert late.receipt_code not in overview.content.decode()


def test_a_contest_without_an_essay_question_offers_no_download_and_others_get_nothing(client):
    contest = make_contest()
    other = make_contest(slug="khac", essay_question="?")
    essays = reverse("contest:manage_essays", args=[other.slug])
    client.force_login(organizer_of(contest))
    assert client.get(essays).status_code == 403  # another contest's organizer
    overview = client.get(reverse("contest:manage_overview", args=[contest.slug]))
    assert "Tải các bài viết" not in overview.content.decode()
    # Without an essay question there is nothing to download, but the address still answers.
    assert read(client.get(reverse("contest:manage_essays", args=[contest.slug]))) == [
        ESSAY_COLUMNS
    ]
    client.force_login(organizer_of(other))
    assert client.post(essays).status_code == 405  # a download is a GET
    assert read(client.get(essays)) == [ESSAY_COLUMNS]


def test_the_essays_come_as_excel_too_with_phones_and_ids_kept_as_text(client):
    """A csv opened in Excel drops the leading 0 of every phone and CCCD; the jury's
    Excel file keeps them, and a formula in an essay stays text."""
    from openpyxl import load_workbook

    contest = make_contest(essay_question="Theo bạn, cải cách hành chính cần gì nhất?")
    first = entry(contest, "0905000001", "Giảm giấy tờ,\nmột cửa liên thông.", minutes=1)
    second = entry(contest, "0905000002", '=HYPERLINK("http://x")', minutes=2)
    entry(contest, "0905000003", "")
    entry(contest, "0905000004", "Viết dở", submit=False, minutes=3)
    xlsx = reverse("contest:manage_essays_xlsx", args=[contest.slug])
    travel = time_machine.travel(DAY + timedelta(minutes=4), tick=False)  # one still writing
    travel.start()
    client.force_login(organizer_of(make_contest(slug="khac")))
    assert client.get(xlsx).status_code == 403  # another contest's organizer
    client.force_login(organizer_of(contest))
    assert client.post(xlsx).status_code == 405
    response = client.get(xlsx)
    overview = client.get(reverse("contest:manage_overview", args=[contest.slug])).content.decode()
    travel.stop()
    assert response.status_code == 200
    assert "bai-viet-cchc-2022.xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book["Bài viết"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ESSAY_COLUMNS
    assert [row[1] for row in rows[1:]] == [first.receipt_code, second.receipt_code]
    assert rows[1][3:5] == ["0905000001", "079005000001"]  # text, with the leading 0
    assert sheet.cell(row=2, column=4).data_type == "s"
    assert rows[1][8] == "Giảm giấy tờ,\nmột cửa liên thông."
    assert rows[2][8] == '\'=HYPERLINK("http://x")' and sheet.cell(row=3, column=9).data_type == "s"
    assert "Tải các bài viết (Excel)" in overview and xlsx in overview


def test_too_many_essays_for_an_excel_file_are_pointed_to_the_csv(client, monkeypatch):
    """The workbook holds every essay in memory until it is written: a national contest's
    would take minutes and gigabytes. Past the limit, the organizer is told to take the csv."""
    from contest import organizer

    monkeypatch.setattr(organizer, "ESSAYS_XLSX_MAX", 1)
    contest = make_contest(essay_question="?")
    entry(contest, "0905000001", "Một", minutes=1)
    entry(contest, "0905000002", "Hai", minutes=2)
    client.force_login(organizer_of(contest))
    with time_machine.travel(DAY + timedelta(minutes=8), tick=False):
        xlsx = reverse("contest:manage_essays_xlsx", args=[contest.slug])
        page = client.get(xlsx, follow=True).content.decode()
    assert "Có hơn 1 bài viết: tệp Excel quá lớn để tạo ngay. Hãy tải tệp CSV" in page
