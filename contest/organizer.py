"""Pages for a contest's organizing committee."""

import csv
import tempfile
from itertools import islice

from asgiref.sync import sync_to_async
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from openpyxl import Workbook

from accounts.roles import user_is_bank_editor
from contest.definition import CREATE, UPDATE, ContestInvalid, contest_import
from contest.form_document import contest_initial
from contest.forms import ContestForm
from contest.models import Attempt, Contest, ContestMembership
from contest.online.finishing import contest_close
from contest.permissions import user_is_organizer
from contest.selectors import participation
from core.spreadsheets import formula_safe, xlsx_append

ESSAY_COLUMNS = [
    "round",
    "receipt",
    "full_name",
    "phone",
    "id_number",
    "unit",
    "submitted_at",
    "status",
    "essay",
]


def _organizer(request, contest: Contest) -> None:
    if not user_is_organizer(user=request.user, contest=contest):
        raise PermissionDenied(_("Chỉ Ban Tổ chức của cuộc thi này được xem trang này."))


@login_required
def manage_list(request):
    if not user_is_bank_editor(request.user):
        raise PermissionDenied(_("Chỉ Ban Tổ chức được quản lý cuộc thi."))
    contests = Contest.objects.order_by("-opens_at")
    if not request.user.is_superuser:
        contests = contests.filter(
            memberships__user=request.user, memberships__role="organizer"
        ).distinct()
    return render(
        request, "contest/manage_list.html", {"contests": contests, "now": timezone.now()}
    )


@login_required
def manage_overview(request, slug: str):
    contest = get_object_or_404(Contest, slug=slug)
    _organizer(request, contest)
    in_progress = Attempt.objects.filter(contest=contest, status=Attempt.Status.IN_PROGRESS).count()
    return render(
        request,
        "contest/manage_overview.html",
        {
            "contest": contest,
            "participation": participation(contest=contest, fresh=True),
            "in_progress": in_progress,
            "now": timezone.now(),
        },
    )


@login_required
def manage_edit(request, slug: str | None = None):
    contest = get_object_or_404(Contest, slug=slug) if slug else None
    if contest is not None:
        _organizer(request, contest)
    elif not user_is_bank_editor(request.user):
        raise PermissionDenied(_("Chỉ Ban Tổ chức được tạo cuộc thi."))
    locked = bool(contest and contest.has_entries())
    initial = (
        contest_initial(contest)
        if contest
        else {
            "timezone": "Asia/Ho_Chi_Minh",
            "channels": ["online", "paper"],
            "attempt_time_limit_minutes": 30,
            "max_attempts": 1,
            "counted_attempt": "best",
            "shuffle_options": True,
            "grace_seconds": 30,
            "organizer": request.user.profile.unit.name
            if getattr(getattr(request.user, "profile", None), "unit", None)
            else "",
        }
    )
    form = ContestForm(
        request.POST or None,
        initial=initial,
        editing=contest is not None,
        locked=locked,
        user=request.user,
        contest=contest,
        rounds=contest.rounds.all() if contest else None,
    )
    if request.method == "POST" and form.is_valid():
        data = form.as_contest_json()
        if contest is not None:
            data["slug"] = contest.slug  # an edit updates this contest, never another
        try:
            with transaction.atomic():
                saved, created = contest_import(
                    data=data, mode=UPDATE if contest else CREATE, user=request.user
                )
                if created:
                    ContestMembership.objects.get_or_create(
                        contest=saved, user=request.user, role="organizer"
                    )
        except ContestInvalid as invalid:
            form.add_service_errors(invalid.errors)
        else:
            messages.success(request, _("Đã lưu cuộc thi."))
            return redirect("contest:manage_overview", saved.slug)
    return render(
        request, "contest/manage_edit.html", {"form": form, "contest": contest, "locked": locked}
    )


@login_required
def manage_close(request, slug: str):
    """Close an open contest now, after a confirmation that says what happens to attempts."""
    contest = get_object_or_404(Contest, slug=slug)
    _organizer(request, contest)
    now = timezone.now()
    if contest.closes_at <= now:
        messages.info(request, _("Cuộc thi đã đóng."))
        return redirect("contest:manage_overview", contest.slug)
    if request.method == "POST":
        finished = contest_close(contest=contest, now=now)
        messages.success(
            request,
            _("Đã đóng cuộc thi. %(n)s lượt thi đang làm đã được nộp tự động với các câu đã lưu.")
            % {"n": finished},
        )
        return redirect("contest:manage_overview", contest.slug)
    in_progress = Attempt.objects.filter(contest=contest, status=Attempt.Status.IN_PROGRESS).count()
    return render(
        request,
        "contest/manage_close.html",
        {"contest": contest, "in_progress": in_progress, "now": now},
    )


