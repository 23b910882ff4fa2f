"""Dates and times as organizers write them (CONTRACTS.md).

Dates: ``yyyy-mm-dd`` or ``dd/mm/yyyy`` (or real date cells). Date-times: a date
followed by `` HH:MM`` or `` HH:MM:SS`` (``T`` also accepted), local time of the
contest unless an explicit offset is given.
"""

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

_DATE = re.compile(r"^(?:(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})/(\d{1,2})/(\d{4}))$")
_DATETIME = re.compile(
    r"^(?P<date>\S+?)(?:[T ]+(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?$"
)


class BadDate(ValueError):
    pass


def parse_date(value) -> date:
    """A date from text or a spreadsheet cell; ``BadDate`` with a Vietnamese message otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    match = _DATE.match(text)
    if not match:
        raise BadDate(f"“{text}” không phải ngày (dùng dd/mm/yyyy hoặc yyyy-mm-dd)")
    if match.group(1):
        year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3))
    else:
        day, month, year = int(match.group(4)), int(match.group(5)), int(match.group(6))
    try:
        return date(year, month, day)
    except ValueError as error:
        raise BadDate(f"“{text}” không phải ngày có thật") from error


def parse_datetime(value, tz: ZoneInfo) -> datetime:
    """An aware date-time; naive input is local time in ``tz``. A bare date means 00:00."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, date):
        return datetime.combine(value, time(0), tz)
    text = str(value or "").strip()
    match = _DATETIME.match(text)
    if not match:
        raise BadDate(f"“{text}” không phải ngày giờ (dùng dd/mm/yyyy HH:MM)")
    day = parse_date(match.group("date"))
    try:
        clock = time(
            int(match.group("h") or 0), int(match.group("m") or 0), int(match.group("s") or 0)
        )
    except ValueError as error:
        raise BadDate(f"“{text}” có giờ không hợp lệ") from error
    zone = tz
    if match.group("tz"):
        zone = datetime.strptime(
            "+0000" if match.group("tz") == "Z" else match.group("tz").replace(":", ""), "%z"
        ).tzinfo
    return datetime.combine(day, clock, zone)
