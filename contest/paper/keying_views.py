"""Paper sheets for clerks and organizers: receiving, keying twice, reconciliation, corrections."""

import contextlib
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Unit
from contest.models import Contest, PaperEntry, PaperKeying, PaperReceipt
from contest.paper.access import paper_contest_for
from contest.paper.corrections import CorrectionRefused, entry_canonical, paper_correct
from contest.paper.forms import FIELD_LABELS, KeyForm, ReceiveForm
from contest.paper.keying import KeyingRefused, paper_key, paper_receive, paper_reconcile
from contest.paper.marks import PaperSetupError, paper_versions
from contest.paper.parsing import KEYED_FIELDS
from contest.paper.reconciliation import (
    correction_changes,
    differing_questions,
    keying_initial,
    keyings_compare,
)
from contest.paper.selectors import conflicts, duplicate_people, paper_progress
from contest.permissions import user_is_organizer


def _with_receipt(contest: Contest, data: dict) -> dict:
    """Dates registered on arrival fill what the clerk left empty."""
    raw = {k: data.get(k, "") for k in KEYED_FIELDS}
    receipt = PaperReceipt.objects.filter(contest=contest, sheet_no=raw["sheet_no"]).first()
    if receipt is not None:
        if not raw["postmark_date"]:
            raw["postmark_date"] = receipt.postmark_date.isoformat()
        if not raw["received_at"]:
            local = timezone.localtime(receipt.received_at, contest.tz)
            raw["received_at"] = local.strftime("%Y-%m-%d %H:%M:%S")
    return raw


def _units(contest: Contest):
    return contest.eligible_units_among(Unit.objects.filter(is_active=True)).order_by("name")


@login_required
def paper_home(request, slug: str):
    contest = paper_contest_for(request, slug)
    organizer = user_is_organizer(user=request.user, contest=contest)
    try:
        questions = len(paper_versions(contest.rounds.first()))
        setup_error = ""
    except PaperSetupError as error:
        questions, setup_error = 0, str(error)
    return render(
        request,
        "contest/paper_home.html",
        {
            "contest": contest,
            "progress": paper_progress(contest),
            "conflicts": conflicts(contest) if organizer else [],
            "duplicates": duplicate_people(contest) if organizer else [],
            "organizer": organizer,
            "questions": questions,
            "setup_error": setup_error,
            "register": Paginator(
                PaperReceipt.objects.filter(contest=contest)
                .select_related("received_by")
                .order_by("-created_at", "-pk"),
                100,
            ).get_page(request.GET.get("page")),
        },
    )


@login_required
def paper_receive_view(request, slug: str):
    contest = paper_contest_for(request, slug)
    now = timezone.localtime(timezone.now(), contest.tz)
    form = ReceiveForm(
        request.POST or None,
        request.FILES or None,
        initial={"postmark_date": now.date(), "received_at": now.strftime("%Y-%m-%dT%H:%M")},
    )
    receipt = None
    if request.method == "POST" and form.is_valid():
        received = form.cleaned_data["received_at"]
        if timezone.is_naive(received):
            received = received.replace(tzinfo=contest.tz)
        receipt = paper_receive(
            contest=contest,
            postmark_date=form.cleaned_data["postmark_date"],
            received_at=received,
            scan=form.cleaned_data.get("scan"),
            user=request.user,
        )
        form = ReceiveForm(
            initial={
                "postmark_date": form.cleaned_data["postmark_date"],
                "received_at": now.strftime("%Y-%m-%dT%H:%M"),
            }
        )
    return render(
        request,
        "contest/paper_receive.html",
        {"contest": contest, "form": form, "receipt": receipt},
    )


@login_required
def paper_key_view(request, slug: str):
    contest = paper_contest_for(request, slug)
    form = KeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = paper_key(
                contest=contest, raw=_with_receipt(contest, form.cleaned_data), clerk=request.user
            )
        except KeyingRefused as refused:
            for field, message in refused.errors.items():
                form.add_error(field if field in form.fields else None, message)
        else:
            text = {
                "entered": _("Phiếu %(s)s: đã nhập."),
                "keyed_once": _("Phiếu %(s)s: đã nhập lần 1, chờ người thứ hai nhập lại."),
                "verified": _("Phiếu %(s)s: hai lần nhập khớp nhau, đã thành bài dự thi."),
                "conflict": _(
                    "Phiếu %(s)s: hai lần nhập KHÁC nhau, đã chuyển Ban Tổ chức đối chiếu."
                ),
            }[outcome.state] % {"s": outcome.sheet_no}
            (messages.warning if outcome.state == "conflict" else messages.success)(request, text)
            if outcome.warning:
                messages.warning(
                    request,
                    _(
                        "Lưu ý: %(warning)s Phiếu vẫn được lưu như người dự thi đã ghi; "
                        "Ban Tổ chức sẽ kiểm tra khi xác minh người đạt giải."
                    )
                    % {"warning": outcome.warning},
                )
            return redirect("contest:paper_key", slug=slug)
    return render(request, "contest/paper_key.html", _key_context(contest, form))


