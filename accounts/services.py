import csv
import io
import re
import unicodedata
from typing import Any

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import Profile, Unit, User
from core.errors import Refusal, RowError, error_lines

PROFILE_FIELDS = ("full_name", "birth_year", "id_number", "gender", "address", "unit")


@transaction.atomic
def profile_save(*, user: User, data: dict[str, Any]) -> Profile:
    """Create or update the participant profile of ``user`` from validated data."""
    profile = Profile.objects.filter(user=user).first() or Profile(user=user)
    for field in PROFILE_FIELDS:
        if field in data:
            setattr(
                profile, field, data[field] if data[field] != "" or field != "id_number" else None
            )
    profile.full_clean()
    profile.save()
    if profile.full_name and not user.first_name:
        user.first_name = profile.full_name[:150]
        user.save(update_fields=["first_name"])
    return profile


class RowErrors(Refusal):
    """An all-or-nothing import refused for the errors in its rows (``row_errors``);
    ``errors`` are the same as ``row N: column: message`` lines."""

    code = "rows_rejected"

    def __init__(self, row_errors: list[RowError], code: str = ""):
        super().__init__("\n".join(error_lines(row_errors)), code)
        self.row_errors = row_errors

    @property
    def errors(self) -> list[str]:
        return error_lines(self.row_errors)


UNIT_KINDS = {
    "district": "district",
    "huyện": "district",
    "huyen": "district",
    "commune": "commune",
    "xã": "commune",
    "xa": "commune",
    "ward": "ward",
    "phường": "ward",
    "phuong": "ward",
    "town": "town",
    "thị trấn": "town",
    "thi tran": "town",
    "agency": "agency",
    "cơ quan": "agency",
    "co quan": "agency",
}


def units_import_csv(*, text: str) -> tuple[int, int]:
    """Import units from CSV text (columns ``code, name, kind[, parent, headcount]``).

    All-or-nothing: on any bad row raises ``RowErrors`` and writes nothing.
    Re-importing updates names, kinds, parents and headcounts by code.
    Returns (created, updated).
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    headers = {h.strip().lower() for h in (reader.fieldnames or [])}
    missing = {"code", "name", "kind"} - headers
    if missing:
        raise RowErrors(
            [RowError(1, col, _("thiếu cột bắt buộc")) for col in sorted(missing)],
            "columns_missing",
        )
    rows, seen = [], set()
    errors: list[RowError] = []
    records: list = []
    try:
        for record in reader:
            records.append((len(records) + 2, record))
    except csv.Error as error:
        raise RowErrors(
            [
                RowError(
                    len(records) + 2,
                    "file",
                    _("không đọc được dòng CSV (ô quá dài hoặc hỏng: %(error)s)")
                    % {"error": error},
                )
            ],
            "row_unreadable",
        ) from error
    for number, raw in records:
        # Cells past the header (key None) are not read; text is NFC, as everywhere.
        row = {
            k.strip().lower(): unicodedata.normalize("NFC", (v or "").strip())
            for k, v in raw.items()
            if k is not None and isinstance(v, str | None)
        }
        long = [k for k, v in row.items() if len(v) > 255]
        for column in long:
            errors.append(RowError(number, column, _("dài quá 255 ký tự")))
        if long:
            continue
        code = slugify(row.get("code", ""))
        if not code:
            errors.append(RowError(number, "code", _("thiếu mã đơn vị")))
        elif code in seen:
            errors.append(
                RowError(number, "code", _("mã %(code)s lặp lại trong tệp") % {"code": code})
            )
        seen.add(code)
        if not row.get("name"):
            errors.append(RowError(number, "name", _("thiếu tên đơn vị")))
        kind = UNIT_KINDS.get(row.get("kind", "").lower())
        if not kind:
            errors.append(
                RowError(number, "kind", _("loại phải là huyện, xã, phường, thị trấn hoặc cơ quan"))
            )
        headcount = row.get("headcount") or None
        if headcount is not None and not re.fullmatch(r"[0-9]{1,9}", headcount, re.ASCII):
            errors.append(RowError(number, "headcount", _("số người phải là số nguyên không âm")))
        rows.append(
            (number, code, row.get("name"), kind, slugify(row.get("parent", "")), headcount)
        )
    known = set(Unit.objects.values_list("code", flat=True)) | seen
    for number, _code, _name, _kind, parent, _hc in rows:
        if parent and parent not in known:
            errors.append(
                RowError(number, "parent", _("không có đơn vị mã %(code)s") % {"code": parent})
            )
    if errors:
        raise RowErrors(errors)
    created = updated = 0
    with transaction.atomic():
        by_code = {u.code: u for u in Unit.objects.filter(code__in=seen)}
        for _number, code, name, kind, _parent, headcount in rows:
            unit = by_code.get(code)
            if unit is None:
                unit = by_code[code] = Unit.objects.create(
                    code=code, name=name, kind=kind, headcount=headcount
                )
                created += 1
            else:
                unit.name, unit.kind, unit.headcount = name, kind, headcount
                unit.save()
                updated += 1
        parents = {u.code: u for u in Unit.objects.filter(code__in={r[4] for r in rows if r[4]})}
        for _number, code, _name, _kind, parent, _hc in rows:
            if parent:
                Unit.objects.filter(code=code).update(parent=parents[parent])
    return created, updated
