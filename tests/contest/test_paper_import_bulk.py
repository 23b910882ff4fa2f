"""Bulk paper import: rows streamed in chunks, answers spelled out by the database."""

import pytest

from contest.models import PaperAnswer, PaperEntry
from contest.paper import importing
from contest.paper.marks import paper_versions
from tests.contest.test_paper_import import CODES, contest, csv_bytes, run  # noqa: F401

pytestmark = pytest.mark.django_db


def _rows(count: int, bad_at: int | None = None) -> list[str]:
    rows = []
    for n in range(1, count + 1):
        answers = "BQ-*C" if n == bad_at else "BA-*C"
        rows.append(f"P-{n:04d},Người {n},0905 000 {n:03d},,,,{answers},{n},2022-06-01,,")
    return rows


def test_a_plain_answers_text_gives_one_answer_row_per_question_and_a_grade(contest):  # noqa: F811
    run(contest, csv_bytes("P-0001,Nguyễn Văn An,0905 123 456,,,,ba-*c,812,2022-06-01,,"))
    entry = PaperEntry.objects.get(sheet_no="P-0001")
    assert entry.answers == "BA-*C"
    items = list(entry.items.order_by("position").values_list("position", "version_id", "answer"))
    versions = [v.pk for v in paper_versions(entry.round)]
    assert items == list(zip(range(1, 6), versions, ["B", "A", "", "*", "C"], strict=True))
    # B is right on Q-001 (the bank's key); the others are wrong, blank or several marks.
    assert entry.score == 1 and entry.max_score == 5


def test_an_error_in_a_later_chunk_undoes_the_chunks_already_written(contest, monkeypatch):  # noqa: F811
    monkeypatch.setattr(importing, "CHUNK", 2)
    report = run(contest, csv_bytes(*_rows(7, bad_at=6)))
    assert report.rejected and report.created == 0 and not report.written
    assert report.errors and report.errors[0].startswith("row 7: answers:")
    assert PaperEntry.objects.count() == 0 and PaperAnswer.objects.count() == 0


def test_partial_keeps_every_valid_chunk_and_a_reimport_finds_them_unchanged(contest, monkeypatch):  # noqa: F811
    monkeypatch.setattr(importing, "CHUNK", 2)
    report = run(contest, csv_bytes(*_rows(7, bad_at=6)), partial=True)
    assert report.created == 6 and report.written and len(report.errors) == 1
    assert PaperEntry.objects.count() == 6 and PaperAnswer.objects.count() == 30
    again = run(contest, csv_bytes(*_rows(7, bad_at=6)), partial=True)
    assert (again.created, again.unchanged, len(again.errors)) == (0, 6, 1)
    assert PaperEntry.objects.count() == 6


def test_the_rows_read_ahead_give_their_errors_in_the_callers_language(contest):  # noqa: F811
    from django.utils import translation

    with translation.override("en"):
        report = run(contest, csv_bytes("P-0001,An,0905 12,,,,BA-*C,1,2022-06-01,,"))
    assert report.errors == [
        "row 2: phone: “0905 12”: This is not a valid phone number. "
        "Enter a 10-digit mobile number, e.g. 0905 123 456."
    ]


def test_a_file_the_reader_refuses_in_a_later_chunk_writes_nothing(contest, monkeypatch):  # noqa: F811
    from core.tabular import FileRejected
    from tests.test_hostile_files import _sheet_part, _xlsx_with_parts

    monkeypatch.setattr(importing, "CHUNK", 2)
    header = ["sheet_no", "full_name", "phone", "answers", "prediction", "postmark_date"]

    def row(number, values, reference=None):
        cells = "".join(f'<c t="inlineStr"><is><t>{v}</t></is></c>' for v in values)
        return f'<row r="{reference or number}">{cells}</row>'

    rows = [row(1, header)]
    rows += [
        row(n, [f"P-{n}", "An", f"0905 000 {n:03d}", "BA-*C", "1", "2022-06-01"])
        for n in range(2, 9)
    ]
    rows.append(row(9, ["P-9", "An", "0905 000 009", "BA-*C", "1", "2022-06-01"], "1e999"))
    data = _xlsx_with_parts(sheet=_sheet_part("".join(rows)))
    with pytest.raises(FileRejected, match="không phải bảng tính Excel"):
        importing.paper_import(contest=contest, data=data, kind="xlsx")
    assert PaperEntry.objects.count() == 0 and PaperAnswer.objects.count() == 0


def test_a_failed_write_stops_the_thread_that_reads_ahead(contest, monkeypatch):  # noqa: F811
    import threading

    def fail(*_args, **_kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(importing, "CHUNK", 2)
    monkeypatch.setattr(importing, "sheets_write", fail)
    with pytest.raises(RuntimeError, match="went away"):
        run(contest, csv_bytes(*_rows(9)))
    assert not [t for t in threading.enumerate() if t.name == "read-ahead"]
    assert PaperEntry.objects.count() == 0
