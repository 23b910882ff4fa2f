"""Normalization and validation of Vietnamese phone numbers and citizen ids.

Used by the sign-up forms, the profile, and the paper-sheet importer, so that a
person is the same person whichever way their number was written.
"""

import re

from django.core.exceptions import ValidationError
from django.db.models import F, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import gettext_lazy as _

_SEPARATORS = re.compile(r"[\s.\-()/]")
# Mobile numbers since the 2018 renumbering: 03x, 05x, 07x, 08x, 09x.
# ASCII digits only: "\d" and isdigit() also take "٠٥" or "²", which would make a second
# identity for the same person (or fail later in int()).
_MOBILE = re.compile(r"^0[35789][0-9]{8}$", re.ASCII)
_MOBILE_WITHOUT_ZERO = re.compile(r"^[35789][0-9]{8}$", re.ASCII)
_ID_NUMBER = re.compile(r"^(?:[0-9]{9}|[0-9]{12})$", re.ASCII)


def normalize_phone(raw: str) -> str:
    """Return the phone as ``0`` + 9 digits, or raise ``ValidationError``.

    Accepts the usual spellings: ``0905 123 456``, ``0905.123.456``,
    ``+84905123456``, ``84-905-123-456``, ``(+84) 905 123 456``, and ``905123456``
    (the leading zero Excel drops, in a number cell or a CSV saved from it).
    """
    value = _SEPARATORS.sub("", str(raw or "")).strip()
    if value.startswith("+"):
        value = value[1:]
        if not value.startswith("84"):
            raise ValidationError(_("Chỉ nhận số điện thoại Việt Nam (+84)."), code="phone_country")
    if value.startswith("84") and len(value) == 11:
        value = "0" + value[2:]
    elif value.startswith("840") and len(value) == 12:
        value = value[2:]
    elif _MOBILE_WITHOUT_ZERO.match(value):
        value = "0" + value
    if not _MOBILE.match(value):
        raise ValidationError(
            _("Số điện thoại không hợp lệ. Hãy nhập số di động 10 chữ số, ví dụ 0905 123 456."),
            code="phone_invalid",
        )
    return value


def id_birth_year(id_number: str) -> int | None:
    """The birth year a CCCD encodes (4th digit: century, 5th–6th: year); None for a CMND."""
    if len(id_number) != 12 or not id_number.isdigit():
        return None
    century = 1900 if int(id_number[3]) in (0, 1) else 2000
    return century + int(id_number[4:6])


def id_birth_year_warning(id_number: str, birth_year: int | None) -> str:
    """A warning when a CCCD's birth-year digits disagree with the birth year written beside it.

    On a paper sheet both are what the participant wrote: the sheet is kept and
    this warning is shown where the winners' identity is checked ("" when they agree).
    """
    encoded = id_birth_year(id_number or "")
    if encoded is None or birth_year is None or encoded == birth_year:
        return ""
    return _("Số CCCD %(id)s ghi năm sinh %(encoded)s, phiếu ghi năm sinh %(year)s.") % {
        "id": id_number,
        "encoded": encoded,
        "year": birth_year,
    }


def validate_id_number(raw: str, *, birth_year: int | None = None) -> str:
    """Return a CCCD (12 digits) or CMND (9 digits) without spaces, or raise.

    For a CCCD the 4th digit encodes the century and the 5th-6th digits the
    last two digits of the birth year; when ``birth_year`` is given they must
    agree, which catches most typing slips.
    """
    value = re.sub(r"\s", "", str(raw or ""))
    if not _ID_NUMBER.match(value):
        raise ValidationError(
            _("Số CCCD phải có 12 chữ số (hoặc CMND 9 chữ số)."), code="id_length"
        )
    if len(value) == 12:
        province = int(value[:3])
        century_digit = int(value[3])
        if province < 1 or province > 96:
            raise ValidationError(
                _("Ba chữ số đầu của CCCD (mã tỉnh) không đúng."), code="id_province"
            )
        if century_digit > 3:
            raise ValidationError(
                _("Chữ số thứ tư của CCCD (mã thế kỷ và giới tính) không đúng."),
                code="id_century",
            )
        if birth_year is not None and id_birth_year(value) != birth_year:
            raise ValidationError(
                _("Số CCCD không khớp với năm sinh %(year)s. Hãy kiểm tra lại."),
                code="id_birth_year",
                params={"year": birth_year},
            )
    return value


# --- who a person is ------------------------------------------------------------------------
# One rule, in Python, in SQL and as an ORM expression: a person is their phone, else their
# citizen id (both normalized on the way in, so one number is one person however written).


def person_key(phone: str, id_number: str) -> str:
    """The person behind a phone and a citizen id: the phone, else the id, else ""."""
    return phone or id_number or ""


def person_sql(phone: str, id_number: str) -> str:
    """``person_key`` as a SQL expression over two column expressions (e.g. ``u.phone``)."""
    return f"COALESCE(NULLIF({phone}, ''), NULLIF({id_number}, ''), '')"


def person_expression(phone: str, id_number: str, *, fallback: str | None = None):
    """``person_key`` as an ORM expression over two field paths; ``fallback`` (a field path)
    stands for a sheet or account with neither, so that it still counts as someone."""
    parts = [NullIf(F(phone), Value("")), NullIf(F(id_number), Value(""))]
    return Coalesce(*parts, F(fallback) if fallback else Value(""))
