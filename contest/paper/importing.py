"""Importing a file of transcribed sheets: all-or-nothing unless ``partial``; identical
re-imports change nothing; a sheet number already in with other content is an error."""

from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from itertools import islice
from operator import itemgetter

from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from contest import events
from contest.grading import grade_paper, paper_grades
from contest.models import Contest, PaperAnswer, PaperEntry
from contest.paper.marks import paper_versions
from contest.paper.parsing import KNOWN_COLUMNS, SHEET_FIELDS, SheetRow, iter_sheets
from core.errors import RowError, error_lines
from core.read_ahead import read_ahead
from core.sql_values import in_values
from core.tabular import read_table
from questions.models import QuestionVersion


@dataclass
class PaperReport:
    created: int = 0
    unchanged: int = 0
    row_errors: list[RowError] = field(default_factory=list)  # in row order
    written: bool = False
    rejected: bool = False

    @property
    def errors(self) -> list[str]:
        """The errors as commands print them: ``row N: column: message`` lines."""
        return error_lines(self.row_errors)


CHUNK = 2000  # sheets read, checked and written at a time: memory stays flat


class _Rejected(Exception):
    """Undo what a rejected import wrote in its transaction."""


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

    The rows are streamed: read, checked against the contest and written
    ``CHUNK`` sheets at a time inside one transaction, which is rolled back
    when the file turns out to be rejected (all-or-nothing unless ``partial``).
    The next chunk is read and checked by a thread while this one is written
    (``read_ahead``); the errors of the rows read so far are in ``errors``.
    """
    headers, rows = read_table(data, kind, columns=KNOWN_COLUMNS)
    errors: list[RowError] = []
    sheets = iter_sheets(contest, headers, rows, errors)
    report = PaperReport()
    chunks = read_ahead(_chunks(sheets, translation.get_language()))
    try:
        with closing(chunks), transaction.atomic():
            for chunk in chunks:
                new = _new_sheets(contest, chunk, report, errors, correction_url)
                report.created += len(new)
                if new and not dry_run and (partial or not errors):
                    sheets_write(contest, new, user)
                    report.written = True
            if dry_run or (errors and not partial):
                raise _Rejected
    except _Rejected:
        report.written = False
    errors.sort(key=lambda error: (error.row, error.line()))
    report.row_errors = errors
    if errors and not partial:
        report.rejected = True
        report.created = 0
    if report.written:
        events.entries_changed(contest_id=contest.pk)
    return report


def _chunks(sheets: Iterator[SheetRow], language: str | None) -> Iterator[list[SheetRow]]:
    """``CHUNK`` sheets at a time, their messages in ``language`` (the caller's: a thread
    starts with the default one)."""
    with translation.override(language):
        while chunk := list(islice(sheets, CHUNK)):
            yield chunk


def _new_sheets(
    contest: Contest, chunk: list[SheetRow], report: PaperReport, errors: list, correction_url
) -> list[SheetRow]:
    """The sheets of ``chunk`` not yet in the contest; identical ones are counted unchanged, a
    sheet number already there with other content is an error."""
    existing = dict(_by_sheet_no(contest, [s.sheet_no for s in chunk], "content_hash"))
    new: list[SheetRow] = []
    for sheet in chunk:
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
                RowError(
                    sheet.row,
                    "sheet_no",
                    _(
                        "phiếu %(sheet)s đã nhập với nội dung khác; muốn sửa thì dùng màn hình "
                        "sửa phiếu%(where)s, nơi lưu lại lịch sử sửa"
                    )
                    % {"sheet": sheet.sheet_no, "where": where},
                )
            )
    return new


# Columns of a sheet that the import sets itself; every other column of the table takes the
# value a new ``PaperEntry()`` would have (its defaults), so a field added later is not missed.
_SET_BY_IMPORT = (
    "contest",
    "round",
    "sheet_no",
    *SHEET_FIELDS,
    "content_hash",
    "created_at",
    "created_by",
)


def sheets_write(contest: Contest, sheets: list[SheetRow], user) -> list[int]:
    """Write new sheets, graded, with their answers (inside the caller's transaction);
    returns the new entries' ids.

    Plain rows, not model instances, and no Python tuple an answer. PostgreSQL: the
    entries' ids are drawn first, the answers go in one ``COPY`` of text lines
    (``_copy_answers``), their sums are read back (``paper_grades``) and each entry is
    written once, score included, by ``COPY``. SQLite: the entries by one
    ``executemany``, the answers spelled out by the database from the ``answers`` text
    (``_answers_sqlite``), then one grading ``UPDATE``.
    """
    versions: dict[int, list[QuestionVersion]] = {}
    for sheet in sheets:
        if sheet.round.number not in versions:
            versions[sheet.round.number] = paper_versions(sheet.round)
    if connection.vendor == "postgresql":
        ids = dict(zip([s.sheet_no for s in sheets], _new_entry_ids(len(sheets)), strict=True))
        _copy_answers(sheets, ids, versions)
        _write_entries(contest, sheets, user, ids, paper_grades(list(ids.values()), contest.pk))
    else:
        _write_entries(contest, sheets, user)
        ids = dict(_by_sheet_no(contest, [s.sheet_no for s in sheets], "id"))
        _answers_sqlite(sheets, ids, versions)
        grade_paper(list(ids.values()), contest.pk)
    return list(ids.values())


def _new_entry_ids(count: int) -> list[int]:
    """PostgreSQL: ``count`` ids from the entries' own sequence, as an insert would take."""
    table = PaperEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _write_entries(
    contest: Contest,
    sheets: list[SheetRow],
    user,
    ids: dict[str, int] | None = None,
    grades: dict[int, tuple] | None = None,
) -> None:
    """The entries of ``sheets``: by ``COPY`` with the ids and grades given (PostgreSQL), or by
    one ``executemany`` with ids and grades left to the database and the grading."""
    ops = connection.ops
    template = PaperEntry(contest=contest, created_by=user)
    fields = [f for f in PaperEntry._meta.concrete_fields if not f.primary_key]
    defaults = {
        f.attname: f.get_db_prep_save(f.pre_save(template, add=True), connection)
        for f in fields
        if f.name not in _SET_BY_IMPORT
    }
    created = ops.adapt_datetimefield_value(timezone.now())
    columns = [f.column for f in fields]
    if ids is not None:
        columns.insert(0, PaperEntry._meta.pk.column)
    row_of = itemgetter(*[f.attname for f in fields])
    # The parser hands out one datetime object per distinct received_at text: adapted once.
    received: dict = {}
    rows = []
    for s in sheets:
        if s.received_at not in received:
            received[s.received_at] = ops.adapt_datetimefield_value(s.received_at)
        values = {
            **defaults,
            "contest_id": contest.pk,
            "round_id": s.round.pk,
            "sheet_no": s.sheet_no,
            "full_name": s.full_name,
            "phone": s.phone,
            "id_number": s.id_number,
            "birth_year": s.birth_year,
            "unit_id": s.unit.pk if s.unit else None,
            "address": s.address,
            "answers": s.answers,
            "prediction": s.prediction,
            "postmark_date": ops.adapt_datefield_value(s.postmark_date),
            "received_at": received[s.received_at],
            "invalid_reason": s.invalid_reason,
            "content_hash": s.content_hash,
            "created_at": created,
            "created_by_id": user.pk if user else None,
        }
        if ids is None:
            rows.append(row_of(values))
        else:
            entry_id = ids[s.sheet_no]
            values["score"], values["max_score"] = grades[entry_id]
            rows.append((entry_id, *row_of(values)))
    table = PaperEntry._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def _copy_answers(sheets: list[SheetRow], ids: dict, versions: dict) -> None:
    """PostgreSQL: every answer of ``sheets`` in one ``COPY``, in (entry, position) order.

    The lines of a sheet come from its round's template, one ``format`` call a sheet (not a
    Python tuple an answer). COPY writes the rows in batches (a WAL record per page, not a
    row), which INSERT … SELECT does not: 200,000 answers took 1.35 s of server CPU instead
    of 1.93 s. A mark is ``""``, ``*`` or letters (``parse_marks``): nothing to escape.
    """
    templates = {
        number: "".join(f"{{0}}\t{i}\t{v.pk}\t{{{i}}}\n" for i, v in enumerate(round_versions, 1))
        for number, round_versions in versions.items()
    }
    table = PaperAnswer._meta.db_table
    with connection.cursor() as cursor:
        copy_sql = f"COPY {table} (entry_id, position, version_id, answer) FROM STDIN"
        with cursor.cursor.copy(copy_sql) as copy:
            copy.write(
                "".join(
                    templates[sheet.round.number].format(ids[sheet.sheet_no], *sheet.marks)
                    for sheet in sheets
                )
            )


def _answers_sqlite(sheets: list[SheetRow], ids: dict, versions: dict) -> None:
    """SQLite: the answers of plain sheets spelled out by the database from their text, the
    others (a group of marks somewhere) sent as rows."""
    by_text: dict[int, list[int]] = {}  # round number → entries whose answers SQL can spell out
    items: list[tuple[int, int, int, str]] = []
    for sheet in sheets:
        number = sheet.round.number
        if max(map(len, sheet.marks), default=0) <= 1:
            by_text.setdefault(number, []).append(ids[sheet.sheet_no])
        else:
            items += [
                (ids[sheet.sheet_no], i, v.pk, m)
                for i, (v, m) in enumerate(zip(versions[number], sheet.marks, strict=True), 1)
            ]
    for number, entry_ids in by_text.items():
        _answers_from_text(entry_ids, versions[number])
    if items:
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {PaperAnswer._meta.db_table} (entry_id, position, version_id, answer)"
                " VALUES (%s, %s, %s, %s)",
                items,
            )


