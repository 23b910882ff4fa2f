import json
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from contest.inputs import BIGINT_MAX, bounded_int
from contest.models import Attempt
from contest.online.answers import (
    ESSAY_MAX_CHARS,
    answer_save,
    essay_save,
    prediction_clean,
    prediction_save,
)
from contest.online.attempts import attempt_start
from contest.online.checks import (
    AttemptRefused,
    check_may_start,
    contest_with_rounds,
    next_round_message,
    round_current,
    round_next,
)
from contest.online.finishing import (
    attempt_finish_expired,
    attempt_submit,
    attempts_finish_overdue,
)
from contest.selectors import (
    attempt_items,
    attempts_of,
    contests_for_home,
    contests_of_several_rounds,
    displayed_options,
    participation,
)
from core.ratelimit import rate_limited


def home(request):
    now = timezone.now()
    return render(request, "contest/home.html", {"now": now, **contests_for_home(now=now)})


def contest_detail(request, slug: str):
    # With its rounds once: the start's checks, the countdown and the list all read them.
    contest = contest_with_rounds(slug)
    if contest is None:
        raise Http404("Không tìm thấy cuộc thi.")
    now = timezone.now()
    refusal = None
    if request.user.is_authenticated:
        attempts_finish_overdue(user=request.user, now=now)
        try:
            check_may_start(contest=contest, user=request.user, now=now)
        except AttemptRefused as refused:
            refusal = refused
    upcoming = round_next(contest=contest, now=now)
    context = {
        "contest": contest,
        "now": now,
        "rounds": contest.rounds.all(),
        "current_round": round_current(contest=contest, now=now),
        "upcoming_round": upcoming,
        "next_round": next_round_message(contest=contest, upcoming=upcoming),
        "participation": None if contest.hide_participation else participation(contest=contest),
        "attempts": list(attempts_of(user=request.user, contest=contest))
        if request.user.is_authenticated
        else [],
        "refusal": refusal,
        "paper_ready": "paper" in contest.channels and "codes" in contest.questions_spec,
    }
    return render(request, "contest/detail.html", context)


def server_time(request):
    """The server's clock, for countdowns that must not trust the phone's."""
    return JsonResponse({"now": timezone.now().isoformat()}, headers={"Cache-Control": "no-store"})


@login_required
def attempt_begin(request, slug: str):
    if request.method != "POST":
        # Signing in again on the way here ends with a GET of this address: back to the
        # contest's page and its start button (a GET starts nothing).
        messages.info(request, _("Bấm “Bắt đầu làm bài” để vào thi."))
        return redirect("contest:detail", slug)
    # The rounds once, for the open round and the banks of the key-viewer rule.
    contest = contest_with_rounds(slug)
    if contest is None:
        raise Http404("Không tìm thấy cuộc thi.")
    try:
        attempt, created = attempt_start(contest=contest, user=request.user, now=timezone.now())
    except AttemptRefused as refused:
        messages.error(request, refused.message)
        return redirect("contest:detail", slug)
    if not created:
        messages.info(request, _("Bạn đang có một lượt thi chưa nộp; tiếp tục lượt đó."))
    return redirect("contest:attempt", attempt.pk)


def _own_attempt(request, pk) -> Attempt:
    attempt = Attempt.objects.select_related("contest", "round").filter(pk=pk).first()
    if attempt is None or attempt.user_id != request.user.pk:
        # Someone else's attempt id is as good as a wrong one.
        raise Http404("Không tìm thấy lượt thi.")
    return attempt


def _finished_by_time(request, attempt: Attempt, now):
    """Past the grace: the attempt is finished with what was saved, and its receipt shown."""
    attempt_finish_expired(attempt=attempt, now=now)
    messages.warning(request, _("Đã hết giờ làm bài. Bài đã được nộp tự động với các câu đã lưu."))
    return redirect("contest:receipt", attempt.pk)


