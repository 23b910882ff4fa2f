"""The rules an online attempt is checked against before anything is written (check, then do).

Who may start an attempt, and whether an attempt still takes answers: it is the person's
own, in progress, and its deadline plus grace (``Attempt.accepts_until``) has not passed.
Every refusal is an ``AttemptRefused`` with a message for the participant and a code.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Profile
from contest.models import Attempt, Contest, Round
from contest.permissions import contest_bank_slugs, key_viewers
from core.compiled import rows_by
from core.errors import Refusal
from core.timeparse import timezone_label


class AttemptRefused(Refusal):
    """A rule forbids the action; ``message`` is for the participant."""

    code = "attempt_refused"


def contest_with_rounds(slug: str) -> Contest | None:
    """The contest ``slug`` (or None) with its rounds, as
    ``Contest.objects.prefetch_related("rounds")`` loads it: ``contest.rounds.all()`` and each
    round's ``contest`` ask nothing more. Two statements compiled once per process
    (``core.compiled``): building the prefetch through the ORM cost an eighth of a start."""
    found = rows_by(Contest, "slug", slug)
    if not found:
        return None
    contest = found[0]
    rounds = rows_by(Round, "contest", contest.pk)
    for one in rounds:
        Round.contest.field.set_cached_value(one, contest)
    # What prefetch_related leaves: the related manager's queryset, already evaluated.
    cached = contest.rounds.all()
    cached._result_cache, cached._prefetch_done = rounds, True
    contest._prefetched_objects_cache = {Round.contest.field.remote_field.cache_name: cached}
    return contest


def round_next(*, contest: Contest, now: datetime) -> Round | None:
    """Between two rounds (none open at ``now``, a later one to come): the next to open."""
    if now < contest.opens_at or round_current(contest=contest, now=now):
        return None
    later = [r for r in contest.rounds.all() if r.opens_at > now]
    return min(later, key=lambda r: r.opens_at, default=None)


def next_round_message(*, contest: Contest, upcoming: Round | None) -> str | None:
    """Between two rounds (``upcoming``, from ``round_next``): when the next opens."""
    if upcoming is None:
        return None
    opens = timezone.localtime(upcoming.opens_at, contest.tz)
    return _("%(round)s chưa mở. Vòng này mở lúc %(when)s, %(zone)s; hãy quay lại lúc đó.") % {
        "round": str(upcoming),
        "when": f"{opens:%H:%M %d/%m/%Y}",
        "zone": timezone_label(contest.timezone, opens),
    }


def round_current(*, contest: Contest, now: datetime) -> Round | None:
    """The round open at ``now``, if any.

    Read from ``contest.rounds.all()`` (a contest has a handful): a caller that loaded the
    contest with ``prefetch_related("rounds")`` asks the database nothing more here, nor
    for the banks of its rounds (``contest_bank_slugs``).
    """
    open_now = [r for r in contest.rounds.all() if r.opens_at <= now < r.closes_at]
    return min(open_now, key=lambda r: r.number, default=None)


# --- checks ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StartFacts:
    """What ``check_may_start`` learnt: the open round, and the person's attempts in it."""

    round: Round
    attempts_used: int
    in_progress_id: object  # the id of the attempt in progress in the round, or None


# Where the compiled key-viewer rule takes the person's id (no account has this id).
_PERSON = -7_040_213


