"""Site-wide request guards that belong to no one flow."""

from allauth.core.exceptions import RateLimited
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


class AuthBodyLimitMiddleware:
    """Refuses oversized bodies on the sign-in and sign-up pages before anything reads them.

    These pages are open to anyone and hash passwords: a few kilobytes of form
    are all they need (``AUTH_BODY_MAX_BYTES``, default 16 KB).
    """

    PREFIXES = ("/accounts/login/", "/accounts/signup/", "/accounts/password/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.path.startswith(self.PREFIXES):
            limit = getattr(settings, "AUTH_BODY_MAX_BYTES", 16 * 1024)
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return HttpResponse(
                    _("Yêu cầu không hợp lệ. Hãy tải lại trang rồi thử lại."),
                    status=400,
                    content_type="text/plain; charset=utf-8",
                )
            if length > limit:
                return HttpResponse(
                    _("Nội dung gửi lên quá lớn. Hãy tải lại trang và nhập lại thông tin."),
                    status=413,
                    content_type="text/plain; charset=utf-8",
                )
        return self.get_response(request)


class SameHostCSPMiddleware(CSPMiddleware):
    """django-csp, with ``connect-src`` naming this site's own host for websockets.

    ``'self'`` plus ``wss://<host>`` (and ``ws://<host>`` over plain HTTP, as in
    development), never any ``ws:``/``wss:`` host. The host is the validated one
    (``request.get_host()`` checks ``ALLOWED_HOSTS``).
    """

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if report_only:
            return parts
        try:
            host = request.get_host()
        except DisallowedHost:
            return parts
        sockets = [f"wss://{host}"] if request.is_secure() else [f"ws://{host}", f"wss://{host}"]
        update = dict(parts.update or {})
        update["connect-src"] = [*update.get("connect-src", []), *sockets]
        parts.update = update
        return parts


class AllauthRateLimitMiddleware:
    """A code asked for too often (signing in again and again with a phone not yet verified
    sends a new code each time) is refused with a page that says to wait, not a server error.

    allauth raises ``RateLimited`` from inside its sign-in stages, where its views do not
    catch it; this turns it into the same 429 page as our own SMS caps.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, RateLimited):
            return None
        return render(
            request,
            "accounts/sms_refused.html",
            {
                "message": _(
                    "Bạn đã yêu cầu mã xác minh quá nhiều lần. Hãy đợi vài phút rồi thử lại; "
                    "mã đã gửi trước đó vẫn dùng được."
                )
            },
            status=429,
        )
