"""Reading CSV and XLSX files as numbered rows of ``{column: value}``.

Shared by the question and paper-sheet importers (web pages and commands alike). Row
numbers are the ones the spreadsheet shows: the header is row 1.

A file is hostile until read: the bytes, the uncompressed size of an xlsx, the rows,
the columns and the reading time are capped (``FileRejected`` past a cap), only the
columns the format names are read, xlsx is read in streaming (read-only) mode, and a
cell longer than ``MAX_CELL_CHARS`` is for the caller to report as a row error
(``too_long``). Text is NFC-normalized, and the ``'`` that exports put before a cell
that looks like a formula is taken off again.
"""

import codecs
import csv
import io
import time
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from typing import Any
from xml.etree.ElementTree import ParseError

from django.utils.translation import gettext as _
from openpyxl.utils.exceptions import InvalidFileException

from core.errors import Refusal, RowError
from core.spreadsheets import formula_unquote
from core.xlsx_rows import (
    MAX_SHARED_STRINGS,
    ReadingTooLong,
    TooManyStrings,
    open_xlsx,
    worksheet_rows,
)

MAX_FILE_BYTES = 20 * 1024 * 1024

MAX_XLSX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_ROWS = 200_000
MAX_COLUMNS = 100
MAX_CELL_CHARS = 5_000
MAX_SECONDS = 120.0
# Damage inside an xlsx: openpyxl reads the sheet lazily, so it can surface on opening or
# only while the rows are read.
BROKEN_XLSX = (ParseError, zipfile.BadZipFile, zlib.error, EOFError)


class FileRejected(Refusal):
    """The file as a whole cannot be read (not a spreadsheet, not UTF-8, bad XML)."""

    code = "file_rejected"
    field = "file"