@never_cache
@login_required
def attempt_page(request, pk):
    attempt = _own_attempt(request, pk)
    if attempt.status != Attempt.Status.IN_PROGRESS:
        return redirect("contest:receipt", attempt.pk)
    now = timezone.now()
    if now > attempt.accepts_until:
        return _finished_by_time(request, attempt, now)
    items = attempt_items(attempt=attempt)
    questions = [{"item": item, "options": displayed_options(item)} for item in items]
    return render(
        request,
        "contest/attempt.html",
        {
            "attempt": attempt,
            "contest": attempt.contest,
            "questions": questions,
            "now": now,
            "submit_key": uuid.uuid4().hex,
        },
    )


# An autosave is a few hundred bytes (the answer, its seq, base and up to 20 prior seqs), an
# essay's at most about 15 KB (5,000 characters of three bytes in UTF-8, the rare escape);
# a bigger body is refused before it is parsed (the site-wide cap is megabytes).
AUTOSAVE_MAX_BYTES = 64 * 1024


def _too_big(request, limit: int) -> bool:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    return declared > limit or len(request.body) > limit


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number here")


@login_required
@require_POST
def attempt_answer(request, pk):
    """Autosave one answer: JSON ``{"position": 3, "answer": "B", "seq": 1712…, "base": 7}``.

    The hot path at a deadline: the attempt is not loaded here; the service proves
    it is the user's and open in the query that reads the question.

    ``seq`` identifies the change (a retry repeats it), ``base`` is the server's
    order the page last saw for the question and ``prior`` the page's own earlier
    changes not yet confirmed (see ``answer_save``). A write that arrives after a
    newer answer is answered 409 with the answer stored, which the page then shows.

    The prediction and the essay travel the same way, under the same rules:
    ``{"prediction": "8123", "seq": 1712…, "base": 9}``, ``{"essay": "…", "seq": …}``.
    """
    if rate_limited(request, "answer", limit=240, seconds=60):
        return JsonResponse(
            {"ok": False, "error": _("Bạn gửi quá nhanh. Hãy chờ vài giây.")}, status=429
        )
    if _too_big(request, AUTOSAVE_MAX_BYTES):
        _own_attempt(request, pk)  # someone else's attempt stays a 404, whatever the body
        return JsonResponse({"ok": False, "error": _("Dữ liệu gửi lên quá lớn.")}, status=413)
    try:
        body = json.loads(request.body or b"{}", parse_constant=_refuse_constant)
        seq = bounded_int(body.get("seq", 0), low=0, high=BIGINT_MAX)
        base = (
            None if body.get("base") is None else bounded_int(body["base"], low=0, high=BIGINT_MAX)
        )
        prior = [bounded_int(p, low=0, high=BIGINT_MAX) for p in body.get("prior") or []][-20:]
        if "essay" in body:
            position, answer = "essay", body["essay"]
            if not isinstance(answer, str):
                raise ValueError("essay")
        elif "prediction" in body:
            position, answer = None, body["prediction"]
            if not isinstance(answer, str | int) or isinstance(answer, bool):
                raise ValueError("prediction")
            answer = str(answer)
            if len(answer) > 40:  # refused whole: a cut text could read as another number
                raise ValueError("prediction")
        else:
            position = bounded_int(body["position"], low=1, high=10_000)
            answer = body["answer"]  # "" clears the question; no key is not a clearing
            if not isinstance(answer, str) or len(answer) > 20:
                raise ValueError("answer")
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        # (RecursionError: a body nested thousands of levels deep, such as "[" * 50000)
        _own_attempt(request, pk)  # someone else's attempt stays a 404, whatever the body
        return JsonResponse({"ok": False, "error": _("Dữ liệu gửi lên không hợp lệ.")}, status=400)
    given = {"seq": seq, "base": base, "prior": prior, "now": timezone.now()}
    try:
        if position == "essay":
            saved = essay_save(attempt=pk, user=request.user, text=answer, **given)
        elif position is None:
            saved = prediction_save(attempt=pk, user=request.user, raw=answer, **given)
        else:
            saved = answer_save(
                attempt=pk, user=request.user, position=position, answer=answer, **given
            )
    except AttemptRefused as refused:
        if refused.code in ("not_found", "not_yours"):
            # Someone else's attempt id is as good as a wrong one.
            raise Http404("Không tìm thấy lượt thi.") from None
        status = 410 if refused.code in ("expired", "finished") else 400
        return JsonResponse(
            {"ok": False, "error": refused.message, "code": refused.code}, status=status
        )
    stored = {
        "position": saved.position,
        "answer": saved.answer,
        "seq": saved.seq,
        "saved_at": saved.saved_at.isoformat(),
    }
    if position is None:
        stored["prediction"] = int(saved.answer) if saved.answer else None
    if saved.stale and position == "essay":
        message = _("Bài viết đã được sửa ở máy khác hoặc thẻ khác; trang hiện bài đã lưu.")
        return JsonResponse(
            {"ok": False, "stale": True, "code": "stale", "error": message, **stored}, status=409
        )
    if saved.stale and position is None:
        message = _("Số dự đoán đã được sửa ở máy khác hoặc thẻ khác; trang hiện số đã lưu.")
        return JsonResponse(
            {"ok": False, "stale": True, "code": "stale", "error": message, **stored}, status=409
        )
    if saved.stale:
        message = _(
            "Câu %(n)s đã có câu trả lời mới hơn (từ máy khác hoặc thẻ khác); trang hiện đáp án đã lưu."
        )
        return JsonResponse(
            {
                "ok": False,
                "stale": True,
                "code": "stale",
                "error": message % {"n": position},
                **stored,
            },
            status=409,
        )
    return JsonResponse({"ok": True, **stored})


