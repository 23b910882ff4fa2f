"""Numbers as people and browsers send them: ASCII digits only, and bounded.

``str.isdigit()`` accepts "²" and "٠٥" (which ``int()`` then refuses or reads as another
number), and Python's ints and JSON's ``Infinity`` know no bounds while the database
columns do. Every number that comes from outside goes through one of these.
"""

import re

from django.utils.translation import gettext as _

_DIGITS = re.compile(r"[0-9]+", re.ASCII)
PREDICTION_MAX_DIGITS = 12  # a trillion: more than any contest's participants
BIGINT_MAX = 2**63 - 1


def ascii_digits(text: str, *, max_digits: int) -> bool:
    """True when ``text`` is 1–``max_digits`` ASCII digits."""
    return len(text) <= max_digits and _DIGITS.fullmatch(text) is not None


def prediction_parse(raw) -> int | None:
    """A prediction as typed (``8.123``, ``8,123``, ``8 123``); ``None`` when empty.

    Raises ``ValueError`` with a Vietnamese message for anything but a whole number of at
    most ``PREDICTION_MAX_DIGITS`` ASCII digits.
    """
    text = str(raw if raw is not None else "").strip()
    for separator in (".", ",", " ", "\u00a0"):
        text = text.replace(separator, "")
    if not text:
        return None
    if not ascii_digits(text, max_digits=PREDICTION_MAX_DIGITS):
        raise ValueError(
            _("“%(raw)s” không phải số nguyên không âm có tối đa %(max)s chữ số (ví dụ 8123)")
            % {"raw": str(raw)[:40], "max": PREDICTION_MAX_DIGITS}
        )
    return int(text)


def bounded_int(value, *, low: int, high: int) -> int:
    """A JSON or form value as an int in [low, high]; ``ValueError`` otherwise.

    Accepts an int or a string of ASCII digits; refuses booleans, floats (also NaN and
    Infinity) and anything out of range.
    """
    if isinstance(value, bool):
        raise ValueError("boolean")
    if isinstance(value, str) and ascii_digits(value.strip(), max_digits=19):
        value = int(value.strip())
    if not isinstance(value, int) or not low <= value <= high:
        raise ValueError("out of range")
    return value
