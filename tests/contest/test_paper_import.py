import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from contest.definition import contest_import
from contest.models import PaperAnswer, PaperCorrection, PaperEntry
from contest.paper.corrections import paper_correct
from contest.paper.importing import paper_import
from core.tabular import FileRejected
from tests.factories import UnitFactory, UserFactory, contest_json, make_bank_with_topics

pytestmark = pytest.mark.django_db
CODES = ["Q-001", "Q-002", "Q-003", "Q-004", "Q-005"]  # Q-004 has several correct: A and C
HEADER = "sheet_no,full_name,phone,id_number,birth_year,unit,answers,prediction,postmark_date,received_at,invalid_reason"


@pytest.fixture
def contest():
    make_bank_with_topics(multiple_every=4)
    UnitFactory(code="an-thanh", name="Xã An Thành")
    return contest_import(data=contest_json(questions={"bank": "cchc", "codes": CODES}))[0]


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


GOOD = [
    "P-0001,Nguyễn Văn An,0905 123 456,,1970,an-thanh,B B B AC B,812,2022-06-01,,",
    "P-0002,Trần Thị Bình,+84905123457,,,Xã An Thành,B A - * B,900,05/06/2022,06/06/2022 09:30,",
    "P-0003,Lê Văn Cường,84-905-123-458,,,,BBBAB,,2022-06-09,,photocopy",
]


def run(contest, data: bytes, **kwargs):
    return paper_import(contest=contest, data=data, kind="csv", **kwargs)


def test_sheets_are_imported_with_normalized_identity_and_marks(contest):
    report = run(contest, csv_bytes(*GOOD))
    assert report.errors == [] and report.created == 3
    first = PaperEntry.objects.get(sheet_no="P-0001")
    assert first.phone == "0905123456" and first.unit.code == "an-thanh"
    assert first.answers == "B B B AC B" and first.prediction == 812
    assert list(first.items.values_list("answer", flat=True)) == ["B", "B", "B", "AC", "B"]
    second = PaperEntry.objects.get(sheet_no="P-0002")
    assert second.phone == "0905123457" and second.postmark_date == date(2022, 6, 5)
    assert second.received_at == datetime(2022, 6, 6, 9, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    assert list(second.items.values_list("answer", flat=True)) == ["B", "A", "", "*", "B"]
    assert PaperEntry.objects.get(sheet_no="P-0003").invalid_reason == "photocopy"


def test_reimporting_identical_rows_changes_nothing(contest):
    run(contest, csv_bytes(*GOOD))
    again = run(contest, csv_bytes(*GOOD))
    assert (again.created, again.unchanged, again.errors) == (0, 3, [])
    assert PaperEntry.objects.count() == 3 and PaperAnswer.objects.count() == 15


def test_a_sheet_without_identity_is_kept_not_an_error(contest):
    report = run(contest, csv_bytes("P-0009,,,,,,B B B AC B,5,2022-06-01,,"))
    assert report.errors == [] and PaperEntry.objects.get(sheet_no="P-0009").full_name == ""


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            "P-1,An,0905123456,,,,B B B AE B,1,2022-06-01,,",
            "row 3: answers: câu 4: không có phương án “E”",
        ),
        (
            "P-1,An,0905123456,,,,BBBB,1,2022-06-01,,",
            "row 3: answers: có 4 câu trả lời, phiếu có 5 câu",
        ),
        (
            "P-1,An,0905123456,,,,B AB B AC B,1,2022-06-01,,",
            "row 3: answers: câu 2 chỉ có một đáp án đúng",
        ),
        (
            "P-1,An,0905123456,,,,B B B AC B,1,31/02/2022,,",
            "row 3: postmark_date: “31/02/2022” không phải ngày có thật",
        ),
        (
            "P-1,An,0905123456,,,,B B B AC B,1,hôm qua,,",
            "row 3: postmark_date: “hôm qua” không phải ngày",
        ),
        ("P-1,An,0905123456,,,,B B B AC B,1,,,", "row 3: postmark_date: thiếu ngày"),
        ("P-1,An,12345,,,,B B B AC B,1,2022-06-01,,", "row 3: phone: “12345”"),
        (
            "P-1,An,,12345,,,B B B AC B,1,2022-06-01,,",
            "row 3: id_number: “12345”: Số CCCD phải có 12 chữ số",
        ),
        (
            "P-1,An,0905123456,,,xã không có,B B B AC B,1,2022-06-01,,",
            "row 3: unit: không có đơn vị “xã không có”",
        ),
        (
            "P-1,An,0905123456,,,,B B B AC B,nhiều,2022-06-01,,",
            "row 3: prediction: “nhiều” không phải số nguyên",
        ),
        (
            "P-1,An,0905123456,,75,,B B B AC B,1,2022-06-01,,",
            "row 3: birth_year: “75” không phải năm sinh",
        ),
        (
            "P-1,An,0905123456,,,,B B B AC B,1,2022-06-01,ngày mai,",
            "row 3: received_at: “ngày mai” không phải ngày giờ",
        ),
        (",An,0905123456,,,,B B B AC B,1,2022-06-01,,", "row 3: sheet_no: thiếu số phiếu"),
    ],
)
def test_each_kind_of_bad_row_is_reported_and_nothing_is_written(contest, row, expected):
    report = run(contest, csv_bytes(GOOD[0], row))  # the bad row is row 3
    assert report.rejected and report.created == 0
    assert any(e.startswith(expected) for e in report.errors), report.errors
    assert PaperEntry.objects.count() == 0


