"""The rules an online attempt is checked against before anything is written (check, then do).

Who may start an attempt, and whether an attempt still takes answers: it is the person's
own, in progress, and its deadline plus grace (``Attempt.accepts_until``) has not passed.
Every refusal is an ``AttemptRefused`` with a message for the participant and a code.
"""

from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from accounts.models import Profile
from contest.models import Attempt, Contest, Round
from contest.permissions import key_viewers, user_sees_key
from core.errors import Refusal


class AttemptRefused(Refusal):
    """A rule forbids the action; ``message`` is for the participant."""

    code = "attempt_refused"


def round_current(*, contest: Contest, now: datetime) -> Round | None:
    """The round open at ``now``, if any.

    Read from ``contest.rounds.all()`` (a contest has a handful): a caller that loaded the
    contest with ``prefetch_related("rounds")`` asks the database nothing more here, nor
    for the banks of its rounds (``contest_bank_slugs``).
    """
    open_now = [r for r in contest.rounds.all() if r.opens_at <= now < r.closes_at]
    return min(open_now, key=lambda r: r.number, default=None)


# --- checks ---------------------------------------------------------------------------


def check_may_start(*, contest: Contest, user, now: datetime) -> Round:
    """Return the open round ``user`` may start an attempt in, or raise ``AttemptRefused``."""
    if "online" not in contest.channels:
        raise AttemptRefused(_("Cuộc thi này chỉ nhận bài trên giấy."), "no_online")
    if now < contest.opens_at:
        raise AttemptRefused(_("Cuộc thi chưa mở. Hãy quay lại đúng giờ mở."), "not_open")
    current = round_current(contest=contest, now=now)
    if current is None:
        raise AttemptRefused(_("Cuộc thi đã đóng, không thể bắt đầu lượt thi mới."), "closed")
    # The profile and the key-viewer rule in one query (a person without a profile is
    # asked the rule on its own).
    profile = (
        Profile.objects.filter(user_id=user.pk)
        .annotate(sees_key=Exists(key_viewers(contest).filter(pk=OuterRef("user_id"))))
        .first()
    )
    sees_key = (
        profile.sees_key if profile is not None else user_sees_key(user=user, contest=contest)
    )
    if sees_key:
        raise AttemptRefused(
            _(
                "Bạn xem được đáp án của cuộc thi này (Ban Tổ chức, người nhập phiếu hoặc "
                "người quản lý ngân hàng câu hỏi) nên không được dự thi."
            ),
            "staff",
        )
    if profile is None or not profile.full_name:
        raise AttemptRefused(
            _("Hãy cập nhật họ tên trong Thông tin cá nhân trước khi dự thi."), "profile"
        )
    if not contest.admits_unit(profile.unit_id):
        raise AttemptRefused(
            _("Cuộc thi này chỉ dành cho người thuộc các đơn vị được mời."), "not_eligible"
        )
    return current


# --- does the attempt still take answers? ------------------------------------------------


def check_accepts_answers(*, attempt: Attempt, user, now: datetime) -> None:
    _check_open(
        user_id=attempt.user_id,
        status=attempt.status,
        accepts_until=attempt.accepts_until,
        user=user,
        now=now,
    )


def _check_open(*, user_id, status: str, accepts_until: datetime, user, now: datetime) -> None:
    if user_id != user.pk:
        raise AttemptRefused(_("Lượt thi này không phải của bạn."), "not_yours")
    if status != Attempt.Status.IN_PROGRESS:
        raise AttemptRefused(_("Bài đã nộp; không sửa được câu trả lời nữa."), "finished")
    if now > accepts_until:
        raise AttemptRefused(_("Đã hết giờ làm bài. Các câu đã lưu được nộp tự động."), "expired")


OPEN_FIELDS = ("user_id", "status", "deadline", "contest__grace_seconds")


def check_open_row(row: dict | None, *, prefix: str, user, now: datetime) -> None:
    """Refuse unless ``row`` (values of ``OPEN_FIELDS``, under ``prefix``) is ``user``'s
    attempt and still takes answers; a missing attempt is refused as ``not_found``."""
    if row is None:
        raise AttemptRefused(_("Không tìm thấy lượt thi."), "not_found")
    _check_open(
        user_id=row[f"{prefix}user_id"],
        status=row[f"{prefix}status"],
        accepts_until=row[f"{prefix}deadline"]
        + timedelta(seconds=row[f"{prefix}contest__grace_seconds"]),
        user=user,
        now=now,
    )
