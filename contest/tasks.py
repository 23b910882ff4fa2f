from django_tasks import task

from contest.jobs import job_fail, job_fail_unexpected, job_finish, job_progress
from contest.models import Contest
from contest.services.ranking import RankingError, contest_rank


@task()
def rank_contest_task(*, job_id: str, contest_id: int, final: bool, user_id: int | None) -> None:
    """Grade and rank a contest in the background, reporting progress on the job."""
    from accounts.models import User

    try:
        contest = Contest.objects.get(pk=contest_id)
        job_progress(job_id=job_id, done=0, total=1, message="Đang chấm điểm và xếp hạng")
        user = User.objects.filter(pk=user_id).first()
        results = contest_rank(contest, final=final, user=user)
        job_finish(
            job_id=job_id,
            result={
                "rounds": [
                    {"round": r.round.number, "ranked": r.entries_count, "invalid": r.invalid_count}
                    for r in results
                ],
                "next": f"/manage/{contest.slug}/results/",
            },
            message="Đã chốt kết quả chính thức" if final else "Đã xếp hạng (tạm thời)",
        )
    except RankingError as error:
        job_fail(
            job_id=job_id,
            message=str(error),
            result={"next": f"/manage/{contest.slug}/results/"},
        )
    except Exception as error:
        job_fail_unexpected(job_id=job_id, error=error)


@task()
def paper_import_task(
    *, job_id: str, contest_id: int, upload_id: str, partial: bool, user_id: int | None
) -> None:
    """Import an uploaded file of transcribed sheets in the background.

    Whatever happens the job ends as done or failed with the reason, and the upload is deleted.
    """
    from dataclasses import asdict

    from accounts.models import User
    from contest.models import PendingUpload
    from contest.services.paper import PaperSetupError, paper_import
    from contest.uploads import pending_upload_discard, pending_upload_read
    from questions.importers.base import FileRejected

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
            correction_url=f"/manage/{contest.slug}/paper/sheets/SHEET/",
        )
        result = asdict(report)
        result["errors"] = result["errors"][:500]
        result["next"] = f"/manage/{contest.slug}/paper/"
        job_finish(
            job_id=job_id,
            result=result,
            message="Đã nhập"
            if report.written or not report.errors
            else "Không nhập gì vì tệp có lỗi",
        )
    except (FileRejected, PaperSetupError) as error:
        job_fail(
            job_id=job_id, message=str(error), result={"next": f"/manage/{contest.slug}/paper/"}
        )
    except PendingUpload.DoesNotExist:
        job_fail(job_id=job_id, message="Tệp tải lên đã hết hạn; hãy tải lên lại.")
    except Exception as error:
        job_fail_unexpected(job_id=job_id, error=error)
    finally:
        pending_upload_discard(pk=upload_id)
