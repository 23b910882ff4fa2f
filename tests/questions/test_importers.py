import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from questions.importers import FileRejected, importer_for
from questions.models import Bank, Question, QuestionVersion, Topic
from questions.services import questions_import

pytestmark = pytest.mark.django_db

HEADER = [
    "code",
    "topic",
    "text",
    "option_a",
    "option_b",
    "option_c",
    "option_d",
    "correct",
    "points",
    "difficulty",
    "explanation",
    "source",
]
ROW1 = [
    "CCHC-001",
    "Cải cách thủ tục hành chính",
    "Cơ chế một cửa là gì?",
    "Một",
    "Hai",
    "Ba",
    "Bốn",
    "B",
    1,
    "easy",
    "Giải thích.",
    "Nghị định 61/2018/NĐ-CP",
]
ROW2 = [
    "CCHC-002",
    "Chính phủ số",
    "Câu hỏi nhiều đáp án?",
    "A1",
    "B1",
    "C1",
    "",
    "A,C",
    2,
    "hard",
    "",
    "",
]


def xlsx(*rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(*rows, header=HEADER, bom=False) -> bytes:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode()


def run_import(data: bytes, name: str, bank="cchc", **kwargs):
    bank_obj, _ = Bank.objects.get_or_create(slug=bank, defaults={"title": bank})
    parsed = importer_for(filename=name).parse(data)
    return questions_import(bank=bank_obj, parsed=parsed, **kwargs)


@pytest.mark.parametrize("kind", ["xlsx", "csv", "csv-bom"])
def test_spreadsheet_import_creates_questions_topics_and_first_versions(kind):
    data = xlsx(ROW1, ROW2) if kind == "xlsx" else csv_bytes(ROW1, ROW2, bom=kind == "csv-bom")
    report = run_import(data, "bank.xlsx" if kind == "xlsx" else "bank.csv")
    assert (report.created, report.errors, report.written) == (2, [], True)
    q1 = Question.objects.get(code="CCHC-001")
    v1 = q1.current_version
    assert q1.topic.name == "Cải cách thủ tục hành chính"
    assert (v1.kind, v1.correct, v1.options, v1.number) == (
        "single",
        "B",
        ["Một", "Hai", "Ba", "Bốn"],
        1,
    )
    assert v1.source == "Nghị định 61/2018/NĐ-CP" and v1.difficulty == "easy"
    v2 = Question.objects.get(code="CCHC-002").current_version
    assert (v2.kind, v2.correct, v2.options, v2.points) == ("multiple", "AC", ["A1", "B1", "C1"], 2)


def test_reimporting_identical_content_changes_nothing():
    run_import(xlsx(ROW1, ROW2), "b.xlsx")
    report = run_import(xlsx(ROW1, ROW2), "b.xlsx")
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    assert QuestionVersion.objects.count() == 2


def test_changed_content_creates_a_new_version_and_keeps_the_old_one():
    run_import(xlsx(ROW1), "b.xlsx")
    old = Question.objects.get(code="CCHC-001").current_version
    changed = list(ROW1)
    changed[7] = "C"
    report = run_import(xlsx(changed), "b.xlsx")
    assert (report.updated, report.created) == (1, 0)
    question = Question.objects.get(code="CCHC-001")
    assert question.current_version.number == 2 and question.current_version.correct == "C"
    old.refresh_from_db()
    assert old.correct == "B" and old.number == 1


def test_dry_run_reports_and_writes_nothing():
    report = run_import(xlsx(ROW1, ROW2), "b.xlsx", dry_run=True)
    assert report.created == 2 and not report.written
    assert not Question.objects.exists() and not Topic.objects.exists()


def bad_row(index, value):
    row = list(ROW2)
    row[index] = value
    return row


BAD_ROWS = [
    ("wrong correct letter", bad_row(7, "D"), "row 3: correct: đáp án D không có"),
    ("missing text", bad_row(2, ""), "row 3: text: thiếu nội dung câu hỏi"),
    ("duplicate code", bad_row(0, "CCHC-001"), "row 3: code: mã CCHC-001 trùng với dòng 2"),
    (
        "fewer than two options",
        ["X-1", "T", "Câu?", "Một", "", "", "", "A", 1, "", "", ""],
        "row 3: option_b: cần ít nhất hai phương án",
    ),
    ("negative points", bad_row(8, -1), "row 3: points: điểm không được âm"),
    ("points not a number", bad_row(8, "hai"), "row 3: points: điểm “hai” không phải là số"),
    ("missing correct", bad_row(7, ""), "row 3: correct: thiếu đáp án đúng"),
    (
        "gap in options",
        ["X-2", "T", "Câu?", "Một", "", "Ba", "Bốn", "A", 1, "", "", ""],
        "row 3: option_b: phương án bị bỏ trống",
    ),
    ("bad difficulty", bad_row(9, "siêu khó"), "row 3: difficulty:"),
    ("missing topic", bad_row(1, ""), "row 3: topic: thiếu chủ đề"),
]


@pytest.mark.parametrize(("case", "row", "message"), BAD_ROWS, ids=[c[0] for c in BAD_ROWS])
@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_each_bad_row_is_reported_by_row_and_column_and_nothing_is_written(
    case, row, message, kind
):
    data = xlsx(ROW1, row) if kind == "xlsx" else csv_bytes(ROW1, row)
    report = run_import(data, f"b.{kind}")
    assert any(e.startswith(message) for e in report.errors), report.errors
    assert not report.written
    assert not Question.objects.exists() and not Topic.objects.exists()


def test_partial_imports_the_valid_rows_and_reports_the_rest():
    report = run_import(xlsx(ROW1, bad_row(7, "F")), "b.xlsx", partial=True)
    assert report.written and report.created == 1
    assert report.errors and report.errors[0].startswith("row 3: correct:")
    assert list(Question.objects.values_list("code", flat=True)) == ["CCHC-001"]


def test_a_missing_required_column_is_reported_on_row_1():
    header = [h for h in HEADER if h != "correct"]
    report = run_import(xlsx(ROW1[:7] + ROW1[8:], header=header), "b.xlsx")
    assert report.errors == ["row 1: correct: thiếu cột bắt buộc “correct”"]


def test_column_order_and_case_are_free():
    header = ["Correct", "TEXT", "Option_B", "option_a", "Topic", "Code"]
    report = run_import(
        csv_bytes(["B", "Câu hỏi?", "Hai", "Một", "Chủ đề", "Q-1"], header=header), "b.csv"
    )
    version = Question.objects.get(code="Q-1").current_version
    assert report.created == 1 and version.options == ["Một", "Hai"] and version.correct == "B"


def test_a_file_that_is_not_utf8_is_rejected_with_advice():
    data = "code,topic,text,option_a,option_b,correct\nQ-1,Café,Thé?,Oui,Non,A\n".encode("latin-1")
    with pytest.raises(FileRejected, match="UTF-8"):
        importer_for(filename="b.csv").parse(data)


def test_a_file_that_is_not_a_spreadsheet_is_rejected():
    with pytest.raises(FileRejected, match="không phải bảng tính Excel"):
        importer_for(filename="b.xlsx").parse(b"%PDF-1.4 not a workbook")


def test_import_command_follows_the_contract(tmp_path, capsys):
    path = tmp_path / "bank.xlsx"
    path.write_bytes(xlsx(ROW1, bad_row(7, "E")))
    with pytest.raises(CommandError):
        call_command("import_questions", str(path), "--bank", "cchc")
    assert "row 3: correct: đáp án E không có" in capsys.readouterr().err
    assert not Question.objects.exists()
    with pytest.raises(CommandError):
        call_command("import_questions", str(path), "--bank", "cchc", "--dry-run")
    assert not Question.objects.exists()
    with pytest.raises(CommandError):
        call_command("import_questions", str(path), "--bank", "cchc", "--partial")
    assert Question.objects.count() == 1
    path.write_bytes(xlsx(ROW1))
    call_command("import_questions", str(path), "--bank", "cchc")
    assert "unchanged: 1" in capsys.readouterr().out
    text = tmp_path / "bank.data"
    text.write_bytes(csv_bytes(ROW2))
    call_command("import_questions", str(text), "--bank", "cchc", "--format", "csv")
    assert Question.objects.count() == 2


def test_import_command_rejects_an_unreadable_file_with_exit_status(tmp_path):
    path = tmp_path / "bank.xlsx"
    path.write_bytes(b"this is not excel")
    with pytest.raises(CommandError):
        call_command("import_questions", str(path), "--bank", "cchc")
    assert not Bank.objects.filter(slug="cchc", questions__isnull=False).exists()


# --- fixtures from outside ------------------------------------------------------------


def test_moodle_gift_examples_import_as_the_fixture_readme_says(shared_fixtures):
    data = (shared_fixtures / "moodle-gift-examples.txt").read_bytes()
    parsed = importer_for(format="gift").parse(data)
    assert parsed.errors == []
    by_text = {q.text: q for q in parsed.questions}
    mc = by_text["Who's buried in Grant's tomb?"]
    assert (mc.kind, mc.options, mc.correct) == ("single", ["Grant", "Jefferson", "no one"], "C")
    assert by_text["Grant is buried in Grant's tomb."].kind == "true_false"
    assert by_text["Grant is buried in Grant's tomb."].correct == "B"
    assert by_text["The sun rises in the east."].correct == "A"
    missing_word = by_text["Grant is _____ in Grant's tomb."]
    assert missing_word.options == ["buried", "entombed", "living"] and missing_word.correct == "B"
    several = by_text["What two people are entombed in Grant's tomb?"]
    assert (several.kind, several.correct) == ("multiple", "BC")
    escaped = by_text["Which answer equals 5?"]
    assert escaped.options == ["= 2 + 2", "= 2 + 3", "= 2 + 4"] and escaped.correct == "B"
    control = next(q for q in parsed.questions if q.code == "GIFT Control Characters")
    assert control.options == ["~", "=", "#", "{", "}", "\\"] and control.correct == "F"
    kinds = " ".join(parsed.skipped)
    for skipped in ("short answer", "matching", "numerical"):
        assert skipped in kinds
    assert "line 14: short answer" in parsed.skipped
    assert "line 55: matching" in parsed.skipped
    assert all(q.kind in ("single", "multiple", "true_false") for q in parsed.questions)


def test_moodle_xml_nested_categories_become_topics_and_the_essay_is_skipped(shared_fixtures):
    data = (shared_fixtures / "moodle-nested-categories.xml").read_bytes()
    report = run_import(data, "x.xml", bank="moodle")
    assert report.errors == [] and report.created == 4
    assert set(Topic.objects.values_list("name", flat=True)) == {
        "Iota",
        "Iota/Kappa",
        "Iota/Kappa/Lambda",
        "Iota/Mu",
    }
    assert QuestionVersion.objects.filter(kind="true_false").count() == 4
    assert len(report.skipped) == 1 and "essay" in report.skipped[0]
    assert "Kappa Essay Question" in report.skipped[0]
    again = run_import(data, "x.xml", bank="moodle")
    assert again.unchanged == 4 and again.created == 0


def test_gift_categories_and_several_correct_weights():
    data = """$CATEGORY: $course$/Cải cách hành chính/Chính phủ số

::CPS-1::Những nền tảng nào là nền tảng số quốc gia? {
  ~%50%Cơ sở dữ liệu quốc gia về dân cư
  ~%50%Cổng Dịch vụ công quốc gia
  ~%-100%Sổ hộ khẩu giấy
}
""".encode()
    parsed = importer_for(format="gift").parse(data)
    question = parsed.questions[0]
    assert question.topic == "Cải cách hành chính/Chính phủ số"
    assert (question.code, question.kind, question.correct) == ("CPS-1", "multiple", "AB")


def test_moodle_xml_multichoice_single_false_means_several_correct():
    data = b"""<?xml version="1.0"?><quiz>
<question type="category"><category><text>$course$/top/CCHC</text></category></question>
<question type="multichoice"><name><text>Q1</text></name>
<questiontext format="html"><text>&lt;p&gt;Ch\xe1\xbb\x8dn hai&lt;/p&gt;</text></questiontext>
<defaultgrade>2</defaultgrade><single>false</single>
<answer fraction="50"><text>A</text></answer><answer fraction="50"><text>B</text></answer>
<answer fraction="-100"><text>C</text></answer></question>
<question type="shortanswer"><name><text>SA</text></name><questiontext><text>x</text></questiontext></question>
</quiz>"""
    parsed = importer_for(format="moodlexml").parse(data)
    question = parsed.questions[0]
    assert (question.text, question.kind, question.correct, question.points) == (
        "Chọn hai",
        "multiple",
        "AB",
        2,
    )
    assert question.topic == "CCHC"
    assert parsed.skipped[0].endswith("shortanswer “SA”")


def test_moodle_xml_with_an_entity_declaration_is_refused():
    with pytest.raises(FileRejected, match="DOCTYPE"):
        importer_for(format="moodlexml").parse(b'<!DOCTYPE x [<!ENTITY a "b">]><quiz/>')


def test_broken_xml_is_refused():
    with pytest.raises(FileRejected, match="không phải XML"):
        importer_for(filename="a.xml").parse(b"<quiz><question>")


def test_aiken_questions_and_their_errors():
    data = """Cơ quan nào chủ trì Cổng Dịch vụ công quốc gia?
A. Văn phòng Chính phủ
B. Bộ Nội vụ
ANSWER: A

Câu thiếu đáp án
A. Có
B. Không
ANSWER: D
""".encode()
    parsed = importer_for(filename="bank.aiken").parse(data)
    assert len(parsed.questions) == 1 and parsed.questions[0].correct == "A"
    assert parsed.errors and parsed.errors[0][1].startswith("line 9: đáp án D không có")


def test_unknown_format_is_refused_with_the_list_of_formats():
    with pytest.raises(FileRejected, match="aiken, csv, gift, moodlexml, xlsx"):
        importer_for(filename="bank.docx")


def _with_damaged_sheet(data: bytes, cut_at: str, member="xl/worksheets/sheet1.xml") -> bytes:
    """The workbook with one part's XML (the first sheet's) cut off just after ``cut_at``."""
    import zipfile

    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == member:
                text = content.decode()
                content = text[: text.index(cut_at) + len(cut_at)].encode() + b"</c></row>"
            target.writestr(item, content)
    return out.getvalue()


@pytest.mark.parametrize("cut_at", ["<sheetData>", "CCHC-001"])
def test_a_workbook_whose_sheet_xml_is_damaged_is_refused_not_a_500(cut_at):
    """openpyxl reads the sheet lazily: the damage surfaces as a ParseError while rows are read."""
    data = _with_damaged_sheet(xlsx(ROW1, ROW1), cut_at)
    with pytest.raises(FileRejected, match="không phải bảng tính Excel"):
        importer_for(format="xlsx", filename="b.xlsx").parse(data)


def test_a_workbook_whose_structure_xml_is_damaged_is_refused_not_a_500():
    """Damage in workbook.xml surfaces while openpyxl opens the file."""
    data = _with_damaged_sheet(xlsx(ROW1), "<sheets>", member="xl/workbook.xml")
    with pytest.raises(FileRejected, match="không phải bảng tính Excel"):
        importer_for(format="xlsx", filename="b.xlsx").parse(data)


MOODLE_LINES = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category">
    <category><text>$course$/Một</text></category>
  </question>
  <question type="multichoice">
    <name><text>Q1</text></name>
    <questiontext format="html"><text>Câu một?</text></questiontext>
    <answer fraction="100"><text>A</text></answer>
  </question>
  <question
      type="essay"><name><text>Tự luận</text></name>
    <questiontext><text>Viết gì đó</text></questiontext>
  </question><question type="truefalse"><questiontext><text>Đúng?</text></questiontext>
  </question>
</quiz>
"""


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_moodle_question_lines_are_the_lines_of_each_question_start_tag(encoding):
    from questions.importers.moodlexml import parse_with_question_lines

    data = MOODLE_LINES.replace('encoding="UTF-8"', f'encoding="{encoding}"').encode(encoding)
    root, lines = parse_with_question_lines(data)
    assert lines == [3, 6, 11, 14]  # <questiontext> and nested tags are not questions
    assert len(root.findall("question")) == len(lines)


def test_moodle_xml_messages_name_the_line_of_their_question(shared_fixtures):
    data = (shared_fixtures / "moodle-nested-categories.xml").read_bytes()
    parsed = importer_for(format="moodlexml").parse(data)
    assert parsed.skipped == ["line 55: essay “Kappa Essay Question”"]
    skipped = MOODLE_LINES.encode()
    assert importer_for(format="moodlexml").parse(skipped).skipped == ["line 11: essay “Tự luận”"]
