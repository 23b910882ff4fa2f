import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.roles import ORGANIZERS_GROUP
from contest.definition import ContestInvalid, contest_import
from contest.models import Attempt, Contest, ContestMembership
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
        "draw": "",
        "codes": "Q-001, Q-002, Q-003, Q-007, Q-008",
        "shuffle_options": "on",
        "prediction_question": "Bao nhiêu người tham gia?",
        "prediction_target": "participants",
        "lot_seed": "seed",
        "grace_seconds": "30",
        "essay_question": "",
        "prize_0_name": "Giải Nhất",
        "prize_0_count": "1",
        "prize_1_name": "Giải Nhì",
        "prize_1_count": "2",
    }
    for i, name in enumerate(["score", "prediction_error", "duration", "submitted_at", "lot"]):
        data[f"tie_break_{i}"] = name
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_an_organizer_creates_a_contest_from_the_form(client, organizer):
    response = client.post(reverse("contest:manage_new"), form_data())
    assert response.status_code == 302, response.content.decode()[:3000]
    contest = Contest.objects.get(slug="cchc-2023")
    assert contest.opens_at == datetime(2023, 5, 24, 16, tzinfo=VN)
    assert contest.questions_spec["codes"] == ["Q-001", "Q-002", "Q-003", "Q-007", "Q-008"]
    assert contest.prizes == [{"name": "Giải Nhất", "count": 1}, {"name": "Giải Nhì", "count": 2}]
    assert contest.tie_break == ["score", "prediction_error", "duration", "submitted_at", "lot"]
    assert ContestMembership.objects.filter(
        contest=contest, user=organizer, role="organizer"
    ).exists()
    overview = client.get(reverse("contest:manage_overview", args=["cchc-2023"]))
    assert overview.status_code == 200


def test_the_tie_break_order_is_chosen_from_vietnamese_labels_not_codes(client, organizer):
    page = client.get(reverse("contest:manage_new")).content.decode()
    assert ">Dự đoán gần đúng</option>" in page and ">Bốc thăm</option>" in page
    assert "prediction_error" not in page.replace('value="prediction_error"', "")
    data = form_data(tie_break_1="duration", tie_break_2="lot", tie_break_3="", tie_break_4="")
    assert client.post(reverse("contest:manage_new"), data).status_code == 302
    assert Contest.objects.get().tie_break == ["score", "duration", "lot"]


