"""Session cookies that are not a session key (accounts/sessions.py)."""

import warnings

import pytest
from django.core.cache import CacheKeyWarning
from django.urls import reverse

from accounts.sessions import SessionStore
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "forged",
    ["a b c d e f g h", '"' + "x" * 40 + '"', "z" * 4000, "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"],
)
def test_a_forged_cookie_is_no_session_and_writes_no_warning(client, forged):
    client.cookies["sessionid"] = forged
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        response = client.get(reverse("contest:home"))
    assert response.status_code == 200 and not response.context["user"].is_authenticated
    assert not [w for w in seen if issubclass(w.category, CacheKeyWarning)]
    assert SessionStore(forged).session_key is None


def test_a_real_session_still_signs_in(client):
    user = ProfileFactory().user
    client.force_login(user)
    key = client.cookies["sessionid"].value
    assert SessionStore(key).session_key == key and len(key) == 32
    assert client.get(reverse("contest:home")).context["user"] == user
