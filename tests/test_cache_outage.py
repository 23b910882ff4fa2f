"""Redis down (issue 14, item 2): nobody is locked out, and the limits do not vanish.

Runs on the embedded default with the Redis cache pointed at a port where
nothing listens; tests/test_uptime_burst.py stops a real Redis under load.
"""

import json
import logging
import socket
import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from config import cache as resilient
from contest.definition import contest_import
from tests.factories import ProfileFactory, UserFactory, contest_json, make_bank_with_topics

pytestmark = pytest.mark.django_db


def _dead_redis() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"redis://127.0.0.1:{s.getsockname()[1]}/0"  # closed again: nothing listens


@pytest.fixture
def redis_down(settings):
    location = _dead_redis()
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": location,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
            "KEY_PREFIX": "outage",
        }
    }
    yield location
    resilient._outage.pop(location, None)


def test_the_cache_falls_back_to_this_process_and_says_so_loudly(redis_down, caplog):
    from django.core.cache import cache

    with caplog.at_level(logging.ERROR, logger="cuocthi.cache"):
        started = time.monotonic()
        assert cache.add("lock", 1, timeout=10) is True  # acquired, not "rate limited"
        assert cache.add("lock", 1, timeout=10) is False  # held: the lock still locks
        cache.set("n", 1)
        assert cache.incr("n") == 2 and cache.get("n") == 2
        for _ in range(50):
            cache.get("n")
        assert time.monotonic() - started < 2  # no wait on the dead socket for every call
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "cache unavailable" in errors[0].getMessage()


def test_sign_in_and_sign_up_work_while_redis_is_down(client, redis_down):
    UserFactory(phone="0987654321")
    response = client.post(
        reverse("account_login"), {"login": "0987654321", "password": "mat-khau-9x!"}
    )
    assert response.status_code == 302 and "_auth_user_id" in client.session
    client.logout()
    from tests.accounts.test_signup_login import signup_data

    response = client.post(reverse("account_signup"), signup_data(phone="0912 000 111"))
    assert response.status_code == 302


def test_failed_sign_ins_are_still_limited_per_process_while_redis_is_down(client, redis_down):
    UserFactory(phone="0987654321")
    for _ in range(6):
        client.post(reverse("account_login"), {"login": "0987654321", "password": "sai"})
    response = client.post(
        reverse("account_login"), {"login": "0987654321", "password": "mat-khau-9x!"}
    )
    assert "_auth_user_id" not in client.session  # the 5 failures a key limit still held
    assert response.status_code in (200, 429)


def test_autosave_and_submit_work_and_stay_limited_while_redis_is_down(client, redis_down):
    make_bank_with_topics()
    now = timezone.localtime(timezone.now())
    contest = contest_import(
        data=contest_json(
            opens_at=(now - timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
            closes_at=(now + timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
        )
    )[0]
    client.force_login(ProfileFactory().user)
    start = client.post(reverse("contest:start", args=[contest.slug]))
    attempt = start["Location"].rstrip("/").split("/")[-1]
    url = reverse("contest:answer", args=[attempt])

    def save(n):
        body = json.dumps({"position": 1 + n % 5, "answer": "A", "seq": n + 1})
        return client.post(url, data=body, content_type="application/json").status_code

    statuses = [save(n) for n in range(245)]
    assert statuses[:240] == [200] * 240 and 429 in statuses[240:]  # per-process limit holds
    done = client.post(
        reverse("contest:submit", args=[attempt]), {"submit_key": "k", "prediction": "5"}
    )
    assert done.status_code == 302 and done["Location"].endswith("/receipt/")
