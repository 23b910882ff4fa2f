"""The rows of an xlsx worksheet as tuples of values, fast.

openpyxl's read-only reader builds an object per cell through a pure-Python XML
parser (defusedxml's): 50,000 rows of 11 columns took most of a paper import.
This reads the same worksheet part with the C XML parser and yields what
``worksheet.iter_rows(min_row=2, values_only=True)`` yields after
``reset_dimensions()`` (openpyxl 3.1's ``WorkSheetParser.parse_cell`` with
``data_only``): numbers as int or float, date-formatted numbers as dates, shared
and inline strings as text, booleans, and an empty row for a missing one.

An XML document type (where entity expansion attacks live) is refused in the
worksheet and shared-strings parts, whatever their encoding (UTF-16 included): an
expat parser refuses it as defusedxml's does (not a byte search). The shared
strings are capped in number (``MAX_SHARED_STRINGS``) and their reading shares the
time limit (``deadline``) the caller gives, so a tiny file of millions of empty
strings cannot keep a worker busy for minutes. A row number is a plain integer.
"""

import io
import time
from collections.abc import Iterator
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError, XMLPullParser
from xml.parsers import expat

from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import from_excel, from_ISO8601

CHUNK_BYTES = 1 << 16
MAX_SHARED_STRINGS = 1_000_000
SHEET_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


class NotAWorksheet(ParseError):
    """The part is not a plain worksheet (a document type declaration, or damage)."""


class TooManyStrings(ValueError):
    """The shared-strings part holds more than ``MAX_SHARED_STRINGS`` entries."""


class ReadingTooLong(ValueError):
    """Opening the workbook passed the caller's deadline."""


def _refuse(*_args):
    raise NotAWorksheet("a document type or entity declaration is not allowed")


def _guard():
    """An expat parser that only watches for what defusedxml refuses (DOCTYPE, entity
    declarations, external references), whatever the encoding. It runs at C speed: no
    callback per element, unlike defusedxml's parser (which took 27 s for 1,000,000
    shared strings)."""
    guard = expat.ParserCreate()
    guard.StartDoctypeDeclHandler = _refuse
    guard.EntityDeclHandler = _refuse
    guard.UnparsedEntityDeclHandler = _refuse
    guard.ExternalEntityRefHandler = _refuse
    return guard


def _events(source) -> Iterator:
    """The ``end`` events of a part, read in chunks. Each chunk goes through the guard
    before the tree parser sees it, so the tree parser never reaches a declaration's end
    (nor expands an entity)."""
    guard, parser = _guard(), XMLPullParser(events=("end",))
    try:
        while chunk := source.read(CHUNK_BYTES):
            guard.Parse(chunk, False)
            parser.feed(chunk)
            yield from parser.read_events()
        guard.Parse(b"", True)
    except expat.ExpatError as error:
        raise NotAWorksheet(str(error)) from error
    parser.close()
    yield from parser.read_events()


def _row_number(reference: str) -> int:
    if not reference.isascii() or not reference.isdigit() or len(reference) > 9:
        raise NotAWorksheet(f"row number {reference[:20]!r} is not a plain integer")
    return int(reference)


def read_shared_strings(source, deadline: float | None = None) -> list[str]:
    """The texts of a sharedStrings part, as openpyxl's ``read_string_table`` gives them."""
    strings: list[str] = []
    si, t, r = f"{SHEET_MAIN}si", f"{SHEET_MAIN}t", f"{SHEET_MAIN}r"
    for _event, node in _events(source):
        if node.tag != si:
            continue
        parts = [node.findtext(t) or ""]
        parts.extend(run.findtext(t) or "" for run in node.iterfind(r))
        node.clear()
        strings.append("".join(parts).replace("x005F_", ""))
        if len(strings) > MAX_SHARED_STRINGS:
            raise TooManyStrings(len(strings))
        if len(strings) % 10_000 == 0 and deadline is not None and time.monotonic() > deadline:
            raise ReadingTooLong(len(strings))
    return strings


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


def open_xlsx(data: bytes, deadline: float | None = None) -> XlsxBook:
    """The workbook's first worksheet, ready to read (openpyxl's ``load_workbook`` steps that
    matter here; not its read-only worksheet, which parses the whole sheet once just to
    find its size). ``ReadingTooLong`` past ``deadline`` (a ``time.monotonic()``),
    ``TooManyStrings`` past ``MAX_SHARED_STRINGS``, ``NotAWorksheet`` for a DOCTYPE."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet
    from openpyxl.xml.constants import SHARED_STRINGS

    reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True)
    try:
        reader.read_manifest()
        part = reader.package.find(SHARED_STRINGS)
        if part is not None:
            with reader.archive.open(part.PartName[1:]) as source:
                reader.shared_strings = read_shared_strings(source, deadline)
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
        tags = None
        for _event, element in _events(source):
            if tags is None:
                tag = element.tag
                tags = _Tags(tag[: tag.index("}") + 1] if tag.startswith("{") else "")
            if element.tag != tags.row:
                continue
            reference = element.get("r")
            row_number = _row_number(reference) if reference else row_number + 1
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
