import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from contest.definition import ContestInvalid, contest_import
from contest.models import Contest, Round
from tests.factories import contest_json, make_bank_with_topics

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture(autouse=True)
def bank():
    return make_bank_with_topics()


def test_the_contract_example_creates_a_one_round_contest_in_local_time():
    contest, created = contest_import(data=contest_json())
    assert created
    assert contest.opens_at == datetime(2022, 5, 24, 16, tzinfo=VN)
    assert contest.closes_at == datetime(2022, 6, 9, 16, tzinfo=VN)
    assert contest.paper_postmark_deadline.isoformat() == "2022-06-09"
    assert contest.prediction_target == "participants" and contest.max_attempts == 3
    rounds = list(contest.rounds.all())
    assert len(rounds) == 1 and rounds[0].opens_at == contest.opens_at


@pytest.mark.parametrize(
    "opens",
    [
        "2022-05-24 16:00",
        "24/05/2022 16:00",
        "24/05/2022 16:00:00",
        "2022-05-24T09:00Z",
        "2022-05-24T16:00+07:00",
    ],
)
def test_every_accepted_date_time_spelling_means_the_same_moment(opens):
    contest, _ = contest_import(data=contest_json(opens_at=opens))
    assert contest.opens_at == datetime(2022, 5, 24, 16, tzinfo=VN)


def test_rerunning_the_same_file_updates_instead_of_duplicating(tmp_path):
    path = tmp_path / "contest.json"
    path.write_text(json.dumps(contest_json()), encoding="utf-8")
    call_command("import_contest", str(path))
    call_command("import_contest", str(path))
    assert Contest.objects.count() == 1 and Round.objects.count() == 1


def test_rounds_get_their_own_windows():
    contest, _ = contest_import(
        data=contest_json(
            rounds=[
                {
                    "title": "Tuần 1",
                    "opens_at": "2022-05-24 16:00",
                    "closes_at": "2022-05-31 16:00",
                    "prizes": [{"name": "Giải tuần", "count": 3}],
                },
                {
                    "title": "Tuần 2",
                    "opens_at": "2022-05-31 16:00",
                    "closes_at": "2022-06-09 16:00",
                },
            ]
        )
    )
    first, second = contest.rounds.all()
    assert first.closes_at == second.opens_at == datetime(2022, 5, 31, 16, tzinfo=VN)
    assert first.prizes == [{"name": "Giải tuần", "count": 3}]


BAD = [
    ({"slug": "CCHC 2022"}, "slug:"),
    ({"closes_at": "2022-05-01T16:00"}, "closes_at: giờ đóng phải sau giờ mở"),
    ({"opens_at": "32/05/2022 16:00"}, "opens_at:"),
    ({"timezone": "Asia/Hanoi-ish"}, "timezone:"),
    ({"channels": ["fax"]}, "channels:"),
    ({"max_attempts": 0}, "max_attempts:"),
    ({"counted_attempt": "average"}, "counted_attempt:"),
    ({"tie_break": ["score", "height"]}, "tie_break:"),
    ({"prediction": {"question": "?", "target": "votes"}}, "prediction.target:"),
    ({"questions": {"bank": "khong-co", "codes": ["Q-001"]}}, "questions.bank:"),
    (
        {"questions": {"bank": "cchc", "codes": ["Q-001", "Q-999"]}},
        "questions.codes: không có câu hỏi “Q-999”",
    ),
    (
        {"questions": {"bank": "cchc", "draw": [{"topic": "Thể chế", "count": 9}]}},
        "chỉ có 6 câu, cần 9",
    ),
    ({"prizes": [{"name": "Nhất"}]}, "prizes[0]:"),
    ({"paper_postmark_deadline": "9/6/22"}, "paper_postmark_deadline:"),
    (
        {"rounds": [{"opens_at": "2022-05-20 16:00", "closes_at": "2022-05-30 16:00"}]},
        "rounds[0].opens_at:",
    ),
]


@pytest.mark.parametrize(("change", "message"), BAD, ids=[m for _c, m in BAD])
def test_a_bad_contest_file_is_refused_whole_with_the_field_named(
    change, message, tmp_path, capsys
):
    with pytest.raises(ContestInvalid) as error:
        contest_import(data=contest_json(**change))
    assert any(line.startswith(message) or message in line for line in error.value.errors), (
        error.value.errors
    )
    assert not Contest.objects.exists()
    path = tmp_path / "c.json"
    path.write_text(json.dumps(contest_json(**change)), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_contest", str(path))
    assert message.split(":")[0] in capsys.readouterr().err


def test_a_file_that_is_not_json_is_refused(tmp_path):
    path = tmp_path / "c.json"
    path.write_text("{ not json", encoding="utf-8")
    with pytest.raises(CommandError, match="JSON"):
        call_command("import_contest", str(path))


def test_scoring_rules_cannot_change_once_entries_exist_but_the_window_can(django_user_model):
    from contest.models import Attempt

    contest, _ = contest_import(data=contest_json())
    user = django_user_model.objects.create(username="x", phone="0911111111")
    Attempt.objects.create(
        contest=contest,
        round=contest.rounds.get(),
        user=user,
        number=1,
        started_at=contest.opens_at,
        deadline=contest.closes_at,
    )
    with pytest.raises(ContestInvalid) as error:
        contest_import(data=contest_json(max_attempts=5, tie_break=["score", "lot"]))
    assert any(e.startswith("max_attempts: không sửa được") for e in error.value.errors)
    assert any(e.startswith("tie_break: không sửa được") for e in error.value.errors)
    contest_import(data=contest_json(closes_at="2022-06-10T16:00"))
    contest.refresh_from_db()
    assert contest.closes_at == datetime(2022, 6, 10, 16, tzinfo=VN) and contest.max_attempts == 3
