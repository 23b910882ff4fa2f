"""Creating and updating contests from the contest JSON of docs/contracts.md."""

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import Unit
from accounts.roles import user_may_use_bank
from contest.criteria import CRITERIA, DEFAULT_TIE_BREAK
from contest.definition_parts import prizes_check, problem, questions_check, unit_prizes_check
from contest.models import Contest, Round
from contest.permissions import contest_bank_slugs, user_is_organizer
from core.errors import Refusal
from core.timeparse import BadDate, parse_date, parse_datetime
from questions.models import Bank

CHANNELS = {"online", "paper"}
# Once entries exist these may not change: they decide scores and ranks.
# The fields locked once the contest has entries (``Contest.has_entries``): changing one would
# change someone's score or rank. The one list: the organizer's form disables the fields that
# feed these (``contest.forms.locked_form_fields``).
SCORING_FIELDS = [
    "questions_spec",
    "counted_attempt",
    "tie_break",
    "prediction_target",
    "lot_seed",
    "attempt_time_limit_minutes",
    "max_attempts",
]


class ContestInvalid(Refusal):
    """The contest JSON is refused whole; ``errors`` are its ``path: message`` lines (the
    path into the JSON, e.g. ``rounds[0].closes_at``), ``field`` is the first one's path."""

    code = "contest_invalid"

    def __init__(self, errors: list[str], code: str = ""):
        super().__init__("\n".join(errors), code, errors[0].partition(": ")[0] if errors else "")
        self.errors = errors