def _key_context(contest: Contest, form, **extra) -> dict:
    versions = []
    with contextlib.suppress(PaperSetupError):
        versions = [
            {"options": len(v.options), "multiple": v.kind == "multiple"}
            for v in paper_versions(contest.rounds.first())
        ]
    return {
        "contest": contest,
        "form": form,
        "units": _units(contest),
        "versions_json": json.dumps(versions),
        **extra,
    }


@login_required
def paper_conflict(request, slug: str, sheet_no: str):
    """Both keyings field by field beside the scan; a third person decides."""
    contest = paper_contest_for(request, slug, organizer=True)
    keyings = list(
        PaperKeying.objects.filter(contest=contest, sheet_no=sheet_no).select_related("clerk")
    )
    if PaperEntry.objects.filter(contest=contest, sheet_no=sheet_no).exists():
        messages.info(request, _("Phiếu này đã được đối chiếu."))
        return redirect("contest:paper_sheet", slug=slug, sheet_no=sheet_no)
    if len(keyings) < 2:
        raise PermissionDenied(_("Phiếu này không ở hàng chờ đối chiếu."))
    first, second = keyings[0].data, keyings[1].data
    initial = keying_initial(contest=contest, data=first, fields=KEYED_FIELDS)
    initial["sheet_no"] = sheet_no
    form = KeyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            paper_reconcile(
                contest=contest, raw=_with_receipt(contest, form.cleaned_data), decider=request.user
            )
        except KeyingRefused as refused:
            for field, message in refused.errors.items():
                form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("Đã đối chiếu phiếu %(s)s.") % {"s": sheet_no})
            return redirect("contest:paper_home", slug=slug)
    rows, answers = keyings_compare(
        contest=contest, first=first, second=second, labels=FIELD_LABELS
    )
    receipt = PaperReceipt.objects.filter(contest=contest, sheet_no=sheet_no).first()
    return render(
        request,
        "contest/paper_conflict.html",
        _key_context(
            contest,
            form,
            rows=rows,
            answers=answers,
            answers_differ=differing_questions(answers),
            keyings=keyings,
            receipt=receipt,
            sheet_no=sheet_no,
        ),
    )


@login_required
def paper_sheet(request, slug: str, sheet_no: str):
    """One entered sheet with its history; corrections need a reason and keep before/after."""
    contest = paper_contest_for(request, slug, organizer=True)
    entry = get_object_or_404(PaperEntry, contest=contest, sheet_no=sheet_no)
    current = entry_canonical(entry)
    fields = [k for k in KEYED_FIELDS if k in current]
    initial = keying_initial(contest=contest, data=current, fields=fields)
    initial["sheet_no"] = sheet_no
    form = KeyForm(request.POST or None, initial=initial)
    form.fields[
        "sheet_no"
    ].disabled = True  # a correction changes what was written, not which sheet
    reason = request.POST.get("reason", "")
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if k != "sheet_no"}
        try:
            paper_correct(entry=entry, changes=changes, reason=reason, user=request.user)
        except CorrectionRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("Đã sửa phiếu %(s)s; lịch sử được lưu.") % {"s": sheet_no})
            return redirect("contest:paper_sheet", slug=slug, sheet_no=sheet_no)
    receipt = PaperReceipt.objects.filter(contest=contest, sheet_no=sheet_no).first()
    return render(
        request,
        "contest/paper_sheet.html",
        _key_context(
            contest,
            form,
            entry=entry,
            receipt=receipt,
            corrections=[
                {
                    "correction": c,
                    "changes": correction_changes(
                        contest=contest, before=c.before, after=c.after, labels=FIELD_LABELS
                    ),
                }
                for c in entry.corrections.select_related("by")
            ],
            reason=reason,
            labels=FIELD_LABELS,
        ),
    )


@login_required
def clerk_home(request):
    """The contests this person keys paper sheets for."""
    contests = (
        Contest.objects.filter(memberships__user=request.user).distinct().order_by("-opens_at")
    )
    return render(request, "contest/clerk_home.html", {"contests": contests})
