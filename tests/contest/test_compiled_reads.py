"""Reads with SQL compiled once (core.compiled): the same rows as the ORM, read afresh each time."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from contest.models import Contest, Round
from contest.online.checks import contest_with_rounds
from core.compiled import rows_by

pytestmark = pytest.mark.django_db


def _fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


@pytest.fixture
def two_rounds(contest):
    first = contest.rounds.get()
    Round.objects.create(
        contest=contest,
        number=2,
        title="Vòng 2",
        opens_at=first.closes_at,
        closes_at=first.closes_at + timedelta(days=3),
        questions_spec={"bank": "cchc", "codes": ["Q1"]},
        prizes=[{"name": "Giải Nhất", "count": 1}],
    )
    return contest


def test_rows_by_reads_what_the_orm_reads_with_every_value_converted(two_rounds):
    contest = two_rounds
    [read] = rows_by(Contest, "slug", contest.slug)
    assert _fields(read) == _fields(Contest.objects.get(pk=contest.pk))
    assert not read._state.adding and read._state.db == "default"
    rounds = rows_by(Round, "contest", contest.pk)
    assert [_fields(r) for r in rounds] == [_fields(r) for r in contest.rounds.all()]
    # JSON fields come back as Python values, dates as aware datetimes, on both databases.
    assert rounds[1].questions_spec == {"bank": "cchc", "codes": ["Q1"]}
    assert rounds[1].prizes == [{"name": "Giải Nhất", "count": 1}]
    assert timezone.is_aware(rounds[1].opens_at) and rounds[1].opens_at == rounds[0].closes_at
    assert rows_by(Contest, "slug", "khong-co") == []
    assert rows_by(Round, "contest", 10**30) == [] and rows_by(Round, "contest", -(10**30)) == []


def test_rows_by_compiles_once_and_reads_afresh_each_time(two_rounds, django_assert_num_queries):
    """Only the SQL is kept: an organizer who closes a round early or adds one is seen by
    the next read."""
    contest = two_rounds
    rows_by(Round, "contest", contest.pk)
    with django_assert_num_queries(1):
        rows_by(Round, "contest", contest.pk)
    early = timezone.now() - timedelta(minutes=1)
    Round.objects.filter(contest=contest, number=1).update(closes_at=early)
    Round.objects.filter(contest=contest, number=2).delete()
    [only] = rows_by(Round, "contest", contest.pk)
    assert only.number == 1 and only.closes_at == early


def test_rows_by_refuses_a_field_it_cannot_read_by(contest):
    with pytest.raises(TypeError):
        rows_by(Contest, "opens_at", contest.opens_at)


def test_contest_with_rounds_asks_nothing_more_for_its_rounds(
    two_rounds, django_assert_num_queries
):
    with django_assert_num_queries(2):
        contest = contest_with_rounds(two_rounds.slug)
    with django_assert_num_queries(0):
        rounds = list(contest.rounds.all())
        assert [r.number for r in rounds] == [1, 2]
        assert all(r.contest is contest for r in rounds)
    assert _fields(contest) == _fields(two_rounds)
    assert contest_with_rounds("khong-co") is None


def test_starting_an_unknown_contest_is_a_404(client, resident):
    response = client.post(reverse("contest:start", args=["khong-co"]))
    assert response.status_code == 404
