"""Pages for photographed sheets: upload a batch, the review queue, one sheet's review, and a
registered sheet's scan."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_control
from django_sendfile import sendfile

from contest.models import PaperReceipt, SheetScan
from contest.paper.access import paper_contest_for
from contest.paper.crops import crop_png, place_region
from contest.paper.keying import KeyingRefused
from contest.paper.marks import PaperSetupError
from contest.paper.scanning import HANDWRITTEN, MAX_IMAGE_BYTES, contest_forms, scan_confirm
from contest.paper.scans import scan_content_type
from contest.paper.tasks import scan_sheets_task
from core.jobs import job_create

MAX_FILES = 300


@login_required
def scan_upload(request, slug: str):
    """A batch of photos (or a zip, or PDFs) read in the background; the job page shows progress."""
    contest = paper_contest_for(request, slug)
    error = ""
    if request.method == "POST":
        files = request.FILES.getlist("photos")
        if not files:
            error = _("Hãy chọn ít nhất một ảnh phiếu (hoặc một tệp .zip).")
        elif len(files) > MAX_FILES:
            error = _("Mỗi lần tải tối đa %(n)s tệp; hãy chia thành nhiều lần.") % {"n": MAX_FILES}
        elif any(f.size > MAX_IMAGE_BYTES * 10 for f in files):
            error = _("Có tệp quá lớn (tối đa 300 MB một tệp).")
        else:
            try:
                contest_forms(contest)(1)
            except PaperSetupError as setup:
                error = str(setup)
        if not error:
            stamp = f"{timezone.now():%Y%m%d%H%M%S%f}"
            paths = [
                default_storage.save(
                    f"paper-uploads/{contest.pk}/scan-{stamp}/{i:04d}-{f.name[-80:]}",
                    ContentFile(f.read()),
                )
                for i, f in enumerate(files)
            ]
            job = job_create(
                kind="scan_sheets",
                owner=request.user,
                total=len(paths),
                next_url=reverse("contest:paper_home", args=[contest.slug]),
            )
            scan_sheets_task.enqueue(
                job_id=str(job.pk), contest_id=contest.pk, paths=paths, user_id=request.user.pk
            )
            return redirect("contest:job", pk=job.pk)
    waiting = SheetScan.objects.filter(contest=contest).exclude(status=SheetScan.Status.CONFIRMED)
    return render(
        request,
        "contest/scan_upload.html",
        {"contest": contest, "error": error, "waiting": waiting.count()},
    )


@login_required
def scan_queue(request, slug: str):
    """Sheets waiting for a person: those with places in doubt first."""
    contest = paper_contest_for(request, slug)
    scans = (
        SheetScan.objects.filter(contest=contest)
        .exclude(status=SheetScan.Status.CONFIRMED)
        .select_related("receipt")
        .order_by("-status", "receipt__sheet_no")  # "review" sorts before "read"
    )
    return render(request, "contest/scan_queue.html", {"contest": contest, "scans": scans})


class ReviewForm(forms.Form):
    full_name = forms.CharField(label=gettext_lazy("Họ và tên"), max_length=120, required=False)
    id_number = forms.CharField(label=gettext_lazy("Số CCCD"), max_length=20, required=False)
    birth_year = forms.CharField(label=gettext_lazy("Năm sinh"), max_length=4, required=False)
    unit = forms.CharField(
        label=gettext_lazy("Đơn vị / xã, thị trấn"), max_length=120, required=False
    )
    address = forms.CharField(label=gettext_lazy("Địa chỉ"), max_length=255, required=False)
    phone = forms.CharField(label=gettext_lazy("Điện thoại"), max_length=20, required=False)
    prediction = forms.CharField(label=gettext_lazy("Dự đoán"), max_length=12, required=False)


def _places(text: str) -> list[str]:
    return text.split(" ") if " " in text else list(text)


def _questions_in_doubt(scan: SheetScan, forms_) -> list[dict]:
    geometry, multiple = forms_(scan.round_number)
    options: dict[int, list[str]] = {}
    for b in geometry["bubbles"]:
        options.setdefault(b["question"], []).append(b["option"])
    marks = _places(scan.reading["answers"])
    out = []
    for place in scan.reading["review"]:
        if place.startswith("q"):
            n = int(place[1:])
            out.append(
                {
                    "place": place,
                    "number": n,
                    "options": options[n],
                    "multiple": multiple[n - 1],
                    "guess": marks[n - 1],
                }
            )
    return out


@login_required
def scan_review(request, slug: str, pk: int):
    """One sheet: the crops of the places in doubt with the machine's guess, and the handwriting."""
    contest = paper_contest_for(request, slug)
    scan = get_object_or_404(SheetScan, pk=pk, contest=contest)
    reading = scan.reading
    questions = _questions_in_doubt(scan, contest_forms(contest))
    initial = {
        "phone": reading.get("phone", "").replace("?", ""),
        "prediction": "" if reading.get("prediction") is None else reading["prediction"],
    }
    form = ReviewForm(request.POST or None, initial=initial)
    errors: dict[str, str] = {}
    if request.method == "POST" and scan.status != SheetScan.Status.CONFIRMED and form.is_valid():
        marks = _places(reading["answers"])
        for q in questions:
            chosen = request.POST.getlist(q["place"])
            picked = "".join(sorted(c for c in chosen if c in q["options"]))
            if "*" in chosen or (len(picked) > 1 and not q["multiple"]):
                picked = "*"
            marks[q["number"] - 1] = picked or "-"
        raw = {**form.cleaned_data}
        raw["answers"] = " ".join(marks) if any(len(m) > 1 for m in marks) else "".join(marks)
        try:
            outcome = scan_confirm(scan=scan, raw=raw, clerk=request.user)
        except KeyingRefused as refused:
            errors = refused.errors
        else:
            messages.success(request, _outcome_message(outcome))
            following = (
                SheetScan.objects.filter(contest=contest)
                .exclude(status=SheetScan.Status.CONFIRMED)
                .order_by("-status", "receipt__sheet_no")
                .first()
            )
            if following:
                return redirect("contest:scan_review", slug=slug, pk=following.pk)
            return redirect("contest:scan_queue", slug=slug)
    fields = [
        {
            "name": name,
            "field": form[name],
            "error": errors.get(name, ""),
            "crop": name in HANDWRITTEN or name in reading["review"],
        }
        for name in (*HANDWRITTEN, "phone", "prediction")
        if name != "prediction"
        or reading.get("prediction") is not None
        or "prediction" in reading["review"]
        or contest.prediction_question
    ]
    return render(
        request,
        "contest/scan_review.html",
        {
            "contest": contest,
            "scan": scan,
            "questions": questions,
            "fields": fields,
            "doubt": set(reading["review"]),
            "errors": errors,
            "other_errors": {k: v for k, v in errors.items() if k not in ReviewForm.base_fields},
        },
    )


