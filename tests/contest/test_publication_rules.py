"""Results are published (and the ceremony held) only once the contest is over."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from contest.models import Attempt, Result, ResultEvent
from contest.online.attempts import attempt_start
from contest.results.ceremony import CeremonyError, ceremony_reveal_next, ceremony_start
from tests.contest.test_ranking import ALL_RIGHT, make_contest, online, paper
from tests.contest.test_result_pages import check_winners, organizer_of
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
DURING = datetime(2022, 6, 5, 9, tzinfo=VN)
AFTER = datetime(2022, 6, 12, 9, tzinfo=VN)


@pytest.fixture
def contest():
    contest = make_contest()
    online(contest, "0905000001", prediction=4, seconds=100)
    paper(
        contest,
        f"P-1,Trần Văn Cư,0905000003,,{ALL_RIGHT},6,2022-06-01,,",
        f"P-2,Lê Thị Dung,,079185000123,{ALL_RIGHT},2,2022-06-01,02/06/2022 09:00,",
    )
    return contest


def rank(client, contest, *, final=False):
    client.post(
        reverse("contest:manage_rank", args=[contest.slug]), {"final": "1"} if final else {}
    )


def publish(client, contest, until="2022-06-20T17:00"):
    return client.post(
        reverse("contest:manage_publish", args=[contest.slug]),
        {"publish": "1", "objections_until": until},
        follow=True,
    ).content.decode()


def test_results_of_an_open_contest_are_ranked_for_organizers_but_never_published(client, contest):
    client.force_login(organizer_of(contest))
    with time_machine.travel(DURING, tick=False):
        rank(client, contest)
        check_winners(client, contest)
        html = publish(client, contest)
    assert "Chưa công bố" in html and "cuộc thi chưa đóng" in html
    assert not Result.objects.filter(published_at__isnull=False).exists()
    public = client.get(reverse("contest:results", args=[contest.slug])).content.decode()
    assert "Trần Văn Cư" not in public


def test_a_ranking_made_while_open_cannot_be_published_after_the_close(client, contest):
    client.force_login(organizer_of(contest))
    with time_machine.travel(DURING, tick=False):
        rank(client, contest)
        check_winners(client, contest)
    with time_machine.travel(AFTER, tick=False):
        html = publish(client, contest)
        assert "xếp hạng khi cuộc thi còn mở" in html
        assert not Result.objects.filter(published_at__isnull=False).exists()
        rank(client, contest)
        check_winners(client, contest)
        html = publish(client, contest, until="2022-06-20T17:00")
    assert "Đã công bố kết quả" in html


def test_sheets_that_arrive_after_the_ranking_must_be_ranked_before_publishing(client, contest):
    """Paper keeps arriving after the close: a ranking made before them is outdated."""
    client.force_login(organizer_of(contest))
    with time_machine.travel(AFTER, tick=False):
        rank(client, contest)
        check_winners(client, contest)
    later = datetime(2022, 6, 12, 10, tzinfo=VN)
    with time_machine.travel(later, tick=False):
        paper(contest, f"P-9,Võ Thị Muộn,0905000009,,{ALL_RIGHT},3,2022-06-01,,")
        page = client.get(reverse("contest:manage_results", args=[contest.slug])).content.decode()
        assert "Có bài dự thi mới, phiếu giấy được sửa" in page
        html = publish(client, contest)
        assert "sau lần xếp hạng này" in html
        assert not Result.objects.filter(published_at__isnull=False).exists()
        rank(client, contest)
        check_winners(client, contest)
        html = publish(client, contest)
    assert "Đã công bố kết quả" in html
    public = client.get(reverse("contest:results", args=[contest.slug])).content.decode()
    assert "Võ Thị Muộn" in public or "Muộn" in public


def test_a_person_with_several_entries_does_not_keep_the_ranking_outdated(client, contest):
    """Found by review: the other entries of a person are neither ranked nor invalid, and the
    ranking was taken for outdated for ever, so results could never be published."""
    client.force_login(organizer_of(contest))
    with time_machine.travel(AFTER, tick=False):
        # The first resident again, on paper, and with a lower score: not counted.
        paper(contest, "P-7,Người 001,0905 000 001,,A B B AC B,4,2022-06-01,,")
        rank(client, contest)
        result = Result.objects.get()
        assert (result.entries_count, result.invalid_count, result.entries_read) == (3, 0, 4)
        check_winners(client, contest)
        assert "Đã công bố kết quả" in publish(client, contest)
        # A sheet that arrives afterwards still outdates it.
        paper(contest, f"P-9,Võ Thị Muộn,0905000009,,{ALL_RIGHT},3,2022-06-01,,")
        client.post(reverse("contest:manage_publish", args=[contest.slug]), {"withdraw": "1"})
        assert "sau lần xếp hạng này" in publish(client, contest)


def test_ranking_again_asks_before_it_replaces_published_results(client, contest):
    client.force_login(organizer_of(contest))
    rankings = ResultEvent.objects.filter(action="ranked")
    with time_machine.travel(AFTER, tick=False):
        rank(client, contest)
        check_winners(client, contest)
        assert "Đã công bố kết quả" in publish(client, contest)
        page = client.get(reverse("contest:manage_results", args=[contest.slug])).content.decode()
        assert "gỡ khỏi trang công khai cho đến khi công bố lại" in page
        html = client.post(
            reverse("contest:manage_rank", args=[contest.slug]), follow=True
        ).content.decode()
        assert "Chưa xếp hạng lại" in html and rankings.count() == 1
        client.post(reverse("contest:manage_rank", args=[contest.slug]), {"withdraw": "1"})
    assert rankings.count() == 2


def test_publication_waits_for_every_attempt_to_finish(client, contest):
    late = ProfileFactory().user
    attempt_start(contest=contest, user=late, now=datetime(2022, 6, 9, 15, 50, tzinfo=VN))
    client.force_login(organizer_of(contest))
    with time_machine.travel(AFTER, tick=False):
        rank(client, contest)
        # Ranking finishes overdue attempts, so ranking again and publishing works …
        assert not Attempt.objects.filter(status="in_progress").exists()
        Attempt.objects.update(status="in_progress")  # … but not while one is still open.
        check_winners(client, contest)
        html = publish(client, contest)
    assert "lượt thi trực tuyến chưa kết thúc" in html
    assert not Result.objects.filter(published_at__isnull=False).exists()


def test_the_ceremony_requires_the_winners_identity_checks(client, contest):
    client.force_login(organizer_of(contest))
    with time_machine.travel(AFTER, tick=False):
        rank(client, contest, final=True)
        with pytest.raises(CeremonyError, match="chưa xác minh"):
            ceremony_start(contest=contest)
        page = client.get(reverse("contest:manage_ceremony", args=[contest.slug]))
        assert "chưa xác minh" in page.content.decode()
        client.post(reverse("contest:manage_ceremony", args=[contest.slug]), {"action": "start"})
        assert Result.objects.get(final=True).revealed is None
        check_winners(client, contest)
        client.post(reverse("contest:manage_ceremony", args=[contest.slug]), {"action": "start"})
        assert Result.objects.get(final=True).revealed == 0


def test_the_ceremony_cannot_start_while_the_contest_is_open(contest):
    with time_machine.travel(AFTER, tick=False):
        call_command("rank_contest", contest.slug, "--final", stdout=None)
    Result.objects.update(created_at=AFTER)
    with pytest.raises(CeremonyError, match="chưa đóng"):
        ceremony_start(contest=contest, now=DURING)


def test_a_ceremony_runs_to_its_end_and_the_public_page_says_so(client, contest):
    client.force_login(organizer_of(contest))
    ceremony = reverse("contest:manage_ceremony", args=[contest.slug])
    results = reverse("contest:results", args=[contest.slug])
    with time_machine.travel(AFTER, tick=False):
        rank(client, contest, final=True)
        check_winners(client, contest)
        client.post(ceremony, {"action": "start"})
        total = Result.objects.get(final=True).rows.exclude(prize="").count()
        for _ in range(total):
            client.post(ceremony, {"action": "reveal"})
        public = client.get(results).content.decode()
        assert "đang diễn ra" not in public and "đã công bố tất cả các giải" in public
        assert "/5 điểm" in public  # the score with its maximum
        page = client.get(ceremony).content.decode()
        assert "Kết thúc lễ trao giải" in page and "/5 điểm" in page
        client.post(ceremony, {"action": "end"})
        result = Result.objects.get(final=True)
        assert result.revealed is None and result.ceremony_ended_at is not None
        public = client.get(results).content.decode()
    assert "Lễ trao giải" not in public and "Trần Văn Cư" in public and "hạng 1" in public
    assert "đã kết thúc" in client.get(ceremony).content.decode()


def test_the_projector_page_has_no_menu(client, contest):
    client.force_login(organizer_of(contest))
    page = client.get(reverse("contest:manage_ceremony", args=[contest.slug])).content.decode()
    assert "Quản lý cuộc thi" not in page and "Đăng xuất" not in page
    assert "Lễ trao giải" in page or "chốt kết quả" in page


def test_reveals_carry_the_maximum_score(client, contest):
    client.force_login(organizer_of(contest))
    with time_machine.travel(AFTER, tick=False):
        rank(client, contest, final=True)
        check_winners(client, contest)
        ceremony_start(contest=contest)
        payload = ceremony_reveal_next(contest=contest)
    assert payload["max_score"] == 5 and payload["score"] is not None


def test_a_resident_cannot_end_a_ceremony(client, contest):
    client.force_login(ProfileFactory().user)
    response = client.post(
        reverse("contest:manage_ceremony", args=[contest.slug]), {"action": "end"}
    )
    assert response.status_code in (403, 404)
