"""Importing 50,000 typed paper sheets (issue #17, part 2).

Rows in the contract's columns, spelled as clerks type them: phones as
``0905 123 456``, ``+84905123456`` or ``84-905-123-456``, dates as
``dd/mm/yyyy``, units by name, a prediction, 20 answers. Measured on the
database ``make bench`` started (PostgreSQL) and on a fresh SQLite file, each
import in a process of its own so that its peak memory is its own:

- ``paper_import_<db>_csv`` / ``_xlsx``: a first import of every row;
- ``paper_import_<db>_reimport_csv``: the identical file again (nothing changes);
- ``..._peak_rss``: the process's peak resident memory during that import,
  against ``paper_import_<db>_baseline_rss`` (the same process, set up, before
  reading the file).

Targets: csv < 10 s, xlsx < 20 s on both databases, identical re-import < 3 s,
memory flat (no list of every row). ``BENCH_PAPER_SHEETS`` changes the size.
"""

import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = 20
UNITS = 30
HEADER = [
    "sheet_no",
    "full_name",
    "phone",
    "id_number",
    "birth_year",
    "unit",
    "address",
    "answers",
    "prediction",
    "postmark_date",
    "received_at",
]


def _phone(n: int) -> str:
    digits = f"9{n:08d}"
    spelling = n % 3
    if spelling == 0:
        return f"0{digits[:3]} {digits[3:6]} {digits[6:]}"
    if spelling == 1:
        return f"+84{digits}"
    return f"84-{digits[:3]}-{digits[3:6]}-{digits[6:]}"


def _rows(n: int):
    closes = date(2026, 6, 9)
    for i in range(1, n + 1):
        postmark = closes - timedelta(days=i % 14)
        answers = "".join("ABCD"[(i * 7 + q * 13) % 4] for q in range(QUESTIONS))
        yield [
            f"P-{i:06d}",
            f"Nguyễn Văn Phiếu {i}",
            _phone(i),
            "",
            str(1950 + i % 50),
            f"Xã Thử Nghiệm {i % UNITS}",
            f"Thôn {i % 12}",
            answers,
            str(100_000 + (i * 104_729) % 200_000),
            postmark.strftime("%d/%m/%Y"),
            (postmark + timedelta(days=2)).strftime("%d/%m/%Y 09:30"),
        ]


def _write_files(folder: Path, n: int) -> tuple[Path, Path]:
    from openpyxl import Workbook

    csv_path = folder / "sheets.csv"
    with csv_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(_rows(n))
    xlsx_path = folder / "sheets.xlsx"
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADER)
    for row in _rows(n):
        sheet.append(row)
    workbook.save(xlsx_path)
    return csv_path, xlsx_path


def _setup(slug: str):
    """A paper contest of 20 questions with the units the rows name."""
    from django.utils import timezone

    from accounts.models import Unit
    from contest.definition import contest_import
    from contest.models import Contest
    from questions.models import Bank
    from questions.services import question_save

    Unit.objects.bulk_create(
        [
            Unit(code=f"xa-thu-nghiem-{n}", name=f"Xã Thử Nghiệm {n}", kind="commune")
            for n in range(UNITS)
        ],
        ignore_conflicts=True,
    )
    bank, created = Bank.objects.get_or_create(slug="bench-paper", defaults={"title": "bench"})
    if created:
        for n in range(QUESTIONS):
            question_save(
                bank=bank,
                code=f"P-{n:03d}",
                topic_name="T",
                kind="single",
                text=f"Câu {n}?",
                options=["A", "B", "C", "D"],
                correct="B",
            )
    now = timezone.localtime(timezone.now())
    contest_import(
        data={
            "slug": slug,
            "title": "Bench paper",
            "organizer": "Bench",
            "opens_at": (now - timedelta(days=20)).strftime("%Y-%m-%d %H:%M"),
            "closes_at": (now + timedelta(days=20)).strftime("%Y-%m-%d %H:%M"),
            "paper_postmark_deadline": (now + timedelta(days=20)).strftime("%Y-%m-%d"),
            "channels": ["paper"],
            "questions": {"bank": "bench-paper", "codes": [f"P-{n:03d}" for n in range(QUESTIONS)]},
            "prediction": {"question": "?", "target": "participants"},
            "lot_seed": "bench",
            "prizes": [{"name": "Nhất", "count": 1}],
        }
    )
    return Contest.objects.get(slug=slug)


def _rss_now_kib() -> int:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") // 1024


def _measure_main(kind: str, path: str, slug: str, again: bool) -> None:
    """In a fresh process: set up, import once (and again if asked); print JSON figures."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ.setdefault("DJANGO_DEBUG", "false")
    import django

    django.setup()
    from django.core.management import call_command

    from contest.paper.importing import paper_import

    call_command("migrate", verbosity=0)
    contest = _setup(slug)
    data = Path(path).read_bytes()
    baseline = _rss_now_kib()
    figures = {"baseline_rss_mib": baseline / 1024}
    started = time.perf_counter()
    report = paper_import(contest=contest, data=data, kind=kind)
    figures["first_s"] = time.perf_counter() - started
    figures["created"] = report.created
    figures["errors"] = len(report.errors)
    figures["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if again:
        started = time.perf_counter()
        report = paper_import(contest=contest, data=data, kind=kind)
        figures["again_s"] = time.perf_counter() - started
        figures["again_unchanged"] = report.unchanged
    print("RESULT " + json.dumps(figures), flush=True)


def _measure(env: dict, kind: str, path: Path, slug: str, again: bool) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "bench.paper_import", kind, str(path), slug, "1" if again else "0"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def run(report) -> None:
    from django.db import connection

    sheets = int(os.environ.get("BENCH_PAPER_SHEETS", 50_000))
    with tempfile.TemporaryDirectory(prefix="bench-paper-") as tmp:
        folder = Path(tmp)
        csv_path, xlsx_path = _write_files(folder, sheets)
        report("paper_import_sheets", sheets, "sheets")
        databases = []
        if connection.vendor == "postgresql":
            databases.append(("postgresql", dict(os.environ)))
        sqlite_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        sqlite_env["SQLITE_PATH"] = str(folder / "bench.sqlite3")
        databases.append(("sqlite", sqlite_env))
        for db, env in databases:
            for kind, path in (("csv", csv_path), ("xlsx", xlsx_path)):
                figures = _measure(env, kind, path, f"bench-paper-{kind}", again=kind == "csv")
                if figures["created"] != sheets or figures["errors"]:
                    print(f"# paper_import {db} {kind}: {figures}", flush=True)
                report(f"paper_import_{db}_{kind}", figures["first_s"], "s")
                report(
                    f"paper_import_{db}_{kind}_per_sheet", figures["first_s"] / sheets * 1e6, "µs"
                )
                report(f"paper_import_{db}_{kind}_baseline_rss", figures["baseline_rss_mib"], "MiB")
                report(f"paper_import_{db}_{kind}_peak_rss", figures["peak_rss_mib"], "MiB")
                if "again_s" in figures:
                    report(f"paper_import_{db}_reimport_{kind}", figures["again_s"], "s")


if __name__ == "__main__":
    _measure_main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1")