ESSAYS_XLSX_MAX = 50_000


class _Line:
    """What ``csv.writer`` writes to: hands each line back instead of keeping it."""

    def write(self, line: str) -> str:
        return line


def _essay_records(contest: Contest):
    """The submitted essays with who wrote them, in ``ESSAY_COLUMNS``' order, one list at a
    time (a national contest has many)."""
    status = dict(Attempt.Status.choices)
    rows = (
        Attempt.objects.filter(contest=contest)
        .exclude(status=Attempt.Status.IN_PROGRESS)
        .exclude(essay="")
        .order_by("round__number", "submitted_at", "pk")
        .values_list(
            "round__number",
            "receipt_code",
            "user__profile__full_name",
            "user__phone",
            "user__profile__id_number",
            "user__profile__unit__name",
            "submitted_at",
            "status",
            "essay",
        )
    )
    for number, receipt, name, phone, id_number, unit, at, state, essay in rows.iterator(
        chunk_size=2000
    ):
        if not essay.strip():
            continue  # only spaces and line breaks
        yield [
            number,
            receipt,
            name or "",
            phone or "",
            id_number or "",
            unit or "",
            timezone.localtime(at, contest.tz).strftime("%Y-%m-%d %H:%M:%S") if at else "",
            str(status.get(state, state)),
            essay,
        ]


def _essay_lines(contest: Contest):
    """The csv of the submitted essays, a line at a time."""
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow(ESSAY_COLUMNS)
    for line in _essay_records(contest):
        yield writer.writerow([formula_safe(v) for v in line])


async def _essay_stream(contest: Contest):
    """``_essay_lines`` for an ASGI server, 500 lines at a time from the database's thread.

    A synchronous iterator is read whole into memory before the first byte under ASGI
    (Django's ``StreamingHttpResponse``): 140 MB and 3 s for 20,000 long essays.
    """
    lines = _essay_lines(contest)
    take = sync_to_async(lambda: "".join(islice(lines, 500)), thread_sensitive=True)
    while chunk := await take():
        yield chunk


@login_required
@require_safe
def manage_essays(request, slug: str):
    """Every submitted essay with who wrote it, as csv (UTF-8 with BOM), for the jury.

    Names, phones and citizen ids: the contest's organizers only, as its other personal data.
    """
    contest = get_object_or_404(Contest, slug=slug)
    _organizer(request, contest)
    response = StreamingHttpResponse(_essay_stream(contest), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="bai-viet-{contest.slug}.csv"'
    return response


@login_required
@require_safe
def manage_essays_xlsx(request, slug: str):
    """The same as ``manage_essays``, as Excel: phones and citizen ids stay text (a csv opened
    in Excel loses their leading 0). Written row by row to a file that spills to disk; the
    workbook keeps its strings in memory until it is saved (20,000 essays of 2,000
    characters: 14 s and 140 MB), so beyond ``ESSAYS_XLSX_MAX`` the csv is the way."""
    contest = get_object_or_404(Contest, slug=slug)
    _organizer(request, contest)
    written = Attempt.objects.filter(contest=contest).exclude(status=Attempt.Status.IN_PROGRESS)
    if written.exclude(essay="").count() > ESSAYS_XLSX_MAX:
        messages.error(
            request,
            _(
                "Có hơn %(n)s bài viết: tệp Excel quá lớn để tạo ngay. Hãy tải tệp CSV; trong "
                "Excel, mở bằng Dữ liệu › Từ Văn bản/CSV và chọn kiểu Văn bản cho cột số điện "
                "thoại và CCCD để giữ số 0 ở đầu."
            )
            % {"n": f"{ESSAYS_XLSX_MAX:,}".replace(",", ".")},
        )
        return redirect("contest:manage_overview", contest.slug)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Bài viết")
    xlsx_append(sheet, ESSAY_COLUMNS)
    for line in _essay_records(contest):
        xlsx_append(sheet, line)
    # (closed by FileResponse once sent)
    out = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115
    book.save(out)
    out.seek(0)
    return FileResponse(
        out,
        as_attachment=True,
        filename=f"bai-viet-{contest.slug}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
