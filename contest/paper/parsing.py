"""Paper answer sheets: reading transcribed rows, importing them, correcting them.

The file format is the "Paper entries" table of CONTRACTS.md. Parsing writes
nothing; ``paper_import`` writes all-or-nothing unless ``partial``. A sheet
that arrived is never dropped: missing identity makes it an invalid entry at
ranking time, not an import error. What is an error is data that cannot be
what it claims (a letter the question does not have, a date that is not a date,
a phone that is not a phone, a sheet number used twice).
"""

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.identity import id_birth_year_warning, normalize_phone, validate_id_number
from accounts.models import Unit
from contest import events
from contest.inputs import ascii_digits, prediction_parse
from contest.models import Contest, PaperAnswer, PaperCorrection, PaperEntry, Round
from core.tabular import FileRejected, cell_text, read_table, too_long, too_long_message
from core.timeparse import BadDate, parse_date, parse_datetime
from questions.models import LETTERS, Question, QuestionVersion

REQUIRED_COLUMNS = ("sheet_no", "answers", "postmark_date")
# The fields of a sheet a clerk types or corrects (everything but its number and round).
SHEET_FIELDS = (
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
    "invalid_reason",
)
KNOWN_COLUMNS = {"sheet_no", *SHEET_FIELDS, "round"}
# The fields of a sheet that its content hash covers, in a fixed order.
HASHED = (
    "round",
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
    "invalid_reason",
)


class PaperSetupError(Exception):
    """The contest cannot take paper sheets as it is set up (message for the organizer)."""


@dataclass
class SheetRow:
    """One transcribed sheet, validated and normalized, not yet written."""

    row: int
    sheet_no: str
    round: Round
    full_name: str = ""
    phone: str = ""
    id_number: str = ""
    birth_year: int | None = None
    unit: Unit | None = None
    address: str = ""
    marks: list[str] = field(default_factory=list)  # one per question: letters, "" or "*"
    prediction: int | None = None
    postmark_date: date | None = None
    received_at: datetime | None = None
    invalid_reason: str = ""

    @property
    def answers(self) -> str:
        return marks_text(self.marks)

    def canonical(self) -> dict:
        return {
            "round": self.round.number,
            "full_name": self.full_name,
            "phone": self.phone,
            "id_number": self.id_number,
            "birth_year": self.birth_year,
            "unit": self.unit.code if self.unit else "",
            "address": self.address,
            "answers": self.answers,
            "prediction": self.prediction,
            "postmark_date": self.postmark_date.isoformat() if self.postmark_date else "",
            "received_at": _utc(self.received_at),
            "invalid_reason": self.invalid_reason,
        }

    @property
    def content_hash(self) -> str:
        return content_hash(self.canonical())


def _utc(moment: datetime | None) -> str:
    return moment.astimezone(UTC).isoformat() if moment else ""


def content_hash(canonical: dict) -> str:
    text = json.dumps([canonical[k] for k in HASHED], ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def marks_text(marks: list[str]) -> str:
    """Marks back to the contract's spelling: ``ABD-*`` or, with any group, ``A AC - D``."""
    shown = [m or "-" for m in marks]
    if any(len(m) > 1 for m in shown):
        return " ".join(shown)
    return "".join(shown)


@dataclass
class PaperReport:
    created: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)
    written: bool = False
    rejected: bool = False


# --- the questions printed on the sheet ---------------------------------------------------


def paper_versions(round: Round) -> list[QuestionVersion]:
    """The question versions on the round's printed sheet, in sheet order.

    Paper needs a fixed question list: a blueprint drawn per attempt has no one
    sheet to print.
    """
    spec = round.questions_spec or round.contest.questions_spec
    if "codes" not in spec:
        raise PaperSetupError(
            "cuộc thi rút câu hỏi ngẫu nhiên cho từng lượt nên không có phiếu giấy cố định; "
            "hãy đặt danh sách mã câu hỏi cố định cho phiếu giấy."
        )
    rows = dict(
        Question.objects.filter(bank__slug=spec["bank"], code__in=spec["codes"]).values_list(
            "code", "current_version_id"
        )
    )
    missing = [c for c in spec["codes"] if not rows.get(c)]
    if missing:
        raise PaperSetupError(f"ngân hàng {spec['bank']} thiếu câu hỏi {', '.join(missing)}.")
    versions = QuestionVersion.objects.in_bulk([rows[c] for c in spec["codes"]])
    return [versions[rows[c]] for c in spec["codes"]]


