"""Dates and times as organizers write them (docs/contracts.md).

Dates: ``yyyy-mm-dd`` or ``dd/mm/yyyy`` (or real date cells). Date-times: a date
followed by `` HH:MM`` or `` HH:MM:SS`` (``T`` also accepted), local time of the
contest unless an explicit offset is given.
"""

import re
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from core.errors import Refusal

_DATE = re.compile(r"^(?:(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})/(\d{1,2})/(\d{4}))$", re.ASCII)
_DATETIME = re.compile(
    r"^(?P<date>\S+?)(?:[T ]+(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?$",
    re.ASCII,
)
# Contests, postmarks and arrivals all fall in these years; 0001 or 9999 is a typing slip
# (and would overflow when converted to UTC).
YEARS = (1900, 2100)
MAX_OFFSET_MINUTES = 14 * 60


class BadDate(Refusal, ValueError):
    """Not a date (or time) as docs/contracts.md spells them; still a ``ValueError``."""

    code = "bad_date"


def parse_date(value) -> date:
    """A date from text or a spreadsheet cell; ``BadDate`` with a Vietnamese message otherwise."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return _in_range(value, value.isoformat())
    text = str(value or "").strip()
    match = _DATE.match(text)
    if not match:
        raise BadDate(
            _("“%(text)s” không phải ngày (dùng dd/mm/yyyy hoặc yyyy-mm-dd)") % {"text": text}
        )
    if match.group(1):
        year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3))
    else:
        day, month, year = int(match.group(4)), int(match.group(5)), int(match.group(6))
    try:
        return _in_range(date(year, month, day), text)
    except ValueError as error:
        if isinstance(error, BadDate):
            raise
        raise BadDate(_("“%(text)s” không phải ngày có thật") % {"text": text}) from error


def _in_range(day: date, text: str) -> date:
    if not YEARS[0] <= day.year <= YEARS[1]:
        raise BadDate(
            _("“%(text)s”: năm phải trong khoảng %(first)s–%(last)s")
            % {"text": text, "first": YEARS[0], "last": YEARS[1]}
        )
    return day


def parse_datetime(value, tz: ZoneInfo) -> datetime:
    """An aware date-time; naive input is local time in ``tz``. A bare date means 00:00."""
    if isinstance(value, datetime):
        parse_date(value)
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, date):
        return datetime.combine(parse_date(value), time(0), tz)
    text = str(value or "").strip()
    match = _DATETIME.match(text)
    if not match:
        raise BadDate(_("“%(text)s” không phải ngày giờ (dùng dd/mm/yyyy HH:MM)") % {"text": text})
    day = parse_date(match.group("date"))
    try:
        clock = time(
            int(match.group("h") or 0), int(match.group("m") or 0), int(match.group("s") or 0)
        )
    except ValueError as error:
        raise BadDate(_("“%(text)s” có giờ không hợp lệ") % {"text": text}) from error
    zone = tz
    if match.group("tz") and match.group("tz") != "Z":
        offset = match.group("tz").replace(":", "")
        hours, minutes = int(offset[1:3]), int(offset[3:5])
        if minutes >= 60 or hours * 60 + minutes > MAX_OFFSET_MINUTES:
            raise BadDate(
                _("“%(text)s” có múi giờ %(tz)s không có thật (từ -14:00 đến +14:00)")
                % {"text": text, "tz": match.group("tz")}
            )
        sign = -1 if offset[0] == "-" else 1
        zone = timezone(sign * timedelta(hours=hours, minutes=minutes))
    elif match.group("tz"):
        zone = UTC
    return datetime.combine(day, clock, zone)


_VIETNAM_ZONES = {"Asia/Ho_Chi_Minh", "Asia/Saigon"}


def timezone_label(tzname: str, at: datetime | None = None) -> str:
    """How a deadline's time zone is shown to people: "giờ Việt Nam (UTC+07:00)".

    Never the IANA name: a resident does not know ``Asia/Ho_Chi_Minh``. Another
    zone is shown by its offset at ``at`` (default: now).
    """
    from django.utils import timezone  # noqa: PLC0415 - the module's own ``timezone`` is datetime's

    zone = ZoneInfo(tzname or "Asia/Ho_Chi_Minh")
    offset = (at or timezone.now()).astimezone(zone).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    utc = f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    if zone.key in _VIETNAM_ZONES:
        return _("giờ Việt Nam (%(utc)s)") % {"utc": utc}
    return _("giờ %(utc)s") % {"utc": utc}


def duration_text(seconds: int | None) -> str:
    """Seconds as people say them: "21 phút 56 giây" (English "21 min 56 s")."""
    if seconds is None:
        return ""
    minutes, rest = divmod(int(seconds), 60)
    if not minutes:
        return _("%(s)s giây") % {"s": rest}
    if minutes >= 60:
        hours, minutes = divmod(minutes, 60)
        return _("%(h)s giờ %(m)s phút %(s)s giây") % {"h": hours, "m": minutes, "s": rest}
    return _("%(m)s phút %(s)s giây") % {"m": minutes, "s": rest}
