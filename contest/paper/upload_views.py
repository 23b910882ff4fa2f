"""A file of transcribed sheets: upload, preview (nothing written), import in the background."""

from functools import partial

from django.contrib.auth.decorators import login_required
from django.urls import reverse

from contest.paper.access import paper_contest_for
from contest.paper.forms import FIELD_LABELS, SheetFileForm
from contest.paper.importing import paper_import
from contest.paper.tasks import paper_import_task
from core.errors import Refusal
from core.upload_flow import UploadFlow


def _sheets_preview(*, contest, data: bytes, filename: str, format: str) -> dict:
    report = paper_import(
        contest=contest,
        data=data,
        kind=format,
        dry_run=True,
        partial=True,
        correction_url=reverse("contest:paper_sheet", args=[contest.slug, "SHEET"]),
    )
    return {
        "report": report,
        "errors": [e.shown(FIELD_LABELS) for e in report.row_errors],
        "valid_rows": report.created + report.unchanged,
    }


@login_required
def paper_upload(request, slug: str):
    """Upload a file of transcribed sheets: preview (nothing written), then import in the background."""
    contest = paper_contest_for(request, slug)
    return UploadFlow(
        scope=f"paper:{contest.pk}",
        form_class=SheetFileForm,
        preview=partial(_sheets_preview, contest=contest),
        refusals=(Refusal,),  # the file (FileRejected) or the contest (PaperSetupError)
        task=paper_import_task,
        task_kwargs={"contest_id": contest.pk},
        job_kind="paper_import",
        next_url=reverse("contest:paper_home", args=[contest.slug]),
        template="contest/paper_upload.html",
        context={"contest": contest},
    ).respond(request)
