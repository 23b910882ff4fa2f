"""The rows of an xlsx worksheet as tuples of values, fast.

openpyxl's read-only reader builds an object per cell through a pure-Python XML
parser (defusedxml's): 50,000 rows of 11 columns took most of a paper import.
This reads the same worksheet part with the C XML parser and yields what
``worksheet.iter_rows(min_row=2, values_only=True)`` yields after
``reset_dimensions()`` (openpyxl 3.1's ``WorkSheetParser.parse_cell`` with
``data_only``): numbers as int or float, date-formatted numbers as dates, shared
and inline strings as text, booleans, and an empty row for a missing one.

An XML document type (where entity expansion attacks live) is refused: a
worksheet part never has one.
"""

import io
from collections.abc import Iterator
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError, XMLPullParser

from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import from_excel, from_ISO8601

CHUNK_BYTES = 1 << 16


class NotAWorksheet(ParseError):
    """The part is not a plain worksheet (a document type declaration, or damage)."""


def _column(reference: str) -> int:
    letters = reference.rstrip("0123456789")
    return column_index_from_string(letters)


class _Tags:
    """Element names in the worksheet's namespace (transitional or strict, or none)."""

    def __init__(self, namespace: str):
        self.row, self.c, self.v = f"{namespace}row", f"{namespace}c", f"{namespace}v"
        self.inline, self.t = f"{namespace}is", f"{namespace}t"


def _value(cell, tags: _Tags, shared: list, epoch, dates, durations):
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        inline = cell.find(tags.inline)
        if inline is None:
            return None
        return "".join(node.text or "" for node in inline.iter(tags.t))
    raw = cell.findtext(tags.v)
    if not raw:
        return None
    if kind == "n":
        number = float(raw) if ("." in raw or "E" in raw or "e" in raw) else int(raw)
        style = cell.get("s")
        if style and int(style) in dates:
            try:
                return from_excel(number, epoch, timedelta=int(style) in durations)
            except (OverflowError, ValueError):
                return "#VALUE!"
        return number
    if kind == "s":
        return shared[int(raw)]
    if kind == "b":
        return bool(int(raw))
    if kind == "d":
        return from_ISO8601(raw)
    return raw  # "str" (a formula's text), "e" (an error such as #N/A)


def _chunks(source) -> Iterator[bytes]:
    tail = b""
    while chunk := source.read(CHUNK_BYTES):
        window = tail + chunk
        if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
            raise NotAWorksheet("a worksheet has no document type declaration")
        tail = window[-16:]
        yield chunk


@dataclass
class XlsxBook:
    """What reading the first worksheet needs: the archive, the part, strings and styles."""

    archive: object
    path: str
    shared: list
    epoch: object
    dates: object
    durations: object

    def close(self) -> None:
        self.archive.close()


def open_xlsx(data: bytes) -> XlsxBook:
    """The workbook's first worksheet, ready to read (openpyxl's ``load_workbook`` steps that
    matter here; not its read-only worksheet, which parses the whole sheet once just to
    find its size)."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet

    reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True)
    try:
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
        for _sheet, rel in reader.parser.find_sheets():
            if rel.target in reader.valid_files and "chartsheet" not in rel.Type:
                wb = reader.wb
                return XlsxBook(
                    reader.archive,
                    rel.target,
                    reader.shared_strings,
                    wb.epoch,
                    wb._date_formats,
                    wb._timedelta_formats,
                )
        raise KeyError("no worksheet")
    except BaseException:
        reader.archive.close()
        raise


def worksheet_rows(book: XlsxBook, min_row: int = 2) -> Iterator[tuple]:
    """Value tuples of the book's worksheet from ``min_row`` on."""
    shared, epoch, dates, durations = book.shared, book.epoch, book.dates, book.durations
    counter = min_row
    row_number = 0
    with book.archive.open(book.path) as source:
        parser = XMLPullParser(events=("end",))
        tags = None
        for chunk in _chunks(source):
            parser.feed(chunk)
            for _event, element in parser.read_events():
                if tags is None:
                    tag = element.tag
                    tags = _Tags(tag[: tag.index("}") + 1] if tag.startswith("{") else "")
                if element.tag != tags.row:
                    continue
                reference = element.get("r")
                row_number = int(float(reference)) if reference else row_number + 1
                values: dict[int, object] = {}
                column = 0
                for cell in element:
                    if cell.tag != tags.c:
                        continue
                    coordinate = cell.get("r")
                    column = _column(coordinate) if coordinate else column + 1
                    values[column] = _value(cell, tags, shared, epoch, dates, durations)
                element.clear()  # an emptied row stays in the tree: a few bytes a row
                if row_number < counter:
                    continue
                while counter < row_number:  # missing rows keep the numbering
                    counter += 1
                    yield []  # (as openpyxl: a list for a missing row, a tuple for an empty one)
                counter += 1
                if not values:
                    yield ()
                    continue
                row = [None] * max(values)
                for index, value in values.items():
                    row[index - 1] = value
                yield tuple(row)
        parser.close()