def parse_marks(text: str, versions: list[QuestionVersion]) -> list[str]:
    """The marks of a sheet, one per question; ``ValueError`` with a clerk's message."""
    raw = str(text or "").strip().upper()
    if not raw:
        raise ValueError("thiếu đáp án (ghi - cho câu bỏ trống)")
    groups = raw.split() if re.search(r"\s", raw) else list(raw)
    if len(groups) != len(versions):
        raise ValueError(f"có {len(groups)} câu trả lời, phiếu có {len(versions)} câu")
    marks = []
    for number, (group, version) in enumerate(zip(groups, versions, strict=True), start=1):
        if group == "-":
            marks.append("")
            continue
        if group == "*":
            marks.append("*")
            continue
        allowed = LETTERS[: len(version.options)]
        wrong = [c for c in group if c not in allowed]
        if wrong:
            raise ValueError(
                f"câu {number}: không có phương án “{wrong[0]}” "
                f"(câu này có {allowed[0]}–{allowed[-1]}; - là bỏ trống, * là đánh nhiều ô)"
            )
        if len(set(group)) != len(group):
            raise ValueError(f"câu {number}: “{group}” ghi một chữ cái hai lần")
        if len(group) > 1 and version.kind != QuestionVersion.Kind.MULTIPLE:
            raise ValueError(
                f"câu {number} chỉ có một đáp án đúng: đánh nhiều ô thì ghi *, không ghi “{group}”"
            )
        marks.append("".join(sorted(group)))
    return marks


# --- parsing a file --------------------------------------------------------------------


def _unit_lookup(contest: Contest) -> dict[str, Unit]:
    units = Unit.objects.filter(is_active=True)
    eligible = list(contest.eligible_units.all())
    if eligible:
        units = units.filter(Q(pk__in=[u.pk for u in eligible]) | Q(parent__in=eligible))
    lookup = {}
    for unit in units:
        lookup[unicodedata.normalize("NFC", unit.code).lower()] = unit
        lookup[unicodedata.normalize("NFC", unit.name).lower()] = unit
    return lookup


def parse_sheets(
    contest: Contest, data: bytes, kind: str
) -> tuple[list[SheetRow], list[tuple[int, str]]]:
    """Read a csv/xlsx file of transcribed sheets; returns (valid rows, errors by row)."""
    headers, rows = read_table(data, kind, columns=KNOWN_COLUMNS)
    return _parse_rows(contest, headers, rows)


