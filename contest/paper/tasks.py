"""Background work of the paper flow: importing a transcribed file, reading photographed sheets."""

from dataclasses import asdict

from django.conf import settings
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import translation
from django_tasks import task

from accounts.models import User
from contest.models import Contest
from contest.paper.forms import FIELD_LABELS
from contest.paper.importing import paper_import
from contest.paper.scanning import PaperSetupError, input_expand, scan_batch
from core.errors import Refusal
from core.jobs import job_end_import, job_fail, job_fail_unexpected, job_finish, job_progress
from core.models import BackgroundJob, PendingUpload
from core.uploads import PENDING_GONE, pending_upload_discard, pending_upload_read


@task()
def scan_sheets_task(
    *, job_id: str, contest_id: int, paths: list[str], user_id: int | None
) -> None:
    """Read the stored uploads, enter every readable sheet, report progress on the job."""
    try:
        contest = Contest.objects.get(pk=contest_id)
        items = []
        for path in paths:
            with default_storage.open(path, "rb") as handle:
                items += input_expand(path.rsplit("/", 1)[-1].split("-", 1)[-1], handle.read())
        job_progress(job_id=job_id, done=0, total=len(items), message="Đang đọc ảnh")
        results = scan_batch(
            contest=contest,
            items=items,
            user=User.objects.filter(pk=user_id).first(),
            job=BackgroundJob.objects.get(pk=job_id),
            progress=lambda done: job_progress(job_id=job_id, done=done),
        )
        read = sum(r.reading.status == "read" for r in results)
        review = sum(r.reading.status == "review" for r in results)
        rejected = [
            {"file": r.file, "reason": r.reading.reason}
            for r in results
            if r.reading.status == "rejected"
        ]
        job_finish(
            job_id=job_id,
            result={
                "scanned": {"read": read, "review": review, "rejected": rejected},
                "next": reverse("contest:scan_queue", args=[contest.slug]),
            },
            message=f"Đã đọc {read + review} phiếu; {len(rejected)} ảnh bị loại",
        )
    except PaperSetupError as error:
        job_fail(job_id=job_id, message=str(error))
    finally:
        for path in paths:
            default_storage.delete(path)


@task()
def paper_import_task(
    *,
    job_id: str,
    contest_id: int,
    upload_id: str,
    partial: bool,
    user_id: int | None,
    language: str = settings.LANGUAGE_CODE,
) -> None:
    """Import an uploaded file of transcribed sheets in the background.

    Whatever happens the job ends as done or failed with the reason, and the upload is deleted.
    Messages are in ``language``, the one of the person who confirmed the import.
    """
    with translation.override(language):
        _paper_import(job_id, contest_id, upload_id, partial, user_id)


def _paper_import(job_id, contest_id, upload_id, partial, user_id) -> None:
    try:
        contest = Contest.objects.get(pk=contest_id)
        upload = PendingUpload.objects.get(pk=upload_id, scope=f"paper:{contest.pk}")
        job_progress(job_id=job_id, done=0, total=3, message="Đang đọc tệp")
        data = pending_upload_read(upload)
        job_progress(job_id=job_id, done=1, message="Đang kiểm tra và ghi")
        report = paper_import(
            contest=contest,
            data=data,
            kind=upload.format,
            partial=partial,
            user=User.objects.filter(pk=user_id).first(),
            correction_url=reverse("contest:paper_sheet", args=[contest.slug, "SHEET"]),
        )
        result = asdict(report)
        del result["row_errors"]  # listed below as the page shows them
        result["errors"] = [error.shown(FIELD_LABELS) for error in report.row_errors[:500]]
        result["next"] = reverse("contest:paper_home", args=[contest.slug])
        job_end_import(
            job_id=job_id,
            result=result,
            written=report.written,
            refused=bool(report.row_errors) and not partial,
        )
    except Refusal as refused:  # the file (FileRejected) or the contest (PaperSetupError)
        job_fail(
            job_id=job_id,
            message=str(refused),
            result={"next": reverse("contest:paper_home", args=[contest.slug])},
        )
    except PendingUpload.DoesNotExist:
        job_fail(job_id=job_id, message=PENDING_GONE)
    except Exception as error:
        job_fail_unexpected(job_id=job_id, error=error)
    finally:
        pending_upload_discard(pk=upload_id)
