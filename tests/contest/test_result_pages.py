"""Organizers rank, finalize and publish; the public sees winners; a participant sees why."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts.roles import ORGANIZERS_GROUP
from contest.models import (
    ContestMembership,
    KeyCorrection,
    Result,
    ResultEvent,
    ResultRow,
    WinnerCheck,
)
from contest.results.selectors import mask_person
from core.models import BackgroundJob
from tests.contest.test_ranking import ALL_RIGHT, make_contest, online, paper
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def contest():
    contest = make_contest()
    online(contest, "0905000001", prediction=4, seconds=100)
    online(contest, "0905000002", prediction=4, seconds=50)
    paper(
        contest,
        f"P-1,Trần Văn Cư,0905000003,,{ALL_RIGHT},6,2022-06-01,,",
        f"P-2,Lê Thị Dung,,079185000123,{ALL_RIGHT},2,2022-06-01,02/06/2022 09:00,",
        f"P-5,Võ Thị Sao,0905000006,,{ALL_RIGHT},4,2022-06-01,,photocopy",
    )
    return contest


def organizer_of(contest):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=ORGANIZERS_GROUP)[0])
    ContestMembership.objects.create(contest=contest, user=user, role="organizer")
    return user


def check_winners(client, contest, *, skip=()):
    """Tick every check for every prize winner (but the people in ``skip``)."""
    for person in (
        ResultRow.objects.filter(result__contest=contest)
        .exclude(prize="")
        .values_list("person", flat=True)
    ):
        if person not in skip:
            client.post(
                reverse("contest:manage_winner_check", args=[contest.slug]),
                {"person": person, **{key: "on" for key, _l in WinnerCheck.ITEMS}},
            )


def test_organizers_rank_verify_publish_for_objections_then_finalize(client, contest):
    client.force_login(organizer_of(contest))
    page = reverse("contest:manage_results", args=[contest.slug])
    publish = reverse("contest:manage_publish", args=[contest.slug])
    results = reverse("contest:results", args=[contest.slug])
    assert "Chưa xếp hạng lần nào" in client.get(page).content.decode()
    response = client.post(reverse("contest:manage_rank", args=[contest.slug]))
    job = BackgroundJob.objects.get(kind="rank_contest")
    assert response.url == reverse("contest:job", args=[job.pk]) and job.status == "done"
    # The job's words follow the reader's language.
    client.cookies["django_language"] = "en"
    assert "Ranked (provisional)" in client.get(response.url).content.decode()
    assert client.get(reverse("contest:job_json", args=[job.pk])).json()["message"] == (
        "Ranked (provisional)"
    )
    client.cookies["django_language"] = "vi"
    assert "Đã xếp hạng (tạm thời)" in client.get(response.url).content.decode()
    html = client.get(page).content.decode()
    assert "Kết quả tạm (chỉ Ban Tổ chức xem)" in html and "0905000003" in html
    assert "Xác minh người đạt giải" in html
    # Not public yet.
    public = client.get(results).content.decode()
    assert "chưa công bố" in public and "Trần Văn Cư" not in public

    # A winner not yet checked: publication refused, and the page says who.
    check_winners(client, contest, skip={"0905000003"})
    html = client.post(
        publish, {"publish": "1", "objections_until": "2099-01-05T17:00"}, follow=True
    ).content.decode()
    assert "Chưa công bố: còn 1 người đạt giải chưa xác minh xong (0905000003)" in html
    check_winners(client, contest)
    # A provisional result needs an objection deadline, in the future, that is a date.
    for bad, message in (
        ("", "kèm thời hạn nhận khiếu nại"),
        ("2001-01-01T10:00", "phải sau lúc này"),
        ("mai", "không phải ngày giờ"),
    ):
        html = client.post(
            publish, {"publish": "1", "objections_until": bad}, follow=True
        ).content.decode()
        assert message in html
    assert not Result.objects.filter(published_at__isnull=False).exists()
    client.post(publish, {"publish": "1", "objections_until": "2099-01-05T17:00"})
    # The organizers' page no longer says "organizers only" once it is public.
    manage = client.get(reverse("contest:manage_results", args=[contest.slug])).content.decode()
    assert "chỉ Ban Tổ chức xem" not in manage and "đã công bố, đang nhận khiếu nại" in manage
    public = client.get(results).content.decode()
    assert (
        "Đây là kết quả tạm thời" in public
        and "17:00 05/01/2099, giờ Việt Nam (UTC+07:00)" in public
    )
    assert f"Ban Tổ chức ({contest.organizer_name}) nhận khiếu nại" in public
    assert "Trần Văn Cư" in public and "Giải Nhất" in public

    # Final only after the objection window.
    client.post(reverse("contest:manage_rank", args=[contest.slug]), {"final": "1"})
    refusal = BackgroundJob.objects.latest("created_at").message
    assert "đang trong thời hạn nhận khiếu nại" in refusal
    assert "giờ Việt Nam (UTC+07:00)" in refusal and "Asia/Ho_Chi_Minh" not in refusal
    # The refusal's page is no dead end: it leads back to the results page.
    job = BackgroundJob.objects.latest("created_at")
    job_page = client.get(reverse("contest:job", args=[job.pk])).content.decode()
    assert f'href="/manage/{contest.slug}/results/"' in job_page
    assert not Result.objects.filter(final=True).exists()
    Result.objects.update(objections_until=timezone.now() - timedelta(minutes=1))
    client.post(reverse("contest:manage_rank", args=[contest.slug]), {"final": "1"})
    final = Result.objects.get()
    assert final.final and final.published_at is not None  # still public, now final
    public = client.get(results).content.decode()
    assert "Đây là kết quả tạm thời" not in public and "Trần Văn Cư" in public
    assert "0905***003" in public and "0905000003" not in public  # phones masked
    assert "published-before-the-draw" in public and "sha256sum" in public
    steps = list(ResultEvent.objects.order_by("at", "pk").values_list("action", flat=True))
    assert steps[0] == "ranked" and steps[-2:] == ["finalized", "published"]
    assert {"winner_checked", "published"} <= set(steps)


def test_winner_checks_are_kept_when_the_contest_is_ranked_again(client, contest):
    client.force_login(organizer_of(contest))
    client.post(reverse("contest:manage_rank", args=[contest.slug]))
    check_winners(client, contest)
    client.post(reverse("contest:manage_rank", args=[contest.slug]))
    html = client.get(reverse("contest:manage_results", args=[contest.slug])).content.decode()
    assert (
        html.count('<span class="badge">đã xác minh</span>')
        == ResultRow.objects.exclude(prize="").count()
        == 3
    )
    # Only prize holders can be checked.
    html = client.post(
        reverse("contest:manage_winner_check", args=[contest.slug]),
        {"person": "079185000123", "identity": "on"},
        follow=True,
    ).content.decode()
    assert "Chưa lưu: người này không có giải" in html


def test_another_contests_organizer_cannot_see_results_or_exports(client, contest):
    other = make_contest(slug="khac")
    client.force_login(organizer_of(other))
    assert client.get(reverse("contest:manage_results", args=[contest.slug])).status_code == 403
    url = reverse("contest:manage_export", args=[contest.slug, "csv"])
    assert client.get(url).status_code == 403
    assert client.post(reverse("contest:manage_rank", args=[contest.slug])).status_code == 403


def test_exports_download_with_personal_data_for_the_organizer(client, contest):
    client.force_login(organizer_of(contest))
    client.post(reverse("contest:manage_rank", args=[contest.slug]))
    response = client.get(reverse("contest:manage_export", args=[contest.slug, "csv"]))
    body = response.content.decode("utf-8-sig")
    assert response["Content-Disposition"].endswith('.csv"') and "0905000003" in body
    for kind in ("xlsx", "pdf", "certificates"):
        assert (
            client.get(reverse("contest:manage_export", args=[contest.slug, kind])).status_code
            == 200
        )


def test_my_result_says_why_in_plain_words(client, contest):
    from django.core.management import call_command

    call_command("rank_contest", contest.slug, "--final", stdout=None)
    Result.objects.update(published_at="2022-06-20T10:00+07:00")
    from accounts.models import User

    client.force_login(User.objects.get(phone="0905000001"))
    html = client.get(reverse("contest:my_result", args=[contest.slug])).content.decode()
    assert "Hạng <strong>2</strong>" in html
    assert (
        "Xếp sau hạng 1 vì bằng điểm và dự đoán; thời gian làm bài của bạn: 1 phút 40 giây, của họ: 50 giây"
        in html
    )
    assert (
        "Xếp trên hạng 3 vì bằng điểm; con số thực tế là 4, dự đoán của bạn lệch 0, của họ lệch 2"
        in html
    )


def test_masking():
    assert mask_person("0905123456") == "0905***456"
    assert mask_person("079185000123") == "*********123"


def test_organizers_correct_the_key_from_the_results_page_and_the_public_sees_why(client, contest):
    client.force_login(organizer_of(contest))
    post = reverse("contest:manage_key_correct", args=[contest.slug])
    client.post(reverse("contest:manage_rank", args=[contest.slug]))
    # Bad input: an option the question does not have. Nothing changes; the page says why.
    html = client.post(
        post, {"code": "Q-001", "action": "accept", "answers": "B, E", "reason": "x"}, follow=True
    ).content.decode()
    assert "Chưa sửa đáp án: đáp án" in html and "chỉ có phương án A, B, C, D" in html
    assert not KeyCorrection.objects.exists()
    html = client.post(
        post,
        {"code": "Q-002", "action": "void", "answers": "", "reason": "Sai căn cứ pháp lý."},
        follow=True,
    ).content.decode()
    assert "Đã sửa đáp án câu Q-002 và chấm lại 5 bài" in html
    assert "hãy bấm “Chấm và xếp hạng tạm” để xếp lại" in html  # the ranking is now stale
    client.post(reverse("contest:manage_rank", args=[contest.slug]), {"final": "1"})
    check_winners(client, contest)
    client.post(reverse("contest:manage_publish", args=[contest.slug]), {"publish": "1"})
    public = client.get(reverse("contest:results", args=[contest.slug])).content.decode()
    assert "Đáp án đã điều chỉnh sau giờ đóng" in public and "Sai căn cứ pháp lý." in public


def test_only_this_contests_organizers_may_correct_the_key(client, contest):
    client.force_login(organizer_of(make_contest(slug="khac")))
    response = client.post(
        reverse("contest:manage_key_correct", args=[contest.slug]),
        {"code": "Q-002", "action": "void", "reason": "x"},
    )
    assert response.status_code == 403 and not KeyCorrection.objects.exists()


def _published_final(contest):
    from django.core.management import call_command

    call_command("rank_contest", contest.slug, "--final", stdout=None)
    Result.objects.update(published_at="2022-06-20T10:00+07:00")


def test_a_cccd_typed_in_a_profile_does_not_show_someone_elses_paper_result(client, contest):
    from tests.factories import ProfileFactory

    _published_final(contest)
    # Lê Thị Dung's sheet bears only her CCCD; someone else types it into their profile.
    intruder = ProfileFactory(id_number="079185000123", full_name="Kẻ Mạo Danh").user
    client.force_login(intruder)
    html = client.get(reverse("contest:my_result", args=[contest.slug])).content.decode()
    assert "P-2" not in html and "Hạng <strong>" not in html


def test_a_paper_sheet_is_shown_to_the_account_with_its_verified_phone_only(client, contest):
    from tests.factories import ProfileFactory

    _published_final(contest)
    unverified = ProfileFactory(user=UserFactory(phone="0905000003", phone_verified=False)).user
    client.force_login(unverified)
    url = reverse("contest:my_result", args=[contest.slug])
    assert "P-1" not in client.get(url).content.decode()
    unverified.phone_verified = True
    unverified.save()
    assert "P-1" in client.get(url).content.decode()


def test_the_organizers_results_page_names_criteria_and_reasons_in_vietnamese(client, contest):
    client.force_login(organizer_of(contest))
    client.post(reverse("contest:manage_rank", args=[contest.slug]))
    html = client.get(reverse("contest:manage_results", args=[contest.slug])).content.decode()
    assert "phiếu photo: 1" in html
    assert "Điểm → Dự đoán gần đúng → Thời gian làm bài → Thời điểm nộp → Bốc thăm" in html
    assert "<td>Dự đoán gần đúng</td>" in html or "<td>Thời gian làm bài</td>" in html
    for code in ("prediction_error", "submitted_at", "photocopy", ">duration<", ">score<"):
        assert code not in html


def test_the_final_results_page_offers_neither_ranking_again_nor_finalizing(client, contest):
    client.force_login(organizer_of(contest))
    page = reverse("contest:manage_results", args=[contest.slug])
    client.post(reverse("contest:manage_rank", args=[contest.slug]))
    html = client.get(page).content.decode()
    assert "Chấm và xếp hạng tạm" in html and "Chốt kết quả chính thức" in html
    client.post(reverse("contest:manage_rank", args=[contest.slug]), {"final": "1"})
    html = client.get(page).content.decode()
    assert "Kết quả đã chốt chính thức" in html
    assert "Chấm và xếp hạng tạm</button>" not in html
    assert "Chốt kết quả chính thức</button>" not in html


def test_each_export_downloads_under_its_own_name_and_the_pdf_header_does_not_break_words(
    client, contest
):
    import io

    from pypdf import PdfReader

    client.force_login(organizer_of(contest))
    client.post(reverse("contest:manage_rank", args=[contest.slug]))
    names = set()
    for kind in ("csv", "xlsx", "pdf", "certificates"):
        response = client.get(reverse("contest:manage_export", args=[contest.slug, kind]))
        names.add(response["Content-Disposition"].split("filename=")[1])
    assert len(names) == 4
    pdf = client.get(reverse("contest:manage_export", args=[contest.slug, "pdf"])).content
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Hạng" in text and "Hạn\ng" not in text
