from django.urls import reverse
from django_tasks import task

from accounts.models import User
from contest.models import Contest
from contest.results.ranking import RankingError, contest_rank
from core.jobs import job_fail, job_fail_unexpected, job_finish, job_progress


@task()
def rank_contest_task(*, job_id: str, contest_id: int, final: bool, user_id: int | None) -> None:
    """Grade and rank a contest in the background, reporting progress on the job."""
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
                "next": reverse("contest:manage_results", args=[contest.slug]),
            },
            message="Đã chốt kết quả chính thức" if final else "Đã xếp hạng (tạm thời)",
        )
    except RankingError as error:
        job_fail(
            job_id=job_id,
            message=str(error),
            result={"next": reverse("contest:manage_results", args=[contest.slug])},
        )
    except Exception as error:
        job_fail_unexpected(job_id=job_id, error=error)
