"""Progress records for background jobs (imports, ranking, PDF batches).

A view creates the job, enqueues a django-tasks task with the job's id, and
sends the user to the job page, which polls ``job_json`` until it is done.
"""

import logging

from django.db import transaction

from core.models import BackgroundJob


def job_create(*, kind: str, owner=None, total: int = 0, next_url: str = "") -> BackgroundJob:
    """``next_url``: the page the job page links back to from the start (kept as result "next")."""
    result = {"next": next_url} if next_url else {}
    return BackgroundJob.objects.create(kind=kind, owner=owner, total=total, result=result)


def _with_next(job_id, result: dict) -> dict:
    # A result without "next" keeps the one the job was created with.
    if "next" in result:
        return result
    before = BackgroundJob.objects.filter(pk=job_id).values_list("result", flat=True).first()
    if isinstance(before, dict) and before.get("next"):
        return {**result, "next": before["next"]}
    return result


def job_progress(*, job_id, done: int, total: int | None = None, message: str = "") -> None:
    fields = {"done": done, "status": BackgroundJob.Status.RUNNING}
    if total is not None:
        fields["total"] = total
    if message:
        fields["message"] = message
    BackgroundJob.objects.filter(pk=job_id).update(**fields)


def job_finish(*, job_id, result: dict, message: str = "") -> None:
    BackgroundJob.objects.filter(pk=job_id).update(
        status=BackgroundJob.Status.DONE, result=_with_next(job_id, result), message=message
    )


def job_fail(*, job_id, message: str, result: dict | None = None) -> None:
    # Outside any transaction the job was part of, so the failure is recorded
    # even when the job's own work is rolled back. ``result`` may carry "next",
    # the page to go back to.
    fields = {"status": BackgroundJob.Status.FAILED, "message": message}
    if result is not None:
        fields["result"] = _with_next(job_id, result)
    with transaction.atomic():
        BackgroundJob.objects.filter(pk=job_id).update(**fields)


def job_fail_unexpected(*, job_id, error: BaseException) -> None:
    """A job stopped by an error nobody foresaw: logged with its traceback, and the job ends
    as failed with a reason a person can act on, never left "running"."""
    logging.getLogger("cuocthi.jobs").exception("job %s failed", job_id, exc_info=error)
    job_fail(
        job_id=job_id,
        message=(
            "Lỗi không lường trước khi chạy việc này "
            f"({type(error).__name__}); không có gì được ghi. "
            "Hãy thử lại; nếu vẫn lỗi, báo cho người quản trị kèm mã việc."
        ),
    )


def job_end_import(*, job_id, result: dict, written: bool, refused: bool) -> None:
    """End a file import's job by what happened: refused (all or nothing, and the file has
    errors: failed, nothing written, the errors listed), nothing new to add, or imported."""
    if refused:
        job_fail(job_id=job_id, message="Không nhập gì vì tệp có lỗi", result=result)
    elif not written:
        job_finish(job_id=job_id, result=result, message="Không có gì mới để nhập")
    else:
        job_finish(job_id=job_id, result=result, message="Đã nhập")
