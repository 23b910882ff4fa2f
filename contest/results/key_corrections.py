"""Key corrections after the close: accept more answers for a question, or void it, and
regrade every entry that holds it (online and paper alike, in SQL)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contest import events
from contest.grading import key_rules, regrade_using_versions
from contest.models import (
    AttemptQuestion,
    Contest,
    KeyCorrection,
    PaperAnswer,
    Result,
    Round,
)
from contest.results.workflow import record
from core.errors import Refusal
from questions.models import LETTERS, QuestionVersion


class KeyCorrectionRefused(Refusal):
    """The correction cannot be made (message for the organizer); ``code`` names the rule."""

    code = "key_correction_refused"


def _clean_accepted(version: QuestionVersion, answers: list[str]) -> tuple[str, ...]:
    letters = LETTERS[: len(version.options)]
    cleaned: list[str] = []
    for raw in answers:
        answer = "".join(sorted(set(raw.strip().upper().replace(",", "").replace(" ", ""))))
        if not answer:
            continue
        if any(ch not in letters for ch in answer):
            raise KeyCorrectionRefused(
                _(
                    "đáp án %(answer)s không có trong câu %(code)s: câu này chỉ có phương án %(letters)s."
                )
                % {
                    "answer": repr(raw.strip()),
                    "code": version.question.code,
                    "letters": ", ".join(letters),
                },
                "answer_unknown",
                "answers",
            )
        if version.kind != "multiple" and len(answer) > 1:
            raise KeyCorrectionRefused(
                _(
                    "câu %(code)s chỉ chọn một phương án: mỗi đáp án một chữ cái "
                    "(muốn chấp nhận hai đáp án thì ghi B, C)."
                )
                % {"code": version.question.code},
                "single_answer",
                "answers",
            )
        if answer not in cleaned:
            cleaned.append(answer)
    if not cleaned:
        raise KeyCorrectionRefused(
            _("hãy ghi các đáp án được chấp nhận, ví dụ: B, C."), "answers_missing", "answers"
        )
    return tuple(cleaned)


def key_correct(
    *, contest: Contest, code: str, action: str, answers: list[str], reason: str, user, now=None
) -> KeyCorrection:
    """Accept more answers for a question, or void it, after the close; regrade what it touches.

    Refused before the close of every round that used the question, once a round
    that used it has final results, for a question the contest did not use, and
    without a reason.
    """
    now = now or timezone.now()
    if action not in KeyCorrection.Action.values:
        raise KeyCorrectionRefused(
            _("hãy chọn: chấp nhận thêm đáp án, hoặc hủy câu hỏi."), "action_unknown", "action"
        )
    if not reason.strip():
        raise KeyCorrectionRefused(
            _("hãy ghi lý do sửa đáp án: lý do được công bố cùng kết quả."),
            "reason_missing",
            "reason",
        )
    code = code.strip()
    # (version, round) pairs in which the question was used, counted in the database.
    used = set(
        AttemptQuestion.objects.filter(attempt__contest=contest, version__question__code=code)
        .values_list("version_id", "attempt__round_id")
        .order_by()  # (the model's ordering made DISTINCT keep a row per answer)
        .distinct()
    ) | set(
        PaperAnswer.objects.filter(entry__contest=contest, version__question__code=code)
        .values_list("version_id", "entry__round_id")
        .order_by()
        .distinct()
    )
    if not used:
        raise KeyCorrectionRefused(
            _("câu %(code)s không có trong bài nào của cuộc thi.") % {"code": code or _("(trống)")},
            "question_unused",
            "code",
        )
    version_ids = {version for version, _round in used}
    rounds = list(Round.objects.filter(pk__in={round for _version, round in used}))
    if not all(contest.answers_closed(now, r) for r in rounds):
        raise KeyCorrectionRefused(
            _(
                "chỉ sửa đáp án sau giờ đóng (cộng thời gian ân hạn) của vòng thi có câu hỏi "
                "này, khi không còn ai nộp bài được."
            ),
            "round_open",
        )
    if Result.objects.filter(round__in=rounds, final=True).exists():
        raise KeyCorrectionRefused(
            _("kết quả chính thức của vòng có câu hỏi này đã chốt; không sửa đáp án được nữa."),
            "final",
        )
    corrections = []
    with transaction.atomic():
        for version in QuestionVersion.objects.select_related("question").filter(
            pk__in=version_ids
        ):
            accepted = (
                _clean_accepted(version, answers) if action == KeyCorrection.Action.ACCEPT else ()
            )
            corrections.append(
                KeyCorrection.objects.create(
                    contest=contest,
                    version=version,
                    action=action,
                    answers=list(accepted),
                    reason=reason.strip(),
                    created_by=user,
                )
            )
        rules = key_rules(contest.pk)
        touched = regrade_using_versions(
            contest_id=contest.pk, version_ids=version_ids, rules=rules
        )
        for correction in corrections:
            correction.entries_regraded = touched
        KeyCorrection.objects.bulk_update(corrections, ["entries_regraded"])
        decision = "hủy câu" if action == KeyCorrection.Action.VOID else "chấp nhận"
        record(
            contest=contest,
            action="key_corrected",
            detail=f"{code}: {decision} {', '.join(corrections[0].answers)}; "
            f"chấm lại {touched} bài",
            by=user,
        )
    events.entries_changed(contest_id=contest.pk)
    return corrections[0]
