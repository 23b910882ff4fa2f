"""Moodle XML question export.

Imported: ``multichoice`` (``<single>false</single>`` gives several correct:
the answers with a positive fraction) and ``truefalse``. Categories become
topics with their nested path (``$course$/Iota/Kappa`` → ``Iota/Kappa``).
Every other question type is reported as skipped, by name and line.
"""

import hashlib
import html
import re
import xml.etree.ElementTree as ET

from questions.importers import register
from questions.importers.base import FileRejected, Importer, ParsedQuestion, ParseResult
from questions.importers.gift import TRUE_FALSE_OPTIONS, topic_from_category

_TAG = re.compile(r"<[^>]+>")


def _plain(text: str | None) -> str:
    """HTML question text to plain text."""
    text = re.sub(r"<br\s*/?>|</p>", "\n", text or "", flags=re.I)
    return " ".join(html.unescape(_TAG.sub("", text)).split())


def _text(element, path: str) -> str:
    found = element.find(path)
    return found.text or "" if found is not None else ""


def _line_of(data: bytes, occurrence: int) -> int:
    """Line of the ``occurrence``-th ``<question`` tag (1-based), for messages."""
    index = -1
    for _ in range(occurrence):
        index = data.find(b"<question", index + 1)
    return data.count(b"\n", 0, index) + 1 if index >= 0 else 0


@register
class MoodleXmlImporter(Importer):
    name = "moodlexml"
    extensions = ("xml",)

    def parse(self, data: bytes) -> ParseResult:
        if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
            raise FileRejected("tệp XML có khai báo DOCTYPE/ENTITY; không nhận vì lý do an toàn.")
        try:
            root = ET.fromstring(data)
        except ET.ParseError as error:
            raise FileRejected(f"tệp không phải XML hợp lệ ({error}).") from error
        if root.tag != "quiz":
            raise FileRejected("tệp XML không phải bản xuất câu hỏi Moodle (thiếu thẻ <quiz>).")
        result = ParseResult()
        topic = "Chung"
        seen: dict[str, int] = {}
        for occurrence, question in enumerate(root.findall("question"), start=1):
            line = _line_of(data, occurrence)
            kind = question.get("type", "")
            if kind == "category":
                topic = topic_from_category(_text(question, "category/text"))
                continue
            name = _plain(_text(question, "name/text"))
            if kind not in ("multichoice", "truefalse"):
                result.skipped.append(f"line {line}: {kind} “{name}”")
                continue
            text = _plain(_text(question, "questiontext/text"))
            if not text:
                result.error(line, f"line {line}: thiếu nội dung câu hỏi “{name}”")
                continue
            answers = [
                (_plain(_text(a, "text")), float(a.get("fraction", "0") or 0))
                for a in question.findall("answer")
            ]
            points_text = _text(question, "defaultgrade").strip() or "1"
            explanation = _plain(_text(question, "generalfeedback/text"))
            if kind == "truefalse":
                correct_true = next((f for t, f in answers if t.lower() == "true"), 0) > 0
                parsed = ParsedQuestion(
                    line=line,
                    code="",
                    topic=topic,
                    kind="true_false",
                    text=text,
                    options=list(TRUE_FALSE_OPTIONS),
                    correct="A" if correct_true else "B",
                    explanation=explanation,
                )
            else:
                single = _text(question, "single").strip().lower() != "false"
                options = [t for t, _f in answers]
                if len(options) < 2 or len(options) > 6:
                    result.error(
                        line, f"line {line}: cần từ 2 đến 6 phương án, “{name}” có {len(options)}"
                    )
                    continue
                if single:
                    best = max(f for _t, f in answers)
                    correct_idx = [i for i, (_t, f) in enumerate(answers) if f == best and f > 0]
                else:
                    correct_idx = [i for i, (_t, f) in enumerate(answers) if f > 0]
                if not correct_idx:
                    result.error(line, f"line {line}: “{name}” không có phương án đúng")
                    continue
                correct = "".join("ABCDEF"[i] for i in correct_idx)
                parsed = ParsedQuestion(
                    line=line,
                    code="",
                    topic=topic,
                    kind="multiple" if len(correct) > 1 else "single",
                    text=text,
                    options=options,
                    correct=correct,
                    explanation=explanation,
                )
            try:
                from decimal import Decimal

                parsed.points = Decimal(points_text)
            except ArithmeticError:
                result.error(line, f"line {line}: điểm “{points_text}” không phải là số")
                continue
            idnumber = _text(question, "idnumber").strip()
            base = (
                idnumber
                or "MXML-"
                + hashlib.sha1(repr((topic, name, text)).encode()).hexdigest()[:10].upper()
            )
            if base in seen:
                result.error(line, f"line {line}: mã “{base}” trùng với câu ở dòng {seen[base]}")
                continue
            seen[base] = line
            parsed.code = base[:64]
            result.questions.append(parsed)
        return result