@never_cache
@require_safe  # (its form posts to the submit; a POST here would finish an attempt past the grace)
@login_required
def attempt_review(request, pk):
    """The confirmation before submitting: what is still unanswered."""
    attempt = _own_attempt(request, pk)
    if attempt.status != Attempt.Status.IN_PROGRESS:
        return redirect("contest:receipt", attempt.pk)
    now = timezone.now()
    if now > attempt.accepts_until:
        # As the attempt page does, rather than a page of boxes that take nothing more.
        return _finished_by_time(request, attempt, now)
    items = attempt_items(attempt=attempt)
    return render(
        request,
        "contest/review.html",
        {
            "attempt": attempt,
            "contest": attempt.contest,
            "unanswered": [i.position for i in items if not i.answer],
            "total": len(items),
            "submit_key": request.GET.get("key") or uuid.uuid4().hex,
            "now": now,
            # For the countdown of the grace, the server's figures: seconds to the deadline
            # (negative past it), seconds of grace left, and the grace's length.
            "to_deadline": int((attempt.deadline - now).total_seconds()),
            "grace_seconds": max(0, int((attempt.accepts_until - now).total_seconds())),
            "grace_length": attempt.contest.grace_seconds,
            "essay_max": ESSAY_MAX_CHARS,
            # What the resident typed in a submit that was refused: the page comes back with it.
            "typed": request.session.pop(_typed_key(attempt.pk), None) or {},
        },
    )


def _essay_known(form) -> tuple[int | None, list[int]]:
    """What the review page knew of the stored essay: the server's order it last saw, and
    its own changes not yet confirmed (autosave's ``base`` and ``prior``); a form without
    them (an older page) knows nothing, and its essay is written as before."""
    try:
        base = bounded_int(form.get("essay_base", ""), low=0, high=BIGINT_MAX)
    except ValueError:
        return None, []
    prior = []
    for key in form.get("essay_prior", "").split(",")[-20:]:
        try:
            prior.append(bounded_int(key, low=0, high=BIGINT_MAX))
        except ValueError:
            continue
    return base, prior


def _typed_key(pk) -> str:
    return f"cuocthi:typed:{pk}"


