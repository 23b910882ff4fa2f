"""The question-bank spreadsheet of docs/contracts.md (xlsx or csv)."""

import re
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.tabular import cell_text, read_table, too_long, too_long_message
from questions.importers import register
from questions.importers.base import (
    CODE_MAX_CHARS,
    Importer,
    ParsedQuestion,
    ParseResult,
    points_parse,
)
from questions.models import LETTERS

OPTION_COLUMNS = [f"option_{c}" for c in "abcdef"]
# The columns as the pages name them (the file's headers stay those of docs/contracts.md).
COLUMN_LABELS = {
    "code": gettext_lazy("Mã câu hỏi"),
    "topic": gettext_lazy("Chủ đề"),
    "text": gettext_lazy("Nội dung câu hỏi"),
    "option_a": gettext_lazy("Phương án A"),
    "option_b": gettext_lazy("Phương án B"),
    "option_c": gettext_lazy("Phương án C"),
    "option_d": gettext_lazy("Phương án D"),
    "option_e": gettext_lazy("Phương án E"),
    "option_f": gettext_lazy("Phương án F"),
    "correct": gettext_lazy("Đáp án đúng"),
    "points": gettext_lazy("Điểm"),
    "difficulty": gettext_lazy("Độ khó"),
    "kind": gettext_lazy("Loại câu hỏi"),
    "explanation": gettext_lazy("Giải thích"),
    "source": gettext_lazy("Căn cứ pháp lý"),
}
REQUIRED = ("code", "topic", "text", "correct")
COLUMNS = (*REQUIRED, *OPTION_COLUMNS, "points", "difficulty", "explanation", "source", "kind")
MAX_QUESTIONS = 50_000
DIFFICULTY = {
    "easy": "easy",
    "dễ": "easy",
    "medium": "medium",
    "trung bình": "medium",
    "hard": "hard",
    "khó": "hard",
    "": "",
}
KINDS = {
    "single": "single",
    "multiple": "multiple",
    "true_false": "true_false",
    "truefalse": "true_false",
}


class SpreadsheetImporter(Importer):
    """One question a row; header row required, column order free, names case-insensitive."""

    kind = "csv"
    line_word = "row"

    def parse(self, data: bytes) -> ParseResult:
        result = ParseResult(line_word="row")
        headers, rows = read_table(data, self.kind, columns=COLUMNS, max_rows=MAX_QUESTIONS)
        missing = [c for c in REQUIRED if c not in headers]
        if not any(c in headers for c in OPTION_COLUMNS[:2]) or "option_b" not in headers:
            missing += [c for c in ("option_a", "option_b") if c not in headers]
        for column in missing:
            result.error(1, _("thiếu cột bắt buộc “%(column)s”") % {"column": column}, column)
        if missing:
            return result
        seen: dict[str, int] = {}
        for number, row in rows:
            question = self._row(number, row, result, seen)
            if question is not None:
                result.add(question)
        return result

    def _row(self, n: int, row: dict, result: ParseResult, seen: dict[str, int]):
        ok = True

        def bad(column: str, message: str) -> None:
            nonlocal ok
            ok = False
            result.error(n, message, column)

        for column in too_long(row):
            bad(column, too_long_message(column, row))
        if not ok:
            return None

        code = cell_text(row.get("code"))
        if not code:
            bad("code", _("thiếu mã câu hỏi"))
        elif len(code) > CODE_MAX_CHARS:
            bad("code", _("mã câu hỏi dài quá %(max)s ký tự") % {"max": CODE_MAX_CHARS})
        elif code in seen:
            bad("code", _("mã %(code)s trùng với dòng %(row)s") % {"code": code, "row": seen[code]})
        else:
            seen[code] = n
        topic = cell_text(row.get("topic"))
        if not topic:
            bad("topic", _("thiếu chủ đề"))
        text = cell_text(row.get("text"))
        if not text:
            bad("text", _("thiếu nội dung câu hỏi"))
        options = [cell_text(row.get(c)) for c in OPTION_COLUMNS]
        while options and not options[-1]:
            options.pop()
        if "" in options:
            gap = OPTION_COLUMNS[options.index("")]
            bad(
                gap,
                _(
                    "phương án bị bỏ trống giữa các phương án khác; "
                    "hãy dồn các phương án lên liền nhau"
                ),
            )
        elif len(options) < 2:
            bad("option_b", _("cần ít nhất hai phương án trả lời (option_a, option_b)"))
        raw_correct = cell_text(row.get("correct")).upper()
        letters = [x for x in re.split(r"[\s,;]+", raw_correct) if x]
        if len(letters) == 1 and len(letters[0]) > 1 and letters[0].isalpha():
            letters = list(letters[0])
        correct = ""
        if not letters:
            bad("correct", _("thiếu đáp án đúng (ví dụ B, hoặc A,C)"))
        else:
            wrong = [x for x in letters if len(x) != 1 or x not in LETTERS[: len(options)]]
            if wrong:
                available = ", ".join(LETTERS[: len(options)]) or "—"
                bad(
                    "correct",
                    _("đáp án %(wrong)s không có trong các phương án (%(available)s)")
                    % {"wrong": ", ".join(wrong), "available": available},
                )
            else:
                correct = "".join(sorted(set(letters)))
        points = Decimal(1)
        raw_points = cell_text(row.get("points"))
        if raw_points:
            try:
                points = points_parse(raw_points)
            except ValueError as error:
                bad("points", str(error))
        difficulty = DIFFICULTY.get(cell_text(row.get("difficulty")).lower())
        if difficulty is None:
            bad("difficulty", _("độ khó phải là easy, medium hoặc hard (dễ, trung bình, khó)"))
        raw_kind = cell_text(row.get("kind")).lower()
        kind = KINDS.get(raw_kind) if raw_kind else ("multiple" if len(correct) > 1 else "single")
        if kind is None:
            bad("kind", _("loại phải là single, multiple hoặc true_false"))
        elif kind != "multiple" and len(correct) > 1:
            bad("correct", _("câu một đáp án chỉ được có một đáp án đúng"))
        if not ok:
            return None
        return ParsedQuestion(
            line=n,
            code=code,
            topic=topic,
            kind=kind,
            text=text,
            options=options,
            correct=correct,
            points=points,
            difficulty=difficulty,
            explanation=cell_text(row.get("explanation")),
            source=cell_text(row.get("source")),
        )


@register
class CsvImporter(SpreadsheetImporter):
    """CSV in UTF-8, with or without BOM (Excel's “CSV UTF-8”); comma, semicolon or tab."""

    name = "csv"
    extensions = ("csv",)
    kind = "csv"


@register
class XlsxImporter(SpreadsheetImporter):
    """Excel workbook; the first sheet is read (openpyxl, read-only mode)."""

    name = "xlsx"
    extensions = ("xlsx",)
    kind = "xlsx"
