"""Paper answer sheets: reading transcribed rows into validated ``SheetRow``s.

The file format is the "Paper entries" table of docs/contracts.md. Parsing writes
nothing; ``contest.paper.importing.paper_import`` writes all-or-nothing unless ``partial``,
``keying`` enters sheets keyed twice, ``corrections`` changes an entered sheet. A sheet
that arrived is never dropped: missing identity makes it an invalid entry at
ranking time, not an import error. What is an error is data that cannot be
what it claims (a letter the question does not have, a date that is not a date,
a phone that is not a phone, a sheet number used twice).
"""

import hashlib
import json
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.identity import normalize_phone, validate_id_number
from accounts.models import Unit
from contest.inputs import ascii_digits, prediction_parse
from contest.models import Contest, Round
from contest.paper.marks import (
    PaperSetupError,
    marks_text,
    paper_versions,
    parse_marks,
    plain_marks_of,
)
from core.errors import RowError
from core.tabular import FileRejected, cell_text, read_table, too_long, too_long_message
from core.timeparse import BadDate, parse_date, parse_datetime
from questions.models import QuestionVersion

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
HASHED = ("round", *SHEET_FIELDS)


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
            "received_at": utc_text(self.received_at),
            "invalid_reason": self.invalid_reason,
        }

    @property
    def content_hash(self) -> str:
        return content_hash(self.canonical())


def utc_text(moment: datetime | None) -> str:
    return moment.astimezone(UTC).isoformat() if moment else ""


# ``json.dumps(…, ensure_ascii=False, default=str)`` builds this encoder on every call.
_HASH_JSON = json.JSONEncoder(ensure_ascii=False, default=str)


def content_hash(canonical: dict) -> str:
    text = _HASH_JSON.encode([canonical[k] for k in HASHED])
    return hashlib.sha256(text.encode()).hexdigest()


# --- parsing a file --------------------------------------------------------------------


def _unit_lookup(contest: Contest) -> dict[str, Unit]:
    units = contest.eligible_units_among(Unit.objects.filter(is_active=True))
    lookup = {}
    for unit in units:
        lookup[unicodedata.normalize("NFC", unit.code).lower()] = unit
        lookup[unicodedata.normalize("NFC", unit.name).lower()] = unit
    return lookup


def parse_sheets(contest: Contest, data: bytes, kind: str) -> tuple[list[SheetRow], list[RowError]]:
    """Read a csv/xlsx file of transcribed sheets; returns (valid rows, errors)."""
    headers, rows = read_table(data, kind, columns=KNOWN_COLUMNS)
    return _parse_rows(contest, headers, rows)


def _parse_rows(
    contest: Contest, headers: list[str], rows
) -> tuple[list[SheetRow], list[RowError]]:
    errors: list[RowError] = []
    sheets = list(iter_sheets(contest, headers, rows, errors))
    return sheets, errors


