"""The common shape of every question importer.

An importer turns the bytes of one file into ``ParsedQuestion`` objects plus
the problems it found, and writes nothing; ``questions.services.questions_import``
does the writing, all-or-nothing unless asked for ``partial``.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from questions.models import LETTERS


@dataclass
class ParsedQuestion:
    line: int  # row number (spreadsheets) or line number (text formats)
    code: str
    topic: str
    kind: str  # "single", "multiple" or "true_false"
    text: str
    options: list[str]
    correct: str  # letters, e.g. "B" or "AC"
    points: Decimal = Decimal(1)
    difficulty: str = ""
    explanation: str = ""
    source: str = ""


@dataclass
class ParseResult:
    questions: list[ParsedQuestion] = field(default_factory=list)
    # ``row N: column: message`` / ``line N: message`` lines; a line with an
    # error makes its question invalid.
    errors: list[tuple[int, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # kinds we do not import, by name

    def error(self, line: int, message: str) -> None:
        self.errors.append((line, message))


class FileRejected(Exception):
    """The file as a whole cannot be read (not a spreadsheet, not UTF-8, bad XML)."""


class Importer:
    """Base class; subclasses are registered by name in ``questions.importers``."""

    name: str = ""
    extensions: tuple[str, ...] = ()
    line_word = "line"  # "row" for spreadsheets

    def parse(self, data: bytes) -> ParseResult:
        raise NotImplementedError


_ROW_ERROR = re.compile(r"^(row|line) (\d+): (?:([a-z_]+): )?(.*)$", re.S)


def error_for_page(line: str, labels: Mapping[str, str]) -> str:
    """A ``row N: column: message`` line (CONTRACTS.md, for commands) as a page shows it.

    The column is named as the form or template labels it (``labels``), with the
    header the file must carry in brackets so the clerk finds the cell:
    ``Dòng 3, cột Đáp án đúng (correct): …``. Other lines are returned as they are.
    """
    match = _ROW_ERROR.match(line)
    if not match:
        return line
    word, number, column, message = match.groups()
    where = _("Dòng %(n)s") % {"n": number}
    if column:
        where += ", " + _("cột %(label)s (%(header)s)") % {
            "label": labels.get(column, column),
            "header": column,
        }
    return f"{where}: {message}"


def decode_text(data: bytes) -> str:
    """UTF-8 with or without BOM, or ``FileRejected`` with a message a clerk can act on."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileRejected(
            "tệp không phải mã UTF-8. Trong Excel hãy chọn Lưu thành → “CSV UTF-8”; "
            "trong Notepad chọn Encoding: UTF-8."
        ) from error


def letters_for(indexes) -> str:
    return "".join(LETTERS[i] for i in sorted(indexes))
