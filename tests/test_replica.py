"""The PostgreSQL streaming replica behind the public pages (config/dbrouter.py).

A real app process talks to the real primary and to the real hot standby that
``.ci/services.sh`` starts (``DATABASE_REPLICA_URL``). Which server answered a page is
proven by what it shows: replay on the replica is paused, a title is changed on the
primary, and only the primary knows the new one. The replica is stopped and started
again within a test, so the services run must own it (``CUOCTHI_SERVICES_DIR``).
"""

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from django.conf import settings

from contest.models import Attempt, Contest
from tests.factories import ProfileFactory
from tests.test_live_processes import _database_url, _free_port, _open_contest, _session_for

ROOT = Path(__file__).resolve().parent.parent
REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not REPLICA_URL
        or not os.environ.get("CUOCTHI_SERVICES_DIR")
        or "postgres" not in os.environ.get("DATABASE_URL", ""),
        reason="needs the primary and its replica from .ci/services.sh (make test-services)",
    ),
]
OLD_TITLE = "Cuộc thi tìm hiểu về công tác cải cách hành chính năm 2022"
NEW_TITLE = "Tiêu đề mới chỉ máy chính biết"


def _replica_test_url() -> str:
    """The replica's copy of the test database (streaming copies every database)."""
    replica = urlsplit(REPLICA_URL)
    return f"postgres://{replica.netloc}/{settings.DATABASES['default']['NAME']}"


def _sql(url: str, query: str):
    import psycopg

    with psycopg.connect(url, autocommit=True, connect_timeout=2) as conn:
        return conn.execute(query).fetchone()


def _caught_up() -> None:
    """Waits (at most 20 s) until the replica has replayed what the primary has written.

    The insert position, not the write position: with ``synchronous_commit=off`` (as the
    services run) a commit may still sit in the WAL buffers, past ``pg_current_wal_lsn()``.
    """
    target = _sql(_database_url(), "SELECT pg_current_wal_insert_lsn()")[0]
    for _ in range(200):
        if _sql(_replica_test_url(), f"SELECT pg_last_wal_replay_lsn() >= '{target}'")[0]:
            return
        time.sleep(0.1)
    raise AssertionError("the replica did not catch up within 20 s")


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.getuid() == 0 else command


def _replica_ctl(action: str) -> None:
    pgbin, work = (
        os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin"),
        os.environ["CUOCTHI_SERVICES_DIR"],
    )
    port = urlsplit(REPLICA_URL).port
    command = [f"{pgbin}/pg_ctl", "-D", f"{work}/replica", "-w", "-t", "60"]
    if action == "stop":
        command += ["-m", "fast", "stop"]
    else:
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {work} -c fsync=off"
        command += ["-l", f"{work}/replica.log", "-o", options, "start"]
    subprocess.run(_as_postgres(command), check=True, capture_output=True, timeout=90)


