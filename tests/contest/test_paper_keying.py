"""Receiving, double keying, reconciliation, corrections and uploads through the pages."""

import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from contest.models import ContestMembership, PaperEntry, PaperKeying, PaperReceipt
from contest.paper.keying import KeyingRefused, paper_key, paper_reconcile
from core.models import BackgroundJob
from tests.contest.test_ranking import ALL_RIGHT, make_contest
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
SHEET = {
    "sheet_no": "P-00001",
    "full_name": "Nguyễn Thị Lan",
    "phone": "0905 111 222",
    "answers": ALL_RIGHT,
    "prediction": "1200",
    "postmark_date": "01/06/2022",
}


@pytest.fixture
def contest():
    return make_contest()


def member(contest, role="clerk"):
    user = UserFactory()
    ContestMembership.objects.create(contest=contest, user=user, role=role)
    return user


def test_two_matching_keyings_make_the_entry_and_record_who(contest):
    first, second = member(contest), member(contest)
    assert paper_key(contest=contest, raw=SHEET, clerk=first).state == "keyed_once"
    assert not PaperEntry.objects.exists()
    outcome = paper_key(contest=contest, raw={**SHEET, "phone": "+84905111222"}, clerk=second)
    assert outcome.state == "verified"
    entry = PaperEntry.objects.get()
    assert (entry.created_by, entry.verified_by, entry.phone) == (first, second, "0905111222")


def test_the_same_clerk_cannot_key_a_sheet_twice(contest):
    clerk = member(contest)
    paper_key(contest=contest, raw=SHEET, clerk=clerk)
    with pytest.raises(KeyingRefused) as refused:
        paper_key(contest=contest, raw=SHEET, clerk=clerk)
    assert "lần nhập thứ hai phải do người khác làm" in refused.value.errors["sheet_no"]


def test_differing_keyings_go_to_reconciliation_and_a_third_person_decides(contest):
    first, second, organizer = member(contest), member(contest), member(contest, "organizer")
    paper_key(contest=contest, raw=SHEET, clerk=first)
    assert (
        paper_key(contest=contest, raw={**SHEET, "prediction": "1300"}, clerk=second).state
        == "conflict"
    )
    assert not PaperEntry.objects.exists()
    with pytest.raises(KeyingRefused, match="khác hai người"):
        paper_reconcile(contest=contest, raw=SHEET, decider=second)
    entry = paper_reconcile(contest=contest, raw={**SHEET, "prediction": "1300"}, decider=organizer)
    assert entry.prediction == 1300 and entry.verified_by == organizer


def test_single_keying_contests_take_the_sheet_at_once(contest):
    contest.double_keying = False
    contest.save()
    assert paper_key(contest=contest, raw=SHEET, clerk=member(contest)).state == "entered"
    assert PaperEntry.objects.count() == 1


def test_bad_keying_is_refused_field_by_field_and_writes_nothing(contest):
    with pytest.raises(KeyingRefused) as refused:
        paper_key(
            contest=contest, raw={**SHEET, "answers": "BBBB", "phone": "123"}, clerk=member(contest)
        )
    assert refused.value.errors["answers"] == "có 4 câu trả lời, phiếu có 5 câu"
    assert refused.value.errors["phone"].startswith("“123”")
    assert not PaperKeying.objects.exists()


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 160), "white").save(out, format="PNG")
    return out.getvalue()


def test_receiving_assigns_numbers_in_arrival_order_and_checks_the_scan(client, contest):
    client.force_login(member(contest))
    url = reverse("contest:paper_receive", args=[contest.slug])
    data = {"postmark_date": "2022-06-01", "received_at": "2022-06-03T09:15"}
    first = client.post(url, {**data, "scan": SimpleUploadedFile("a.png", _png())})
    assert "P-00001" in first.content.decode()
    second = client.post(url, data)
    assert "P-00002" in second.content.decode()
    refused = client.post(url, {**data, "scan": SimpleUploadedFile("x.png", b"<script>")})
    assert "không phải ảnh hay PDF" in refused.content.decode()
    assert PaperReceipt.objects.count() == 2
    receipt = PaperReceipt.objects.get(sheet_no="P-00001")
    assert receipt.scan.name.endswith(".jpg") and receipt.received_at.hour == 2  # 09:15 +07:00


