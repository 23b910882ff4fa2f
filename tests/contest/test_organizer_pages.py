from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.roles import ORGANIZERS_GROUP
from contest.models import Attempt, Contest, ContestMembership
from contest.services.definition import contest_import
from tests.factories import ProfileFactory, UserFactory, contest_json, make_bank_with_topics

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def organizer(client):
    bank = make_bank_with_topics()
    user = UserFactory(is_staff=True)
    bank.owners.add(user)
    user.groups.add(Group.objects.get_or_create(name=ORGANIZERS_GROUP)[0])
    client.force_login(user)
    return user


def form_data(**overrides):
    data = {
        "slug": "cchc-2023",
        "title": "Cuộc thi tìm hiểu CCHC 2023",
        "organizer": "UBND huyện Đak Pơ",
        "rules": "Thể lệ",
        "timezone": "Asia/Ho_Chi_Minh",
        "opens_at": "2023-05-24T16:00",
        "closes_at": "2023-06-09T16:00",
        "paper_postmark_deadline": "2023-06-09",
        "channels": ["online", "paper"],
        "attempt_time_limit_minutes": "30",
        "max_attempts": "3",
        "counted_attempt": "best",
        "bank": "cchc",
        "draw": "Thể chế: 3\nThủ tục: 2",
        "codes": "",
        "shuffle_options": "on",
        "prediction_question": "Bao nhiêu người tham gia?",
        "prediction_target": "participants",
        "tie_break": "score, prediction_error, duration, submitted_at, lot",
        "lot_seed": "seed",
        "prizes": "Giải Nhất: 1\nGiải Nhì: 2",
        "grace_seconds": "30",
        "essay_question": "",
    }
    data.update(overrides)
    return data


def test_an_organizer_creates_a_contest_from_the_form(client, organizer):
    response = client.post(reverse("contest:manage_new"), form_data())
    assert response.status_code == 302, response.content.decode()[:3000]
    contest = Contest.objects.get(slug="cchc-2023")
    assert contest.opens_at == datetime(2023, 5, 24, 16, tzinfo=VN)
    assert contest.questions_spec["draw"] == [
        {"topic": "Thể chế", "count": 3},
        {"topic": "Thủ tục", "count": 2},
    ]
    assert contest.prizes == [{"name": "Giải Nhất", "count": 1}, {"name": "Giải Nhì", "count": 2}]
    assert ContestMembership.objects.filter(
        contest=contest, user=organizer, role="organizer"
    ).exists()
    overview = client.get(reverse("contest:manage_overview", args=["cchc-2023"]))
    assert overview.status_code == 200


def test_prediction_prizes_and_collective_prizes_survive_an_edit_through_the_form(
    client, organizer
):
    unit_prizes = '{"prizes": [{"name": "Tập thể Nhất", "count": 1}], "min_rate": [{"rate": 0.2}]}'
    data = form_data(prizes="Giải Nhất: 1\nGiải dự đoán: 2: dự đoán", unit_prizes=unit_prizes)
    assert client.post(reverse("contest:manage_new"), data).status_code == 302
    contest = Contest.objects.get(slug="cchc-2023")
    assert contest.prizes[1] == {"name": "Giải dự đoán", "count": 2, "for": "prediction"}
    assert contest.unit_prizes["prizes"] == [{"name": "Tập thể Nhất", "count": 1}]
    edit = client.get(reverse("contest:manage_edit", args=["cchc-2023"])).content.decode()
    assert "Giải dự đoán: 2: dự đoán" in edit and "Tập thể Nhất" in edit


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"draw": "Thể chế: 30"}, "chỉ có 6 câu, cần 30"),
        ({"closes_at": "2023-05-01T16:00"}, "giờ đóng phải sau giờ mở"),
        ({"prizes": "Giải Nhất một"}, "Tên giải: số lượng"),
        ({"tie_break": "score, luck"}, "tie_break:"),
        ({"unit_prizes": '{"prizes": [}'}, "Giải tập thể: JSON chưa đúng (dòng 1, cột 13)"),
        ({"unit_prizes": '{"prizes": [], "min_rate": [{"rate": 2}]}'}, "tỷ lệ từ 0 đến 1"),
    ],
)
def test_the_form_refuses_bad_contests_with_the_reason(client, organizer, overrides, message):
    response = client.post(reverse("contest:manage_new"), form_data(**overrides))
    assert response.status_code == 200 and message in response.content.decode()
    assert not Contest.objects.exists()


def test_once_entries_exist_scoring_fields_are_locked_and_the_page_says_why(client, organizer):
    contest = contest_import(data=contest_json())[0]
    ContestMembership.objects.create(contest=contest, user=organizer, role="organizer")
    Attempt.objects.create(
        contest=contest,
        round=contest.rounds.get(),
        user=ProfileFactory().user,
        number=1,
        started_at=contest.opens_at,
        deadline=contest.closes_at,
    )
    url = reverse("contest:manage_edit", args=[contest.slug])
    page = client.get(url).content.decode()
    assert "không sửa được bộ câu hỏi" in page
    data = form_data(
        slug=contest.slug,
        title="Tên mới",
        max_attempts="9",
        opens_at="2022-05-24T16:00",
        closes_at="2022-06-09T16:00",
        draw="Thể chế: 1",
    )
    response = client.post(url, data)
    assert response.status_code == 302
    contest.refresh_from_db()
    assert contest.title == "Tên mới" and contest.max_attempts == 3
    assert contest.questions_spec["draw"][0]["count"] == 3


def test_organizers_of_another_contest_and_participants_are_kept_out(client, organizer):
    contest = contest_import(data=contest_json())[0]
    assert client.get(reverse("contest:manage_edit", args=[contest.slug])).status_code == 403
    assert client.get(reverse("contest:manage_overview", args=[contest.slug])).status_code == 403
    client.force_login(UserFactory())
    assert client.get(reverse("contest:manage_list")).status_code == 403
    assert client.post(reverse("contest:manage_new"), form_data()).status_code == 403
