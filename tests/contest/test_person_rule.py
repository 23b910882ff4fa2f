"""Who a person is: one rule (accounts.identity) for participation, ranking and the sheet."""

import pytest

from accounts.identity import person_key
from contest.models import PaperEntry, ResultRow
from contest.online.attempts import attempt_start
from contest.online.finishing import attempt_submit
from contest.results.ranking import contest_rank
from contest.selectors import participation
from tests.contest.test_ranking import ALL_RIGHT, VN, make_contest, paper
from tests.factories import ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def _online_without_phone(contest, id_number: str):
    from datetime import datetime, timedelta

    user = ProfileFactory(
        user=UserFactory(phone=None, email="an@example.vn"), id_number=id_number
    ).user
    start = datetime(2022, 6, 1, 8, tzinfo=VN)
    attempt = attempt_start(contest=contest, user=user, now=start)[0]
    return attempt_submit(
        attempt=attempt, user=user, submit_key="k", prediction=3, now=start + timedelta(minutes=2)
    )


def test_an_account_without_phone_and_a_sheet_with_its_citizen_id_are_one_participant():
    contest = make_contest()
    _online_without_phone(contest, "079185000123")
    paper(contest, f"P-1,Lê Thị Dung,,079185000123,{ALL_RIGHT},2,2022-06-01,,")

    counts = participation(contest=contest, fresh=True)

    assert counts == {"participants": 1, "entries": 2}


def test_the_ranking_sql_and_the_sheet_name_the_same_person():
    contest = make_contest()
    paper(
        contest,
        f"P-1,Trần Văn Cư,0905000003,079185000124,{ALL_RIGHT},6,2022-06-01,,",
        f"P-2,Lê Thị Dung,,079185000123,{ALL_RIGHT},2,2022-06-01,,",
    )
    contest_rank(contest)

    for entry in PaperEntry.objects.filter(contest=contest):
        ranked = ResultRow.objects.get(paper=entry)
        assert ranked.person == entry.person == person_key(entry.phone, entry.id_number)
    assert {e.person for e in PaperEntry.objects.filter(contest=contest)} == {
        "0905000003",
        "079185000123",
    }