def test_keying_page_fills_dates_from_the_arrival_register(client, contest):
    clerk = member(contest)
    PaperReceipt.objects.create(
        contest=contest,
        sheet_no="P-00001",
        postmark_date="2022-06-02",
        received_at="2022-06-03T09:00+07:00",
        received_by=clerk,
    )
    contest.double_keying = False
    contest.save()
    client.force_login(clerk)
    url = reverse("contest:paper_key", args=[contest.slug])
    page = client.get(url).content.decode()
    assert 'id="answer-preview"' in page and json.loads(
        page.split('data-versions="')[1].split('"')[0].replace("&quot;", '"')
    )[3] == {"options": 4, "multiple": True}
    response = client.post(
        url, {k: v for k, v in SHEET.items() if k != "postmark_date"}, follow=True
    )
    assert "Phiếu P-00001: đã nhập." in response.content.decode()
    entry = PaperEntry.objects.get()
    assert str(entry.postmark_date) == "2022-06-02" and entry.received_at.day == 3
    again = client.post(url, SHEET)
    assert "đã nhập xong" in again.content.decode()


def test_people_outside_the_contest_cannot_key_or_see_the_queue(client, contest):
    client.force_login(UserFactory())
    for name in ("paper_home", "paper_key", "paper_receive", "paper_upload"):
        assert client.get(reverse(f"contest:{name}", args=[contest.slug])).status_code == 403
    client.force_login(member(contest))  # a clerk: keying yes, corrections no
    assert client.get(reverse("contest:paper_key", args=[contest.slug])).status_code == 200
    assert client.get(reverse("contest:paper_sheet", args=[contest.slug, "P-1"])).status_code == 403


def test_correction_screen_keeps_history(client, contest):
    contest.double_keying = False
    contest.save()
    paper_key(contest=contest, raw=SHEET, clerk=member(contest))
    organizer = member(contest, "organizer")
    client.force_login(organizer)
    url = reverse("contest:paper_sheet", args=[contest.slug, "P-00001"])
    form = {**SHEET, "prediction": "1250"}
    no_reason = client.post(url, form)
    assert "Hãy ghi lý do sửa phiếu." in no_reason.content.decode()
    client.post(url, {**form, "reason": "đọc nhầm số 5 thành 0"})
    entry = PaperEntry.objects.get()
    assert entry.prediction == 1250
    page = client.get(url).content.decode()
    assert "đọc nhầm số 5 thành 0" in page and "“1200” → “1250”" in page
    assert "<strong>Dự đoán</strong>: “1200” → “1250”" in page  # the field as labelled
    assert "<strong>prediction</strong>" not in page and "+00:00" not in page


def test_the_correction_screen_shows_the_sheet_number_read_only_and_never_renumbers(
    client, contest
):
    contest.double_keying = False
    contest.save()
    paper_key(contest=contest, raw=SHEET, clerk=member(contest))
    client.force_login(member(contest, "organizer"))
    url = reverse("contest:paper_sheet", args=[contest.slug, "P-00001"])
    page = client.get(url).content.decode()
    field = page.split('name="sheet_no"')[1].split(">")[0]
    assert "disabled" in field
    client.post(url, {**SHEET, "sheet_no": "P-777", "prediction": "1250", "reason": "sửa"})
    entry = PaperEntry.objects.get()
    assert entry.sheet_no == "P-00001" and entry.prediction == 1250


def test_upload_previews_then_imports_in_the_background(client, contest):
    client.force_login(member(contest))
    url = reverse("contest:paper_upload", args=[contest.slug])
    csv = (
        "sheet_no,full_name,phone,answers,prediction,postmark_date\n"
        f"U-1,An,0905000001,{ALL_RIGHT},5,2022-06-01\n"
        "U-2,Bình,0905000002,BBB,5,2022-06-01\n"
    ).encode()
    preview = client.post(url, {"file": SimpleUploadedFile("s.csv", csv)}).content.decode()
    assert "Dòng 3, cột Đáp án (answers): có 3 câu trả lời, phiếu có 5 câu" in preview
    assert "row 3" not in preview
    assert not PaperEntry.objects.exists()
    upload = preview.split('name="upload" value="')[1].split('"')[0]
    response = client.post(url, {"upload": upload, "partial": "1"})
    job = BackgroundJob.objects.get(kind="paper_import")
    assert response.url == reverse("contest:job", args=[job.pk]) and job.status == "done"
    assert list(PaperEntry.objects.values_list("sheet_no", flat=True)) == ["U-1"]
    bad = client.post(url, {"file": SimpleUploadedFile("s.docx", b"x")}).content.decode()
    assert "Hãy chọn tệp .csv hoặc .xlsx." in bad