def _parse_rows(contest: Contest, headers: list[str], rows) -> tuple[list[SheetRow], list]:
    errors: list[tuple[int, str]] = []
    missing = [c for c in REQUIRED_COLUMNS if c not in headers]
    if contest.prediction_question and "prediction" not in headers:
        missing.append("prediction")
    if missing:
        raise FileRejected(
            f"thiếu cột {', '.join(missing)} (cần: sheet_no, answers, postmark_date"
            + (", prediction" if contest.prediction_question else "")
            + ")"
        )
    rounds = {r.number: r for r in contest.rounds.all()}
    if not rounds:
        raise PaperSetupError("cuộc thi chưa có vòng nào.")
    versions_by_round: dict[int, list[QuestionVersion]] = {}
    units = _unit_lookup(contest)
    tz = contest.tz
    seen: dict[str, int] = {}
    sheets: list[SheetRow] = []
    for number, row in rows:
        problems: list[str] = []

        def bad(column: str, message: str) -> None:
            problems.append(f"row {number}: {column}: {message}")  # noqa: B023

        for column in too_long(row):
            bad(column, too_long_message(column, row))
        text = {
            k: unicodedata.normalize("NFC", cell_text(v))
            for k, v in row.items()
            if k in KNOWN_COLUMNS
        }
        _restore_leading_zeros(row, text)
        sheet_no = text.get("sheet_no", "")
        if not sheet_no:
            bad("sheet_no", "thiếu số phiếu")
        elif len(sheet_no) > 40:
            bad("sheet_no", "số phiếu dài quá 40 ký tự")
        elif sheet_no in seen:
            bad("sheet_no", f"số phiếu {sheet_no} đã có ở dòng {seen[sheet_no]} của tệp")
        else:
            seen[sheet_no] = number
        round_ = _pick_round(text.get("round", ""), rounds, row.get("postmark_date"), bad)
        sheet = SheetRow(row=number, sheet_no=sheet_no, round=round_ or next(iter(rounds.values())))
        sheet.full_name = " ".join(text.get("full_name", "").split())[:120]
        sheet.address = text.get("address", "")[:255]
        if text.get("birth_year"):
            value = text["birth_year"]
            if (
                not ascii_digits(value, max_digits=4)
                or not 1900 <= int(value) <= timezone.now().year
            ):
                bad("birth_year", f"“{value}” không phải năm sinh (bốn chữ số, ví dụ 1975)")
            else:
                sheet.birth_year = int(value)
        if text.get("phone"):
            try:
                sheet.phone = normalize_phone(text["phone"])
            except ValidationError as error:
                bad("phone", f"“{text['phone']}”: {error.messages[0]}")
        if text.get("id_number"):
            try:
                # a CCCD that disagrees with the birth year is still what was written: kept,
                # with a warning for the winners' identity check (id_birth_year_warning)
                sheet.id_number = validate_id_number(text["id_number"])
            except ValidationError as error:
                bad("id_number", f"“{text['id_number']}”: {error.messages[0]}")
        if text.get("unit"):
            sheet.unit = units.get(text["unit"].lower())
            if sheet.unit is None:
                bad("unit", f"không có đơn vị “{text['unit']}” trong danh sách của cuộc thi")
        if round_ is not None:
            if round_.number not in versions_by_round:
                versions_by_round[round_.number] = paper_versions(round_)
            try:
                sheet.marks = parse_marks(text.get("answers", ""), versions_by_round[round_.number])
            except ValueError as error:
                bad("answers", str(error))
        if text.get("prediction"):
            try:
                sheet.prediction = prediction_parse(text["prediction"])
            except ValueError as error:
                bad("prediction", str(error))
        try:
            sheet.postmark_date = parse_date(row.get("postmark_date"))
        except BadDate as error:
            bad("postmark_date", str(error) if row.get("postmark_date") else "thiếu ngày")
        if row.get("received_at") not in (None, ""):
            try:
                sheet.received_at = parse_datetime(row["received_at"], tz)
            except BadDate as error:
                bad("received_at", str(error))
        sheet.invalid_reason = text.get("invalid_reason", "")[:60]
        if problems:
            errors.extend((number, p) for p in problems)
        else:
            sheets.append(sheet)
    return sheets, errors


def _restore_leading_zeros(row: dict, text: dict) -> None:
    """Excel turns 0905123456 typed in a number cell into 905123456: put the zero back."""
    phone, id_number = row.get("phone"), row.get("id_number")
    if isinstance(phone, int | float) and len(text["phone"]) == 9:
        text["phone"] = "0" + text["phone"]
    if isinstance(id_number, int | float):
        digits = text["id_number"]
        if len(digits) in (10, 11):  # CCCD: province codes start with 0
            text["id_number"] = digits.zfill(12)
        elif len(digits) == 8:
            text["id_number"] = digits.zfill(9)


