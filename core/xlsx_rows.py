"""The rows of an xlsx worksheet as tuples of values, fast.

openpyxl's read-only reader builds an object per cell through a pure-Python XML
parser (defusedxml's): 50,000 rows of 11 columns took most of a paper import.
This reads the same worksheet part with expat (C), keeping through its callbacks only
what the values need (no element tree: building one was most of the time left), and
yields what
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
from xml.etree.ElementTree import ParseError
from xml.parsers import expat

from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.xml.constants import SHARED_STRINGS

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


def _guard(namespace_separator: str | None = None):
    """An expat parser that only watches for what defusedxml refuses (DOCTYPE, entity
    declarations, external references), whatever the encoding. It runs at C speed: no
    callback per element, unlike defusedxml's parser (which took 27 s for 1,000,000
    shared strings). With a ``namespace_separator`` it names elements as ElementTree
    does, without the ``{`` (``uri}local``)."""
    guard = expat.ParserCreate(namespace_separator=namespace_separator)
    guard.StartDoctypeDeclHandler = _refuse
    guard.EntityDeclHandler = _refuse
    guard.UnparsedEntityDeclHandler = _refuse
    guard.ExternalEntityRefHandler = _refuse
    return guard


def _feed(handlers, source) -> Iterator[None]:
    """Parse a part in chunks with ``handlers``' ``start``, ``end`` and ``data`` as expat's
    callbacks, on a guarded parser (``_guard``: a declaration is refused before anything
    is expanded); yields after each chunk. No tree is built: the callbacks keep only what
    the values need (building the elements of 50,000 rows took most of the reading)."""
    parser = _guard(namespace_separator="}")
    parser.buffer_text = True
    parser.StartElementHandler = handlers.start
    parser.EndElementHandler = handlers.end
    parser.CharacterDataHandler = handlers.data
    try:
        while chunk := source.read(CHUNK_BYTES):
            parser.Parse(chunk, False)
            yield
        parser.Parse(b"", True)
    except expat.ExpatError as error:
        raise NotAWorksheet(str(error)) from error


def _row_number(reference: str) -> int:
    if not reference.isascii() or not reference.isdigit() or len(reference) > 9:
        raise NotAWorksheet(f"row number {reference[:20]!r} is not a plain integer")
    return int(reference)


class _Strings:
    """expat handlers for a sharedStrings part: each ``<si>``'s text is the text of its
    first ``<t>`` child followed by, for each ``<r>`` child, the text of the run's first
    ``<t>`` child (an element's text as ElementTree's ``.text``). Capped in number, timed
    against ``deadline``; an ``<si>`` inside an ``<si>`` is not a string table."""

    __slots__ = (
        "strings", "deadline", "depth", "si_depth", "head", "runs", "run_depth", "run",
        "text", "text_depth",
    )  # fmt: skip

    # Element names as expat gives them: ``uri}local``.
    SI, T, R = f"{SHEET_MAIN[1:]}si", f"{SHEET_MAIN[1:]}t", f"{SHEET_MAIN[1:]}r"

    def __init__(self, deadline: float | None):
        self.strings: list[str] = []
        self.deadline = deadline
        self.depth = self.si_depth = self.run_depth = self.text_depth = 0
        self.text: list | None = None

    def start(self, name: str, _attrs: dict) -> None:
        depth = self.depth = self.depth + 1
        self.text = None  # a child begins: the parent's own text has ended
        if name == self.SI:
            if self.si_depth:
                raise NotAWorksheet("a shared string inside a shared string")
            self.si_depth = depth
            self.head, self.runs = None, []
        elif not self.si_depth:
            return
        elif depth == self.si_depth + 1:
            if name == self.T and self.head is None:
                self.head = self.text = []
                self.text_depth = depth
            elif name == self.R:
                self.run_depth, self.run = depth, None
        elif depth == self.run_depth + 1 and name == self.T and self.run is None:
            self.run = self.text = []
            self.text_depth = depth

    def data(self, text: str) -> None:
        if self.text is not None:
            self.text.append(text)

    def end(self, _name: str) -> None:
        depth = self.depth
        self.depth -= 1
        if depth == self.text_depth:
            self.text, self.text_depth = None, 0
        if depth == self.run_depth:
            self.runs.append("".join(self.run or ()))
            self.run_depth = 0
        elif depth == self.si_depth:
            self.si_depth = 0
            text = "".join(self.head or ()) + "".join(self.runs)
            strings = self.strings
            strings.append(text.replace("x005F_", ""))
            if len(strings) > MAX_SHARED_STRINGS:
                raise TooManyStrings(len(strings))
            deadline = self.deadline
            if len(strings) % 10_000 == 0 and deadline is not None and time.monotonic() > deadline:
                raise ReadingTooLong(len(strings))


def read_shared_strings(source, deadline: float | None = None) -> list[str]:
    """The texts of a sharedStrings part, as openpyxl's ``read_string_table`` gives them."""
    handlers = _Strings(deadline)
    for _chunk in _feed(handlers, source):
        pass
    return handlers.strings