def test_prizes_collective_prizes_and_rounds_are_form_rows_and_survive_an_edit(client, organizer):
    data = form_data(
        prize_1_name="Giải dự đoán",
        prize_1_prediction="on",
        prize_0_points="5",
        unit_prize_0_name="Tập thể Nhất",
        unit_prize_0_count="1",
        rate_0_up_to="500",
        rate_0_percent="30",
        rate_1_percent="20",
        round_0_title="Tuần 1",
        round_0_opens_at="2023-05-24T16:00",
        round_0_closes_at="2023-05-31T16:00",
        round_1_title="Tuần 2",
        round_1_opens_at="2023-05-31T16:00",
        round_1_closes_at="2023-06-09T16:00",
    )
    response = client.post(reverse("contest:manage_new"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    contest = Contest.objects.get(slug="cchc-2023")
    assert contest.prizes[1] == {"name": "Giải dự đoán", "count": 2, "for": "prediction"}
    assert contest.unit_prizes == {
        "prizes": [{"name": "Tập thể Nhất", "count": 1}],
        "min_rate": [{"rate": 0.3, "up_to": 500}, {"rate": 0.2}],
        "points": {"Giải Nhất": 5},
    }
    assert [r.title for r in contest.rounds.all()] == ["Tuần 1", "Tuần 2"]
    assert contest.rounds.get(number=2).opens_at == datetime(2023, 5, 31, 16, tzinfo=VN)
    edit = client.get(reverse("contest:manage_edit", args=["cchc-2023"])).content.decode()
    assert 'value="Giải dự đoán"' in edit and 'value="Tập thể Nhất"' in edit
    assert 'value="Tuần 2"' in edit and "{" not in edit.split("<form")[1].split("</form>")[0]


@pytest.mark.parametrize(
    ("overrides", "label", "message"),
    [
        (
            {"codes": "", "draw": "Thể chế: 30", "channels": ["online"]},
            "Rút câu hỏi",
            "chỉ có 6 câu, cần 30",
        ),
        ({"closes_at": "2023-05-01T16:00"}, "Đóng lúc", "giờ đóng phải sau giờ mở"),
        ({"prize_0_count": ""}, "Số lượng", "Nhập số lượng giải."),
        ({"tie_break_2": "score"}, "Tiêu chí 1", "Mỗi tiêu chí chỉ chọn một lần."),
        (
            {"unit_prize_0_name": "Tập thể", "unit_prize_0_count": "1", "rate_0_percent": "200"},
            "Tỷ lệ",
            "100",
        ),
        (
            {"round_0_opens_at": "2023-05-24T16:00", "round_0_closes_at": "2023-05-20T16:00"},
            "Đóng lúc",
            "giờ đóng phải sau giờ mở",
        ),
    ],
)
def test_the_form_refuses_bad_contests_naming_the_field_as_labelled_once(
    client, organizer, overrides, label, message
):
    response = client.post(reverse("contest:manage_new"), form_data(**overrides))
    page = response.content.decode()
    assert response.status_code == 200 and message in page
    summary = re.sub(r"<[^>]+>", "", page.split('class="errors"')[1].split("</div>")[0])
    assert label in summary and summary.count(message) == 1
    assert "closes_at" not in summary and "rounds[" not in summary and "tie_break" not in summary
    assert not Contest.objects.exists()


def test_a_paper_channel_with_a_random_draw_is_refused_at_once_with_the_reason(client, organizer):
    data = form_data(codes="", draw="Thể chế: 3", channels=["online", "paper"])
    page = client.post(reverse("contest:manage_new"), data).content.decode()
    assert "phiếu giấy cần một danh sách câu hỏi cố định" in page
    assert not Contest.objects.exists()
    with pytest.raises(ContestInvalid, match="phiếu giấy"):
        contest_import(
            data=contest_json(
                channels=["paper"],
                questions={"bank": "cchc", "draw": [{"topic": "Thể chế", "count": 2}]},
            )
        )


def test_saving_the_unchanged_form_of_an_open_contest_with_entries_succeeds(client, organizer):
    data = contest_json()
    data["questions"]["shuffle_questions"] = False  # as a JSON import may set it
    contest = contest_import(data=data)[0]
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
    page = client.get(url)
    form = page.context["form"]
    posted = {}
    for field in form:
        value = field.value()
        if field.field.disabled:
            continue
        if value in (None, False, ""):
            continue
        if isinstance(value, list):
            posted[field.html_name] = value
        elif value is True:
            posted[field.html_name] = "on"
        elif hasattr(value, "strftime"):
            posted[field.html_name] = field.field.widget.format_value(value)
        else:
            posted[field.html_name] = str(value)
    response = client.post(url, posted)
    assert response.status_code == 302, response.content.decode()[:3000]
    contest.refresh_from_db()
    assert contest.questions_spec["shuffle_questions"] is False


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
        channels=["online"],
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode().split('class="errors"')[-1][:800]
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


def test_an_organizer_closes_an_open_contest_from_the_pages_after_a_confirmation(client, organizer):
    contest = contest_import(data=contest_json())[0]
    ContestMembership.objects.create(contest=contest, user=organizer, role="organizer")
    now = datetime(2022, 6, 1, 9, tzinfo=VN)
    attempt = Attempt.objects.create(
        contest=contest,
        round=contest.rounds.get(),
        user=ProfileFactory().user,
        number=1,
        started_at=now,
        deadline=contest.closes_at,
    )
    with time_machine.travel(now, tick=False):
        overview = client.get(reverse("contest:manage_overview", args=[contest.slug]))
        assert "close_contest" not in overview.content.decode()
        url = reverse("contest:manage_close", args=[contest.slug])
        assert url in overview.content.decode()
        confirm = client.get(url).content.decode()
        assert "1 lượt thi đang làm sẽ được nộp tự động" in confirm
        contest.refresh_from_db()
        assert contest.closes_at > now  # looking at the confirmation closes nothing
        response = client.post(url)
    assert response.status_code == 302
    contest.refresh_from_db()
    attempt.refresh_from_db()
    assert contest.closes_at == now
    assert attempt.status != Attempt.Status.IN_PROGRESS


def test_the_contest_list_names_the_time_zone_in_words_not_its_code(client, organizer):
    contest = contest_import(data=contest_json())[0]
    ContestMembership.objects.create(contest=contest, user=organizer, role="organizer")
    body = client.get(reverse("contest:manage_list")).content.decode()
    assert contest.slug in body
    assert "Asia/Ho_Chi_Minh" not in body and "giờ Việt Nam (UTC+07:00)" in body