def test_printable_form_geometry_and_public_download(client, contest):
    client.force_login(member(contest))
    pdf = client.get(
        reverse("contest:paper_form", args=[contest.slug, "answers"]) + "?from=7&copies=3"
    )
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf.content)) == 3  # one page per serial
    geometry = client.get(reverse("contest:paper_form", args=[contest.slug, "geometry"])).json()
    assert len(geometry["markers"]) == 4 and geometry["questions"] == 5
    assert len(geometry["bubbles"]) == 5 * 4
    assert len(geometry["grids"]["phone"]) == 10 * 10
    assert len(geometry["grids"]["prediction"]) == 7 * 10
    assert geometry["qr_payload"] == f"cuocthi:{contest.slug}:1:SERIAL"
    client.logout()
    public = client.get(reverse("contest:public_form", args=[contest.slug, "form"]))
    assert public.status_code == 200 and public.content.startswith(b"%PDF")
    assert (
        client.get(reverse("contest:public_form", args=[contest.slug, "questions"])).status_code
        == 200
    )


def test_the_public_question_sheet_is_drawn_once_per_contest_version(client, contest):
    from django.core.cache import cache

    from contest.paper.printing import question_sheet_key
    from questions.models import Question
    from questions.services import question_save

    url = reverse("contest:public_form", args=[contest.slug, "questions"])
    round_ = contest.rounds.get(number=1)
    first = client.get(url)
    key = question_sheet_key(contest, round_)
    assert cache.get(key) == first.content  # kept after the first download
    cache.set(key, b"%PDF-from-the-cache")
    assert client.get(url).content == b"%PDF-from-the-cache"  # served, not drawn again
    # A new version of a question on the sheet is a new contest version: a fresh sheet.
    question = Question.objects.filter(bank__slug="cchc").order_by("code").first()
    version = question.current_version
    question_save(
        bank=question.bank,
        code=question.code,
        topic_name=question.topic.name,
        kind=version.kind,
        text=version.text + " (sửa)",
        options=list(version.options),
        correct=version.correct,
    )
    fresh = client.get(url)
    assert fresh.content.startswith(b"%PDF-1") and fresh.content != first.content
    assert question_sheet_key(contest, round_) != key


def test_an_upload_without_one_valid_row_offers_no_import(client, contest):
    client.force_login(member(contest))
    url = reverse("contest:paper_upload", args=[contest.slug])
    csv = "sheet_no,full_name,phone,answers,prediction,postmark_date\nU-2,Bình,0905000002,BBB,5,2022-06-01\n"
    preview = client.post(url, {"file": SimpleUploadedFile("s.csv", csv.encode())}).content.decode()
    assert "Không có dòng hợp lệ nào để nhập" in preview
    assert "Chỉ nhập các dòng hợp lệ" not in preview


def test_keying_a_cccd_that_disagrees_with_the_birth_year_saves_with_a_warning_shown(client):
    contest = make_contest(double_keying=False)
    client.force_login(member(contest))
    url = reverse("contest:paper_key", args=[contest.slug])
    data = {**SHEET, "id_number": "079085012345", "birth_year": "1990", "unit": ""}
    page = client.post(url, data, follow=True).content.decode()
    assert "Phiếu P-00001: đã nhập." in page
    assert "Số CCCD 079085012345 ghi năm sinh 1985, phiếu ghi năm sinh 1990." in page
    assert PaperEntry.objects.get().birth_year == 1990
    # the winners' identity check shows it too
    from django.contrib.auth.models import Group

    from accounts.roles import ORGANIZERS_GROUP
    from contest.results.ranking import contest_rank

    contest_rank(contest)
    organizer = member(contest, role="organizer")
    organizer.is_staff = True
    organizer.save()
    organizer.groups.add(Group.objects.get_or_create(name=ORGANIZERS_GROUP)[0])
    client.force_login(organizer)
    html = client.get(reverse("contest:manage_results", args=[contest.slug])).content.decode()
    assert "Cần kiểm tra:" in html and "ghi năm sinh 1985, phiếu ghi năm sinh 1990" in html


