"""Receiving sheets and keying them twice: the second keying that agrees enters the sheet,
one that differs waits for a decider (``paper_reconcile``)."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.identity import id_birth_year_warning
from contest import events
from contest.models import Contest, PaperEntry, PaperKeying, PaperReceipt
from contest.paper.importing import sheets_write
from contest.paper.parsing import KEYED_FIELDS, SheetRow, parse_one
from contest.paper.scans import scan_store, scan_verify
from core.errors import Refusal, RowError


class KeyingRefused(Refusal):
    """A keyed sheet cannot be taken; ``errors`` maps field names to messages, ``field`` is
    the first of them."""

    code = "sheet_invalid"

    def __init__(self, errors: dict[str, str], code: str = ""):
        super().__init__(
            "; ".join(f"{k}: {v}" for k, v in errors.items()), code, next(iter(errors), "")
        )
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
    under a random name (``contest.paper.scans.scan_store``); a scan that is not a readable image
    or PDF raises ``ValidationError`` and nothing is registered.
    """
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


def _field_errors(row_errors: list[RowError]) -> dict[str, str]:
    """The first error of each column, by field name."""
    errors: dict[str, str] = {}
    for error in row_errors:
        errors.setdefault(error.column, error.message)
    return errors


def keyed_sheet(contest: Contest, raw: dict) -> SheetRow:
    """Validate one sheet as a clerk typed it; ``KeyingRefused`` with per-field messages."""
    fields = {k: str(raw.get(k, "") or "").strip() for k in KEYED_FIELDS}
    if not contest.prediction_question:
        fields.pop("prediction")
    sheets, errors = parse_one(contest, fields)
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
    sheet = keyed_sheet(contest, raw)
    with transaction.atomic():
        Contest.objects.select_for_update().filter(pk=contest.pk).first()
        if PaperEntry.objects.filter(contest=contest, sheet_no=sheet.sheet_no).exists():
            raise KeyingRefused(
                {
                    "sheet_no": _(
                        "phiếu %(sheet)s đã nhập xong; muốn sửa thì dùng màn hình sửa phiếu"
                    )
                    % {"sheet": sheet.sheet_no}
                },
                "already_entered",
            )
        if not contest.double_keying:
            sheets_write(contest, [sheet], clerk)
            entry = PaperEntry.objects.get(contest=contest, sheet_no=sheet.sheet_no)
            outcome = KeyingOutcome(sheet.sheet_no, "entered", entry)
        else:
            earlier = list(PaperKeying.objects.filter(contest=contest, sheet_no=sheet.sheet_no))
            if any(k.clerk_id == clerk.pk for k in earlier):
                raise KeyingRefused(
                    {
                        "sheet_no": _(
                            "bạn đã nhập phiếu %(sheet)s; lần nhập thứ hai phải do người khác làm"
                        )
                        % {"sheet": sheet.sheet_no}
                    },
                    "same_clerk",
                )
            if len(earlier) >= 2:
                raise KeyingRefused(
                    {
                        "sheet_no": _("phiếu %(sheet)s đã được nhập hai lần và đang chờ đối chiếu")
                        % {"sheet": sheet.sheet_no}
                    },
                    "awaiting_reconciliation",
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
                sheets_write(contest, [sheet], earlier[0].clerk)
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
    sheet = keyed_sheet(contest, raw)
    keyings = list(PaperKeying.objects.filter(contest=contest, sheet_no=sheet.sheet_no))
    if len(keyings) < 2:
        raise KeyingRefused(
            {"sheet_no": _("phiếu này không ở hàng chờ đối chiếu")}, "not_in_conflict"
        )
    if any(k.clerk_id == decider.pk for k in keyings):
        raise KeyingRefused(
            {"sheet_no": _("người đối chiếu phải khác hai người đã nhập phiếu")}, "same_clerk"
        )
    with transaction.atomic():
        if PaperEntry.objects.filter(contest=contest, sheet_no=sheet.sheet_no).exists():
            raise KeyingRefused(
                {"sheet_no": _("phiếu %(sheet)s đã được đối chiếu") % {"sheet": sheet.sheet_no}},
                "already_entered",
            )
        sheets_write(contest, [sheet], keyings[0].clerk)
        entry = PaperEntry.objects.get(contest=contest, sheet_no=sheet.sheet_no)
        entry.verified_by = decider
        entry.save(update_fields=["verified_by"])
    events.entries_changed(contest_id=contest.pk)
    return entry
