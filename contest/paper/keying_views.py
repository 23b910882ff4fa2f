"""Paper sheets for clerks and organizers: receiving, keying, reconciliation, corrections,
bulk upload, the printable form."""

import contextlib
import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Unit
from contest.inputs import ascii_digits
from contest.invalid_reasons import clerk_reason_choices
from contest.models import Contest, PaperEntry, PaperKeying, PaperReceipt
from contest.paper.corrections import entry_canonical, paper_correct
from contest.paper.importing import paper_import
from contest.paper.keying import KeyingRefused, paper_key, paper_receive, paper_reconcile
from contest.paper.parsing import KEYED_FIELDS, PaperSetupError, paper_versions
from contest.paper.printing import (
    answer_form_pdf,
    form_geometry,
    question_sheet_cached,
    question_sheet_pdf,
)
from contest.paper.reconciliation import (
    correction_changes,
    differing_questions,
    keying_initial,
    keyings_compare,
)
from contest.paper.scans import SCAN_MAX_BYTES, scan_content_type, scan_verify
from contest.paper.selectors import conflicts, duplicate_people, paper_progress
from contest.permissions import user_is_clerk, user_is_organizer
from core.jobs import job_create
from core.tabular import FileRejected, error_for_page
from core.timeparse import BadDate, parse_date
from core.uploads import UPLOAD_MAX_BYTES, pending_upload_create, pending_upload_find

FIELD_LABELS = {
    "sheet_no": gettext_lazy("Số phiếu"),
    "full_name": gettext_lazy("Họ và tên"),
    "phone": gettext_lazy("Điện thoại"),
    "id_number": gettext_lazy("Số CCCD/CMND"),
    "birth_year": gettext_lazy("Năm sinh"),
    "unit": gettext_lazy("Đơn vị"),
    "address": gettext_lazy("Địa chỉ"),
    "answers": gettext_lazy("Đáp án"),
    "prediction": gettext_lazy("Dự đoán"),
    "postmark_date": gettext_lazy("Ngày dấu bưu điện"),
    "received_at": gettext_lazy("Nhận lúc"),
    "invalid_reason": gettext_lazy("Lý do không hợp lệ"),
}


def _contest_for(request, slug: str, *, organizer: bool = False) -> Contest:
    contest = get_object_or_404(Contest, slug=slug)
    allowed = (
        user_is_organizer(user=request.user, contest=contest)
        if organizer
        else user_is_clerk(user=request.user, contest=contest)
    )
    if not allowed:
        raise PermissionDenied(
            _("Chỉ Ban Tổ chức của cuộc thi này được làm việc này.")
            if organizer
            else _("Chỉ người nhập phiếu và Ban Tổ chức của cuộc thi này được làm việc này.")
        )
    return contest


# --- forms ---------------------------------------------------------------------------------------


