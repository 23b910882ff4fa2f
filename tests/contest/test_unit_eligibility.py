"""Who may take part by unit: the units a contest names and the units directly under them, the
same on every path (starting online, importing sheets, keying a sheet)."""

import pytest
from django.urls import reverse

from accounts.models import Unit
from contest.models import ContestMembership, PaperEntry
from contest.online.checks import AttemptRefused
from contest.paper.importing import paper_import
from tests.contest.test_attempts import start
from tests.contest.test_ranking import ALL_RIGHT, make_contest
from tests.factories import ProfileFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def units():
    district = UnitFactory(code="dak-po", name="Huyện Đak Pơ", kind=Unit.Kind.DISTRICT)
    commune = UnitFactory(code="an-thanh", name="Xã An Thành", parent=district)
    elsewhere = UnitFactory(code="xa-khac", name="Xã Khác")
    return district, commune, elsewhere


@pytest.fixture
def contest(units):
    contest = make_contest()
    contest.eligible_units.add(units[0])  # the district only
    return contest


def test_the_contest_admits_a_named_unit_and_its_child_units_and_no_other(contest, units):
    district, commune, elsewhere = units
    assert contest.admits_unit(district.pk) and contest.admits_unit(commune.pk)
    assert not contest.admits_unit(elsewhere.pk) and not contest.admits_unit(None)
    among = contest.eligible_units_among(Unit.objects.all())
    assert set(among) == {district, commune}


def test_a_resident_of_a_child_unit_may_start_online(contest, units):
    _district, commune, elsewhere = units
    assert start(contest, ProfileFactory(unit=commune).user)
    with pytest.raises(AttemptRefused) as refused:
        start(contest, ProfileFactory(unit=elsewhere).user)
    assert refused.value.code == "not_eligible"


def test_a_sheet_from_a_child_unit_is_imported(contest):
    data = (
        "sheet_no,full_name,phone,unit,answers,prediction,postmark_date\n"
        f"P-1,Lan,0905000001,an-thanh,{ALL_RIGHT},3,2022-06-01\n"
        f"P-2,Bình,0905000002,xa-khac,{ALL_RIGHT},3,2022-06-01\n"
    ).encode()
    report = paper_import(contest=contest, data=data, kind="csv")
    assert report.errors == ["row 3: unit: không có đơn vị “xa-khac” trong danh sách của cuộc thi"]
    # a file with a refused row writes nothing; without it the child unit's sheet goes in
    assert not PaperEntry.objects.exists()
    data = b"\n".join(data.splitlines()[:2]) + b"\n"
    assert paper_import(contest=contest, data=data, kind="csv").errors == []
    assert PaperEntry.objects.get().unit.code == "an-thanh"


def test_the_keying_page_offers_the_child_units_of_a_named_unit(client, contest):
    clerk = UserFactory()
    ContestMembership.objects.create(contest=contest, user=clerk, role="clerk")
    client.force_login(clerk)
    page = client.get(reverse("contest:paper_key", args=[contest.slug]))
    offered = {u.code for u in page.context["units"]}
    assert offered == {"dak-po", "an-thanh"}
    assert 'value="an-thanh"' in page.content.decode()
