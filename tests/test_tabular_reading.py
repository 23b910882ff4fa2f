"""Reading tables fast: the worksheet reader gives what openpyxl gives; the time cap is reading time."""

import io
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook

from core.tabular import FileRejected, read_table
from core.xlsx_rows import open_xlsx, worksheet_rows


def _openpyxl_rows(data: bytes) -> list[tuple]:
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    sheet = book.worksheets[0]
    sheet.reset_dimensions()
    rows = list(sheet.iter_rows(min_row=1, values_only=True))
    book.close()
    return rows


def _book(write_only: bool) -> bytes:
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet() if write_only else book.active
    rows = [
        ["sheet_no", "phone", "postmark_date", "received_at", "ok", "ratio", "text"],
        ["P-1", 905123456, date(2022, 6, 1), datetime(2022, 6, 2, 9, 30), True, 0.5, "Xã Ân"],
        [None, None, None, None, None, None, None],
        ["P-2", "0905 123 457", "05/06/2022", None, False, 1e20, "=1+1"],
    ]
    for row in rows:
        sheet.append(row)
    if not write_only:
        sheet["J7"] = "far away"  # a gap of rows, a gap of columns
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("write_only", [True, False], ids=["inline strings", "shared strings"])
def test_rows_equal_openpyxl_values_only(write_only):
    data = _book(write_only)
    book = open_xlsx(data)
    try:
        ours = list(worksheet_rows(book, min_row=1))
    finally:
        book.close()
    assert ours == _openpyxl_rows(data)
    assert ours[1][2] == datetime(2022, 6, 1) and ours[1][4] is True


def test_a_worksheet_with_a_document_type_is_refused():
    source = io.BytesIO(_book(True))
    out = io.BytesIO()
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(out, "w") as new:
        for item in old.infolist():
            content = old.read(item)
            if item.filename.startswith("xl/worksheets/"):
                entity = b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">]>'
                content = entity + content.replace(b"<c ", b"<c>&a;</c><c ", 1)
            new.writestr(item, content)
    with pytest.raises(FileRejected):
        _headers, rows = read_table(out.getvalue(), "xlsx")
        list(rows)


def test_the_reading_time_cap_does_not_count_the_time_the_caller_spends_between_rows(
    monkeypatch,
):
    import time

    from core import tabular

    monkeypatch.setattr(tabular, "MAX_SECONDS", 0.2)
    data = ("sheet_no\n" + "".join(f"P-{n}\n" for n in range(1100))).encode()
    _headers, rows = read_table(data, "csv")
    for number, _row in rows:
        if number == 10:
            time.sleep(0.3)  # e.g. writing the first chunk of sheets
    # Reading itself is still capped.
    monkeypatch.setattr(tabular, "MAX_SECONDS", 0.0)
    _headers, rows = read_table(data, "csv")
    with pytest.raises(FileRejected):
        list(rows)


def test_shared_and_rich_strings_spread_over_lines_read_as_openpyxl_reads_them():
    from tests.test_hostile_files import MAIN_NS, _sheet_part, _xlsx_with_parts

    strings = (
        f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}">'
        "<si><t>sheet_no</t></si>"
        "<si>\n  <r><rPr><b/></rPr><t>Nguyễn </t></r>\n  <r><t xml:space='preserve'>Văn An</t></r>\n"
        "  <rPh sb='0' eb='1'><t>phonetic</t></rPh>\n</si>"
        "<si><t>x005F_x0041 &amp; &lt;b&gt;</t></si>"
        "</sst>"
    )
    rows = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>name</t></is></c>'
        "</row>\n"
        '<row r="2">\n  <c r="A2" t="s">\n    <v>2</v>\n  </c>\n  <c r="B2" t="s"><v>1</v></c>\n'
        '  <c r="C2"><v>12.5</v></c><c r="D2" t="b"><v>1</v></c>\n'
        '  <c r="E2" t="inlineStr"><is>\n    <r><t>Xã </t></r>\n    <r><t>Ân</t></r>\n  </is></c>\n'
        "</row>"
        '<row r="4"><c r="C4"><v>7</v></c></row>'
    )
    data = _xlsx_with_parts(sheet=_sheet_part(rows), strings=strings.encode())
    book = open_xlsx(data)
    try:
        ours = list(worksheet_rows(book, min_row=1))
    finally:
        book.close()
    assert ours == _openpyxl_rows(data)
    assert ours[1] == ("x0041 & <b>", "Nguyễn Văn An", 12.5, True, "Xã Ân")


def test_a_csv_from_excel_reads_as_written_bom_crlf_a_newline_in_a_cell_or_semicolons():
    text = (
        "\ufeffsheet_no,full_name,address\r\n"
        'P-1,Nguyễn Văn An,"Thôn 1\r\nXã Ân"\r\n'
        "P-2,Trần Thị Bình,'=1+1\r\n"
    )
    headers, rows = read_table(text.encode("utf-8"), "csv")
    assert headers == ["sheet_no", "full_name", "address"]
    assert list(rows) == [
        (2, {"sheet_no": "P-1", "full_name": "Nguyễn Văn An", "address": "Thôn 1\r\nXã Ân"}),
        (3, {"sheet_no": "P-2", "full_name": "Trần Thị Bình", "address": "=1+1"}),
    ]
    text = "\ufeffsheet_no;full_name\r\nP-1;Nguyễn Văn An\r\nP-2;Trần Thị Bình\r\n"
    _headers, rows = read_table(text.encode("utf-8"), "csv")
    assert [row["full_name"] for _number, row in rows] == ["Nguyễn Văn An", "Trần Thị Bình"]


def test_a_csv_that_stops_being_utf8_after_a_megabyte_is_refused_before_any_row():
    data = ("sheet_no\n" + "P-ấ\n" * 300_000).encode() + b"P-\xff\n"
    with pytest.raises(FileRejected, match="không phải mã UTF-8"):
        read_table(data, "csv")


def test_reading_a_csv_holds_a_small_part_of_the_file_in_memory():
    import tracemalloc

    data = "sheet_no,full_name,address\n" + "P-1,Nguyễn Văn Ấn,Thôn Đông Xã Ân\n" * 60_000
    data = data.encode()
    tracemalloc.start()
    try:
        _headers, rows = read_table(data, "csv")
        count = sum(1 for _ in rows)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 60_000
    # the text decoded whole, and StringIO's copy of it, took five times the file's size
    assert peak < len(data) / 4
