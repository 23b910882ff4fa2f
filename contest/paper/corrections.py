"""Correcting an entered sheet: the change, its reason and who made it are kept."""

from django.db import transaction
from django.utils.translation import gettext as _

from contest import events
from contest.grading import grade_paper
from contest.models import PaperAnswer, PaperCorrection, PaperEntry
from contest.paper.marks import paper_versions
from contest.paper.parsing import SHEET_FIELDS, parse_one, utc_text
from core.errors import Refusal


class CorrectionRefused(Refusal, ValueError):
    """A correction that cannot be made (no reason, a value that is not one, no change)."""

    code = "correction_refused"


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
        "received_at": utc_text(entry.received_at),
        "invalid_reason": entry.invalid_reason,
    }


def paper_correct(*, entry: PaperEntry, changes: dict[str, str], reason: str, user) -> PaperEntry:
    """Change a keyed sheet, recording before/after, who and why.

    ``changes`` holds raw field values as a clerk types them (the same
    spelling as the import). Raises ``CorrectionRefused`` (a ``ValueError``) with the
    problems and writes nothing then.
    """
    if not reason.strip():
        raise CorrectionRefused(_("Hãy ghi lý do sửa phiếu."), "reason_missing", "reason")
    contest = entry.contest
    before = entry_canonical(entry)
    raw = {k: ("" if v is None else str(v)) for k, v in before.items() if k != "round"}
    raw["round"] = str(entry.round.number)
    raw.update({k: v for k, v in changes.items() if k in SHEET_FIELDS})
    raw["sheet_no"] = entry.sheet_no
    sheets, errors = parse_one(contest, raw)
    if errors:
        raise CorrectionRefused(
            "; ".join(f"{e.column}: {e.message}" for e in errors), "sheet_invalid", errors[0].column
        )
    sheet = sheets[0]
    after = sheet.canonical()
    if after == before:
        raise CorrectionRefused(_("Không có gì thay đổi."), "unchanged")
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

        grade_paper([entry.pk], contest.pk)
    events.entries_changed(contest_id=contest.pk)
    return entry
