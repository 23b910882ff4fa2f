"""The one upload → preview → confirm → background import flow (``core.upload_flow``), walked
on both pages that use it: a question bank file and a file of transcribed paper sheets."""

import contextlib
import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.roles import ORGANIZERS_GROUP
from contest.models import ContestMembership, PaperEntry
from core import upload_flow
from core.models import BackgroundJob, PendingUpload
from core.uploads import PENDING_TTL, UPLOAD_MAX_BYTES
from questions.models import Bank, Question
from tests.contest.test_ranking import ALL_RIGHT, make_contest
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
GONE = "Tệp tải lên đã hết hạn; hãy tải lên lại."


@dataclass
class Side:
    """One page that uses the flow, with two scopes the same person may work in."""

    url: str
    other_url: str  # the same page for another bank / contest this person may also use
    person: object
    colleague: object  # may use the same bank / contest, but did not upload
    scope: str
    job_kind: str
    next_url: str
    valid: bytes  # two good rows
    mixed: bytes  # one good row, one bad
    model: type

    def written(self) -> int:
        return self.model.objects.count()


def _bank_side() -> Side:
    organizers = Group.objects.get_or_create(name=ORGANIZERS_GROUP)[0]
    person, colleague = UserFactory(), UserFactory()
    for user in (person, colleague):
        user.groups.add(organizers)
    bank = Bank.objects.create(slug="cchc-tep", title="Ngân hàng")
    other = Bank.objects.create(slug="khac", title="Ngân hàng khác")
    bank.owners.add(person, colleague)
    other.owners.add(person)
    head = "code,topic,text,option_a,option_b,correct\n"
    return Side(
        url=reverse("questions:bank_import", args=[bank.slug]),
        other_url=reverse("questions:bank_import", args=[other.slug]),
        person=person,
        colleague=colleague,
        scope=f"bank:{bank.pk}",
        job_kind="questions_import",
        next_url=reverse("questions:bank_list"),
        valid=(head + "I-1,Chủ đề,Một?,Có,Không,A\nI-2,Chủ đề,Hai?,Có,Không,B\n").encode(),
        mixed=(head + "I-1,Chủ đề,Một?,Có,Không,A\nI-2,Chủ đề,Hai?,Có,Không,Z\n").encode(),
        model=Question,
    )


def _paper_side() -> Side:
    contest, other = make_contest(), make_contest(slug="khac")
    person, colleague = UserFactory(), UserFactory()
    for user, where in ((person, contest), (person, other), (colleague, contest)):
        ContestMembership.objects.create(contest=where, user=user, role="clerk")
    head = "sheet_no,full_name,phone,answers,prediction,postmark_date\n"
    good = f"U-1,An,0905000001,{ALL_RIGHT},5,2022-06-01\n"
    return Side(
        url=reverse("contest:paper_upload", args=[contest.slug]),
        other_url=reverse("contest:paper_upload", args=[other.slug]),
        person=person,
        colleague=colleague,
        scope=f"paper:{contest.pk}",
        job_kind="paper_import",
        next_url=reverse("contest:paper_home", args=[contest.slug]),
        valid=(head + good + f"U-2,Bình,0905000002,{ALL_RIGHT},5,2022-06-01\n").encode(),
        mixed=(head + good + "U-2,Bình,0905000002,BBB,5,2022-06-01\n").encode(),
        model=PaperEntry,
    )


@pytest.fixture(params=["bank", "paper"])
def side(request, client) -> Side:
    made = {"bank": _bank_side, "paper": _paper_side}[request.param]()
    client.force_login(made.person)
    return made