def _server(log):
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": _database_url(),
        "DATABASE_REPLICA_URL": _replica_test_url(),
        "READ_YOUR_WRITES_SECONDS": "3",
        "REPLICA_RETRY_SECONDS": "2",
        "ATTEMPT_SWEEP_SECONDS": "0",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1"]
        + ["--port", str(port), "--lifespan", "off", "--no-access-log"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    for _ in range(600):  # up to a minute: a loaded machine imports Django slowly
        try:
            httpx.get(f"http://127.0.0.1:{port}/time/", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.1)
    return process, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def app(django_db_setup, tmp_path_factory):
    """One app process for the module (starting one costs seconds on a loaded machine)."""
    log = tmp_path_factory.mktemp("replica") / "server.log"
    process, base = _server(log.open("w"))
    yield base, log
    process.terminate()
    process.wait(timeout=20)


def _signed_in_client(base: str, session: str) -> httpx.Client:
    """An HTTP client signed in with ``session``, passing the CSRF check as a page does."""
    csrf = "a" * 32
    return httpx.Client(
        base_url=base,
        timeout=20,
        headers={"X-CSRFToken": csrf, "Referer": f"{base}/"},
        cookies={"sessionid": session, "csrftoken": csrf},
    )


def _public_pages(contest) -> list[str]:
    return [
        "/",
        f"/contests/{contest.slug}/",
        f"/contests/{contest.slug}/results/",
        f"/contests/{contest.slug}/live.json",
    ]


def test_public_pages_are_read_from_the_replica(app):
    base, _ = app
    contest = _open_contest()
    _caught_up()
    _sql(_replica_test_url(), "SELECT pg_wal_replay_pause()")
    try:
        Contest.objects.filter(pk=contest.pk).update(title=NEW_TITLE)
        with httpx.Client(base_url=base, timeout=20) as visitor:
            for url in _public_pages(contest):
                assert visitor.get(url).status_code == 200, url
            # The replica lags (replay paused): it still shows the title it had.
            assert OLD_TITLE in visitor.get(f"/contests/{contest.slug}/").text
            assert NEW_TITLE not in visitor.get("/").text
            assert OLD_TITLE in visitor.get("/").text
    finally:
        _sql(_replica_test_url(), "SELECT pg_wal_replay_resume()")
    _caught_up()
    with httpx.Client(base_url=base, timeout=20) as visitor:
        assert NEW_TITLE in visitor.get(f"/contests/{contest.slug}/").text


def test_writes_go_to_the_primary_and_the_writer_reads_them_back(app):
    base, _ = app
    contest = _open_contest()
    session = _session_for(ProfileFactory().user)
    _caught_up()
    _sql(_replica_test_url(), "SELECT pg_wal_replay_pause()")
    try:
        Contest.objects.filter(pk=contest.pk).update(title=NEW_TITLE)
        resident = _signed_in_client(base, session)
        anonymous = httpx.Client(base_url=base, timeout=20)
        with resident, anonymous:
            page = f"/contests/{contest.slug}/"
            assert OLD_TITLE in resident.get(page).text  # read from the (paused) replica
            start = resident.post(f"/contests/{contest.slug}/start/")
            assert start.status_code == 302, start.text[:300]
            attempt = start.headers["location"].rstrip("/").split("/")[-1]
            for position in range(1, 6):
                saved = resident.post(
                    f"/attempts/{attempt}/answer/",
                    json={"position": position, "answer": "B", "seq": position},
                )
                assert saved.status_code == 200, saved.text[:300]
            done = resident.post(
                f"/attempts/{attempt}/submit/", data={"submit_key": "k", "prediction": "10"}
            )
            assert done.status_code == 302, done.text[:300]
            assert "cuocthi_primary" in done.headers["set-cookie"]
            assert "Max-Age=3" in done.headers["set-cookie"]

            # Read-your-writes: the resident who just wrote reads the primary...
            assert NEW_TITLE in resident.get(page).text
            assert resident.get(f"/attempts/{attempt}/receipt/").status_code == 200
            # ...while everybody else still reads the replica, and so does the resident
            # once the cookie has expired.
            assert OLD_TITLE in anonymous.get(page).text
            time.sleep(3.5)
            assert OLD_TITLE in resident.get(page).text
        # The writes are on the primary and nowhere else.
        assert Attempt.objects.get(pk=attempt).status == "submitted"
        count = f"SELECT count(*) FROM contest_attempt WHERE id = '{attempt}'"
        assert _sql(_replica_test_url(), count)[0] == 0
        assert _sql(_replica_test_url(), "SELECT pg_is_in_recovery()")[0] is True
    finally:
        _sql(_replica_test_url(), "SELECT pg_wal_replay_resume()")
    _caught_up()
    assert _sql(_replica_test_url(), count)[0] == 1


def test_pages_keep_working_with_the_replica_stopped_then_use_it_again(app):
    base, log = app
    contest = _open_contest()
    _caught_up()
    with httpx.Client(base_url=base, timeout=30) as visitor:
        for url in _public_pages(contest):
            assert visitor.get(url).status_code == 200, url
        _replica_ctl("stop")
        try:
            Contest.objects.filter(pk=contest.pk).update(title=NEW_TITLE)
            started = time.monotonic()
            for _ in range(3):
                for url in _public_pages(contest):
                    response = visitor.get(url)
                    assert response.status_code == 200, (url, response.text[:300])
                page = visitor.get(f"/contests/{contest.slug}/").text
                assert NEW_TITLE in page  # only the primary can say it
            # Twelve pages: one or two connect timeouts of 1 s, not one per page.
            assert time.monotonic() - started < 12
        finally:
            _replica_ctl("start")
        _caught_up()
        _sql(_replica_test_url(), "SELECT pg_wal_replay_pause()")
        try:
            Contest.objects.filter(pk=contest.pk).update(title=OLD_TITLE + " (sửa)")
            deadline = time.monotonic() + 30
            while NEW_TITLE not in visitor.get(f"/contests/{contest.slug}/").text:
                assert time.monotonic() < deadline, "the replica was not used again"
                time.sleep(0.5)
        finally:
            _sql(_replica_test_url(), "SELECT pg_wal_replay_resume()")
    assert "replica unavailable, reading from the primary" in log.read_text()


def test_a_password_changed_while_the_replica_lags_keeps_the_person_signed_in(app):
    """Found by review: the account was read from the replica on public pages, so once the
    primary pin expired, the old password hash there made Django flush the session: the
    resident was signed out everywhere, and stayed out after the replica caught up."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    base, _ = app
    contest = _open_contest()
    user = ProfileFactory().user
    # A hash the app process can check (the tests' own hasher is MD5, which it does not have).
    user.password = PBKDF2PasswordHasher().encode("mat-khau-9x!", "muoi-thu", iterations=1000)
    user.save(update_fields=["password"])
    session = _session_for(user)
    _caught_up()
    _sql(_replica_test_url(), "SELECT pg_wal_replay_pause()")
    try:
        resident = _signed_in_client(base, session)
        with resident:
            changed = resident.post(
                "/accounts/password/change/",
                data={
                    "oldpassword": "mat-khau-9x!",
                    "password1": "mat-khau-moi-7y?",
                    "password2": "mat-khau-moi-7y?",
                },
            )
            assert changed.status_code == 302, changed.text[:300]
            time.sleep(3.5)  # the pin to the primary (READ_YOUR_WRITES_SECONDS=3) expires
            for url in _public_pages(contest):  # read from the replica, which still lags
                assert resident.get(url).status_code == 200, url
            assert resident.get("/accounts/profile/").status_code == 200  # still signed in
    finally:
        _sql(_replica_test_url(), "SELECT pg_wal_replay_resume()")
    _caught_up()
