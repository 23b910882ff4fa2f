"""Importing a file of transcribed sheets: all-or-nothing unless ``partial``; identical
re-imports change nothing; a sheet number already in with other content is an error."""

from dataclasses import dataclass, field

from django.db import connection, transaction

from contest import events
from contest.models import Contest, PaperAnswer, PaperEntry
from contest.paper.parsing import SheetRow, paper_versions, parse_sheets
from questions.models import QuestionVersion


@dataclass
class PaperReport:
    created: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)
    written: bool = False
    rejected: bool = False


def paper_import(
    *,
    contest: Contest,
    data: bytes,
    kind: str,
    dry_run: bool = False,
    partial: bool = False,
    user=None,
    correction_url: str = "",
) -> PaperReport:
    """Import transcribed sheets; identical re-imports change nothing.

    A ``sheet_no`` already in the contest with different content is an error:
    corrections go through ``paper_correct``, which keeps the history.
    Raises ``FileRejected`` / ``PaperSetupError`` when the file or the contest
    cannot be used at all.
    """
    sheets, errors = parse_sheets(contest, data, kind)
    report = PaperReport()
    existing = dict(
        PaperEntry.objects.filter(
            contest=contest, sheet_no__in=[s.sheet_no for s in sheets]
        ).values_list("sheet_no", "content_hash")
    )
    new: list[SheetRow] = []
    for sheet in sheets:
        known = existing.get(sheet.sheet_no)
        if known is None:
            new.append(sheet)
        elif known == sheet.content_hash:
            report.unchanged += 1
        else:
            where = (
                f" ({correction_url.replace('SHEET', sheet.sheet_no)})" if correction_url else ""
            )
            errors.append(
                (
                    sheet.row,
                    f"row {sheet.row}: sheet_no: phiếu {sheet.sheet_no} đã nhập với nội dung khác; "
                    f"muốn sửa thì dùng màn hình sửa phiếu{where}, nơi lưu lại lịch sử sửa",
                )
            )
    errors.sort()
    report.errors = [message for _row, message in errors]
    report.created = len(new)
    if errors and not partial:
        report.rejected = True
        report.created = 0
        return report
    if dry_run or not new:
        return report
    with transaction.atomic():
        sheets_write(contest, new, user)
    report.written = True
    events.entries_changed(contest_id=contest.pk)
    return report


def sheets_write(contest: Contest, sheets: list[SheetRow], user) -> None:
    from contest.grading import grade_paper

    versions: dict[int, list[QuestionVersion]] = {}
    for start in range(0, len(sheets), 2000):
        chunk = sheets[start : start + 2000]
        entries = PaperEntry.objects.bulk_create(
            [
                PaperEntry(
                    contest=contest,
                    round=s.round,
                    sheet_no=s.sheet_no,
                    full_name=s.full_name,
                    phone=s.phone,
                    id_number=s.id_number,
                    birth_year=s.birth_year,
                    unit=s.unit,
                    address=s.address,
                    answers=s.answers,
                    prediction=s.prediction,
                    postmark_date=s.postmark_date,
                    received_at=s.received_at,
                    invalid_reason=s.invalid_reason,
                    content_hash=s.content_hash,
                    created_by=user,
                )
                for s in chunk
            ]
        )
        if any(e.pk is None for e in entries):  # a backend that returns no ids
            ids = dict(
                PaperEntry.objects.filter(
                    contest=contest, sheet_no__in=[s.sheet_no for s in chunk]
                ).values_list("sheet_no", "pk")
            )
            for entry in entries:
                entry.pk = ids[entry.sheet_no]
        items = []
        for sheet, entry in zip(chunk, entries, strict=True):
            if sheet.round.number not in versions:
                versions[sheet.round.number] = paper_versions(sheet.round)
            items += [
                (entry.pk, i, v.pk, m)
                for i, (v, m) in enumerate(
                    zip(versions[sheet.round.number], sheet.marks, strict=True), start=1
                )
            ]
        _insert_answers(items)
        grade_paper([e.pk for e in entries], contest.pk)


def _insert_answers(rows: list[tuple[int, int, int, str]]) -> None:
    """Write (entry_id, position, version_id, answer) rows in bulk.

    Twenty rows a sheet make a million for 50,000 sheets: built as plain tuples
    and sent with ``COPY`` on PostgreSQL and ``executemany`` on SQLite, not as
    a million model instances.
    """
    table = PaperAnswer._meta.db_table
    columns = "entry_id, position, version_id, answer"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s)", rows)


# --- corrections -----------------------------------------------------------------------