def _pick_round(value: str, rounds: dict, postmark, bad) -> Round | None:
    if value:
        if not ascii_digits(value, max_digits=4) or int(value) not in rounds:
            bad("round", f"không có vòng “{value}” (có: {', '.join(map(str, rounds))})")
            return None
        return rounds[int(value)]
    if len(rounds) == 1:
        return next(iter(rounds.values()))
    try:
        day = parse_date(postmark)
    except BadDate:
        return next(iter(rounds.values()))
    chosen = None
    for r in rounds.values():
        if timezone.localtime(r.opens_at, r.contest.tz).date() <= day:
            chosen = r
    return chosen or next(iter(rounds.values()))


# --- writing ---------------------------------------------------------------------------


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
        _write(contest, new, user)
    report.written = True
    events.entries_changed(contest_id=contest.pk)
    return report


def _write(contest: Contest, sheets: list[SheetRow], user) -> None:
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


def entry_canonical(entry: PaperEntry) -> dict:
    return {
        "round": entry.round.number,
        "full_name": entry.full_name,
        "phone": entry.phone,
        "id_number": entry.id_number,
        "birth_year": entry.birth_year,
        "unit": entry.unit.code if entry.unit else "",
        "address": entry.address,
        "answers": entry.answers,
        "prediction": entry.prediction,
        "postmark_date": entry.postmark_date.isoformat() if entry.postmark_date else "",
        "received_at": _utc(entry.received_at),
        "invalid_reason": entry.invalid_reason,
    }


def paper_correct(*, entry: PaperEntry, changes: dict[str, str], reason: str, user) -> PaperEntry:
    """Change a keyed sheet, recording before/after, who and why.

    ``changes`` holds raw field values as a clerk types them (the same
    spelling as the import). Raises ``ValueError`` with the problems, in
    Vietnamese, and writes nothing then.
    """
    if not reason.strip():
        raise ValueError("Hãy ghi lý do sửa phiếu.")
    contest = entry.contest
    before = entry_canonical(entry)
    raw = {k: ("" if v is None else str(v)) for k, v in before.items() if k != "round"}
    raw["round"] = str(entry.round.number)
    raw.update({k: v for k, v in changes.items() if k in SHEET_FIELDS})
    raw["sheet_no"] = entry.sheet_no
    sheets, errors = _parse_one(contest, raw)
    if errors:
        raise ValueError("; ".join(m.split(": ", 1)[1] for m in errors))
    sheet = sheets[0]
    after = sheet.canonical()
    if after == before:
        raise ValueError("Không có gì thay đổi.")
    with transaction.atomic():
        entry = PaperEntry.objects.select_for_update().get(pk=entry.pk)
        for name in SHEET_FIELDS:
            setattr(entry, name, getattr(sheet, name))
        entry.round = sheet.round
        entry.content_hash = sheet.content_hash
        entry.score = None
        entry.save()
        entry.items.all().delete()
        PaperAnswer.objects.bulk_create(
            [
                PaperAnswer(entry=entry, position=i, version=v, answer=m)
                for i, (v, m) in enumerate(
                    zip(paper_versions(sheet.round), sheet.marks, strict=True), start=1
                )
            ]
        )
        PaperCorrection.objects.create(
            entry=entry, by=user, reason=reason.strip(), before=before, after=after
        )
        from contest.grading import grade_paper

        grade_paper([entry.pk], contest.pk)
    events.entries_changed(contest_id=contest.pk)
    return entry


def _parse_one(contest: Contest, raw: dict) -> tuple[list[SheetRow], list[str]]:
    sheets, errors = _parse_rows(contest, list(raw), iter([(1, raw)]))
    return sheets, [m for _r, m in errors]


# --- receiving, keying by hand, reconciliation ----------------------------------------------

KEYED_FIELDS = ("sheet_no", *SHEET_FIELDS)


