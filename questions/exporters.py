"""Writing a bank back out: xlsx, csv and GIFT, chosen by the file's extension.

Each exporter round-trips through its importer: export, then import into an
empty bank, gives the same questions.
"""

import io
from collections.abc import Iterable
from pathlib import Path

from django.db.models import F
from django.utils.translation import gettext as _
from openpyxl import Workbook

from core.errors import Refusal
from core.spreadsheets import csv_bytes, xlsx_append
from questions.models import Bank, QuestionVersion


class ExportRefused(Refusal, ValueError):
    """No exporter for the file's extension."""

    code = "export_format"
    field = "path"


COLUMNS = [
    "code",
    "topic",
    "text",
    "option_a",
    "option_b",
    "option_c",
    "option_d",
    "option_e",
    "option_f",
    "correct",
    "points",
    "difficulty",
    "explanation",
    "source",
    "kind",
]


def _rows(bank: Bank) -> Iterable[list]:
    versions = (
        QuestionVersion.objects.filter(question__bank=bank, question__current_version_id=F("id"))
        .select_related("question__topic")
        .order_by("question__code")
    )
    for v in versions.iterator(chunk_size=2000):
        options = list(v.options) + [""] * (6 - len(v.options))
        points = int(v.points) if v.points == int(v.points) else float(v.points)
        yield [
            v.question.code,
            v.question.topic.name,
            v.text,
            *options,
            ",".join(v.correct),
            points,
            v.difficulty,
            v.explanation,
            v.source,
            v.kind,
        ]


def export_csv(bank: Bank) -> bytes:
    return csv_bytes(COLUMNS, _rows(bank))


def export_xlsx(bank: Bank) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("questions")
    xlsx_append(sheet, COLUMNS)
    for row in _rows(bank):
        xlsx_append(sheet, row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _gift_escape(text: str) -> str:
    for char in "\\~=#{}:":
        text = text.replace(char, "\\" + char)
    return text.replace("\n", "\\n")


def export_gift(bank: Bank) -> bytes:
    out, topic = [], None
    for code, topic_name, text, *rest in _rows(bank):
        options = [o for o in rest[:6] if o]
        correct, explanation, kind = rest[6].replace(",", ""), rest[9], rest[11]
        if topic_name != topic:
            topic = topic_name
            out.append(f"$CATEGORY: $course$/{topic}\n")
        feedback = f"####{_gift_escape(explanation)}" if explanation else ""
        if kind == "true_false":
            answer = "TRUE" if correct == "A" else "FALSE"
            out.append(f"::{_gift_escape(code)}::{_gift_escape(text)}{{{answer}{feedback}}}\n")
            continue
        if len(correct) > 1:
            share = 100 / len(correct)
            weight = f"{share:g}" if share == int(share) else f"{share:.5f}"
            marks = [
                f"~%{weight}%" if "ABCDEF"[i] in correct else "~%-100%" for i in range(len(options))
            ]
        else:
            marks = ["=" if "ABCDEF"[i] in correct else "~" for i in range(len(options))]
        lines = "\n".join(f"    {m}{_gift_escape(o)}" for m, o in zip(marks, options, strict=True))
        out.append(f"::{_gift_escape(code)}::{_gift_escape(text)} {{\n{lines}\n{feedback}}}\n")
    return "\n".join(out).encode("utf-8")


EXPORTERS = {"csv": export_csv, "xlsx": export_xlsx, "gift": export_gift, "txt": export_gift}


def export_bank(bank: Bank, path: str) -> bytes:
    """The bytes of ``bank`` in the format named by ``path``'s extension; ``ExportRefused``
    for an extension no exporter writes."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in EXPORTERS:
        raise ExportRefused(
            _("không xuất được định dạng .%(suffix)s; dùng .xlsx, .csv hoặc .gift")
            % {"suffix": suffix}
        )
    return EXPORTERS[suffix](bank)
