"""Pluggable SMS delivery for verification codes.

A backend is any class with ``send(self, *, phone: str, text: str) -> None``,
named by the ``SMS_BACKEND`` setting. To use a gateway in production, write a
class that posts to it (raise on failure) and set ``SMS_BACKEND`` to its dotted
path; see docs/operators.md.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext, gettext_lazy

from accounts.models import SmsSent
from core.errors import Refusal

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


class SmsRefused(Refusal):
    """A daily SMS cap is reached; ``message`` says when to try again, ``retry_at`` is that
    moment; ``code`` names the cap (``phone_daily_cap`` or ``account_daily_cap``)."""

    code = "sms_daily_cap"
    field = "phone"

    def __init__(self, message: str, retry_at, code: str = "", field: str = ""):
        super().__init__(message, code, field)
        self.retry_at = retry_at


WINDOW = timedelta(hours=24)


def _retry_at(times: list, cap: int):
    """When the count of ``times`` (newest first, all in the window) drops below ``cap``."""
    return times[cap - 1] + WINDOW


def sms_check(*, phone: str, user=None, now=None) -> None:
    """Raise ``SmsRefused`` if one more SMS to ``phone`` (for ``user``) would pass a daily cap.

    Caps (settings): ``SMS_MAX_PER_PHONE_PER_DAY`` to one number and
    ``SMS_MAX_PER_ACCOUNT_PER_DAY`` for one account (login codes, phone changes),
    over the last 24 hours. Counted in the database, so they hold whatever the
    cache does and across every worker.
    """
    now = now or timezone.now()
    since = now - WINDOW
    checks = [
        (
            SmsSent.objects.filter(phone=phone),
            settings.SMS_MAX_PER_PHONE_PER_DAY,
            _PHONE_FULL,
            "phone_daily_cap",
        ),
    ]
    if user is not None and user.pk:
        checks.append(
            (
                SmsSent.objects.filter(user=user),
                settings.SMS_MAX_PER_ACCOUNT_PER_DAY,
                _USER_FULL,
                "account_daily_cap",
            )
        )
    for rows, cap, message, code in checks:
        times = list(
            rows.filter(sent_at__gt=since)
            .order_by("-sent_at")
            .values_list("sent_at", flat=True)[:cap]
        )
        if len(times) >= cap:
            retry = _retry_at(times, cap)
            local = timezone.localtime(retry)
            when = gettext("%(time)s ngày %(date)s") % {
                "time": local.strftime("%H:%M"),
                "date": local.strftime("%d/%m/%Y"),
            }
            raise SmsRefused(str(message) % {"n": cap, "when": when}, retry, code=code)


_PHONE_FULL = gettext_lazy(
    "Số điện thoại này đã nhận %(n)s tin nhắn mã trong 24 giờ qua, là mức tối đa. "
    "Bạn có thể yêu cầu mã mới sau %(when)s. Nếu nhớ mật khẩu, hãy đăng nhập bằng mật khẩu."
)
_USER_FULL = gettext_lazy(
    "Tài khoản này đã được gửi %(n)s tin nhắn mã trong 24 giờ qua, là mức tối đa. "
    "Bạn có thể yêu cầu mã mới sau %(when)s. Cần gấp, hãy liên hệ Ban Tổ chức."
)


def sms_send(*, phone: str, text: str, user=None) -> None:
    """Send ``text`` to ``phone`` through the configured backend, within the daily caps.

    Raises ``SmsRefused`` (nothing sent, nothing recorded) when a cap is reached.
    """
    now = timezone.now()
    sms_check(phone=phone, user=user, now=now)
    import_string(settings.SMS_BACKEND)().send(phone=phone, text=text)
    SmsSent.objects.create(
        phone=phone, user=user if user is not None and user.pk else None, sent_at=now
    )