def test_the_reconciliation_page_marks_differing_questions_with_local_times_and_unit_names(
    client, contest
):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from tests.factories import UnitFactory

    UnitFactory(code="an-thanh", name="Xã An Thành")
    first, second, organizer = member(contest), member(contest), member(contest, "organizer")
    arrived = datetime(2022, 6, 2, 9, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    PaperReceipt.objects.create(
        contest=contest, sheet_no=SHEET["sheet_no"], postmark_date="2022-06-01", received_at=arrived
    )
    sheet = {**SHEET, "unit": "an-thanh", "received_at": "02/06/2022 09:30"}
    paper_key(contest=contest, raw=sheet, clerk=first)
    groups = ALL_RIGHT.split()
    groups[2] = "A" if groups[2] != "A" else "C"
    paper_key(contest=contest, raw={**sheet, "answers": " ".join(groups)}, clerk=second)
    client.force_login(organizer)
    html = client.get(
        reverse("contest:paper_conflict", args=[contest.slug, SHEET["sheet_no"]])
    ).content.decode()
    assert "khác nhau ở câu 3" in html
    assert html.count('<li class="differs">') == 1
    assert "Xã An Thành" in html and ">an-thanh<" not in html
    assert "09:30 02/06/2022" in html and "+00:00" not in html and "T02:30" not in html


@pytest.mark.parametrize(
    "field, value",
    [
        ("received_at", "0001-01-01T00:00"),  # before datetime.min once moved to UTC: was a 500
        ("received_at", "9999-12-31T23:59"),
        ("postmark_date", "0001-01-01"),
        ("postmark_date", "9999-12-31"),
    ],
)
def test_receiving_refuses_a_date_outside_any_plausible_year(client, contest, field, value):
    client.force_login(member(contest))
    url = reverse("contest:paper_receive", args=[contest.slug])
    data = {"postmark_date": "2022-06-01", "received_at": "2022-06-03T09:15", field: value}
    response = client.post(url, data)
    assert (
        response.status_code == 200
        and "năm phải trong khoảng 1900–2100" in response.content.decode()
    )
    assert not PaperReceipt.objects.exists()


def _upload_sheets(client, contest, csv: bytes):
    url = reverse("contest:paper_upload", args=[contest.slug])
    preview = client.post(url, {"file": SimpleUploadedFile("s.csv", csv)}).content.decode()
    upload = preview.split('name="upload" value="')[1].split('"')[0]
    client.post(url, {"upload": upload, "partial": "1"})
    return BackgroundJob.objects.get(kind="paper_import")


def test_a_queued_paper_import_links_back_to_paper_sheets_and_shows_its_status_translated(
    client, contest, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    client.force_login(member(contest))
    csv = f"sheet_no,full_name,phone,answers,prediction,postmark_date\nQ-1,An,0905000001,{ALL_RIGHT},5,2022-06-01\n"
    job = _upload_sheets(client, contest, csv.encode())
    assert job.status == "queued"  # not run: the page is seen as a clerk sees it while waiting
    page = client.get(reverse("contest:job", args=[job.pk])).content.decode()
    assert f'href="{reverse("contest:paper_home", args=[contest.slug])}"' in page
    assert "Về trang phiếu giấy" in page and "ngân hàng câu hỏi" not in page
    status = client.get(reverse("contest:job_json", args=[job.pk])).json()
    assert status["status_label"] == "Đang chờ"
    client.cookies["django_language"] = "en"
    assert client.get(reverse("contest:job_json", args=[job.pk])).json()["status_label"] == "Queued"
    assert (
        "Back to paper sheets" in client.get(reverse("contest:job", args=[job.pk])).content.decode()
    )


def test_a_finished_paper_import_shows_its_own_figures_and_keeps_the_back_link(client, contest):
    client.force_login(member(contest))
    csv = (
        "sheet_no,full_name,phone,answers,prediction,postmark_date\n"
        f"F-1,An,0905000001,{ALL_RIGHT},5,2022-06-01\n"
        f"F-2,Bình,0905000002,{ALL_RIGHT},5,2022-06-01\n"
    )
    job = _upload_sheets(client, contest, csv.encode())
    page = client.get(reverse("contest:job", args=[job.pk])).content.decode()
    assert job.status == "done" and "Thêm 2 phiếu, giữ nguyên 0 phiếu." in page
    assert "cập nhật" not in page
    assert f'href="{reverse("contest:paper_home", args=[contest.slug])}"' in page
