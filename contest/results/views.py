"""Results: the organizers' ranking page, the public results page, a participant's own result."""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.identity import id_birth_year_warning
from contest.models import Contest, KeyCorrection, Result, ResultEvent, ResultRow, WinnerCheck
from contest.organizer import _organizer
from contest.results import workflow
from contest.results.ceremony import (
    CeremonyError,
    ceremony_end,
    ceremony_result,
    ceremony_reveal_next,
    ceremony_start,
    check_ceremony_may_start,
    revealed_payloads,
)
from contest.results.explain import criteria_text, explain, reason_text
from contest.results.exports import certificates_pdf, results_csv, results_xlsx, winners_pdf
from contest.results.key_corrections import KeyCorrectionRefused, key_correct
from contest.results.selectors import result_statistics, winners_shown
from contest.results.tasks import rank_contest_task
from contest.results.workflow import latest_results, outdated
from core.jobs import job_create

# --- organizers ------------------------------------------------------------------------------


@login_required
def manage_results(request, slug: str):
    contest = get_object_or_404(Contest, slug=slug)
    _organizer(request, contest)
    results = latest_results(contest)
    blocks = []
    for result in results:
        rows = ResultRow.objects.filter(result=result).select_related("unit", "paper", "attempt")
        blocks.append(
            {
                "result": result,
                "top": rows.filter(rank__isnull=False).order_by("rank")[:100],
                "invalid": rows.filter(rank__isnull=True).values("reason").annotate(n=Count("pk")),
            }
        )
    corrections = list(
        KeyCorrection.objects.filter(contest=contest)
        .select_related("version__question", "created_by")
        .order_by("-created_at", "-pk")
    )
    stale = bool(outdated(results))
    checks = {c.person: c for c in WinnerCheck.objects.filter(contest=contest)}
    to_check = []
    for row in (
        ResultRow.objects.filter(result__in=results)
        .exclude(prize="")
        .select_related("result__round", "unit", "paper")
        .order_by("result__round__number", "rank")
    ):
        check = checks.get(row.person)
        to_check.append(
            {
                "row": row,
                "check": check,
                "warning": id_birth_year_warning(row.paper.id_number, row.paper.birth_year)
                if row.paper
                else "",
                "items": [
                    (key, label, bool(check and check.checks.get(key)))
                    for key, label in WinnerCheck.ITEMS
                ],
            }
        )
    return render(
        request,
        "contest/manage_results.html",
        {
            "contest": contest,
            "to_check": to_check,
            "events": ResultEvent.objects.filter(contest=contest).select_related("by")[:30],
            "blocks": blocks,
            "now": timezone.now(),
            "answers_closed": contest.answers_closed(timezone.now()),
            "reason_text": reason_text,
            "corrections": corrections,
            "units": results[-1].unit_standings if results else [],
            "stale": stale,
            "final": bool(results) and all(r.final for r in results),
            "actions": KeyCorrection.Action.choices,
        },
    )


@login_required
@require_POST
def manage_key_correct(request, slug: str):
    """Accept more answers for a question, or void it, after the close; everything regraded."""
    contest = get_object_or_404(Contest, slug=slug)
    _organizer(request, contest)
    try:
        correction = key_correct(
            contest=contest,
            code=request.POST.get("code", ""),
            action=request.POST.get("action", ""),
            answers=request.POST.get("answers", "").replace(";", ",").split(","),
            reason=request.POST.get("reason", ""),
            user=request.user,
        )
    except KeyCorrectionRefused as refused:
        messages.error(request, _("Chưa sửa đáp án: %(why)s") % {"why": refused})
    else:
        messages.success(
            request,
            _("Đã sửa đáp án câu %(code)s và chấm lại %(n)s bài. Hãy xếp hạng lại.")
            % {"code": correction.version.question.code, "n": correction.entries_regraded},
        )
    return redirect("contest:manage_results", slug=slug)


@login_required
@require_POST
def manage_rank(request, slug: str):
    """Rank (or finalize) in the background; the job page shows progress."""
    contest = get_object_or_404(Contest, slug=slug)
    _organizer(request, contest)
    final = request.POST.get("final") == "1"
    published = any(r.published_at for r in latest_results(contest))
    if published and not final and request.POST.get("withdraw") != "1":
        # A new provisional ranking replaces what the public sees: say so before doing it.
        # (Making the result final is the expected next step and is published next.)
        messages.error(
            request,
            _(
                "Chưa xếp hạng lại: kết quả mới sẽ thay kết quả đang công bố, và được gỡ khỏi "
                "trang công khai cho đến khi công bố lại nếu có người đạt giải chưa được xác "
                "minh. Hãy đánh dấu ô xác nhận rồi bấm lại."
            ),
        )
        return redirect("contest:manage_results", slug=slug)
    job = job_create(
        kind="rank_contest",
        owner=request.user,
        total=1,
        next_url=reverse("contest:manage_results", args=[contest.slug]),
    )
    rank_contest_task.enqueue(
        job_id=str(job.pk), contest_id=contest.pk, final=final, user_id=request.user.pk
    )
    return redirect("contest:job", pk=job.pk)


@login_required
@require_POST
def manage_publish(request, slug: str):
    """Publish (a provisional result with an objection window, or the final one), or withdraw."""
    contest = get_object_or_404(Contest, slug=slug)
    _organizer(request, contest)
    if request.POST.get("publish") != "1":
        workflow.results_unpublish(contest=contest, user=request.user)
        messages.success(request, _("Đã thôi công bố kết quả."))
        return redirect("contest:manage_results", slug=slug)
    until = None
    raw = request.POST.get("objections_until", "").strip()
    if raw:
        try:
            until = datetime.fromisoformat(raw).replace(tzinfo=contest.tz)
        except ValueError:
            messages.error(
                request,
                _("Chưa công bố: “%(raw)s” không phải ngày giờ (ví dụ 2022-06-20 17:00).")
                % {"raw": raw},
            )
            return redirect("contest:manage_results", slug=slug)
    try:
        workflow.results_publish(contest=contest, user=request.user, objections_until=until)
    except workflow.WorkflowRefused as refused:
        messages.error(request, _("Chưa công bố: %(why)s") % {"why": refused})
    else:
        messages.success(request, _("Đã công bố kết quả."))
    return redirect("contest:manage_results", slug=slug)


