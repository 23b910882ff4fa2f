"""The signed-in account, read on every request by ``User.objects.get(pk=…)`` (AccountManager)."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


def _fields(user) -> dict:
    return {f.attname: getattr(user, f.attname) for f in User._meta.concrete_fields}


def test_get_by_pk_reads_what_the_orm_reads_in_one_query(django_assert_num_queries):
    user = ProfileFactory().user
    user.is_staff, user.last_login = True, user.date_joined
    user.save()
    User.objects.get(pk=user.pk)  # compiled here, once per process
    with django_assert_num_queries(1):
        fast = User.objects.get(pk=user.pk)
    assert _fields(fast) == _fields(User.objects.filter(pk=user.pk).get())
    assert not fast._state.adding and fast._state.db == "default"
    with pytest.raises(User.DoesNotExist):
        User.objects.get(pk=user.pk + 1000)
    with pytest.raises(ValueError):
        User.objects.get(pk="abc")
    with pytest.raises(User.DoesNotExist):  # beyond any id: nothing, on both databases
        User.objects.get(pk=2**63)
    # Any other get is the ORM's, as before.
    assert User.objects.get(pk=user.pk, is_active=True) == user
    assert User.objects.db_manager("default").get(pk=user.pk) == user


def test_a_deactivated_or_changed_account_is_seen_at_the_next_request(client):
    """Only the SQL is kept: the row is read at every request."""
    user = ProfileFactory().user
    client.force_login(user)
    assert client.get(reverse("contest:home")).context["user"] == user
    User.objects.filter(pk=user.pk).update(first_name="Lan")
    assert client.get(reverse("contest:home")).context["user"].first_name == "Lan"
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert not client.get(reverse("contest:home")).context["user"].is_authenticated


def test_a_related_manager_keeps_its_filter():
    """``group.user_set`` is derived from the account manager: its ``get(pk=…)`` must still
    find only the group's members (a shortcut by id alone would find anyone)."""
    member, outsider = ProfileFactory().user, ProfileFactory().user
    group = Group.objects.create(name="Ban Tổ chức thử")
    group.user_set.add(member)
    permission = Permission.objects.first()
    member.user_permissions.add(permission)
    assert group.user_set.get(pk=member.pk) == member
    assert permission.user_set.get(pk=member.pk) == member
    with pytest.raises(User.DoesNotExist):
        group.user_set.get(pk=outsider.pk)
    with pytest.raises(User.DoesNotExist):
        permission.user_set.get(pk=outsider.pk)
