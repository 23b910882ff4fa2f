"""Two real ASGI processes on PostgreSQL and Redis (the services run of CI).

An entry submitted through one process reaches a websocket client of the
other; a process whose Redis is unreachable still saves answers and takes
submissions.
"""

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from contest.definition import contest_import
from tests.asyncutil import threaded
from tests.factories import ProfileFactory, contest_json, make_bank_with_topics

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL") or "postgres" not in os.environ.get("DATABASE_URL", ""),
        reason="needs the real PostgreSQL and Redis (make test-services)",
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    db = settings.DATABASES["default"]
    return (
        f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )


def _server(redis_url: str, log):
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_url,
        "LIVE_REFRESH_SECONDS": "600",  # only the channel layer may carry the update
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.pop("DATABASE_REPLICA_URL", None)  # names the services' database, not the test one
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "config.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--lifespan",
            "off",
            "--no-access-log",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    for _ in range(600):  # up to a minute: a loaded machine imports Django slowly
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    return process, f"127.0.0.1:{port}"


def _open_contest():
    make_bank_with_topics()
    now = timezone.localtime(timezone.now())
    return contest_import(
        data=contest_json(
            opens_at=(now - timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
            closes_at=(now + timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
        )
    )[0]


def _session_for(user) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def _take_part(host: str, contest, session: str) -> None:
    """Start, answer every question, submit: through HTTP, as a phone would."""
    import httpx

    csrf = "a" * 32
    headers = {
        "Cookie": f"sessionid={session}; csrftoken={csrf}",
        "X-CSRFToken": csrf,
        "Referer": f"http://{host}/",
    }
    with httpx.Client(base_url=f"http://{host}", headers=headers, timeout=20) as client:
        start = client.post(f"/contests/{contest.slug}/start/")
        assert start.status_code == 302, start.text[:300]
        attempt = start.headers["location"].rstrip("/").split("/")[-1]
        for position in range(1, 6):
            saved = client.post(
                f"/attempts/{attempt}/answer/",
                json={"position": position, "answer": "B", "seq": position},
            )
            assert saved.status_code == 200, saved.text[:300]
        done = client.post(
            f"/attempts/{attempt}/submit/", data={"submit_key": "once", "prediction": "10"}
        )
        assert done.status_code == 302 and done.headers["location"].endswith("/receipt/")


def test_an_entry_in_one_process_reaches_a_client_of_the_other(tmp_path):
    import websockets

    contest = _open_contest()
    session = _session_for(ProfileFactory().user)  # here: the helper thread stays off the ORM
    first, host_a = _server(os.environ["REDIS_URL"], (tmp_path / "a.log").open("w"))
    second, host_b = _server(os.environ["REDIS_URL"], (tmp_path / "b.log").open("w"))
    try:

        async def scenario():
            async with websockets.connect(
                f"ws://{host_b}/ws/contests/{contest.slug}/live/", origin=f"http://{host_b}"
            ) as ws:
                snapshot = json.loads(await asyncio.wait_for(ws.recv(), 10))
                assert snapshot["entries"] == 0
                await asyncio.to_thread(_take_part, host_a, contest, session)
                update = json.loads(await asyncio.wait_for(ws.recv(), 5))
                assert update["type"] == "stats" and update["entries"] == 1
                assert update["participants"] == 1

        threaded(scenario)()
    finally:
        for process in (first, second):
            process.terminate()
            process.wait(timeout=10)


def test_without_redis_answers_and_submissions_still_go_through(tmp_path):
    contest = _open_contest()
    user = ProfileFactory().user
    dead = f"redis://127.0.0.1:{_free_port()}/0"  # nothing listens there
    log = tmp_path / "server.log"
    server, host = _server(dead, log.open("w"))
    try:
        _take_part(host, contest, _session_for(user))
    finally:
        server.terminate()
        server.wait(timeout=10)
    from contest.models import Attempt

    attempt = Attempt.objects.get(user=user)
    assert attempt.status == "submitted" and attempt.items.exclude(answer="").count() == 5
    # The server noticed, said so, and carried on. (The submit's live mark is a cache write
    # that fell back to the process's memory: it never touched the dead channel layer.)
    text = log.read_text()
    assert "cache unavailable" in text and "live update to contest." not in text