def test_a_sheet_number_twice_in_the_file_is_an_error(contest):
    report = run(contest, csv_bytes(GOOD[0], GOOD[1].replace("P-0002", "P-0001")))
    assert report.errors == ["row 3: sheet_no: số phiếu P-0001 đã có ở dòng 2 của tệp"]
    assert PaperEntry.objects.count() == 0


def test_a_changed_row_for_a_known_sheet_points_to_the_correction_screen(contest):
    run(contest, csv_bytes(*GOOD))
    changed = GOOD[0].replace(",812,", ",813,")
    report = run(
        contest, csv_bytes(changed), correction_url="/manage/cchc-2022/paper/sheets/SHEET/"
    )
    assert report.rejected
    assert report.errors[0].startswith("row 2: sheet_no: phiếu P-0001 đã nhập với nội dung khác")
    assert "/manage/cchc-2022/paper/sheets/P-0001/" in report.errors[0]
    assert PaperEntry.objects.get(sheet_no="P-0001").prediction == 812


def test_partial_imports_the_valid_rows_and_dry_run_writes_nothing(contest):
    data = csv_bytes(GOOD[0], "P-0002,An,0905123456,,,,XYZ,1,2022-06-01,,", GOOD[2])
    dry = run(contest, data, dry_run=True, partial=True)
    assert dry.created == 2 and PaperEntry.objects.count() == 0
    report = run(contest, data, partial=True)
    assert report.written and report.created == 2 and len(report.errors) == 1
    assert set(PaperEntry.objects.values_list("sheet_no", flat=True)) == {"P-0001", "P-0003"}


def test_missing_columns_and_a_drawn_question_set_reject_the_file(contest):
    with pytest.raises(FileRejected, match="thiếu cột answers"):
        run(contest, csv_bytes("P-1,2022-06-01,1", header="sheet_no,postmark_date,prediction"))
    drawn = contest_import(data=contest_json(slug="drawn"))[0]
    from contest.paper.marks import PaperSetupError

    with pytest.raises(PaperSetupError, match="rút câu hỏi ngẫu nhiên"):
        run(drawn, csv_bytes(*GOOD))


