import re
from typing import Any

from django.db import transaction

from accounts.models import Profile, User

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


class RowErrors(Exception):
    """Raised by an all-or-nothing import; ``errors`` are ``row N: column: message`` lines."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


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
    import csv
    import io
    import unicodedata

    from django.utils.text import slugify

    from accounts.models import Unit

    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    headers = {h.strip().lower() for h in (reader.fieldnames or [])}
    missing = {"code", "name", "kind"} - headers
    if missing:
        raise RowErrors([f"row 1: {col}: thiếu cột bắt buộc" for col in sorted(missing)])
    rows, errors, seen = [], [], set()
    records: list = []
    try:
        for record in reader:
            records.append((len(records) + 2, record))
    except csv.Error as error:
        raise RowErrors(
            [
                f"row {len(records) + 2}: file: không đọc được dòng CSV (ô quá dài hoặc hỏng: {error})"
            ]
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
            errors.append(f"row {number}: {column}: dài quá 255 ký tự")
        if long:
            continue
        code = slugify(row.get("code", ""))
        if not code:
            errors.append(f"row {number}: code: thiếu mã đơn vị")
        elif code in seen:
            errors.append(f"row {number}: code: mã {code} lặp lại trong tệp")
        seen.add(code)
        if not row.get("name"):
            errors.append(f"row {number}: name: thiếu tên đơn vị")
        kind = UNIT_KINDS.get(row.get("kind", "").lower())
        if not kind:
            errors.append(
                f"row {number}: kind: loại phải là huyện, xã, phường, thị trấn hoặc cơ quan"
            )
        headcount = row.get("headcount") or None
        if headcount is not None and not re.fullmatch(r"[0-9]{1,9}", headcount, re.ASCII):
            errors.append(f"row {number}: headcount: số người phải là số nguyên không âm")
        rows.append(
            (number, code, row.get("name"), kind, slugify(row.get("parent", "")), headcount)
        )
    known = set(Unit.objects.values_list("code", flat=True)) | seen
    for number, _code, _name, _kind, parent, _hc in rows:
        if parent and parent not in known:
            errors.append(f"row {number}: parent: không có đơn vị mã {parent}")
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
