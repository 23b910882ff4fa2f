"""Why an entry is invalid: the one registry of reason codes and their Vietnamese labels.

The codes are those of docs/contracts.md (``rank_contest --json``'s ``invalid`` and
the paper file's ``invalid_reason``); the ranking writes the first three and ``staff``, a
clerk chooses one of ``CLERK_REASONS`` for a sheet that itself breaks the rules.
"""

from django.utils.translation import gettext_lazy as _

REASONS = {
    "late_postmark": _("dấu bưu điện sau hạn"),
    "late_submission": _("nộp sau giờ đóng"),
    "missing_identity": _("thiếu họ tên hoặc cả số điện thoại lẫn CCCD"),
    "photocopy": _("phiếu photo"),
    "unreadable": _("không đọc được"),
    "not_signed": _("không ký tên"),
    "wrong_form": _("không đúng mẫu phiếu"),
    # written by the ranking (contest.permissions): people who can see the key may not enter
    "staff": _(
        "người xem được đáp án (Ban Tổ chức, người nhập phiếu, người quản lý ngân hàng câu hỏi) "
        "không được dự thi"
    ),
}
CLERK_REASONS = ["photocopy", "unreadable", "not_signed", "wrong_form"]


def reason_label(code: str) -> str:
    """The label of a reason; a reason a clerk wrote in a file is shown as written."""
    return str(REASONS[code]) if code in REASONS else code


def clerk_reason_choices() -> list[tuple[str, str]]:
    """Choices for the keying form: "valid" first, then the clerk's reasons by label."""
    return [("", _("— hợp lệ —")), *((code, REASONS[code]) for code in CLERK_REASONS)]
