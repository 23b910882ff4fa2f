"""The replica router's rules, in one process (config/dbrouter.py).

The real replica is exercised in tests/test_replica.py (make test-services); here the
decisions themselves: which alias a read or write gets, which requests may read the
replica, the read-your-writes cookie, and the retry on the primary when the replica
fails in the middle of a page.
"""

import time

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import OperationalError, ProgrammingError, transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import resolve

from accounts.models import Profile
from config import dbrouter
from contest.models import Contest

router = dbrouter.ReplicaRouter()


def _request(method: str, path: str, **cookies):
    request = getattr(RequestFactory(), method.lower())(path)
    request.COOKIES.update(cookies)
    request.resolver_match = resolve(path)
    return request


@pytest.fixture
def replica_reads():
    token = dbrouter._reading_replica.set(True)
    yield
    dbrouter._reading_replica.reset(token)


def test_reads_go_to_the_primary_outside_a_public_page():
    assert router.db_for_read(Contest) == "default"


def test_reads_of_a_public_page_go_to_the_replica_and_its_writes_to_the_primary(replica_reads):
    assert router.db_for_read(Contest) == "replica"
    assert router.db_for_write(Contest) == "default"


def test_the_account_and_the_session_are_read_from_the_primary_even_on_a_public_page(
    replica_reads,
):
    """A lagging copy of either would sign the person out (tests/test_replica.py shows it)."""
    assert router.db_for_read(get_user_model()) == "default"
    assert router.db_for_read(Session) == "default"
    assert router.db_for_read(Profile) == "replica"


@pytest.mark.django_db
def test_reads_inside_a_transaction_stay_on_the_primary(replica_reads):
    with transaction.atomic():
        assert router.db_for_read(Contest) == "default"


def test_the_replica_is_never_migrated():
    assert router.allow_migrate("default", "contest")
    assert not router.allow_migrate("replica", "contest")


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/contests/cchc/",
        "/contests/cchc/results/",
        "/contests/cchc/live.json",
        "/contests/cchc/paper/form/",
    ],
)
def test_public_pages_may_read_the_replica(path):
    assert dbrouter._wants_replica(_request("GET", path))


@pytest.mark.parametrize(
    ("method", "path", "cookies"),
    [
        ("POST", "/contests/cchc/start/", {}),
        ("GET", "/me/entries/", {}),
        ("GET", "/manage/cchc/results/", {}),
        ("GET", "/contests/cchc/my-result/", {}),
        ("POST", "/contests/cchc/", {}),
        # A browser that wrote a moment ago reads its own writes from the primary.
        ("GET", "/contests/cchc/", {dbrouter.PRIMARY_COOKIE: "1"}),
    ],
)
def test_other_requests_read_the_primary(method, path, cookies):
    assert not dbrouter._wants_replica(_request(method, path, **cookies))


def test_a_write_pins_the_browser_to_the_primary_for_a_few_seconds(settings):
    settings.READ_YOUR_WRITES_SECONDS = 7
    middleware = dbrouter.ReplicaMiddleware(lambda request: HttpResponse("ok"))
    written = middleware(_request("POST", "/contests/cchc/start/"))
    assert written.cookies[dbrouter.PRIMARY_COOKIE]["max-age"] == 7
    assert written.cookies[dbrouter.PRIMARY_COOKIE]["httponly"]
    read = middleware(_request("GET", "/contests/cchc/"))
    assert dbrouter.PRIMARY_COOKIE not in read.cookies


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("replica gone"),
        # A replica still behind a migration the primary already ran.
        ProgrammingError('relation "contest_contest" does not exist'),
    ],
)
def test_a_replica_failing_mid_page_serves_the_page_again_from_the_primary(
    settings, replica_reads, error
):
    settings.REPLICA_RETRY_SECONDS = 30
    request = _request("GET", "/contests/cchc/")
    seen = []
    request.resolver_match.func = lambda request, **kwargs: HttpResponse(
        str(seen.append(router.db_for_read(Contest)))
    )
    middleware = dbrouter.ReplicaMiddleware(lambda request: HttpResponse())
    try:
        response = middleware.process_exception(request, error)
        assert response.status_code == 200 and seen == ["default"]
        assert dbrouter._replica_down_until > time.monotonic() + 20
    finally:
        dbrouter._replica_down_until = 0.0


def test_other_errors_are_not_retried(replica_reads):
    middleware = dbrouter.ReplicaMiddleware(lambda request: HttpResponse())
    assert middleware.process_exception(_request("GET", "/"), ValueError("bug")) is None