def test_xlsx_with_real_date_cells_and_csv_with_bom(contest):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(
        ["Sheet_No", "Full_Name", "Phone", "Answers", "Prediction", "Postmark_Date", "Received_At"]
    )
    sheet.append(
        [
            "X-1",
            "Phạm Thị Dung",
            905123459,
            "B B B AC B",
            800,
            date(2022, 6, 2),
            datetime(2022, 6, 3, 8, 15),
        ]
    )
    out = io.BytesIO()
    book.save(out)
    report = paper_import(contest=contest, data=out.getvalue(), kind="xlsx")
    assert report.errors == [] and report.created == 1
    entry = PaperEntry.objects.get(sheet_no="X-1")
    assert entry.phone == "0905123459" and entry.postmark_date == date(2022, 6, 2)
    bom = "\ufeff".encode() + csv_bytes(GOOD[0])
    assert run(contest, bom).created == 1


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_phone_that_lost_its_leading_zero_is_understood_in_csv_and_xlsx(contest, kind):
    rows = [("Z-1", "905123456"), ("Z-2", 387654321), ("Z-3", "705 111 222")]
    if kind == "csv":
        data = csv_bytes(*(f"{no},An,{phone},,,,B B B AC B,1,2022-06-01,," for no, phone in rows))
    else:
        from openpyxl import Workbook

        book = Workbook()
        book.active.append(
            ["sheet_no", "full_name", "phone", "answers", "prediction", "postmark_date"]
        )
        for no, phone in rows:
            book.active.append([no, "An", phone, "B B B AC B", 1, date(2022, 6, 1)])
        out = io.BytesIO()
        book.save(out)
        data = out.getvalue()
    report = paper_import(contest=contest, data=data, kind=kind)
    assert report.errors == [] and report.created == 3
    phones = dict(PaperEntry.objects.values_list("sheet_no", "phone"))
    assert phones == {"Z-1": "0905123456", "Z-2": "0387654321", "Z-3": "0705111222"}


def test_the_command_prints_row_errors_and_exits_non_zero(contest, tmp_path):
    path = tmp_path / "sheets.csv"
    path.write_bytes(csv_bytes(GOOD[0], "P-0002,An,0905123456,,,,B B B AZ B,1,2022-06-01,,"))
    err = io.StringIO()
    with pytest.raises(CommandError, match="không nhập gì"):
        call_command("import_paper_entries", contest.slug, str(path), stderr=err)
    assert "row 3: answers: câu 4: không có phương án “Z”" in err.getvalue()
    assert PaperEntry.objects.count() == 0
    out = io.StringIO()
    path.write_bytes(csv_bytes(*GOOD))
    call_command("import_paper_entries", contest.slug, str(path), "--dry-run", stdout=out)
    assert "dry run: created: 3" in out.getvalue() and PaperEntry.objects.count() == 0
    call_command("import_paper_entries", contest.slug, str(path), stdout=out)
    call_command("import_paper_entries", contest.slug, str(path), stdout=out)
    assert "created: 0, unchanged: 3, errors: 0" in out.getvalue()
    assert PaperEntry.objects.count() == 3


def test_a_correction_keeps_the_history_and_rejects_bad_values(contest):
    run(contest, csv_bytes(*GOOD))
    entry = PaperEntry.objects.get(sheet_no="P-0001")
    clerk = UserFactory()
    with pytest.raises(ValueError, match="câu 1: không có phương án “Q”"):
        paper_correct(entry=entry, changes={"answers": "Q B B AC B"}, reason="đọc lại", user=clerk)
    with pytest.raises(ValueError, match="lý do"):
        paper_correct(entry=entry, changes={"prediction": "800"}, reason=" ", user=clerk)
    paper_correct(
        entry=entry,
        changes={"answers": "A B B AC B", "prediction": "800"},
        reason="đọc lại phiếu gốc",
        user=clerk,
    )
    entry.refresh_from_db()
    assert entry.prediction == 800 and entry.items.get(position=1).answer == "A"
    record = PaperCorrection.objects.get(entry=entry)
    assert record.by == clerk and record.reason == "đọc lại phiếu gốc"
    assert record.before["prediction"] == 812 and record.after["prediction"] == 800
    assert record.before["answers"] == "B B B AC B" and record.after["answers"] == "A B B AC B"
    # The corrected sheet is what a re-import now compares against.
    corrected = GOOD[0].replace("B B B AC B,812", "A B B AC B,800")
    assert run(contest, csv_bytes(corrected)).unchanged == 1


def test_a_cccd_disagreeing_with_the_birth_year_is_recorded_with_a_warning_never_rejected(
    contest,
):
    from accounts.identity import id_birth_year_warning

    # 079085012345 encodes 1985; the sheet says 1990: both are what the participant wrote
    row = "P-0009,Phạm Văn Dũng,,079085012345,1990,,B B B AC B,812,2022-06-01,,"
    report = run(contest, csv_bytes(row))
    assert report.errors == [] and report.created == 1
    entry = PaperEntry.objects.get(sheet_no="P-0009")
    assert entry.id_number == "079085012345" and entry.birth_year == 1990
    assert "năm sinh 1985" in id_birth_year_warning(entry.id_number, entry.birth_year)
