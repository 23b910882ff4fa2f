"""Importing a 10,000-row question spreadsheet (target: under 10 s).

Baseline: the same rows written one ORM ``save()`` at a time, as a naive
importer would, measured on 1,000 rows in the same run.
"""

import csv
import io
import tempfile
import time
from pathlib import Path

ROWS = 10_000
BASELINE_ROWS = 1_000


def _rows(n: int, prefix: str):
    for i in range(n):
        yield [
            f"{prefix}-{i:05d}",
            f"Chủ đề {i % 6}",
            f"Câu hỏi số {i} về cải cách hành chính?",
            "Phương án một",
            "Phương án hai",
            "Phương án ba",
            "Phương án bốn",
            "ABCD"[i % 4],
            1,
            "medium",
            "Giải thích ngắn.",
            "Nghị quyết 76/NQ-CP",
        ]


HEADER = [
    "code",
    "topic",
    "text",
    "option_a",
    "option_b",
    "option_c",
    "option_d",
    "correct",
    "points",
    "difficulty",
    "explanation",
    "source",
]


def _xlsx(path: Path, n: int) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADER)
    for row in _rows(n, "X"):
        sheet.append(row)
    workbook.save(path)


def _csv(path: Path, n: int) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(_rows(n, "C"))
    path.write_text(buffer.getvalue(), encoding="utf-8")


def _baseline(report) -> None:
    from questions.models import Bank, Question, QuestionVersion, Topic, content_hash

    bank = Bank.objects.create(slug="bench-naive", title="naive")
    started = time.perf_counter()
    for code, topic_name, text, a, b, c, d, correct, points, diff, expl, src in _rows(
        BASELINE_ROWS, "N"
    ):
        topic, _ = Topic.objects.get_or_create(bank=bank, name=topic_name)
        question = Question.objects.create(bank=bank, code=code, topic=topic)
        version = QuestionVersion.objects.create(
            question=question,
            number=1,
            kind="single",
            text=text,
            options=[a, b, c, d],
            correct=correct,
            points=points,
            difficulty=diff,
            explanation=expl,
            source=src,
            content_hash=content_hash(
                kind="single",
                text=text,
                options=[a, b, c, d],
                correct=correct,
                points=points,
                difficulty=diff,
                explanation=expl,
                source=src,
            ),
        )
        question.current_version = version
        question.save()
    per_row = (time.perf_counter() - started) / BASELINE_ROWS
    report("import_questions_naive_orm_10k_extrapolated", per_row * ROWS, "s")


def run(report) -> None:
    from django.core.management import call_command

    from questions.models import Bank

    Bank.objects.filter(slug__startswith="bench-").delete()
    with tempfile.TemporaryDirectory() as folder:
        xlsx, csv_path = Path(folder) / "bank.xlsx", Path(folder) / "bank.csv"
        _xlsx(xlsx, ROWS)
        _csv(csv_path, ROWS)
        _baseline(report)
        for name, path, slug in (("xlsx", xlsx, "bench-xlsx"), ("csv", csv_path, "bench-csv")):
            started = time.perf_counter()
            call_command("import_questions", str(path), "--bank", slug, stdout=io.StringIO())
            report(f"import_questions_{name}_10k", time.perf_counter() - started, "s")
        started = time.perf_counter()
        call_command("import_questions", str(xlsx), "--bank", "bench-xlsx", stdout=io.StringIO())
        report("reimport_questions_xlsx_10k_unchanged", time.perf_counter() - started, "s")
    assert Bank.objects.get(slug="bench-xlsx").questions.count() == ROWS
