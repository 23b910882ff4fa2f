"""Banks belong to their owners: another organizer neither reads nor changes them."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.roles import ORGANIZERS_GROUP
from questions.models import Question
from tests.factories import UserFactory, make_bank_with_topics

pytestmark = pytest.mark.django_db


def organizer_account(**kwargs):
    user = UserFactory(is_staff=True, **kwargs)
    user.groups.add(Group.objects.get_or_create(name=ORGANIZERS_GROUP)[0])
    return user


@pytest.fixture
def banks():
    """Bank ``cchc`` of its owner; another organizer owning bank ``khac``."""
    mine = make_bank_with_topics(slug="cchc", topics=(("Thể chế", 2),))
    owner = organizer_account()
    mine.owners.add(owner)
    other = organizer_account()
    make_bank_with_topics(slug="khac", topics=(("Khác", 1),)).owners.add(other)
    return mine, owner, other


BANK_URLS = [
    ("get", "questions:question_list", ["cchc"]),
    ("get", "questions:question_new", ["cchc"]),
    ("get", "questions:bank_import", ["cchc"]),
    ("get", "questions:bank_export", ["cchc", "csv"]),
    ("get", "questions:question_edit", ["cchc", "Q-001"]),
    ("get", "questions:question_history", ["cchc", "Q-001"]),
    ("post", "questions:question_archive", ["cchc", "Q-001"]),
    ("post", "questions:question_edit", ["cchc", "Q-001"]),
    ("post", "questions:bank_owners", ["cchc"]),
]


@pytest.mark.parametrize(("method", "name", "args"), BANK_URLS)
def test_another_organizer_gets_a_404_on_every_bank_address(client, banks, method, name, args):
    _bank, _owner, other = banks
    client.force_login(other)
    response = getattr(client, method)(reverse(name, args=args), {"to": other.phone})
    assert response.status_code == 404
    question = Question.objects.get(bank__slug="cchc", code="Q-001")
    assert not question.archived and question.current_version.number == 1


def test_the_owner_reads_and_exports_their_bank_with_the_key(client, banks):
    _bank, owner, _other = banks
    client.force_login(owner)
    response = client.get(reverse("questions:bank_export", args=["cchc", "csv"]))
    assert response.status_code == 200 and "correct" in response.content.decode("utf-8-sig")


def test_the_bank_list_shows_only_ones_own_banks_and_all_to_a_site_admin(client, banks):
    _bank, owner, other = banks
    client.force_login(other)
    page = client.get(reverse("questions:bank_list")).content.decode()
    assert "/questions/khac/" in page and "/questions/cchc/" not in page
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    page = client.get(reverse("questions:bank_list")).content.decode()
    assert "/questions/khac/" in page and "/questions/cchc/" in page


def test_creating_a_bank_makes_its_creator_the_owner(client):
    creator = organizer_account()
    client.force_login(creator)
    client.post(reverse("questions:bank_list"), {"slug": "moi", "title": "Mới", "owner_name": ""})
    assert list(creator.banks.values_list("slug", flat=True)) == ["moi"]
    client.force_login(organizer_account())
    assert client.get(reverse("questions:question_list", args=["moi"])).status_code == 404


def test_an_owner_gives_the_bank_to_another_organizer(client, banks):
    bank, owner, other = banks
    client.force_login(owner)
    response = client.post(reverse("questions:bank_owners", args=["cchc"]), {"to": other.phone})
    assert response.status_code == 302
    assert set(bank.owners.all()) == {owner, other}
    client.force_login(other)
    assert client.get(reverse("questions:question_list", args=["cchc"])).status_code == 200


def test_a_bank_is_given_only_to_an_organizer(client, banks):
    bank, owner, _other = banks
    resident = UserFactory()
    client.force_login(owner)
    response = client.post(
        reverse("questions:bank_owners", args=["cchc"]), {"to": resident.phone}, follow=True
    )
    assert "Chưa chia sẻ ngân hàng" in response.content.decode()
    assert list(bank.owners.all()) == [owner]
