"""Background reading of an uploaded batch of photographed sheets."""

from django_tasks import task

from contest.jobs import job_fail, job_finish, job_progress


@task()
def scan_sheets_task(
    *, job_id: str, contest_id: int, paths: list[str], user_id: int | None
) -> None:
    """Read the stored uploads, enter every readable sheet, report progress on the job."""
    from django.core.files.storage import default_storage

    from accounts.models import User
    from contest.models import BackgroundJob, Contest
    from contest.paper.scanning import PaperSetupError, input_expand, scan_batch

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
                "next": f"/manage/{contest.slug}/paper/scan/review/",
            },
            message=f"Đã đọc {read + review} phiếu; {len(rejected)} ảnh bị loại",
        )
    except PaperSetupError as error:
        job_fail(job_id=job_id, message=str(error))
    finally:
        for path in paths:
            default_storage.delete(path)