class ReceiveForm(forms.Form):
    postmark_date = forms.DateField(
        label=gettext_lazy("Ngày dấu bưu điện hoặc ngày nộp"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    received_at = forms.DateTimeField(
        label=gettext_lazy("Nhận lúc"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def clean_postmark_date(self):
        day = self.cleaned_data["postmark_date"]
        try:
            return parse_date(day)
        except BadDate as error:
            raise ValidationError(str(error)) from error

    def clean_received_at(self):
        moment = self.cleaned_data["received_at"]
        try:
            parse_date(moment)
        except BadDate as error:
            raise ValidationError(str(error)) from error
        return moment

    scan = forms.FileField(
        label=gettext_lazy("Ảnh chụp hoặc bản quét phiếu (không bắt buộc)"),
        required=False,
        help_text=gettext_lazy("Ảnh JPG/PNG hoặc tệp PDF, tối đa 10 MB."),
    )

    def clean_scan(self):
        scan = self.cleaned_data.get("scan")
        if not scan:
            return None
        if scan.size > SCAN_MAX_BYTES:
            raise ValidationError(_("Tệp quá lớn: tối đa 10 MB."))
        return scan_verify(scan)


class KeyForm(forms.Form):
    sheet_no = forms.CharField(label=FIELD_LABELS["sheet_no"], max_length=40)
    full_name = forms.CharField(label=FIELD_LABELS["full_name"], max_length=120, required=False)
    birth_year = forms.CharField(
        label=FIELD_LABELS["birth_year"],
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    phone = forms.CharField(
        label=FIELD_LABELS["phone"],
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    id_number = forms.CharField(
        label=FIELD_LABELS["id_number"],
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    unit = forms.CharField(
        label=FIELD_LABELS["unit"],
        required=False,
        widget=forms.TextInput(attrs={"list": "units", "autocomplete": "off"}),
    )
    address = forms.CharField(label=FIELD_LABELS["address"], required=False)
    answers = forms.CharField(
        label=FIELD_LABELS["answers"],
        help_text=gettext_lazy(
            "Mỗi câu một chữ cái: ABDC…; - bỏ trống; * đánh nhiều ô. "
            "Câu nhiều đáp án: các nhóm cách nhau dấu cách, ví dụ A AC - D."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
    )
    prediction = forms.CharField(
        label=FIELD_LABELS["prediction"],
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    postmark_date = forms.CharField(
        label=FIELD_LABELS["postmark_date"],
        required=False,
        help_text=gettext_lazy("dd/mm/yyyy; để trống nếu đã vào sổ nhận phiếu"),
    )
    received_at = forms.CharField(label=FIELD_LABELS["received_at"], required=False)
    invalid_reason = forms.ChoiceField(
        label=FIELD_LABELS["invalid_reason"], choices=clerk_reason_choices, required=False
    )


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


# --- pages ----------------------------------------------------------------------------------------


@login_required
def paper_home(request, slug: str):
    contest = _contest_for(request, slug)
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
    contest = _contest_for(request, slug)
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
    contest = _contest_for(request, slug)
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
    contest = _contest_for(request, slug, organizer=True)
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
    contest = _contest_for(request, slug, organizer=True)
    entry = get_object_or_404(PaperEntry, contest=contest, sheet_no=sheet_no)
    current = entry_canonical(entry)
    fields = [k for k in KEYED_FIELDS if k in current]
    initial = keying_initial(contest=contest, data=current, fields=fields)
    initial["sheet_no"] = sheet_no
    form = KeyForm(request.POST or None, initial=initial)
    reason = request.POST.get("reason", "")
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if k != "sheet_no"}
        try:
            paper_correct(entry=entry, changes=changes, reason=reason, user=request.user)
        except ValueError as error:
            form.add_error(None, str(error))
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
def paper_upload(request, slug: str):
    """Upload a file of transcribed sheets: preview (nothing written), then import in the background."""
    from contest.paper.tasks import paper_import_task

    contest = _contest_for(request, slug)
    context = {"contest": contest}
    scope = f"paper:{contest.pk}"
    if request.method == "POST" and "upload" in request.POST:
        pending = pending_upload_find(pk=request.POST["upload"], owner=request.user, scope=scope)
        if pending is None:
            messages.error(request, _("Tệp tải lên đã hết hạn; hãy tải lên lại."))
            return redirect("contest:paper_upload", slug=slug)
        job = job_create(kind="paper_import", owner=request.user, total=3)
        paper_import_task.enqueue(
            job_id=str(job.pk),
            contest_id=contest.pk,
            upload_id=str(pending.pk),
            partial=request.POST.get("partial") == "1",
            user_id=request.user.pk,
        )
        return redirect("contest:job", pk=job.pk)
    if request.method == "POST":
        upload = request.FILES.get("file")
        kind = upload.name.rsplit(".", 1)[-1].lower() if upload else ""
        if upload is None or kind not in ("csv", "xlsx"):
            context["error"] = _("Hãy chọn tệp .csv hoặc .xlsx.")
        elif upload.size > UPLOAD_MAX_BYTES:
            context["error"] = _("Tệp quá lớn: tối đa 20 MB.")
        else:
            data = upload.read()
            try:
                report = paper_import(
                    contest=contest,
                    data=data,
                    kind=kind,
                    dry_run=True,
                    partial=True,
                    correction_url=reverse("contest:paper_sheet", args=[slug, "SHEET"]),
                )
            except (FileRejected, PaperSetupError) as error:
                context["error"] = str(error)
            else:
                pending = pending_upload_create(
                    owner=request.user, scope=scope, data=data, filename=upload.name, format=kind
                )
                context.update(
                    {
                        "report": report,
                        "errors": [error_for_page(e, FIELD_LABELS) for e in report.errors],
                        "valid_rows": report.created + report.unchanged,
                        "upload": pending.pk,
                        "filename": upload.name,
                    }
                )
    return render(request, "contest/paper_upload.html", context)


@login_required
def paper_scan(request, slug: str, sheet_no: str):
    """A sheet's scan, to this contest's clerks and organizers only; images inline, else a download."""
    from django.http import Http404
    from django_sendfile import sendfile

    contest = _contest_for(request, slug)
    receipt = get_object_or_404(PaperReceipt, contest=contest, sheet_no=sheet_no)
    if not receipt.scan:
        raise Http404(_("Phiếu này chưa có ảnh chụp."))
    content_type, inline, extension = scan_content_type(receipt.scan.name)
    response = sendfile(
        request,
        receipt.scan.path,
        attachment=not inline,
        attachment_filename=f"phieu-{sheet_no}.{extension}",
        mimetype=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _round_asked(contest: Contest, request):
    """The round named by ``?round=N`` (default 1), or ``None`` when there is no such round."""
    raw = request.GET.get("round") or "1"
    if not ascii_digits(raw, max_digits=4):
        return None
    return contest.rounds.filter(number=int(raw)).first()


@login_required
def paper_form(request, slug: str, kind: str):
    """The printable answer form (PDF), its geometry (JSON), or the question sheet (PDF)."""
    contest = _contest_for(request, slug)
    round_ = _round_asked(contest, request)
    if round_ is None:
        raise PermissionDenied(_("Không có vòng thi này."))
    try:
        if kind == "geometry":
            return JsonResponse(
                form_geometry(contest, round_), json_dumps_params={"ensure_ascii": False}
            )
        if kind == "questions":
            data = question_sheet_pdf(contest, round_)
            name = f"cau-hoi-{contest.slug}.pdf"
        else:
            raw_first, raw_copies = request.GET.get("from", "1"), request.GET.get("copies", "1")
            first = int(raw_first) if ascii_digits(raw_first, max_digits=9) else 1
            first = max(1, first)
            copies = int(raw_copies) if ascii_digits(raw_copies, max_digits=3) else 1
            copies = min(500, max(1, copies))
            data = answer_form_pdf(contest, round_, first_serial=first, copies=copies)
            name = f"phieu-tra-loi-{contest.slug}.pdf"
    except PaperSetupError as error:
        messages.error(request, str(error))
        return redirect("contest:paper_home", slug=slug)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


def public_form(request, slug: str, kind: str):
    """The blank answer form and the question sheet, for residents to print once the contest opens."""
    from django.http import Http404

    contest = get_object_or_404(Contest, slug=slug)
    if "paper" not in contest.channels or timezone.now() < contest.opens_at:
        raise Http404(_("Cuộc thi này chưa có phiếu giấy để tải."))
    round_ = _round_asked(contest, request)
    if round_ is None or kind not in ("form", "questions"):
        raise Http404(_("Không có vòng thi này."))
    try:
        data = (
            question_sheet_cached(contest, round_)
            if kind == "questions"
            else answer_form_pdf(contest, round_, first_serial=0, copies=1)
        )
    except PaperSetupError as error:
        raise Http404(str(error)) from error
    response = HttpResponse(data, content_type="application/pdf")
    name = f"{'cau-hoi' if kind == 'questions' else 'phieu-tra-loi'}-{contest.slug}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@login_required
def clerk_home(request):
    """The contests this person keys paper sheets for."""
    contests = (
        Contest.objects.filter(memberships__user=request.user).distinct().order_by("-opens_at")
    )
    return render(request, "contest/clerk_home.html", {"contests": contests})
