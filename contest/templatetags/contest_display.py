"""How times, durations and scores are shown to people (one home for each wording)."""

from django import template

from core.timeparse import duration_text, timezone_label

register = template.Library()


@register.filter
def tz_label(tzname: str, at=None) -> str:
    """``{{ contest.timezone|tz_label:contest.closes_at }}`` → "giờ Việt Nam (UTC+07:00)"."""
    return timezone_label(tzname, at)


@register.filter
def duration(seconds) -> str:
    """``{{ 1316|duration }}`` → "21 phút 56 giây"."""
    return duration_text(seconds)
