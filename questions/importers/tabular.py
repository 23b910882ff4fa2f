"""Reading CSV and XLSX files as numbered rows of ``{column: value}``.

Shared by the question and paper-sheet importers. Row numbers are the ones the
spreadsheet shows: the header is row 1.
"""

import csv
import io
import zipfile
from collections.abc import Iterator
from typing import Any

from questions.importers.base import FileRejected, decode_text


def _clean_header(value: Any) -> str:
    return str(value or "").strip().lower().replace(" ", "_")


def read_table(data: bytes, kind: str) -> tuple[list[str], Iterator[tuple[int, dict[str, Any]]]]:
    """Return the headers and an iterator of (row number, row) for ``kind`` 'csv' or 'xlsx'.

    Blank rows are skipped. Raises ``FileRejected`` when the file is not what it claims.
    """
    if kind == "xlsx":
        return _read_xlsx(data)
    return _read_csv(data)


def _read_csv(data: bytes):
    text = decode_text(data)
    if "\x00" in text:
        raise FileRejected("tệp không phải CSV văn bản (có ký tự nhị phân).")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader)
    except StopIteration as error:
        raise FileRejected("tệp trống, không có dòng tiêu đề.") from error
    headers = [_clean_header(h) for h in header]

    def rows():
        for number, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            yield (
                number,
                {
                    h: (values[i].strip() if i < len(values) else "")
                    for i, h in enumerate(headers)
                    if h
                },
            )

    return headers, rows()


def _read_xlsx(data: bytes):
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as error:
        raise FileRejected(
            "tệp không phải bảng tính Excel (.xlsx) đọc được. Hãy mở bằng Excel và Lưu thành .xlsx."
        ) from error
    sheet = workbook.worksheets[0]
    iterator = sheet.iter_rows(values_only=True)
    try:
        header = next(iterator)
    except StopIteration as error:
        workbook.close()
        raise FileRejected("trang tính đầu tiên trống, không có dòng tiêu đề.") from error
    headers = [_clean_header(h) for h in header]

    def rows():
        try:
            for number, values in enumerate(iterator, start=2):
                if not any(v is not None and str(v).strip() for v in values):
                    continue
                row = {}
                for i, h in enumerate(headers):
                    if not h:
                        continue
                    value = values[i] if i < len(values) else None
                    row[h] = (
                        value.strip()
                        if isinstance(value, str)
                        else ("" if value is None else value)
                    )
                yield number, row
        finally:
            workbook.close()

    return headers, rows()


def cell_text(value: Any) -> str:
    """A cell as text; whole floats (Excel's 12.0) lose their ``.0``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip() if value is not None else ""
