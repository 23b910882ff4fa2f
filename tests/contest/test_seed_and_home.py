from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import Unit, User
from contest.models import Contest
from contest.permissions import user_is_clerk, user_is_organizer
from questions.models import Question, QuestionVersion

pytestmark = pytest.mark.django_db


def test_seed_demo_loads_everything_and_running_it_twice_changes_nothing():
    call_command("seed_demo")
    counts = (
        Unit.objects.count(),
        User.objects.count(),
        Question.objects.count(),
        QuestionVersion.objects.count(),
        Contest.objects.count(),
    )
    call_command("seed_demo")
    assert counts == (
        Unit.objects.count(),
        User.objects.count(),
        Question.objects.count(),
        QuestionVersion.objects.count(),
        Contest.objects.count(),
    )
    assert Question.objects.count() >= 60
    topics = set(Question.objects.values_list("topic__name", flat=True))
    assert len(topics) == 6
    assert all(
        v.source for v in QuestionVersion.objects.all()
    )  # every question has its legal basis
    year = timezone.localdate().year
    live = Contest.objects.get(slug=f"cchc-{year}")
    assert live.title.endswith(f"năm {year}")
    assert live.is_open() and live.max_attempts == 3 and live.attempt_time_limit_minutes == 30
    codes = live.questions_spec["codes"]  # fixed, so the printed sheet asks the same
    assert len(codes) == 20 and live.questions_spec["shuffle_questions"]
    assert len(set(Question.objects.filter(code__in=codes).values_list("topic", flat=True))) == 6
    finished = Contest.objects.get(slug="cchc-2021")
    result = finished.results.get()
    assert result.final and result.published_at and result.entries_count > 2000
    assert result.rows.exclude(prize="").count() == 11
    # the finished contest's story happens in 2021: made, checked and published then
    assert result.created_at.year == 2021 and result.published_at.year == 2021
    assert {e.at.year for e in finished.result_events.all()} == {2021}
    assert not finished.paper_entries.exclude(created_at__year=2021).exists()
    assert finished.created_at.year == 2021
    # docs/demo.md's days: made final and published on 30/9 (found by review: the final
    # result, which "rank_contest --final" quotes, said the 23rd)
    vn = finished.tz
    finalized = finished.result_events.get(action="finalized").at.astimezone(vn).date()
    assert finalized == result.created_at.astimezone(vn).date() == date(2021, 9, 30)
    assert result.published_at.astimezone(vn).date() == date(2021, 9, 30)
    organizer = User.objects.get(phone="0900000002")
    clerk = User.objects.get(phone="0900000003")
    assert user_is_organizer(user=organizer, contest=live) and user_is_clerk(
        user=clerk, contest=live
    )
    assert not user_is_organizer(user=clerk, contest=live)


def test_home_lists_open_and_past_contests_with_their_time_zone(client):
    call_command("seed_demo")
    body = client.get(reverse("contest:home")).content.decode()
    assert "Đang diễn ra" in body and "Đã kết thúc" in body
    year = timezone.localdate().year
    assert f"Cuộc thi tìm hiểu về công tác cải cách hành chính năm {year}" in body
    assert "giờ Việt Nam (UTC+07:00)" in body and "Asia/Ho_Chi_Minh" not in body
    assert '<html lang="vi">' in body


def test_home_placeholder_when_there_is_no_contest(client):
    assert "Chưa có cuộc thi nào" in client.get(reverse("contest:home")).content.decode()


def test_english_is_available_through_the_language_switch(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    body = client.get(reverse("contest:home")).content.decode()
    assert '<html lang="en">' in body
    assert "There are no contests yet" in body


def test_pages_carry_a_content_security_policy(client):
    response = client.get(reverse("contest:home"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
