"""Moodle's GIFT text format.

Imported: multiple choice (one ``=``, or several-correct with positive
``~%N%`` weights), true/false (``{T}``, ``{F}``, ``{TRUE}``, ``{FALSE}``) and
missing-word questions (text on both sides of the answer block, shown as a
blank). Reported as skipped, by name and line: short answer, matching,
numerical, essay and description. ``$CATEGORY:`` sets the topic (nested path
kept). Escapes ``\\= \\~ \\# \\{ \\} \\: \\\\ \\n`` are honoured.
"""

import hashlib
import re

from django.utils.translation import gettext as _

from core.tabular import check_size, decode_text
from questions.importers import register
from questions.importers.base import (
    Importer,
    ParsedQuestion,
    ParseResult,
)

# Escapes are swapped for private-use characters while parsing, then restored.
_ESCAPES = {
    "\\\\": "\ue000",
    "\\=": "\ue001",
    "\\~": "\ue002",
    "\\#": "\ue003",
    "\\{": "\ue004",
    "\\}": "\ue005",
    "\\:": "\ue006",
    "\\n": "\ue007",
}
_RESTORE = {
    "\ue000": "\\",
    "\ue001": "=",
    "\ue002": "~",
    "\ue003": "#",
    "\ue004": "{",
    "\ue005": "}",
    "\ue006": ":",
    "\ue007": "\n",
}
_TRUE_FALSE = {"T": "A", "TRUE": "A", "F": "B", "FALSE": "B"}
TRUE_FALSE_OPTIONS = ["Đúng", "Sai"]
_CATEGORY_PREFIX = re.compile(r"^(\$(course|system|module|cat\d+)\$/)?(top/)?")


def _protect(text: str) -> str:
    for escape, placeholder in _ESCAPES.items():
        text = text.replace(escape, placeholder)
    return text


def _restore(text: str) -> str:
    for placeholder, char in _RESTORE.items():
        text = text.replace(placeholder, char)
    return text


def _clean(text: str) -> str:
    return " ".join(_restore(text).split())


def topic_from_category(path: str) -> str:
    """``$course$/Iota/Kappa`` → ``Iota/Kappa``."""
    path = _CATEGORY_PREFIX.sub("", path.strip())
    return "/".join(part.strip() for part in path.split("/") if part.strip()) or "Chung"


def _blocks(text: str):
    """Yield (first line number, block text) for blank-line separated blocks, comments dropped."""
    block: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip().startswith("//"):
            continue
        if not line.strip():
            if block:
                yield start, "\n".join(block)
                block = []
            continue
        if not block:
            start = number
        block.append(line)
    if block:
        yield start, "\n".join(block)


@register
class GiftImporter(Importer):
    name = "gift"
    extensions = ("gift", "txt")

    def parse(self, data: bytes) -> ParseResult:
        check_size(data)
        result = ParseResult()
        topic = "Chung"
        first_line_of: dict[str, tuple[int, str]] = {}
        for line, raw in _blocks(decode_text(data)):
            block = _protect(raw).strip()
            if block.startswith("$CATEGORY:"):
                topic = topic_from_category(_restore(block[len("$CATEGORY:") :]))
                continue
            question = self._question(line, block, topic, result)
            if question is None:
                continue
            fingerprint = hashlib.sha1(
                repr((question.kind, question.text, question.options, question.correct)).encode()
            ).hexdigest()
            if not question.code:
                question.code = "GIFT-" + fingerprint[:10].upper()
            if question.code in first_line_of:
                earlier, earlier_print = first_line_of[question.code]
                if earlier_print == fingerprint:
                    same = _("trùng hệt câu ở dòng %(line)s, bỏ qua") % {"line": earlier}
                    result.skipped.append(f"line {line}: {same}")
                else:
                    result.error(
                        line,
                        _("tên câu hỏi “%(code)s” đã dùng ở dòng %(line)s")
                        % {"code": question.code, "line": earlier},
                    )
                continue
            first_line_of[question.code] = (line, fingerprint)
            result.add(question)  # a title longer than a code may be is refused, never cut
        return result

    def _question(self, line: int, block: str, topic: str, result: ParseResult):
        title = ""
        match = re.match(r"^::(.*?)::", block, re.S)
        if match:
            title = _clean(match.group(1))
            block = block[match.end() :]
        block = re.sub(r"^\s*\[(html|moodle|plain|markdown)\]", "", block)
        open_at = block.find("{")
        close_at = block.rfind("}")
        if open_at < 0 or close_at < open_at:
            result.skipped.append(f"line {line}: description ({_('không có phần trả lời')})")
            return None
        before, answers, after = (
            block[:open_at],
            block[open_at + 1 : close_at],
            block[close_at + 1 :],
        )
        answers = answers.split("####")[0].strip()
        general_feedback = block[open_at + 1 : close_at].split("####")[1] if "####" in block else ""
        text = _clean(before) + (" _____ " + _clean(after) if after.strip() else "")
        text = text.strip()
        if not text:
            result.error(line, _("thiếu nội dung câu hỏi"))
            return None
        explanation = _clean(general_feedback)
        if not answers:
            result.skipped.append(f"line {line}: essay")
            return None
        if answers.startswith("#"):
            result.skipped.append(f"line {line}: numerical")
            return None
        tf = answers.split("#")[0].strip().upper()
        if tf in _TRUE_FALSE:
            return ParsedQuestion(
                line=line,
                code=title,
                topic=topic,
                kind="true_false",
                text=text,
                options=list(TRUE_FALSE_OPTIONS),
                correct=_TRUE_FALSE[tf],
                explanation=explanation,
            )
        parts = re.findall(r"([=~])([^=~]*)", answers)
        if not parts:
            result.error(line, _("không đọc được các phương án trong {…}"))
            return None
        if any("->" in body for _marker, body in parts):
            result.skipped.append(f"line {line}: matching")
            return None
        if all(marker == "=" for marker, _body in parts):
            result.skipped.append(f"line {line}: short answer")
            return None
        options, equals, positive = [], [], []
        for index, (marker, body) in enumerate(parts):
            weight = None
            weight_match = re.match(r"\s*%(-?\d+(?:\.\d+)?)%", body)
            if weight_match:
                weight = float(weight_match.group(1))
                body = body[weight_match.end() :]
            options.append(_clean(body.split("#")[0]))
            if marker == "=" and (weight is None or weight == 100):
                equals.append(index)
            if weight is not None and weight > 0:
                positive.append(index)
        if any(not option for option in options):
            result.error(line, _("có phương án trống"))
            return None
        if len(options) > 6:
            result.error(
                line, _("tối đa 6 phương án (A–F), câu này có %(n)s") % {"n": len(options)}
            )
            return None
        correct_indexes = equals or positive
        if not correct_indexes:
            result.error(line, _("không có phương án đúng (= hoặc ~%N%)"))
            return None
        correct = "".join("ABCDEF"[i] for i in sorted(correct_indexes))
        return ParsedQuestion(
            line=line,
            code=title,
            topic=topic,
            kind="multiple" if len(correct) > 1 else "single",
            text=text,
            options=options,
            correct=correct,
            explanation=explanation,
        )
