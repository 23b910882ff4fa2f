from dataclasses import asdict

from django.core.files.storage import default_storage
from django_tasks import task

from contest.jobs import job_fail, job_finish, job_progress
from questions.importers import FileRejected, importer_for
from questions.models import Bank
from questions.services import questions_import


@task()
def questions_import_task(
    *, job_id: str, bank_id: int, path: str, format: str, partial: bool, user_id: int | None
) -> None:
    """Import an uploaded bank file in the background, reporting progress on the job."""
    from accounts.models import User

    try:
        job_progress(job_id=job_id, done=0, total=3, message="Đang đọc tệp")
        with default_storage.open(path, "rb") as handle:
            data = handle.read()
        parsed = importer_for(format=format or None, filename=path).parse(data)
        job_progress(job_id=job_id, done=1, message="Đang so sánh với ngân hàng")
        bank = Bank.objects.get(pk=bank_id)
        user = User.objects.filter(pk=user_id).first()
        report = questions_import(bank=bank, parsed=parsed, partial=partial, user=user)
        job_progress(job_id=job_id, done=2, message="Đang ghi")
        result = asdict(report)
        result["rows"] = result["rows"][:500]
        job_finish(
            job_id=job_id,
            result=result,
            message="Đã nhập" if report.written else "Không nhập gì vì tệp có lỗi",
        )
    except FileRejected as error:
        job_fail(job_id=job_id, message=str(error))
    finally:
        default_storage.delete(path)