def _outcome_message(outcome) -> str:
    return {
        "entered": _("Đã nhập phiếu %(s)s."),
        "keyed_once": _("Đã lưu lần nhập thứ nhất của phiếu %(s)s."),
        "verified": _("Phiếu %(s)s khớp với máy đọc: đã nhập."),
        "conflict": _("Phiếu %(s)s khác với máy đọc: đã chuyển sang hàng chờ đối chiếu."),
    }[outcome.state] % {"s": outcome.sheet_no}


@login_required
@cache_control(private=True, max_age=3600)
def scan_crop(request, slug: str, pk: int, place: str):
    """A PNG of one place of the sheet, straightened (only for this contest's clerks)."""
    contest = paper_contest_for(request, slug)
    scan = get_object_or_404(SheetScan, pk=pk, contest=contest)
    form = contest_forms(contest)(scan.round_number)
    region = place_region(form[0], place) if form else None
    if region is None or not scan.receipt.scan:
        raise Http404
    with scan.receipt.scan.open("rb") as handle:
        data = handle.read()
    try:
        png = crop_png(data, scan.reading.get("corners", []), region)
    except ValueError as error:
        raise Http404 from error
    return HttpResponse(png, content_type="image/png")


@login_required
def paper_scan(request, slug: str, sheet_no: str):
    """A sheet's scan, to this contest's clerks and organizers only; images inline, else a download."""
    contest = paper_contest_for(request, slug)
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
