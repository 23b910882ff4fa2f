"""The common shape of every question importer.

An importer turns the bytes of one file into ``ParsedQuestion`` objects plus
the problems it found, and writes nothing; ``questions.services.questions_import``
does the writing, all-or-nothing unless asked for ``partial``.
"""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

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
    # ``row N: column: message`` / ``line N: message`` lines; a line with an
    # error makes its question invalid.
    errors: list[tuple[int, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # kinds we do not import, by name
    line_word: str = "line"  # "row" for spreadsheets

    def error(self, line: int, message: str) -> None:
        self.errors.append((line, message))

    def add(self, question: "ParsedQuestion") -> None:
        """Keep a parsed question; ``FileRejected`` past ``MAX_QUESTIONS``."""
        if len(self.questions) >= MAX_QUESTIONS:
            raise FileRejected(
                f"tệp có hơn {MAX_QUESTIONS:,} câu hỏi; hãy chia thành nhiều tệp.".replace(",", ".")
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
        raise ValueError(f"điểm “{text[:40]}” không phải là số") from error
    if not points.is_finite():
        raise ValueError(f"điểm “{text[:40]}” không phải là số hữu hạn")
    if points < 0:
        raise ValueError("điểm không được âm")
    if points > MAX_POINTS:
        raise ValueError(f"điểm quá lớn (tối đa {MAX_POINTS})")
    if points != points.quantize(Decimal("0.01")):
        raise ValueError("điểm có tối đa hai chữ số thập phân")
    return points


def question_problems(q: "ParsedQuestion") -> list[tuple[str, str]]:
    """What makes a parsed question unstorable, as (column, message): one check for every
    format, so a file is refused the same way on SQLite and PostgreSQL."""
    problems = []
    if not q.code:
        problems.append(("code", "thiếu mã câu hỏi"))
    elif len(q.code) > CODE_MAX_CHARS:
        problems.append(
            ("code", f"mã/tên câu hỏi dài {len(q.code)} ký tự, tối đa {CODE_MAX_CHARS}")
        )
    if len(q.topic) > NAME_MAX_CHARS:
        problems.append(("topic", f"chủ đề dài quá {NAME_MAX_CHARS} ký tự"))
    if len(q.source) > NAME_MAX_CHARS:
        problems.append(("source", f"căn cứ dài quá {NAME_MAX_CHARS} ký tự"))
    for column, value in (("text", q.text), ("explanation", q.explanation)):
        if len(value) > MAX_TEXT_CHARS:
            problems.append((column, f"dài {len(value)} ký tự, tối đa {MAX_TEXT_CHARS}"))
    if not 2 <= len(q.options) <= len(LETTERS):
        problems.append(("options", f"cần từ 2 đến {len(LETTERS)} phương án"))
    for letter, option in zip(LETTERS, q.options, strict=False):
        if len(option) > MAX_TEXT_CHARS:
            problems.append((f"option_{letter.lower()}", f"dài quá {MAX_TEXT_CHARS} ký tự"))
    if not q.correct or any(c not in LETTERS[: len(q.options)] for c in q.correct):
        problems.append(("correct", f"đáp án “{q.correct}” không có trong các phương án"))
    try:
        points_parse(q.points)
    except ValueError as error:
        problems.append(("points", str(error)))
    return problems
