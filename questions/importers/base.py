"""The common shape of every question importer.

An importer turns the bytes of one file into ``ParsedQuestion`` objects plus
the problems it found, and writes nothing; ``questions.services.questions_import``
does the writing, all-or-nothing unless asked for ``partial``.
"""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from core.errors import RowError
from core.tabular import FileRejected
from questions.models import LETTERS

MAX_QUESTIONS = 50_000
MAX_TEXT_CHARS = 5_000  # question text, each option, the explanation
MAX_POINTS = Decimal(1000)
CODE_MAX_CHARS = 64  # Question.code
NAME_MAX_CHARS = 255  # Topic.name, QuestionVersion.source


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
    # A row (or line) with an error makes its question invalid.
    row_errors: list[RowError] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # kinds we do not import, by name
    line_word: str = "line"  # "row" for spreadsheets

    def error(self, line: int, message: str, column: str = "") -> None:
        """Note a problem in row (or line) ``line``, about ``column`` if it is one cell's."""
        self.row_errors.append(RowError(line, column, message, self.line_word))

    @property
    def errors(self) -> list[tuple[int, str]]:
        """(number, printed ``row N: column: message`` line) of each error, as found."""
        return [(error.row, error.line()) for error in self.row_errors]

    def add(self, question: "ParsedQuestion") -> None:
        """Keep a parsed question; ``FileRejected`` past ``MAX_QUESTIONS``."""
        if len(self.questions) >= MAX_QUESTIONS:
            raise FileRejected(
                _("tệp có hơn %(n)s câu hỏi; hãy chia thành nhiều tệp.")
                % {"n": f"{MAX_QUESTIONS:,}".replace(",", ".")}
            )
        self.questions.append(question)


class Importer:
    """Base class; subclasses are registered by name in ``questions.importers``."""

    name: str = ""
    extensions: tuple[str, ...] = ()
    line_word = "line"  # "row" for spreadsheets

    def parse(self, data: bytes) -> ParseResult:
        raise NotImplementedError


def points_parse(raw) -> Decimal:
    """Points as written in any format; ``ValueError`` with a Vietnamese message unless a
    finite number from 0 to ``MAX_POINTS`` with at most two decimals (NaN, Infinity,
    negative and 1e999 are refused here, not by the database)."""
    text = str(raw).strip().replace(",", ".")
    try:
        points = Decimal(text)
    except (InvalidOperation, ValueError) as error:
        raise ValueError(_("điểm “%(text)s” không phải là số") % {"text": text[:40]}) from error
    if not points.is_finite():
        raise ValueError(_("điểm “%(text)s” không phải là số hữu hạn") % {"text": text[:40]})
    if points < 0:
        raise ValueError(_("điểm không được âm"))
    if points > MAX_POINTS:
        raise ValueError(_("điểm quá lớn (tối đa %(max)s)") % {"max": MAX_POINTS})
    if points != points.quantize(Decimal("0.01")):
        raise ValueError(_("điểm có tối đa hai chữ số thập phân"))
    return points


def question_problems(q: "ParsedQuestion", word: str = "line") -> list[RowError]:
    """What makes a parsed question unstorable, as row errors (numbered as ``word``): one
    check for every format, so a file is refused the same way on SQLite and PostgreSQL."""
    problems = []

    def bad(column: str, message: str) -> None:
        problems.append(RowError(q.line, column, message, word))

    if not q.code:
        bad("code", _("thiếu mã câu hỏi"))
    elif len(q.code) > CODE_MAX_CHARS:
        bad(
            "code",
            _("mã/tên câu hỏi dài %(n)s ký tự, tối đa %(max)s")
            % {"n": len(q.code), "max": CODE_MAX_CHARS},
        )
    if len(q.topic) > NAME_MAX_CHARS:
        bad("topic", _("chủ đề dài quá %(max)s ký tự") % {"max": NAME_MAX_CHARS})
    if len(q.source) > NAME_MAX_CHARS:
        bad("source", _("căn cứ dài quá %(max)s ký tự") % {"max": NAME_MAX_CHARS})
    for column, value in (("text", q.text), ("explanation", q.explanation)):
        if len(value) > MAX_TEXT_CHARS:
            bad(
                column,
                _("dài %(n)s ký tự, tối đa %(max)s") % {"n": len(value), "max": MAX_TEXT_CHARS},
            )
    if not 2 <= len(q.options) <= len(LETTERS):
        bad("options", _("cần từ 2 đến %(max)s phương án") % {"max": len(LETTERS)})
    for letter, option in zip(LETTERS, q.options, strict=False):
        if len(option) > MAX_TEXT_CHARS:
            bad(f"option_{letter.lower()}", _("dài quá %(max)s ký tự") % {"max": MAX_TEXT_CHARS})
    if not q.correct or any(c not in LETTERS[: len(q.options)] for c in q.correct):
        bad(
            "correct",
            _("đáp án “%(correct)s” không có trong các phương án") % {"correct": q.correct},
        )
    try:
        points_parse(q.points)
    except ValueError as error:
        bad("points", str(error))
    return problems
