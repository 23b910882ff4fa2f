"""One rule for "the contest has entries" and one list of the fields it locks, read by the
organizer's form and by the contest import alike."""

import pytest
from django.urls import reverse

from contest.definition import SCORING_FIELDS, UPDATE, ContestInvalid, contest_import
from contest.forms import locked_form_fields
from contest.models import ContestMembership
from tests.contest.test_ranking import ALL_RIGHT, CODES, make_contest, paper
from tests.factories import UserFactory, contest_json

pytestmark = pytest.mark.django_db


def disabled_fields(client, contest) -> set[str]:
    organizer = UserFactory()
    ContestMembership.objects.create(contest=contest, user=organizer, role="organizer")
    client.force_login(organizer)
    form = client.get(reverse("contest:manage_edit", args=[contest.slug])).context["form"]
    return {name for name, field in form.fields.items() if field.disabled}


def test_without_entries_nothing_but_the_address_is_locked(client):
    contest = make_contest()
    assert not contest.has_entries()
    assert disabled_fields(client, contest) == {"slug"}


def test_a_paper_sheet_alone_locks_the_same_fields_in_the_form_and_in_the_import(client):
    contest = make_contest()
    paper(contest, f"P-1,An,0905000001,,{ALL_RIGHT},3,2022-06-01,,")
    assert contest.has_entries()
    # the form disables every field that feeds a locked contest field, and only those
    assert disabled_fields(client, contest) == {"slug", *locked_form_fields()}
    assert {"bank", "draw", "codes", "tie_break_0", "max_attempts"} <= set(locked_form_fields())
    # the import refuses a change to any of the locked fields
    data = contest_json(
        slug=contest.slug,
        questions={"bank": "cchc", "codes": CODES[:4]},  # one question fewer
        max_attempts=contest.max_attempts + 1,
        lot_seed="khác",
    )
    with pytest.raises(ContestInvalid) as refused:
        contest_import(data=data, mode=UPDATE)
    fields = {error.split(":")[0] for error in refused.value.errors}
    assert fields == {"questions_spec", "max_attempts", "lot_seed"} <= set(SCORING_FIELDS)
