import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from accounts.roles import CLERKS_GROUP, ORGANIZERS_GROUP
from contest.models import ContestMembership
from contest.permissions import (
    user_can_view_personal_data,
    user_is_clerk,
    user_is_organizer,
    user_sees_key,
)
from tests.factories import ContestFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_an_organizer_sees_personal_data_of_their_contest_only():
    mine, other = ContestFactory(), ContestFactory()
    organizer = MembershipFactory(contest=mine).user
    assert user_can_view_personal_data(user=organizer, contest=mine)
    assert not user_can_view_personal_data(user=organizer, contest=other)
    assert user_is_organizer(user=organizer, contest=mine)
    assert not user_is_organizer(user=organizer, contest=other)


def test_a_clerk_keys_sheets_but_does_not_see_personal_data():
    contest = ContestFactory()
    clerk = MembershipFactory(contest=contest, role=ContestMembership.Role.CLERK).user
    assert user_is_clerk(user=clerk, contest=contest)
    assert not user_can_view_personal_data(user=clerk, contest=contest)
    assert not user_is_clerk(user=clerk, contest=ContestFactory())


def test_a_participant_has_no_contest_role_and_a_site_admin_has_all():
    contest = ContestFactory()
    resident = UserFactory()
    admin = UserFactory(is_superuser=True, is_staff=True)
    assert not user_is_clerk(user=resident, contest=contest)
    assert user_can_view_personal_data(user=admin, contest=contest)


def test_a_deactivated_organizer_loses_access():
    membership = MembershipFactory()
    membership.user.is_active = False
    membership.user.save()
    assert not user_is_organizer(user=membership.user, contest=membership.contest)


def test_organizers_and_clerks_of_a_contest_may_not_enter_it():
    contest = ContestFactory()
    organizer = MembershipFactory(contest=contest).user
    clerk = MembershipFactory(contest=contest, role=ContestMembership.Role.CLERK).user
    assert user_sees_key(user=organizer, contest=contest)
    assert user_sees_key(user=clerk, contest=contest)
    assert not user_sees_key(user=UserFactory(), contest=contest)
    assert not user_sees_key(user=organizer, contest=ContestFactory())


def test_createorganizer_bootstraps_an_organizer_of_a_contest():
    contest = ContestFactory(slug="cchc-2022")
    call_command(
        "createorganizer",
        "0905 111 222",
        "--password",
        "Bí-mật-2022",
        "--name",
        "Phạm Văn Đức",
        "--contest",
        "cchc-2022",
    )
    user = User.objects.get(phone="0905111222")
    assert user.check_password("Bí-mật-2022") and user.is_staff
    assert user.groups.filter(name=ORGANIZERS_GROUP).exists()
    assert user_is_organizer(user=user, contest=contest)
    # Running it again changes nothing but the password.
    call_command(
        "createorganizer", "0905111222", "--password", "Mới-2023!", "--contest", "cchc-2022"
    )
    assert User.objects.filter(phone="0905111222").count() == 1
    assert ContestMembership.objects.filter(user=user).count() == 1


def test_createorganizer_makes_clerks_too():
    contest = ContestFactory(slug="cchc")
    call_command(
        "createorganizer", "0905111333", "--password", "x-Y-z-123", "--clerk", "--contest", "cchc"
    )
    user = User.objects.get(phone="0905111333")
    assert user.groups.filter(name=CLERKS_GROUP).exists() and not user.is_staff
    assert user_is_clerk(user=user, contest=contest)
    assert not user_is_organizer(user=user, contest=contest)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["123", "--password", "x"], "phone"),
        (["0905111444", "--password", "x", "--contest", "khong-co"], "khong-co"),
    ],
)
def test_createorganizer_rejects_bad_input_and_writes_nothing(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("createorganizer", *args)
    assert not User.objects.exists()
