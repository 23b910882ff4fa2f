"""Moodle XML question export.

Imported: ``multichoice`` (``<single>false</single>`` gives several correct:
the answers with a positive fraction) and ``truefalse``. Categories become
topics with their nested path (``$course$/Iota/Kappa`` → ``Iota/Kappa``).
Every other question type is reported as skipped, by name and line.
"""

import hashlib
import html
import math
import re
import xml.etree.ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from django.utils.translation import gettext as _

from core.tabular import FileRejected, check_size
from questions.importers import register
from questions.importers.base import (
    Importer,
    ParsedQuestion,
    ParseResult,
    points_parse,
)
from questions.importers.gift import TRUE_FALSE_OPTIONS, topic_from_category

_TAG = re.compile(r"<[^>]+>")


def _plain(text: str | None) -> str:
    """HTML question text to plain text."""
    text = re.sub(r"<br\s*/?>|</p>", "\n", text or "", flags=re.I)
    return " ".join(html.unescape(_TAG.sub("", text)).split())


def _text(element, path: str) -> str:
    found = element.find(path)
    return found.text or "" if found is not None else ""


class _QuestionLines(ET.TreeBuilder):
    """A tree builder that notes the line of each ``<question>`` directly under the root,
    as the expat parser reads its start tag (one pass: linear in the file's size)."""

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.lines: list[int] = []
        self.expat = None

    def start(self, tag, attrs):
        if self.depth == 1 and tag == "question":
            self.lines.append(self.expat.CurrentLineNumber)
        self.depth += 1
        return super().start(tag, attrs)

    def end(self, tag):
        self.depth -= 1
        return super().end(tag)


def parse_with_question_lines(data: bytes) -> tuple[ET.Element, list[int]]:
    """The document's root and the line (1-based) of each ``<question>`` child of the root,
    in order (``root.findall("question")``'s order). DOCTYPE, entities and external
    references are refused in any encoding (``DefusedXmlException``)."""
    target = _QuestionLines()
    parser = SafeET.DefusedXMLParser(target=target, forbid_dtd=True)
    target.expat = parser.parser
    parser.feed(data)
    return parser.close(), target.lines


@register
class MoodleXmlImporter(Importer):
    name = "moodlexml"
    extensions = ("xml",)

    def parse(self, data: bytes) -> ParseResult:
        check_size(data)
        try:
            # defusedxml refuses DOCTYPE, entities and external references in any encoding
            # (a byte search misses a UTF-16 ``<!DOCTYPE``).
            root, lines = parse_with_question_lines(data)
        except DefusedXmlException as error:
            raise FileRejected(
                _("tệp XML có khai báo DOCTYPE/ENTITY; không nhận vì lý do an toàn."), "xml_unsafe"
            ) from error
        except (ET.ParseError, ValueError, LookupError) as error:
            raise FileRejected(
                _("tệp không phải XML hợp lệ (%(error)s).") % {"error": error}, "xml_invalid"
            ) from error
        if root.tag != "quiz":
            raise FileRejected(
                _("tệp XML không phải bản xuất câu hỏi Moodle (thiếu thẻ <quiz>)."), "not_moodle"
            )
        result = ParseResult()
        topic = "Chung"
        seen: dict[str, int] = {}
        for question, line in zip(root.findall("question"), lines, strict=True):
            kind = question.get("type", "")
            if kind == "category":
                topic = topic_from_category(_text(question, "category/text"))
                continue
            name = _plain(_text(question, "name/text"))
            if kind not in ("multichoice", "truefalse"):
                result.skipped.append(f"line {line}: {kind} “{name[:80]}”")
                continue
            parsed = self._question(question, line, name, topic, result)
            if parsed is None:
                continue
            idnumber = _text(question, "idnumber").strip()
            code = (
                idnumber
                or "MXML-"
                + hashlib.sha1(repr((topic, name, parsed.text)).encode()).hexdigest()[:10].upper()
            )
            if code in seen:
                result.error(
                    line,
                    _("mã “%(code)s” trùng với câu ở dòng %(line)s")
                    % {"code": code, "line": seen[code]},
                )
                continue
            seen[code] = line
            parsed.code = code  # a code too long is refused by question_problems, never cut
            result.add(parsed)
        return result

    def _question(self, question, line: int, name: str, topic: str, result: ParseResult):
        kind = question.get("type", "")
        text = _plain(_text(question, "questiontext/text"))
        if not text:
            result.error(line, _("thiếu nội dung câu hỏi “%(name)s”") % {"name": name[:80]})
            return None
        answers = []
        for answer in question.findall("answer"):
            raw = (answer.get("fraction", "0") or "0").strip()
            try:
                fraction = float(raw)
            except ValueError:
                fraction = math.nan
            if not math.isfinite(fraction) or not -100 <= fraction <= 100:
                result.error(
                    line,
                    _("fraction=“%(raw)s” của “%(name)s” không phải số từ -100 đến 100")
                    % {"raw": raw[:20], "name": name[:80]},
                )
                return None
            answers.append((_plain(_text(answer, "text")), fraction))
        try:
            points = points_parse(_text(question, "defaultgrade").strip() or "1")
        except ValueError as error:
            result.error(line, str(error), "defaultgrade")
            return None
        explanation = _plain(_text(question, "generalfeedback/text"))
        if kind == "truefalse":
            correct_true = next((f for t, f in answers if t.lower() == "true"), 0) > 0
            return ParsedQuestion(
                line=line,
                code="",
                topic=topic,
                kind="true_false",
                text=text,
                options=list(TRUE_FALSE_OPTIONS),
                correct="A" if correct_true else "B",
                points=points,
                explanation=explanation,
            )
        single = _text(question, "single").strip().lower() != "false"
        options = [t for t, _f in answers]
        if len(options) < 2 or len(options) > 6:
            result.error(
                line,
                _("cần từ 2 đến 6 phương án, “%(name)s” có %(n)s")
                % {"name": name[:80], "n": len(options)},
            )
            return None
        if single:
            best = max(f for _t, f in answers)
            correct_idx = [i for i, (_t, f) in enumerate(answers) if f == best and f > 0]
        else:
            correct_idx = [i for i, (_t, f) in enumerate(answers) if f > 0]
        if not correct_idx:
            result.error(line, _("“%(name)s” không có phương án đúng") % {"name": name[:80]})
            return None
        correct = "".join("ABCDEF"[i] for i in correct_idx)
        return ParsedQuestion(
            line=line,
            code="",
            topic=topic,
            kind="multiple" if len(correct) > 1 else "single",
            text=text,
            options=options,
            correct=correct,
            points=points,
            explanation=explanation,
        )
