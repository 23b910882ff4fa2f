"""The signed-in account, read on every request by ``User.objects.get(pk=…)`` (AccountManager)."""

import pytest
from django.contrib.auth import get_user_model
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
