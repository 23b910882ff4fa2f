"""Plain HTTP through the site's ASGI application (config/http.py): one thread per request.

The request runs in one thread of the pool, from the request-started signal to the
request-finished one (so the database connection it took goes back to its pool there);
bodies reach the view; a streamed file arrives whole.
"""

import asyncio
import threading
from pathlib import Path

import pytest
from django.core import signals

from config.asgi import application
from tests.asyncutil import threaded

CSS = Path(__file__).resolve().parent.parent / "static" / "css" / "site.css"


@pytest.fixture(autouse=True)
def _no_database(settings):
    """These pages need no database; the sweeper (which reads it) is off."""
    settings.ATTEMPT_SWEEP_SECONDS = 0


async def call(method: str, path: str, body: bytes = b"", headers=()) -> tuple[int, dict, bytes]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), *headers],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
    }
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    never = asyncio.Event()
    sent: list[dict] = []

    async def receive():
        if messages:
            return messages.pop(0)
        await never.wait()

    async def send(message):
        sent.append(message)

    await application(scope, receive, send)
    start = sent[0]
    assert start["type"] == "http.response.start"
    headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    return start["status"], headers, b"".join(m.get("body", b"") for m in sent[1:])


@threaded
async def test_a_request_runs_in_one_thread_from_started_to_finished():
    threads: dict[str, int] = {}

    def started(**kwargs):
        threads["started"] = threading.get_ident()

    def finished(**kwargs):
        threads["finished"] = threading.get_ident()

    signals.request_started.connect(started)
    signals.request_finished.connect(finished)
    try:
        status, headers, body = await call("GET", "/time/")
    finally:
        signals.request_started.disconnect(started)
        signals.request_finished.disconnect(finished)
    assert status == 200 and b'"now"' in body and headers["cache-control"] == "no-store"
    assert threads["started"] == threads["finished"] != threading.get_ident()


@threaded
async def test_many_requests_at_once_are_all_answered():
    answers = await asyncio.gather(*(call("GET", "/time/") for _ in range(50)))
    assert [status for status, _, _ in answers] == [200] * 50


@threaded
async def test_the_body_reaches_the_view_and_cookies_are_sent():
    # The sign-in page refuses a body over its limit (the body was read and measured).
    big = b"login=" + b"x" * 40_000
    status, _, body = await call(
        "POST",
        "/accounts/login/",
        big,
        [(b"content-type", b"application/x-www-form-urlencoded"), (b"content-length", b"40006")],
    )
    assert status == 413 and "quá lớn".encode() in body


@threaded
async def test_a_streamed_file_arrives_whole():
    status, headers, body = await call("GET", "/static/css/site.css")
    assert status == 200 and headers["content-type"].startswith("text/css")
    assert body == CSS.read_bytes()


@threaded
async def test_an_unknown_page_is_a_404():
    status, _, _ = await call("GET", "/no-such-page/")
    assert status == 404