@login_required
@require_POST
def manage_winner_check(request, slug: str):
    """Tick what the committee has checked about one prize winner."""
    contest = get_object_or_404(Contest, slug=slug)
    _organizer(request, contest)
    try:
        check = workflow.winner_check(
            contest=contest,
            person=request.POST.get("person", ""),
            checks={key: request.POST.get(key) == "on" for key, _label in WinnerCheck.ITEMS},
            note=request.POST.get("note", ""),
            user=request.user,
        )
    except workflow.WorkflowRefused as refused:
        messages.error(request, _("Chưa lưu: %(why)s") % {"why": refused})
    else:
        messages.success(
            request,
            _("Đã lưu xác minh: đủ.") if check.complete else _("Đã lưu; còn mục chưa xác minh."),
        )
    return redirect(f"{reverse('contest:manage_results', args=[slug])}#xac-minh")


@login_required
def manage_export(request, slug: str, kind: str):
    contest = get_object_or_404(Contest, slug=slug)
    _organizer(request, contest)
    results = latest_results(contest)
    if not results:
        raise Http404(_("Cuộc thi chưa được xếp hạng."))
    if kind == "csv":
        data, mime, name = results_csv(results), "text/csv; charset=utf-8", "ket-qua"
    elif kind == "xlsx":
        data, name = results_xlsx(results), "ket-qua"
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif kind == "pdf":
        data, mime, name = winners_pdf(contest, results), "application/pdf", "danh-sach-dat-giai"
    elif kind == "certificates":
        data, mime, name = certificates_pdf(contest, results), "application/pdf", "giay-chung-nhan"
        kind = "pdf"
    else:
        raise Http404
    response = HttpResponse(data, content_type=mime)
    name = f"{name}-{contest.slug}.{kind}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- the public ---------------------------------------------------------------------------------


def _published(contest: Contest) -> list[Result]:
    """What the public sees: per round, the current result once it has been published."""
    return [r for r in latest_results(contest) if r.published_at is not None]


def results_page(request, slug: str):
    contest = get_object_or_404(Contest, slug=slug)
    results = _published(contest)
    blocks = [
        {
            "result": r,
            "winners": winners_shown(r),
            "all_revealed": r.revealed is not None
            and r.revealed >= r.rows.exclude(prize="").count(),
            "stats": result_statistics(r),
            "rounds": len(results) > 1,
            "chain": criteria_text(r.tie_break),
        }
        for r in results
    ]
    corrections = (
        KeyCorrection.objects.filter(contest=contest).select_related("version__question")
        if results
        else []
    )
    return render(
        request,
        "contest/results.html",
        {
            "contest": contest,
            "blocks": blocks,
            "corrections": corrections,
            "units": results[-1].unit_standings if results else [],
        },
    )


def _is_mine(row: ResultRow, user) -> bool:
    """One's own attempt, or a paper sheet bearing one's verified phone.

    A citizen id typed in a profile is not proof of anything: a sheet matched only by
    its CCCD is never shown here (the committee answers such a participant itself).
    """
    if row.attempt_id is not None:
        return row.attempt is not None and row.attempt.user_id == user.pk
    return bool(
        row.paper is not None
        and user.phone
        and user.phone_verified
        and row.paper.phone == user.phone
    )


@login_required
def my_result(request, slug: str):
    contest = get_object_or_404(Contest, slug=slug)
    profile = getattr(request.user, "profile", None)
    # The person keys narrow the search (indexed); _is_mine decides.
    keys = [k for k in (request.user.phone, profile and profile.id_number) if k]
    items = []
    for result in _published(contest):
        found = (
            ResultRow.objects.filter(result=result)
            .filter(Q(person__in=keys))
            .select_related("paper", "attempt")
        )
        for row in found.order_by("rank"):
            if not _is_mine(row, request.user):
                continue
            entry = row.attempt or row.paper
            items.append(
                {
                    "result": result,
                    "row": row,
                    "why": explain(result, row),
                    "maximum": entry.max_score if entry else None,
                }
            )
    return render(
        request,
        "contest/my_result.html",
        {"contest": contest, "items": items, "published": bool(_published(contest))},
    )


@login_required
def manage_ceremony(request, slug: str):
    """The projector page: reveal the prizes one by one, lowest first."""
    contest = get_object_or_404(Contest, slug=slug)
    _organizer(request, contest)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "start":
                ceremony_start(contest=contest)
            elif action == "end":
                ceremony_end(contest=contest)
            else:
                ceremony_reveal_next(contest=contest)
        except CeremonyError as error:
            messages.error(request, str(error))
        return redirect("contest:manage_ceremony", slug=slug)
    result = ceremony_result(contest)
    refusal = None
    if result is not None and result.revealed is None:
        try:
            check_ceremony_may_start(contest=contest, now=timezone.now())
        except CeremonyError as error:
            refusal = str(error)
    reveals = revealed_payloads(contest)
    total = result.rows.exclude(prize="").count() if result else 0
    return render(
        request,
        "contest/manage_ceremony.html",
        {
            "contest": contest,
            "result": result,
            "reveals": reveals,
            "total": total,
            "refusal": refusal,
        },
    )
