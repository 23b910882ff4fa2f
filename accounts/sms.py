"""Pluggable SMS delivery for verification codes.

A backend is any class with ``send(self, *, phone: str, text: str) -> None``,
named by the ``SMS_BACKEND`` setting. To use a gateway in production, write a
class that posts to it (raise on failure) and set ``SMS_BACKEND`` to its dotted
path; see docs/operators.md.
"""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("cuocthi.sms")

# Messages sent by LocmemBackend, for tests (like django.core.mail.outbox).
outbox: list[dict[str, str]] = []


class ConsoleBackend:
    """Prints the message; the embedded default, so a developer sees the code."""

    def send(self, *, phone: str, text: str) -> None:
        print(f"[SMS to {phone}] {text}", flush=True)


class LogBackend:
    """Writes the message to the ``cuocthi.sms`` log (a gateway-less production)."""

    def send(self, *, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", phone, text)


class LocmemBackend:
    """Keeps messages in ``accounts.sms.outbox``; used by the tests."""

    def send(self, *, phone: str, text: str) -> None:
        outbox.append({"phone": phone, "text": text})


def sms_send(*, phone: str, text: str) -> None:
    """Send ``text`` to ``phone`` through the configured backend."""
    import_string(settings.SMS_BACKEND)().send(phone=phone, text=text)
