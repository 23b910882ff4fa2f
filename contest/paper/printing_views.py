"""The printable answer form, its geometry and the question sheet: for the organizers, and blank for residents once the contest opens."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from contest.inputs import ascii_digits
from contest.models import Contest
from contest.paper.access import paper_contest_for
from contest.paper.marks import PaperSetupError
from contest.paper.printing import (
    answer_form_pdf,
    form_geometry,
    question_sheet_cached,
    question_sheet_pdf,
)


def _round_asked(contest: Contest, request):
    """The round named by ``?round=N`` (default 1), or ``None`` when there is no such round."""
    raw = request.GET.get("round") or "1"
    if not ascii_digits(raw, max_digits=4):
        return None
    return contest.rounds.filter(number=int(raw)).first()


@login_required
def paper_form(request, slug: str, kind: str):
    """The printable answer form (PDF), its geometry (JSON), or the question sheet (PDF)."""
    contest = paper_contest_for(request, slug)
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