def iter_sheets(
    contest: Contest, headers: list[str], rows, errors: list[RowError]
) -> Iterator[SheetRow]:
    """The valid sheets of ``rows`` one at a time; the errors are appended to ``errors``.

    An iterator, so that a file of 50,000 sheets is never held as a list: the
    importer takes the sheets in chunks as the rows are read. What the checks need from
    the database (rounds, units, each round's printed questions) is read here, before
    the first sheet: iterating touches no database, so the importer can iterate in a
    thread of its own while it writes the chunk before (``core.read_ahead``).
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in headers]
    if contest.prediction_question and "prediction" not in headers:
        missing.append("prediction")
    if missing:
        raise FileRejected(
            _("thiếu cột %(missing)s (cần: %(required)s)")
            % {
                "missing": ", ".join(missing),
                "required": "sheet_no, answers, postmark_date"
                + (", prediction" if contest.prediction_question else ""),
            },
            "columns_missing",
        )
    rounds = {r.number: r for r in contest.rounds.all()}
    if not rounds:
        raise PaperSetupError(_("cuộc thi chưa có vòng nào."), "no_rounds")
    # Each round's printed questions, or why it has none: raised when a sheet is of it.
    printed: dict[int, tuple[list[QuestionVersion], frozenset[str]] | PaperSetupError] = {}
    for number, round_ in rounds.items():
        try:
            versions = paper_versions(round_)
        except PaperSetupError as error:
            printed[number] = error
        else:
            printed[number] = (versions, plain_marks_of(versions))
    tz = contest.tz
    return _checked_sheets(
        rows,
        errors,
        rounds=rounds,
        opening={n: timezone.localtime(r.opens_at, tz).date() for n, r in rounds.items()},
        printed=printed,
        units=_unit_lookup(contest),
        tz=tz,
        this_year=timezone.now().year,
    )


def _checked_sheets(
    rows,
    errors: list,
    *,
    rounds: dict,
    opening: dict,
    printed: dict,
    units: dict,
    tz,
    this_year: int,
) -> Iterator[SheetRow]:
    """``iter_sheets`` once it has read the database: a generator."""
    postmark_date = _remembered(parse_date)
    received_at = _remembered(lambda value: parse_datetime(value, tz))
    seen: dict[str, int] = {}
    for number, row in rows:
        problems: list[RowError] = []

        def bad(column: str, message: str) -> None:
            problems.append(RowError(number, column, message))  # noqa: B023

        for column in too_long(row):
            bad(column, too_long_message(column, row))
        text = {}
        for column, value in row.items():  # ``_clean``, inlined for text: 11 cells a row
            if column in KNOWN_COLUMNS:
                if value.__class__ is str:
                    value = value.strip()
                    text[column] = value if value.isascii() else _nfc(value)
                else:
                    text[column] = _clean(value)
        _restore_leading_zeros(row, text)
        sheet_no = text.get("sheet_no", "")
        if not sheet_no:
            bad("sheet_no", _("thiếu số phiếu"))
        elif len(sheet_no) > 40:
            bad("sheet_no", _("số phiếu dài quá 40 ký tự"))
        elif sheet_no in seen:
            bad(
                "sheet_no",
                _("số phiếu %(sheet)s đã có ở dòng %(row)s của tệp")
                % {"sheet": sheet_no, "row": seen[sheet_no]},
            )
        else:
            seen[sheet_no] = number
        round_ = _pick_round(text.get("round", ""), rounds, opening, row.get("postmark_date"), bad)
        sheet = SheetRow(row=number, sheet_no=sheet_no, round=round_ or next(iter(rounds.values())))
        sheet.full_name = " ".join(text.get("full_name", "").split())[:120]
        sheet.address = text.get("address", "")[:255]
        if text.get("birth_year"):
            value = text["birth_year"]
            if not ascii_digits(value, max_digits=4) or not 1900 <= int(value) <= this_year:
                bad(
                    "birth_year",
                    _("“%(value)s” không phải năm sinh (bốn chữ số, ví dụ 1975)")
                    % {"value": value},
                )
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
                bad(
                    "unit",
                    _("không có đơn vị “%(unit)s” trong danh sách của cuộc thi")
                    % {"unit": text["unit"]},
                )
        if round_ is not None:
            if isinstance(printed[round_.number], PaperSetupError):
                raise printed[round_.number]
            versions, plain_marks = printed[round_.number]
            answers = text.get("answers", "").upper()
            if answers and len(answers) == len(versions) and set(answers) <= plain_marks:
                sheet.marks = ["" if c == "-" else c for c in answers]  # what parse_marks gives
            else:
                try:
                    sheet.marks = parse_marks(answers, versions)
                except ValueError as error:
                    bad("answers", str(error))
        if text.get("prediction"):
            try:
                sheet.prediction = prediction_parse(text["prediction"])
            except ValueError as error:
                bad("prediction", str(error))
        try:
            sheet.postmark_date = postmark_date(row.get("postmark_date"))
        except BadDate as error:
            bad("postmark_date", str(error) if row.get("postmark_date") else _("thiếu ngày"))
        if row.get("received_at") not in (None, ""):
            try:
                sheet.received_at = received_at(row["received_at"])
            except BadDate as error:
                bad("received_at", str(error))
        sheet.invalid_reason = text.get("invalid_reason", "")[:60]
        if problems:
            errors.extend(problems)
        else:
            yield sheet


def _nfc(text: str) -> str:
    # Checking is several times cheaper than normalizing, and nearly every cell already is.
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def _clean(value) -> str:
    """``cell_text`` in NFC; ASCII text (most cells) is NFC already."""
    text = value.strip() if value.__class__ is str else cell_text(value)
    return text if text.isascii() else _nfc(text)


REMEMBERED = 4096  # distinct values a parse remembers (a file repeats its few postmark days)


def _remembered(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``parse`` (a pure date parser) run once per distinct cell value, ``BadDate`` included,
    for at most ``REMEMBERED`` values: memory stays flat when every value differs."""
    known: dict = {}

    def parse_once(value):
        key = (value.__class__, value)  # 1 and 1.0 are equal keys but not the same text
        outcome = known.get(key)
        if outcome is None:
            try:
                outcome = (parse(value), None)
            except BadDate as error:
                outcome = (None, str(error))
            if len(known) < REMEMBERED:
                known[key] = outcome
        if outcome[1] is not None:
            raise BadDate(outcome[1])
        return outcome[0]

    return parse_once


def _restore_leading_zeros(row: dict, text: dict) -> None:
    """Excel turns a CCCD 001234567890 typed in a number cell into 1234567890: put the zeros back.

    (A phone that lost its zero is put right by ``normalize_phone``, whatever the file kind.)
    """
    id_number = row.get("id_number")
    if isinstance(id_number, int | float):
        digits = text["id_number"]
        if len(digits) in (10, 11):  # CCCD: province codes start with 0
            text["id_number"] = digits.zfill(12)
        elif len(digits) == 8:
            text["id_number"] = digits.zfill(9)


def _pick_round(value: str, rounds: dict, opening: dict, postmark, bad) -> Round | None:
    if value:
        if not ascii_digits(value, max_digits=4) or int(value) not in rounds:
            bad(
                "round",
                _("không có vòng “%(value)s” (có: %(rounds)s)")
                % {"value": value, "rounds": ", ".join(map(str, rounds))},
            )
            return None
        return rounds[int(value)]
    if len(rounds) == 1:
        return next(iter(rounds.values()))
    try:
        day = parse_date(postmark)
    except BadDate:
        return next(iter(rounds.values()))
    chosen = None
    for number, r in rounds.items():
        if opening[number] <= day:
            chosen = r
    return chosen or next(iter(rounds.values()))


def parse_one(contest: Contest, raw: dict) -> tuple[list[SheetRow], list[RowError]]:
    """One sheet as typed on a page (its row is 1): the sheet if valid, and the errors."""
    return _parse_rows(contest, list(raw), iter([(1, raw)]))


# --- receiving, keying by hand, reconciliation ----------------------------------------------

KEYED_FIELDS = ("sheet_no", *SHEET_FIELDS)