def check_size(data: bytes) -> None:
    """``FileRejected`` when the file is over ``MAX_FILE_BYTES``."""
    if len(data) > MAX_FILE_BYTES:
        raise FileRejected(
            _("tệp quá lớn (%(size)s MB; tối đa %(max)s MB). Hãy chia thành nhiều tệp.")
            % {"size": len(data) // (1024 * 1024), "max": MAX_FILE_BYTES // (1024 * 1024)},
            "too_large",
        )


def read_capped(path) -> bytes:
    """A file's bytes for an import command; ``FileRejected`` past ``MAX_FILE_BYTES``
    (only that much is read)."""
    with open(path, "rb") as handle:
        data = handle.read(MAX_FILE_BYTES + 1)
    check_size(data)
    return data


def decode_text(data: bytes) -> str:
    """UTF-8 with or without BOM, or ``FileRejected`` with a message a clerk can act on."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileRejected(_not_utf8(), "not_utf8") from error


def _not_utf8() -> str:
    return _(
        "tệp không phải mã UTF-8. Trong Excel hãy chọn Lưu thành → “CSV UTF-8”; "
        "trong Notepad chọn Encoding: UTF-8."
    )


def _check_utf8(data: bytes) -> None:
    """``FileRejected`` unless ``data`` is UTF-8, checked 64 KB at a time (the text itself
    is decoded again as it is read, never held whole)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for start in range(0, len(data), 1 << 16):
            decoder.decode(data[start : start + (1 << 16)])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        raise FileRejected(_not_utf8(), "not_utf8") from error


def _clean_header(value: Any) -> str:
    return str(value or "").strip().lower().replace(" ", "_")


def read_table(
    data: bytes,
    kind: str,
    *,
    columns: Iterable[str] | None = None,
    max_rows: int = MAX_ROWS,
) -> tuple[list[str], Iterator[tuple[int, dict[str, Any]]]]:
    """Return the headers and an iterator of (row number, row) for ``kind`` 'csv' or 'xlsx'.

    Rows hold only the ``columns`` given (all named columns when ``None``). Blank rows are
    skipped. Raises ``FileRejected`` when the file is not what it claims or passes a cap,
    also while iterating.
    """
    check_size(data)
    wanted = set(columns) if columns is not None else None
    if kind == "xlsx":
        headers, values = _read_xlsx(data, wanted)
    else:
        headers, values = _read_csv(data)
    named = [h for h in headers if h]
    if len(named) > MAX_COLUMNS:
        raise FileRejected(
            _("tệp có %(n)s cột; tối đa %(max)s cột.") % {"n": len(named), "max": MAX_COLUMNS},
            "too_many_columns",
        )
    keep = [(i, h) for i, h in enumerate(headers) if h and (wanted is None or h in wanted)]
    return headers, _rows(values, keep, max_rows)


def _rows(values: Iterator[tuple], keep: list[tuple[int, str]], max_rows: int):
    # The time cap counts the reading only: a caller that writes each chunk of rows as it
    # goes (the paper import) spends its own time between two rows, and that is not reading.
    spent, resumed = 0.0, time.monotonic()
    for number, cells in enumerate(values, start=2):
        if number > max_rows + 1:
            raise FileRejected(
                _("tệp có hơn %(max)s dòng (kể cả dòng trống); hãy chia thành nhiều tệp.")
                % {"max": _thousands(max_rows)},
                "too_many_rows",
            )
        if number % 1000 == 0 and spent + time.monotonic() - resumed > MAX_SECONDS:
            raise FileRejected(
                _(
                    "đọc tệp quá %(seconds)s giây (dừng ở dòng %(row)s); "
                    "hãy chia thành nhiều tệp nhỏ hơn."
                )
                % {"seconds": int(MAX_SECONDS), "row": number},
                "too_slow",
            )
        row = {}
        width = len(cells)
        for i, h in keep:
            value = cells[i] if i < width else None
            # A text cell: stripped, NFC, an export's formula quote taken off (inlined: this
            # runs for every cell of the file).
            if isinstance(value, str):
                value = value.strip()
                if not value.isascii():  # ASCII is its own NFC form; isascii() costs less
                    value = unicodedata.normalize("NFC", value)
                if value[:1] == "'":
                    value = formula_unquote(value)
            elif value is None:
                value = ""
            row[h] = value
        # Blank: nothing in any cell, the columns not kept included. A kept cell with
        # something in it (the usual row) answers without looking at the others.
        if all(v == "" for v in row.values()) and not any(
            v is not None and str(v).strip() for v in cells
        ):
            continue
        spent += time.monotonic() - resumed
        yield number, row
        resumed = time.monotonic()


def _read_csv(data: bytes):
    _check_utf8(data)
    if b"\x00" in data:  # in UTF-8 a zero byte is the NUL character and nothing else
        raise FileRejected(_("tệp không phải CSV văn bản (có ký tự nhị phân)."), "not_text")
    # The csv module refuses fields over 128 KB by raising mid-file; the byte cap above
    # bounds memory, and an overlong cell becomes a row error (``too_long``) instead.
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FILE_BYTES))
    # The first 4,096 characters (at most 4 bytes each, after a 3-byte BOM; a character
    # cut at the end of the slice is dropped, past the 4,096th).
    sample = data[: 4 * 4096 + 8].decode("utf-8-sig", errors="ignore")[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    # Decoded as it is read: the whole text as a str (and StringIO's copy of it, four
    # bytes a character) was five times the file's size in memory.
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    reader = csv.reader(text, dialect)
    try:
        header = next(reader)
    except StopIteration as error:
        raise FileRejected(_("tệp trống, không có dòng tiêu đề."), "empty") from error
    except csv.Error as error:
        raise FileRejected(
            _("dòng tiêu đề không đọc được (%(error)s).") % {"error": error}, "header_unreadable"
        ) from error

    def values():
        number = 1
        try:
            for number, cells in enumerate(reader, start=2):  # noqa: B007
                yield cells
        except csv.Error as error:
            raise FileRejected(
                RowError(
                    number + 1, "", _("không đọc được dòng CSV (%(error)s).") % {"error": error}
                ).line(),
                "row_unreadable",
            ) from error

    return [_clean_header(h) for h in header], values()


def _read_xlsx(data: bytes, wanted: set[str] | None):
    unreadable = FileRejected(
        _("tệp không phải bảng tính Excel (.xlsx) đọc được. Hãy mở bằng Excel và Lưu thành .xlsx."),
        "not_xlsx",
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(item.file_size for item in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise unreadable from error
    if unpacked > MAX_XLSX_UNCOMPRESSED:
        raise FileRejected(
            _(
                "tệp Excel giải nén ra %(size)s MB, quá giới hạn %(max)s MB; hãy chia thành nhiều tệp."
            )
            % {"size": unpacked // (1024 * 1024), "max": MAX_XLSX_UNCOMPRESSED // (1024 * 1024)},
            "too_large",
        )
    try:
        book = open_xlsx(data, deadline=time.monotonic() + MAX_SECONDS)
    except TooManyStrings as error:
        raise FileRejected(
            _(
                "tệp Excel có hơn %(max)s chuỗi văn bản dùng chung; "
                "hãy chia thành nhiều tệp nhỏ hơn."
            )
            % {"max": _thousands(MAX_SHARED_STRINGS)},
            "too_many_strings",
        ) from error
    except ReadingTooLong as error:
        raise FileRejected(
            _("mở tệp Excel quá %(seconds)s giây; hãy chia thành nhiều tệp nhỏ hơn.")
            % {"seconds": int(MAX_SECONDS)},
            "too_slow",
        ) from error
    except (InvalidFileException, KeyError, OSError, ValueError, *BROKEN_XLSX) as error:
        raise unreadable from error
    # The sheet's stated dimension is whatever the file says: read the rows that are there
    # (the row cap applies), neither stopping early nor padding up to a claimed million.
    rows = worksheet_rows(book, min_row=1)
    try:
        header = next(rows)[: MAX_COLUMNS * 2]
    except StopIteration as error:
        book.close()
        raise FileRejected(
            _("trang tính đầu tiên trống, không có dòng tiêu đề."), "empty"
        ) from error
    except (*BROKEN_XLSX, ValueError, IndexError, KeyError) as error:
        book.close()
        raise unreadable from error
    headers = [_clean_header(h) for h in header]
    while headers and not headers[-1]:
        headers.pop()

    def values():
        # The rows as openpyxl's iter_rows(values_only=True) gives them, without padding,
        # read several times faster (``xlsx_rows``); the unpacked-size cap bounds them.
        try:
            yield from rows
        except (*BROKEN_XLSX, ValueError, IndexError, KeyError) as error:
            raise unreadable from error
        finally:
            book.close()

    return headers, values()


def too_long(row: dict[str, Any]) -> list[str]:
    """The columns of ``row`` whose text is longer than ``MAX_CELL_CHARS``."""
    return [k for k, v in row.items() if isinstance(v, str) and len(v) > MAX_CELL_CHARS]


def too_long_message(column: str, row: dict[str, Any]) -> str:
    return _("ô dài %(n)s ký tự, tối đa %(max)s") % {
        "n": _thousands(len(row[column])),
        "max": _thousands(MAX_CELL_CHARS),
    }


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def cell_text(value: Any) -> str:
    """A cell as text; whole floats (Excel's 12.0) lose their ``.0``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip() if value is not None else ""
