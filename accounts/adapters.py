"""allauth is customized here and in settings only.

Phones are stored normalized (``0`` + 9 digits) on ``User.phone``; codes are
sent through the pluggable SMS backend of ``accounts.sms``.
"""

import contextlib
from typing import Any
from uuid import uuid4

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.core.exceptions import ImmediateHttpResponse
from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.identity import normalize_phone
from accounts.models import User
from accounts.sms import SmsRefused, sms_check, sms_send


class VietnamPhoneField(forms.CharField):
    """A phone field that accepts every usual Vietnamese spelling and normalizes it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.pop("validators", None)
        kwargs.setdefault("label", gettext_lazy("Số điện thoại"))
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "type": "tel",
                    "autocomplete": "tel",
                    "inputmode": "tel",
                    "placeholder": "0905 123 456",
                }
            ),
        )
        super().__init__(*args, **kwargs)

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        return normalize_phone(value) if value else value


class AccountAdapter(DefaultAccountAdapter):
    def populate_username(self, request: Any, user: User) -> None:
        """Give every self-registered account its own opaque username.

        Residents sign in by phone or e-mail, so allauth leaves ``username``
        empty; the column is unique, and a second empty one would fail. The
        value is random rather than derived from the phone, which may change.
        """
        super().populate_username(request, user)
        if not user.username:
            user.username = f"tk-{uuid4().hex}"

    def _get_login_attempts_cache_key(self, request: Any, **credentials: Any) -> str:
        """The failed-login bucket of this one login: the phone (normalized), else the e-mail.

        allauth keys it on the e-mail or username only, so every sign-in by phone shared
        one bucket: five wrong passwords anywhere kept every resident out for five minutes.
        """
        phone = credentials.get("phone")
        if phone:
            with contextlib.suppress(ValidationError):  # a mistyped number is a key too
                phone = normalize_phone(phone)
            return f"phone:{phone}"
        return super()._get_login_attempts_cache_key(request, **credentials)

    def phone_form_field(self, **kwargs: Any) -> forms.Field:
        return VietnamPhoneField(**kwargs)

    def clean_phone(self, phone: str) -> str:
        return normalize_phone(phone)

    def get_phone(self, user: User) -> tuple[str, bool] | None:
        return (user.phone, user.phone_verified) if user.phone else None

    def set_phone_verified(self, user: User, phone: str) -> None:
        user.phone_verified = True
        user.save(update_fields=["phone_verified"])

    def get_user_by_phone(self, phone: str) -> User | None:
        try:
            phone = normalize_phone(phone)
        except ValidationError:
            return None
        return User.objects.filter(phone=phone).order_by("pk").first()

    def set_phone(self, user: User, phone: str, verified: bool) -> None:
        phone = normalize_phone(phone)
        if not verified and user.pk and user.phone and user.phone != phone:
            # A change of number is followed by a code to the new one: refuse before the
            # number is written, not after (phone change sends to arbitrary numbers).
            self._sms_allowed(phone=phone, user=user)
        user.phone = phone
        user.phone_verified = verified
        user.save(update_fields=["phone", "phone_verified"])

    def _sms_allowed(self, *, phone: str, user: User | None) -> None:
        try:
            sms_check(phone=phone, user=user)
        except SmsRefused as refused:
            raise ImmediateHttpResponse(self._sms_refused(refused)) from refused

    def _sms_refused(self, refused: SmsRefused) -> HttpResponse:
        return render(
            context.request,
            "accounts/sms_refused.html",
            {"message": refused.message, "retry_at": refused.retry_at},
            status=429,
        )

    def _send(self, *, phone: str, text: str, user: User | None = None) -> None:
        try:
            sms_send(phone=phone, text=text, user=user)
        except SmsRefused as refused:
            raise ImmediateHttpResponse(self._sms_refused(refused)) from refused

    def send_verification_code_sms(self, user: User, phone: str, code: str, **kwargs: Any) -> None:
        self._send(
            phone=phone,
            text=_("Mã xác minh CuộcThi của bạn là %(code)s") % {"code": code},
            user=user,
        )

    def send_unknown_account_sms(self, phone: str, **kwargs: Any) -> None:
        self._send(phone=phone, text=_("Số điện thoại này chưa có tài khoản CuộcThi."))

    def send_account_already_exists_sms(self, phone: str) -> None:
        self._send(
            phone=phone,
            text=_(
                "Số điện thoại này đã có tài khoản CuộcThi. Hãy đăng nhập hoặc lấy lại mật khẩu."
            ),
        )
