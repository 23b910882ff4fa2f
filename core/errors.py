"""The one shape of a refusal, and of an error in one row of an imported file.

``Refusal`` is what a service raises when a rule forbids what a person asked for (HackSoft's
``ApplicationError``): a message translated for that person (Vietnamese first, through
gettext, so it is in the language active when it is raised), a stable ``code`` that a view,
a script or a test can branch on, and the ``field`` it is about, if any. Each service's
refusal is a subclass with a default code (``AttemptRefused``, ``WorkflowRefused``, …), so
``except AttemptRefused`` and ``except Refusal`` both work. Programming errors are never
refusals: they stay ``TypeError``, ``KeyError`` and the like and reach the error page.

``RowError`` is one problem in one row of an imported file, kept as (row, column, message)
until it is printed: ``line()`` (and ``str()``) gives the ``row N: column: message`` line of
docs/contracts.md that commands print, ``shown(labels)`` the sentence a page shows.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _


class Refusal(Exception):
    """A rule forbids the action; ``message`` is for the person, ``code`` for the program."""

    code: str = "refused"
    field: str = ""

    def __init__(self, message: str, code: str = "", field: str = ""):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if field:
            self.field = field

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class RowError:
    """What is wrong in one row of a file: its number as the spreadsheet shows it (the
    header is row 1), the column (the file's header; ``""`` when the problem is the whole
    row), and the message, already translated.

    ``word`` is how the number is named in the printed line: ``row`` for spreadsheets,
    ``line`` for text formats (GIFT, Aiken, Moodle XML), whose numbers are lines of the file.
    """

    row: int
    column: str
    message: str
    word: str = "row"

    def line(self) -> str:
        """The contract's line for commands: ``row N: column: message`` (``row N: message``
        without a column)."""
        if self.column:
            return f"{self.word} {self.row}: {self.column}: {self.message}"
        return f"{self.word} {self.row}: {self.message}"

    def __str__(self) -> str:
        return self.line()

    def shown(self, labels: Mapping[str, str]) -> str:
        """The error as a page shows it: the column named as the form or template labels it
        (``labels``), with the header the file must carry in brackets so the clerk finds the
        cell: ``Dòng 3, cột Đáp án đúng (correct): …``."""
        where = _("Dòng %(n)s") % {"n": self.row}
        if self.column:
            where += ", " + _("cột %(label)s (%(header)s)") % {
                "label": labels.get(self.column, self.column),
                "header": self.column,
            }
        return f"{where}: {self.message}"


def error_lines(errors: list[RowError]) -> list[str]:
    """The errors as the lines commands print and job pages list."""
    return [error.line() for error in errors]