def contest_check(
    data: dict, *, may_use_bank: Callable[[Bank], bool] | None = None
) -> tuple[dict, list[dict], list[str]]:
    """Validate the contest JSON; return (contest fields, round fields, errors).

    ``may_use_bank``: when given, a bank it refuses is reported as unknown.
    """
    errors: list[str] = []
    if not isinstance(data, dict):
        return {}, [], [problem(_("(gốc)"), _("tệp phải là một đối tượng JSON"))]
    slug = data.get("slug", "")
    if not slug or slugify(slug) != slug:
        errors.append(
            problem(
                "slug",
                _("mã cuộc thi chỉ gồm chữ thường không dấu, số và gạch ngang, ví dụ cchc-2022"),
            )
        )
    for key in ("title", "organizer", "opens_at", "closes_at"):
        if not data.get(key):
            errors.append(problem(key, _("bắt buộc")))
    try:
        tz = ZoneInfo(data.get("timezone") or "Asia/Ho_Chi_Minh")
    except (ZoneInfoNotFoundError, ValueError):
        errors.append(
            problem("timezone", _("không biết múi giờ “%(tz)s”") % {"tz": data.get("timezone")})
        )
        tz = ZoneInfo("Asia/Ho_Chi_Minh")

    def when(key: str, source: dict, path: str) -> datetime | None:
        if not source.get(key):
            return None
        try:
            return parse_datetime(source[key], tz)
        except BadDate as error:
            errors.append(problem(f"{path}{key}", str(error)))
            return None

    opens, closes = when("opens_at", data, ""), when("closes_at", data, "")
    if opens and closes and closes <= opens:
        errors.append(problem("closes_at", _("giờ đóng phải sau giờ mở")))
    postmark = None
    if data.get("paper_postmark_deadline"):
        try:
            postmark = parse_date(data["paper_postmark_deadline"])
        except BadDate as error:
            errors.append(problem("paper_postmark_deadline", str(error)))
    channels = data.get("channels", ["online"])
    if not isinstance(channels, list) or not channels or set(channels) - CHANNELS:
        errors.append(problem("channels", _("chỉ nhận “online” và/hoặc “paper”")))
    limit = data.get("attempt_time_limit_minutes", 30)
    if not isinstance(limit, int) or not 1 <= limit <= 600:
        errors.append(problem("attempt_time_limit_minutes", _("số phút từ 1 đến 600")))
    max_attempts = data.get("max_attempts", 1)
    if not isinstance(max_attempts, int) or not 1 <= max_attempts <= 100:
        errors.append(problem("max_attempts", _("số lượt từ 1 đến 100")))
    counted = data.get("counted_attempt", "best")
    if counted not in ("best", "first", "last"):
        errors.append(problem("counted_attempt", _("chỉ nhận best, first hoặc last")))
    prediction = data.get("prediction") or {}
    if prediction and prediction.get("target") not in ("participants", "all_correct"):
        errors.append(problem("prediction.target", _("chỉ nhận participants hoặc all_correct")))
    if prediction and not prediction.get("question"):
        errors.append(problem("prediction.question", _("cần nội dung câu hỏi dự đoán")))
    tie_break = data.get("tie_break", DEFAULT_TIE_BREAK)
    if (
        not isinstance(tie_break, list)
        or set(tie_break) - set(CRITERIA)
        or len(set(tie_break)) != len(tie_break)
    ):
        errors.append(
            problem(
                "tie_break",
                _("chỉ dùng các tiêu chí %(names)s, mỗi tiêu chí một lần")
                % {"names": ", ".join(CRITERIA)},
            )
        )
    elif "prediction_error" in tie_break and not prediction:
        errors.append(
            problem("tie_break", _("có prediction_error nhưng cuộc thi không có câu dự đoán"))
        )
    questions = questions_check(data.get("questions"), errors, "questions", may_use_bank)
    prizes = prizes_check(data.get("prizes", []), errors, "prizes")
    unit_prizes = unit_prizes_check(data.get("unit_prizes") or {}, errors)
    units = data.get("eligible_units", [])
    unknown = set(units) - set(Unit.objects.filter(code__in=units).values_list("code", flat=True))
    if unknown:
        errors.append(
            problem(
                "eligible_units",
                _("không có đơn vị %(codes)s") % {"codes": ", ".join(sorted(unknown))},
            )
        )
    rounds = []
    raw_rounds = data.get("rounds") or [{}]
    if not isinstance(raw_rounds, list):
        errors.append(problem("rounds", _("cần danh sách vòng")))
        raw_rounds = [{}]
    for i, raw in enumerate(raw_rounds, start=1):
        path = f"rounds[{i - 1}]."
        r_opens = when("opens_at", raw, path) or opens
        r_closes = when("closes_at", raw, path) or closes
        own_window = bool(raw.get("opens_at") or raw.get("closes_at"))
        if own_window and r_opens and r_closes and r_closes <= r_opens:
            errors.append(problem(f"{path}closes_at", _("giờ đóng phải sau giờ mở")))
        if opens and closes and r_opens and r_closes and (r_opens < opens or r_closes > closes):
            errors.append(
                problem(f"{path}opens_at", _("vòng phải nằm trong thời gian của cuộc thi"))
            )
        rounds.append(
            {
                "number": i,
                "title": raw.get("title", ""),
                "opens_at": r_opens,
                "closes_at": r_closes,
                "questions_spec": questions_check(
                    raw["questions"], errors, f"{path}questions", may_use_bank
                )
                if raw.get("questions")
                else {},
                "prizes": prizes_check(raw.get("prizes", []), errors, f"{path}prizes"),
            }
        )
    if isinstance(channels, list) and "paper" in channels:
        for values in rounds:
            spec = values["questions_spec"] or questions
            if spec and "codes" not in spec:
                where = "" if len(rounds) == 1 else _(" (vòng %(n)s)") % {"n": values["number"]}
                errors.append(
                    problem(
                        "channels",
                        _(
                            "phiếu giấy cần một danh sách câu hỏi cố định để in%(where)s, "
                            "nhưng bộ câu hỏi đang rút ngẫu nhiên cho từng lượt; hãy nhập mã "
                            "câu hỏi cố định hoặc bỏ hình thức phiếu giấy"
                        )
                        % {"where": where},
                    )
                )
                break
    fields = {
        "title": data.get("title", ""),
        "organizer_name": data.get("organizer", ""),
        "rules_text": data.get("rules", ""),
        "timezone": str(tz.key),
        "opens_at": opens,
        "closes_at": closes,
        "paper_postmark_deadline": postmark,
        "channels": channels,
        "attempt_time_limit_minutes": limit,
        "max_attempts": max_attempts,
        "counted_attempt": counted,
        "questions_spec": questions,
        "prediction_question": prediction.get("question", ""),
        "prediction_target": prediction.get("target", ""),
        "tie_break": tie_break,
        "lot_seed": data.get("lot_seed", ""),
        "prizes": prizes,
        "unit_prizes": unit_prizes,
        "hide_participation": bool(data.get("hide_participation", False)),
        "essay_question": data.get("essay_question", ""),
        "grace_seconds": int(data.get("grace_seconds", 30)),
        "double_keying": bool(data.get("double_keying", True)),
        "_units": units,
    }
    return fields, rounds, errors