@pytest.fixture
def queue(settings):
    """Tasks are kept, not run: what a confirmation enqueued is in ``queue.results``."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from django_tasks import default_task_backend

    default_task_backend.clear()
    return default_task_backend


def _preview(client, side: Side, data: bytes, name: str = "tep.csv"):
    return client.post(side.url, {"file": SimpleUploadedFile(name, data)})


def test_a_preview_writes_nothing_but_the_pending_upload(client, side, queue):
    response = _preview(client, side, side.mixed)
    assert response.status_code == 200 and response.context["report"] is not None
    assert response.context["valid_rows"] == 1 and len(response.context["errors"]) == 1
    assert side.written() == 0 and not BackgroundJob.objects.exists() and queue.results == []
    pending = PendingUpload.objects.get()
    assert str(pending.pk) == response.context["upload"]
    assert pending.owner == side.person and pending.scope == side.scope
    assert f'name="upload" value="{pending.pk}"' in response.content.decode()


def test_a_confirm_enqueues_exactly_one_job_that_leads_back_to_the_page(client, side, queue):
    upload = _preview(client, side, side.valid).context["upload"]
    response = client.post(side.url, {"upload": upload})
    job = BackgroundJob.objects.get()
    assert response.url == reverse("contest:job", args=[job.pk])
    assert job.kind == side.job_kind and job.owner == side.person and job.total == 3
    assert job.status == "queued" and job.result == {"next": side.next_url}
    [enqueued] = queue.results
    assert enqueued.kwargs["job_id"] == str(job.pk) and enqueued.kwargs["upload_id"] == upload
    assert enqueued.kwargs["user_id"] == side.person.pk and enqueued.kwargs["partial"] is False
    assert side.written() == 0  # the import is the job's, not the request's


def test_confirming_twice_leads_to_the_same_job_and_enqueues_once(client, side, queue):
    upload = _preview(client, side, side.valid).context["upload"]
    first = client.post(side.url, {"upload": upload})
    second = client.post(side.url, {"upload": upload, "partial": "1"})  # a double click
    job = BackgroundJob.objects.get()
    assert first.url == second.url == reverse("contest:job", args=[job.pk])
    assert len(queue.results) == 1 and PendingUpload.objects.get().job == job


def test_of_two_confirmations_at_the_same_moment_one_starts_the_job(
    client, side, queue, monkeypatch
):
    upload = _preview(client, side, side.valid).context["upload"]
    stale = PendingUpload.objects.get()  # read by the second request before the first tied it
    client.post(side.url, {"upload": upload})
    job = BackgroundJob.objects.get()
    found = upload_flow.pending_upload_find
    reads = iter([stale])
    monkeypatch.setattr(
        upload_flow, "pending_upload_find", lambda **given: next(reads, None) or found(**given)
    )
    second = client.post(side.url, {"upload": upload})
    assert second.url == reverse("contest:job", args=[job.pk])
    assert BackgroundJob.objects.get() == job and len(queue.results) == 1


@pytest.mark.parametrize(
    "case", ["expired", "someone else's", "another scope's", "a path", "unknown"]
)
def test_an_unusable_upload_id_says_so_and_enqueues_nothing(client, side, queue, case):
    upload = _preview(client, side, side.valid).context["upload"]
    url, when = side.url, contextlib.nullcontext()
    if case == "expired":
        when = time_machine.travel(timezone.now() + PENDING_TTL + timedelta(seconds=1), tick=False)
    elif case == "someone else's":
        client.force_login(side.colleague)
    elif case == "another scope's":
        url = side.other_url
    elif case == "a path":
        upload = PendingUpload.objects.get().file.name
    else:
        upload = str(uuid.uuid4())
    with when:
        response = client.post(url, {"upload": upload, "partial": "1"}, follow=True)
    assert response.redirect_chain == [(url, 302)]
    assert GONE in response.content.decode()
    assert not BackgroundJob.objects.exists() and queue.results == [] and side.written() == 0
    assert PendingUpload.objects.count() == 1  # the owner's upload is left as it was


def test_the_message_for_an_unusable_upload_is_translated(client, side, queue):
    client.cookies["django_language"] = "en"
    response = client.post(side.url, {"upload": str(uuid.uuid4())}, follow=True)
    assert "The uploaded file has expired; upload it again." in response.content.decode()


@pytest.mark.parametrize(
    ("sent", "partial"),
    [("1", True), (None, False), ("", False), ("0", False), ("on", False), ("true", False)],
)
def test_only_partial_1_asks_for_the_valid_rows_alone(client, side, queue, sent, partial):
    upload = _preview(client, side, side.mixed).context["upload"]
    client.post(side.url, {"upload": upload} | ({"partial": sent} if sent is not None else {}))
    [enqueued] = queue.results
    assert enqueued.kwargs["partial"] is partial


def test_a_confirm_without_partial_imports_nothing_from_a_file_with_errors(client, side):
    upload = _preview(client, side, side.mixed).context["upload"]
    client.post(side.url, {"upload": upload, "partial": "0"})
    job = BackgroundJob.objects.get()
    # Refused, not "done": nothing was written, and the page lists why, as the preview did.
    assert job.status == "failed" and job.message == "Không nhập gì vì tệp có lỗi"
    assert side.written() == 0 and not PendingUpload.objects.exists()
    page = client.get(reverse("contest:job", args=[job.pk])).content.decode()
    assert "Không nhập gì vì tệp có lỗi" in page and "Dòng " in page and "row " not in page
    assert "Thêm " not in page  # no counts of what a refused import would have added


def test_the_job_lists_the_row_errors_in_the_language_of_who_confirmed(client, side):
    client.cookies["django_language"] = "en"
    upload = _preview(client, side, side.mixed).context["upload"]
    client.post(side.url, {"upload": upload, "partial": "1"})
    job = BackgroundJob.objects.get()
    assert job.status == "done" and job.result["errors"]
    assert all(line.startswith("Row ") for line in job.result["errors"]), job.result["errors"]


def test_a_confirm_with_partial_imports_the_valid_rows(client, side):
    upload = _preview(client, side, side.mixed).context["upload"]
    client.post(side.url, {"upload": upload, "partial": "1"})
    assert BackgroundJob.objects.get().status == "done" and side.written() == 1
    again = client.post(side.url, {"upload": upload}, follow=True)  # used once, then deleted
    assert GONE in again.content.decode() and BackgroundJob.objects.count() == 1


def test_a_file_over_the_cap_is_refused_before_the_dry_run(client, side, queue):
    response = _preview(client, side, b"x" * (UPLOAD_MAX_BYTES + 1))
    assert "Tệp quá lớn: tối đa 20 MB." in response.content.decode()
    assert response.context["upload"] == "" and not PendingUpload.objects.exists()


def test_a_file_the_dry_run_refuses_is_shown_and_kept_nowhere(client, side, queue):
    response = _preview(client, side, b"\x89PNG\r\n\x1a\n not excel", name="tep.xlsx")
    assert "không phải bảng tính Excel" in response.content.decode()
    assert response.context["upload"] == ""
    assert not PendingUpload.objects.exists() and side.written() == 0


def test_confirming_needs_the_csrf_token(side):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(side.person)
    response = strict.post(side.url, {"upload": str(uuid.uuid4())})
    assert response.status_code == 403 and not BackgroundJob.objects.exists()