def _column(reference: str) -> int:
    letters = reference.rstrip("0123456789")
    return column_index_from_string(letters)


def _value(kind: str, style, raw, inline, shared: list, epoch, dates, durations):
    """A cell's value from its ``t`` and ``s`` attributes, the text of its first ``<v>``
    child (``raw``, None without one) and the text of the ``<t>`` elements of its first
    ``<is>`` child (``inline``, None without one)."""
    if kind == "inlineStr":
        return inline
    if not raw:
        return None
    if kind == "n":
        number = float(raw) if ("." in raw or "E" in raw or "e" in raw) else int(raw)
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


class _Rows:
    """expat handlers that keep, of a worksheet, what its rows' values need.

    Of each ``<row>``: its ``r``; of each ``<c>`` directly in it: ``r``, ``t``, ``s``, the
    text of its first ``<v>`` child and the texts of the ``<t>`` elements inside its first
    ``<is>`` child. An element's text is ElementTree's ``.text``: what comes before its
    first child. Names are in the namespace of the root element (transitional, strict or
    none). A row inside a row is not a worksheet (``NotAWorksheet``). No tree is built:
    building 1.7 million elements for 50,000 rows was most of the reading time.
    """

    __slots__ = (
        "done", "depth", "row", "c", "v", "inline", "t", "row_depth", "reference", "cells",
        "column", "cell_depth", "kind", "style", "raw", "texts", "inline_depth", "text",
        "text_depth",
    )  # fmt: skip

    def __init__(self):
        self.done: list[tuple[str | None, dict]] = []  # (row's r, {column: cell}) as they end
        self.depth = self.row_depth = self.cell_depth = self.inline_depth = self.text_depth = 0
        self.row = None  # element names, known from the root element
        self.text: list | None = None  # where the open element's own text goes

    def start(self, name: str, attrs: dict) -> None:
        depth = self.depth = self.depth + 1
        self.text = None  # a child begins: the parent's own text has ended
        if self.row is None:
            namespace = name[: name.index("}") + 1] if "}" in name else ""
            self.row, self.c, self.v = f"{namespace}row", f"{namespace}c", f"{namespace}v"
            self.inline, self.t = f"{namespace}is", f"{namespace}t"
        # The elements by how often they come: a cell, its inline text, its value, a row.
        if name == self.c:
            if self.row_depth and depth == self.row_depth + 1:
                coordinate = attrs.get("r")
                self.column = _column(coordinate) if coordinate else self.column + 1
                self.cell_depth = depth
                self.kind = attrs.get("t", "n")
                self.style = attrs.get("s")
                self.raw = self.texts = None
                self.inline_depth = 0
        elif name == self.t:
            if self.inline_depth > 0 and depth > self.inline_depth:
                self.text = self.texts
                self.text_depth = depth
        elif name == self.inline:
            if self.cell_depth and depth == self.cell_depth + 1 and self.texts is None:
                self.texts = []
                self.inline_depth = depth
        elif name == self.v:
            if self.cell_depth and depth == self.cell_depth + 1 and self.raw is None:
                self.raw = self.text = []
                self.text_depth = depth
        elif name == self.row:
            if self.row_depth:
                raise NotAWorksheet("a row inside a row")
            self.row_depth = depth
            self.reference = attrs.get("r")
            self.cells = {}
            self.column = 0

    def data(self, text: str) -> None:
        if self.text is not None:
            self.text.append(text)

    def end(self, _name: str) -> None:
        depth = self.depth
        if depth == self.text_depth:
            self.text = None
            self.text_depth = 0
        if depth == self.inline_depth:
            self.inline_depth = -1  # closed: later <t> elements are not its text
        elif depth == self.cell_depth:
            raw = None if self.raw is None else "".join(self.raw)
            inline = None if self.texts is None else "".join(self.texts)
            self.cells[self.column] = (self.kind, self.style, raw, inline)
            self.cell_depth = 0
        elif depth == self.row_depth:
            self.done.append((self.reference, self.cells))
            self.row_depth = 0
        self.depth -= 1


def _parsed_rows(source) -> Iterator[tuple[str | None, dict]]:
    """(``r``, {column: (t, s, v text, is text)}) of each row of a worksheet part."""
    rows = _Rows()
    for _chunk in _feed(rows, source):
        yield from rows.done
        rows.done.clear()
    yield from rows.done


def worksheet_rows(book: XlsxBook, min_row: int = 2) -> Iterator[tuple]:
    """Value tuples of the book's worksheet from ``min_row`` on."""
    shared, epoch, dates, durations = book.shared, book.epoch, book.dates, book.durations
    counter = min_row
    row_number = 0
    with book.archive.open(book.path) as source:
        for reference, cells in _parsed_rows(source):
            row_number = _row_number(reference) if reference else row_number + 1
            values = {
                column: _value(*cell, shared, epoch, dates, durations)
                for column, cell in cells.items()
            }
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
