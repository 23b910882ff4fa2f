"""Moodle's Aiken format: the question, options ``A.`` or ``A)``, then ``ANSWER: X``."""

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

_OPTION = re.compile(r"^([A-F])[.)]\s+(.*)$")
_ANSWER = re.compile(r"^ANSWER:\s*([A-Z])\s*$", re.I)


@register
class AikenImporter(Importer):
    name = "aiken"
    extensions = ("aiken",)

    def parse(self, data: bytes) -> ParseResult:
        check_size(data)
        result = ParseResult()
        lines = decode_text(data).splitlines()
        start, text_lines, options = 0, [], []
        # An option out of order refuses the whole question: its ANSWER letter would point
        # at another option than the writer meant.
        broken = False
        seen: dict[str, int] = {}
        for number, raw in enumerate(lines + [""], start=1):
            line = raw.strip()
            if not line and not text_lines and not options:
                continue
            if not text_lines:
                start = number
                text_lines.append(line)
                continue
            option = _OPTION.match(line)
            answer = _ANSWER.match(line)
            if option and not answer:
                expected = "ABCDEF"[len(options)] if len(options) < 6 else "?"
                if option.group(1) != expected:
                    result.error(
                        number,
                        _(
                            "phương án %(letter)s không đúng thứ tự (chờ %(expected)s); "
                            "câu hỏi ở dòng %(start)s không được nhập"
                        )
                        % {"letter": option.group(1), "expected": expected, "start": start},
                    )
                    broken = True
                options.append(option.group(2).strip())
            elif answer:
                letter = answer.group(1).upper()
                text = " ".join(text_lines)
                if broken:
                    pass  # already reported at the misplaced option
                elif len(options) < 2:
                    result.error(start, _("cần ít nhất hai phương án"))
                elif letter not in "ABCDEF"[: len(options)]:
                    result.error(
                        number,
                        _("đáp án %(letter)s không có trong các phương án") % {"letter": letter},
                    )
                else:
                    code = (
                        "AIKEN-"
                        + hashlib.sha1(repr((text, options)).encode()).hexdigest()[:10].upper()
                    )
                    if code in seen:
                        same = _("trùng hệt câu ở dòng %(line)s, bỏ qua") % {"line": seen[code]}
                        result.skipped.append(f"line {start}: {same}")
                    else:
                        seen[code] = start
                        result.add(
                            ParsedQuestion(
                                line=start,
                                code=code,
                                topic="Chung",
                                kind="single",
                                text=text,
                                options=options,
                                correct=letter,
                            )
                        )
                text_lines, options, broken = [], [], False
            elif not line:
                if text_lines:
                    result.error(start, _("câu hỏi thiếu dòng “ANSWER: …”"))
                text_lines, options, broken = [], [], False
            elif options:
                result.error(number, _("dòng không phải phương án (A. …) hay ANSWER:"))
            else:
                text_lines.append(line)
        return result