class KeyingRefused(Exception):
    """A keyed sheet cannot be taken; ``errors`` maps field names to Vietnamese messages."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass
class KeyingOutcome:
    sheet_no: str
    state: str  # "entered", "keyed_once", "verified", "conflict"
    entry: PaperEntry | None = None
    warning: str = ""  # e.g. a CCCD that disagrees with the birth year: saved, to be checked


def next_sheet_no(contest: Contest) -> str:
    """The next number in arrival order: P-00001, P-00002, … (call inside a transaction)."""
    Contest.objects.select_for_update().filter(pk=contest.pk).first()
    taken = contest.paper_receipts.count() + 1
    while True:
        candidate = f"P-{taken:05d}"
        if not (
            contest.paper_receipts.filter(sheet_no=candidate).exists()
            or contest.paper_entries.filter(sheet_no=candidate).exists()
        ):
            return candidate
        taken += 1


def paper_receive(*, contest: Contest, postmark_date: date, received_at: datetime, scan, user):
    """Register an arriving sheet; returns the receipt with its new ``sheet_no``.

    ``scan`` (a file, or a ``VerifiedScan``) is checked by its content and stored privately
    under a random name (``core.uploads.scan_store``); a scan that is not a readable image
    or PDF raises ``ValidationError`` and nothing is registered.
    """
    from contest.models import PaperReceipt
    from core.uploads import scan_store, scan_verify

    if scan is not None:
        scan = scan_verify(scan)

    with transaction.atomic():
        receipt = PaperReceipt(
            contest=contest,
            sheet_no=next_sheet_no(contest),
            postmark_date=postmark_date,
            received_at=received_at,
            received_by=user,
        )
        if scan is not None:
            scan_store(receipt=receipt, scan=scan)
        receipt.save()
    events.entries_changed(contest_id=contest.pk)
    return receipt


def _field_errors(messages: list[str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for message in messages:
        _row, column, text = message.split(": ", 2)
        errors.setdefault(column, text)
    return errors


def keyed_sheet(contest: Contest, raw: dict) -> SheetRow:
    """Validate one sheet as a clerk typed it; ``KeyingRefused`` with per-field messages."""
    fields = {k: str(raw.get(k, "") or "").strip() for k in KEYED_FIELDS}
    if not contest.prediction_question:
        fields.pop("prediction")
    sheets, errors = _parse_one(contest, fields)
    if errors:
        raise KeyingRefused(_field_errors(errors))
    return sheets[0]


def paper_key(*, contest: Contest, raw: dict, clerk) -> KeyingOutcome:
    """Take one keying of a sheet.

    Without double keying the sheet becomes an entry at once. With it, the first
    keying waits; a second keying by another clerk that matches makes the entry
    (keyed by the first, verified by the second); one that differs sends the
    sheet to reconciliation.
    """
    from contest.models import PaperKeying

    sheet = keyed_sheet(contest, raw)
    with transaction.atomic():
        Contest.objects.select_for_update().filter(pk=contest.pk).first()
        if PaperEntry.objects.filter(contest=contest, sheet_no=sheet.sheet_no).exists():
            raise KeyingRefused(
                {
                    "sheet_no": f"phiếu {sheet.sheet_no} đã nhập xong; muốn sửa thì dùng màn hình sửa phiếu"
                }
            )
        if not contest.double_keying:
            _write(contest, [sheet], clerk)
            entry = PaperEntry.objects.get(contest=contest, sheet_no=sheet.sheet_no)
            outcome = KeyingOutcome(sheet.sheet_no, "entered", entry)
        else:
            earlier = list(PaperKeying.objects.filter(contest=contest, sheet_no=sheet.sheet_no))
            if any(k.clerk_id == clerk.pk for k in earlier):
                raise KeyingRefused(
                    {
                        "sheet_no": f"bạn đã nhập phiếu {sheet.sheet_no}; lần nhập thứ hai phải do người khác làm"
                    }
                )
            if len(earlier) >= 2:
                raise KeyingRefused(
                    {
                        "sheet_no": f"phiếu {sheet.sheet_no} đã được nhập hai lần và đang chờ đối chiếu"
                    }
                )
            PaperKeying.objects.create(
                contest=contest,
                sheet_no=sheet.sheet_no,
                clerk=clerk,
                data=sheet.canonical(),
                content_hash=sheet.content_hash,
            )
            if not earlier:
                outcome = KeyingOutcome(sheet.sheet_no, "keyed_once")
            elif earlier[0].content_hash == sheet.content_hash:
                _write(contest, [sheet], earlier[0].clerk)
                entry = PaperEntry.objects.get(contest=contest, sheet_no=sheet.sheet_no)
                entry.verified_by = clerk
                entry.save(update_fields=["verified_by"])
                outcome = KeyingOutcome(sheet.sheet_no, "verified", entry)
            else:
                outcome = KeyingOutcome(sheet.sheet_no, "conflict")
    if outcome.entry is not None:
        events.entries_changed(contest_id=contest.pk)
    outcome.warning = id_birth_year_warning(sheet.id_number, sheet.birth_year)
    return outcome


def paper_reconcile(*, contest: Contest, raw: dict, decider) -> PaperEntry:
    """A third person decides a sheet whose two keyings differ."""
    from contest.models import PaperKeying

    sheet = keyed_sheet(contest, raw)
    keyings = list(PaperKeying.objects.filter(contest=contest, sheet_no=sheet.sheet_no))
    if len(keyings) < 2:
        raise KeyingRefused({"sheet_no": "phiếu này không ở hàng chờ đối chiếu"})
    if any(k.clerk_id == decider.pk for k in keyings):
        raise KeyingRefused({"sheet_no": "người đối chiếu phải khác hai người đã nhập phiếu"})
    with transaction.atomic():
        if PaperEntry.objects.filter(contest=contest, sheet_no=sheet.sheet_no).exists():
            raise KeyingRefused({"sheet_no": f"phiếu {sheet.sheet_no} đã được đối chiếu"})
        _write(contest, [sheet], keyings[0].clerk)
        entry = PaperEntry.objects.get(contest=contest, sheet_no=sheet.sheet_no)
        entry.verified_by = decider
        entry.save(update_fields=["verified_by"])
    events.entries_changed(contest_id=contest.pk)
    return entry


def paper_progress(contest: Contest) -> dict[str, int]:
    """Received, keyed once, verified (entries), in conflict: for the clerks' dashboard."""
    from django.db.models import Count

    from contest.models import PaperKeying

    done = set(PaperEntry.objects.filter(contest=contest).values_list("sheet_no", flat=True))
    pending = (
        PaperKeying.objects.filter(contest=contest)
        .exclude(sheet_no__in=PaperEntry.objects.filter(contest=contest).values("sheet_no"))
        .values("sheet_no")
        .annotate(n=Count("pk"))
    )
    once = sum(1 for p in pending if p["n"] == 1)
    conflict = sum(1 for p in pending if p["n"] >= 2)
    return {
        "received": contest.paper_receipts.count(),
        "keyed_once": once,
        "conflict": conflict,
        "verified": len(done),
    }