CREATE, UPDATE, CREATE_OR_UPDATE = "create", "update", "create_or_update"


@transaction.atomic
def contest_import(*, data: dict, mode: str = CREATE_OR_UPDATE, user=None) -> tuple[Contest, bool]:
    """Create or update the contest ``data["slug"]``; returns (contest, created).

    Raises ``ContestInvalid``. ``mode``: ``create`` never updates (a slug already
    taken is an error), ``update`` never creates; the operator's command creates
    or updates. With ``user`` (the web), updating needs the organizer role on
    that contest, and the contest may draw only from banks ``user`` may use
    (or the ones it already used). Once the contest has entries, fields that
    decide scores and ranks (questions, counting, tie-breaks, time limit,
    attempts) are refused with the reason.
    """
    slug = data.get("slug", "") if isinstance(data, dict) else ""
    contest = Contest.objects.select_for_update().filter(slug=slug).first() if slug else None
    if contest is not None and mode == CREATE:
        raise ContestInvalid(
            [
                problem(
                    "slug",
                    _("mã cuộc thi “%(slug)s” đã được dùng cho một cuộc thi khác; hãy chọn mã khác")
                    % {"slug": slug},
                )
            ],
            "slug_taken",
        )
    if contest is None and mode == UPDATE:
        raise ContestInvalid(
            [problem("slug", _("không có cuộc thi “%(slug)s”") % {"slug": slug})], "not_found"
        )
    if (
        contest is not None
        and user is not None
        and not user_is_organizer(user=user, contest=contest)
    ):
        raise ContestInvalid(
            [
                problem(
                    "slug",
                    _("bạn không thuộc Ban Tổ chức của cuộc thi “%(slug)s”") % {"slug": slug},
                )
            ],
            "not_organizer",
        )
    may_use = None
    if user is not None:
        already = contest_bank_slugs(contest) if contest is not None else set()

        def may_use(bank: Bank) -> bool:
            return bank.slug in already or user_may_use_bank(user=user, bank=bank)

    fields, rounds, errors = contest_check(data, may_use_bank=may_use)
    if errors:
        raise ContestInvalid(errors)
    units = fields.pop("_units")
    created = contest is None
    if not created and contest.has_entries():
        for name in SCORING_FIELDS:
            if getattr(contest, name) != fields[name]:
                errors.append(
                    problem(
                        name,
                        _(
                            "không sửa được vì cuộc thi đã có bài dự thi "
                            "(thay đổi sẽ làm đổi điểm hoặc thứ hạng)"
                        ),
                    )
                )
        if len(rounds) < contest.rounds.count():
            errors.append(problem("rounds", _("không xóa được vòng đã có bài dự thi")))
        if errors:
            raise ContestInvalid(errors, "locked_by_entries")
    contest = contest or Contest(slug=data["slug"])
    for name, value in fields.items():
        setattr(contest, name, value)
    contest.full_clean()
    contest.save()
    contest.eligible_units.set(Unit.objects.filter(code__in=units))
    for values in rounds:
        Round.objects.update_or_create(
            contest=contest, number=values.pop("number"), defaults=values
        )
    contest.rounds.filter(number__gt=len(rounds)).delete()
    return contest, created