def _refused_keeping_typed(request, pk, message: str):
    """Back to the review page with ``message``, keeping what the resident typed for it."""
    request.session[_typed_key(pk)] = {
        "essay": request.POST.get("essay", "").replace("\x00", "")[:ESSAY_MAX_CHARS],
        "prediction": request.POST.get("prediction", "").replace("\x00", "")[:40],
    }
    messages.error(request, message)
    return redirect("contest:review", pk)


@login_required
@require_POST
def attempt_submit_view(request, pk):
    if rate_limited(request, "submit", limit=20, seconds=60):
        _own_attempt(request, pk)  # someone else's attempt stays a 404
        return _refused_keeping_typed(
            request, pk, _("Bạn gửi quá nhiều lần. Hãy chờ một phút rồi thử lại.")
        )
    # The hot path at a deadline: the attempt is read once, under its lock, by the service.
    if any("\x00" in request.POST.get(name, "") for name in ("submit_key", "prediction")):
        # (PostgreSQL text cannot hold the NUL character; no form of ours sends one)
        _own_attempt(request, pk)  # someone else's attempt stays a 404, whatever the form
        return _refused_keeping_typed(request, pk, _("Dữ liệu gửi lên không hợp lệ."))
    try:
        prediction = prediction_clean(request.POST.get("prediction", ""))
        essay_base, essay_prior = _essay_known(request.POST)
        attempt_submit(
            attempt=pk,
            user=request.user,
            submit_key=request.POST.get("submit_key", ""),
            prediction=prediction,
            # A NUL pasted into the essay is dropped (PostgreSQL text cannot hold it): refusing
            # the submission would lose the essay with it. A form without the box keeps
            # the essay autosaved.
            essay=request.POST.get("essay"),
            essay_base=essay_base,
            essay_prior=essay_prior,
            now=timezone.now(),
        )
    except AttemptRefused as refused:
        if refused.code in ("not_found", "not_yours"):
            # Someone else's attempt id is as good as a wrong one.
            raise Http404("Không tìm thấy lượt thi.") from None
        if refused.code == "expired":
            messages.error(request, refused.message)
            return redirect("contest:receipt", pk)
        _own_attempt(request, pk)  # someone else's attempt stays a 404, whatever the form
        if refused.code == "essay_stale":
            # Back to the page with the essay saved meanwhile; what this page typed and did
            # not send yet is still queued on the phone, and the page puts it back.
            messages.error(request, refused.message)
            prediction_typed = request.POST.get("prediction", "").replace("\x00", "")[:40]
            request.session[_typed_key(pk)] = {"prediction": prediction_typed}
            return redirect("contest:review", pk)
        return _refused_keeping_typed(request, pk, refused.message)
    return redirect("contest:receipt", pk)


@login_required
def attempt_receipt(request, pk):
    attempt = _own_attempt(request, pk)
    if attempt.status == Attempt.Status.IN_PROGRESS:
        return redirect("contest:attempt", pk)
    # The key only once no attempt of anyone can still save an answer.
    closed = attempt.contest.answers_closed(timezone.now())
    items = attempt_items(attempt=attempt) if closed else []
    return render(
        request,
        "contest/receipt.html",
        {
            "attempt": attempt,
            "contest": attempt.contest,
            "closed": closed,
            "several_rounds": bool(contests_of_several_rounds([attempt.contest_id])),
            "items": [{"item": i, "options": displayed_options(i)} for i in items],
        },
    )


@login_required
def my_entries(request):
    now = timezone.now()
    attempts_finish_overdue(user=request.user, now=now)
    attempts = list(attempts_of(user=request.user))
    contests = {a.contest_id: a.contest for a in attempts}
    closed = {pk for pk, contest in contests.items() if contest.answers_closed(now)}
    return render(
        request,
        "contest/my_entries.html",
        {
            "attempts": attempts,
            "now": now,
            "closed": closed,
            # (found walking two rounds: two entries both said "Lượt 1", and nothing more)
            "several_rounds": contests_of_several_rounds(contests),
        },
    )