def conflicts(contest: Contest) -> list[str]:
    from django.db.models import Count

    from contest.models import PaperKeying

    return list(
        PaperKeying.objects.filter(contest=contest)
        .exclude(sheet_no__in=PaperEntry.objects.filter(contest=contest).values("sheet_no"))
        .values("sheet_no")
        .annotate(n=Count("pk"))
        .filter(n__gte=2)
        .order_by("sheet_no")
        .values_list("sheet_no", flat=True)
    )


def duplicate_people(contest: Contest) -> list[dict]:
    """People with more than one entry (paper twice, or paper and online), for the organizer."""
    from collections import defaultdict

    from contest.models import Attempt

    seen: dict[str, list[str]] = defaultdict(list)
    for sheet_no, phone, id_number in PaperEntry.objects.filter(contest=contest).values_list(
        "sheet_no", "phone", "id_number"
    ):
        seen[phone or id_number].append(f"giấy {sheet_no}")
    keys = [k for k in seen if k]
    for phone, number, receipt in (
        Attempt.objects.filter(contest=contest, user__phone__in=keys)
        .exclude(status=Attempt.Status.IN_PROGRESS)
        .values_list("user__phone", "number", "receipt_code")
    ):
        seen[phone].append(f"trực tuyến lượt {number} ({receipt})")
    return [{"person": k, "entries": v} for k, v in sorted(seen.items()) if k and len(v) > 1]
