"""A file of transcribed sheets: upload, preview (nothing written), import in the background."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from contest.paper.access import paper_contest_for
from contest.paper.forms import FIELD_LABELS
from contest.paper.importing import paper_import
from core.errors import Refusal
from core.jobs import job_create
from core.uploads import UPLOAD_MAX_BYTES, pending_upload_create, pending_upload_find


@login_required
def paper_upload(request, slug: str):
    """Upload a file of transcribed sheets: preview (nothing written), then import in the background."""
    from contest.paper.tasks import paper_import_task

    contest = paper_contest_for(request, slug)
    context = {"contest": contest}
    scope = f"paper:{contest.pk}"
    if request.method == "POST" and "upload" in request.POST:
        pending = pending_upload_find(pk=request.POST["upload"], owner=request.user, scope=scope)
        if pending is None:
            messages.error(request, _("Tệp tải lên đã hết hạn; hãy tải lên lại."))
            return redirect("contest:paper_upload", slug=slug)
        job = job_create(
            kind="paper_import",
            owner=request.user,
            total=3,
            next_url=reverse("contest:paper_home", args=[contest.slug]),
        )
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
            except Refusal as refused:  # the file (FileRejected) or the contest (PaperSetupError)
                context["error"] = refused.message
            else:
                pending = pending_upload_create(
                    owner=request.user, scope=scope, data=data, filename=upload.name, format=kind
                )
                context.update(
                    {
                        "report": report,
                        "errors": [e.shown(FIELD_LABELS) for e in report.row_errors],
                        "valid_rows": report.created + report.unchanged,
                        "upload": pending.pk,
                        "filename": upload.name,
                    }
                )
    return render(request, "contest/paper_upload.html", context)
