from dataclasses import asdict

from django.conf import settings
from django.utils import translation
from django_tasks import task

from accounts.models import User
from core.jobs import job_end_import, job_fail, job_fail_unexpected, job_progress
from core.models import PendingUpload
from core.uploads import PENDING_GONE, pending_upload_discard, pending_upload_read
from questions.importers import FileRejected, importer_for
from questions.importers.spreadsheet import COLUMN_LABELS
from questions.models import Bank
from questions.services import questions_import


@task()
def questions_import_task(
    *,
    job_id: str,
    bank_id: int,
    upload_id: str,
    partial: bool,
    user_id: int | None,
    language: str = settings.LANGUAGE_CODE,
) -> None:
    """Import an uploaded bank file in the background, reporting progress on the job.

    Whatever happens the job ends as done or failed with the reason, and the upload is deleted.
    Messages are in ``language``, the one of the person who confirmed the import.
    """
    with translation.override(language):
        _questions_import(job_id, bank_id, upload_id, partial, user_id)


def _questions_import(job_id, bank_id, upload_id, partial, user_id) -> None:
    try:
        upload = PendingUpload.objects.get(pk=upload_id, scope=f"bank:{bank_id}")
        job_progress(job_id=job_id, done=0, total=3, message="Đang đọc tệp")
        data = pending_upload_read(upload)
        parsed = importer_for(format=upload.format or None, filename=upload.original_name).parse(
            data
        )
        job_progress(job_id=job_id, done=1, message="Đang so sánh với ngân hàng")
        bank = Bank.objects.get(pk=bank_id)
        user = User.objects.filter(pk=user_id).first()
        report = questions_import(bank=bank, parsed=parsed, partial=partial, user=user)
        job_progress(job_id=job_id, done=2, message="Đang ghi")
        result = asdict(report)
        del result["row_errors"]  # listed below as the page shows them
        result["rows"] = result["rows"][:500]
        result["errors"] = [error.shown(COLUMN_LABELS) for error in report.row_errors[:500]]
        job_end_import(
            job_id=job_id,
            result=result,
            written=report.written,
            refused=bool(report.row_errors) and not partial,
        )
    except FileRejected as error:
        job_fail(job_id=job_id, message=str(error))
    except PendingUpload.DoesNotExist:
        job_fail(job_id=job_id, message=PENDING_GONE)
    except Exception as error:
        job_fail_unexpected(job_id=job_id, error=error)
    finally:
        pending_upload_discard(pk=upload_id)