def _by_sheet_no(contest: Contest, sheet_nos: list[str], column: str) -> list[tuple]:
    """(sheet_no, ``column``) of the contest's entries among ``sheet_nos``: one query, the
    numbers as one parameter (``in_values``)."""
    condition, params = in_values("sheet_no", sheet_nos)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT sheet_no, {column} FROM {PaperEntry._meta.db_table} "
            f"WHERE contest_id = %s AND {condition}",
            [contest.pk, *params],
        )
        return cursor.fetchall()


def _answers_from_text(entry_ids: list[int], versions: list[QuestionVersion]) -> None:
    """Answers of sheets with one mark or none per question, from their ``answers`` text.

    That text is one character a question (``-`` blank, ``*`` several marks), as
    ``marks_text`` writes it: character N is the answer to question N.
    """
    table, entries = PaperAnswer._meta.db_table, PaperEntry._meta.db_table
    positions = " UNION ALL ".join(
        f"SELECT {int(i)} AS p, {int(v.pk)} AS vid" for i, v in enumerate(versions, 1)
    )
    condition, params = in_values("e.id", entry_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (entry_id, position, version_id, answer)
            SELECT e.id, q.p, q.vid,
                   CASE substr(e.answers, q.p, 1) WHEN '-' THEN '' ELSE substr(e.answers, q.p, 1) END
            FROM {entries} e CROSS JOIN ({positions}) q
            WHERE {condition}
            """,
            params,
        )


# --- corrections -----------------------------------------------------------------------