@lru_cache(maxsize=512)
def _facts_sql(contest_id: int, bank_slugs: frozenset[str]) -> tuple[str, tuple, int]:
    """The SQL of ``_start_facts`` for one contest and its banks, built once per process, its
    key-viewer parameters, and the place among them of the person's id.

    The key-viewer rule is ``key_viewers`` itself, narrowed to the person and compiled here:
    its SQL depends only on the contest and its banks (who is a member or an owner is data,
    read at each query). Building it through the ORM at every start cost about a fifth of a
    start's CPU. Narrowed to the person, it is a look-up by primary key; as an
    ``id IN (…)`` it read every account at every start.
    """
    viewers, viewer_params = (
        key_viewers(Contest(pk=contest_id), bank_slugs=bank_slugs)
        .filter(pk=_PERSON)
        .values("pk")
        .query.sql_with_params()
    )
    slots = [n for n, value in enumerate(viewer_params) if value == _PERSON]
    if len(slots) != 1:  # the rule's SQL changed shape: found out at the first start, loudly
        raise RuntimeError(f"key_viewers compiled with {len(slots)} slots for the person")
    q = connection.ops.quote_name
    attempts = q(Attempt._meta.db_table)
    sql = f"""
        SELECT p.id, p.full_name,
               EXISTS ({viewers}),
               {Contest.admits_unit_sql("p.unit_id")},
               (SELECT COUNT(*) FROM {attempts} a WHERE a.round_id = %s AND a.user_id = u.id),
               (SELECT a.id FROM {attempts} a
                WHERE a.round_id = %s AND a.user_id = u.id AND a.status = %s)
        FROM {q(Profile._meta.get_field("user").related_model._meta.db_table)} u
        LEFT JOIN {q(Profile._meta.db_table)} p ON p.user_id = u.id
        WHERE u.id = %s
    """
    return sql, tuple(viewer_params), slots[0]


def _start_facts(*, contest: Contest, user, current: Round) -> tuple:
    """(profile id, full name, sees the key, unit admitted, attempts used, in progress id)
    of ``user`` in ``current``, in one query."""
    sql, viewer_params, slot = _facts_sql(contest.pk, frozenset(contest_bank_slugs(contest)))
    viewer_params = list(viewer_params)
    viewer_params[slot] = user.pk
    params = [
        *viewer_params,
        contest.pk,
        contest.pk,
        current.pk,
        current.pk,
        Attempt.Status.IN_PROGRESS,
        user.pk,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:  # the account was deleted while signed in: as if without a profile
        row = (None, "", False, False, 0, None)
    profile_id, full_name, sees_key, admitted, used, in_progress = row
    if in_progress is not None:
        in_progress = Attempt._meta.pk.to_python(in_progress)
    return profile_id, full_name, bool(sees_key), bool(admitted), used, in_progress


def check_may_start(*, contest: Contest, user, now: datetime) -> StartFacts:
    """The open round ``user`` may start an attempt in, with their attempts in it, or raise
    ``AttemptRefused``. Read ``contest`` with ``prefetch_related("rounds")``: beyond that,
    one query."""
    if "online" not in contest.channels:
        raise AttemptRefused(_("Cuộc thi này chỉ nhận bài trên giấy."), "no_online")
    if now < contest.opens_at:
        raise AttemptRefused(_("Cuộc thi chưa mở. Hãy quay lại đúng giờ mở."), "not_open")
    current = round_current(contest=contest, now=now)
    if current is None:
        waiting = next_round_message(contest=contest, upcoming=round_next(contest=contest, now=now))
        if waiting:
            raise AttemptRefused(waiting, "between_rounds")
        raise AttemptRefused(_("Cuộc thi đã đóng, không thể bắt đầu lượt thi mới."), "closed")
    profile_id, full_name, sees_key, admitted, used, in_progress = _start_facts(
        contest=contest, user=user, current=current
    )
    if sees_key:
        raise AttemptRefused(
            _(
                "Bạn xem được đáp án của cuộc thi này (Ban Tổ chức, người nhập phiếu hoặc "
                "người quản lý ngân hàng câu hỏi) nên không được dự thi."
            ),
            "staff",
        )
    if profile_id is None or not full_name:
        raise AttemptRefused(
            _("Hãy cập nhật họ tên trong Thông tin cá nhân trước khi dự thi."), "profile"
        )
    if not admitted:
        raise AttemptRefused(
            _("Cuộc thi này chỉ dành cho người thuộc các đơn vị được mời."), "not_eligible"
        )
    return StartFacts(current, used, in_progress)


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
