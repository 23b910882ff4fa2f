"""Live fan-out costs the writers little (issue 17, part 4).

A submission only marks its contest changed in the shared cache; the ticker of each
serving process sends the figures, once a second at most, to every socket.
"""

import asyncio
import json
import os
import signal
import time
from datetime import datetime

import pytest
from asgiref.sync import sync_to_async
from channels.testing.websocket import WebsocketCommunicator
from django.urls import reverse

from bench.server import redis_server
from config.asgi import application
from core import changes
from tests.asyncutil import threaded
from tests.contest.test_attempt_views import begin, travel  # noqa: F401 — fixture
from tests.contest.test_live import ORIGIN, add_sheets
from tests.contest.test_ranking import make_contest
from tests.factories import UnitFactory


@pytest.fixture
def frozen_channel_layer(settings):
    """The channel layer on a Redis of its own that stops answering (SIGSTOP): anything
    that waits on the layer waits for its full timeout."""
    with redis_server() as (url, stop):
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {"hosts": [url]},
            }
        }

        pid = _redis_pid(url)

        os.kill(pid, signal.SIGSTOP)
        try:
            yield url
        finally:
            os.kill(pid, signal.SIGCONT)
            stop()


def _redis_pid(url: str) -> int:
    import redis

    return int(redis.Redis.from_url(url).info("server")["process_id"])


@pytest.mark.django_db
@pytest.mark.usefixtures("travel")
def test_a_submission_does_not_wait_on_the_live_fan_out(
    client, contest, resident, frozen_channel_layer, django_capture_on_commit_callbacks
):
    attempt = begin(client, contest)
    started = time.perf_counter()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("contest:submit", args=[attempt.pk]), {"submit_key": "k", "prediction": "3"}
        )
    elapsed = time.perf_counter() - started
    assert response.status_code == 302 and response["Location"].endswith("/receipt/")
    # The layer's Redis does not answer: a broadcast from the submit would wait its
    # one-second timeout. The submit only marks the contest changed.
    assert elapsed < 0.8, elapsed
    assert changes.last(f"contest:{contest.pk}:entries") > 0


@pytest.fixture
def live_contest(settings):
    settings.LIVE_REFRESH_SECONDS = 60
    UnitFactory(code="an-thanh", name="Xã An Thành")
    contest = make_contest()
    add_sheets(contest, 1, unit="an-thanh")
    return contest


def _stamp(message: dict) -> float:
    return datetime.fromisoformat(message["server_time"]).timestamp()


@threaded
@pytest.mark.django_db(transaction=True)
async def test_no_client_gets_two_updates_within_a_second_however_fast_entries_arrive(
    live_contest,
):
    path = f"/ws/contests/{live_contest.slug}/live/"
    viewers = []
    for _ in range(8):
        ws = WebsocketCommunicator(application, path, headers=ORIGIN)
        assert (await ws.connect())[0]
        viewers.append(ws)
    received: list[list[tuple[float, dict]]] = [[] for _ in viewers]
    loop = asyncio.get_running_loop()

    async def listen(n: int, ws, until: float):
        while loop.time() < until:
            # (a receive that times out would cancel the socket: ask first)
            if await ws.receive_nothing(timeout=0.05, interval=0.01):
                continue
            received[n].append((loop.time(), await ws.receive_json_from(timeout=1)))

    until = loop.time() + 4.5
    listeners = [asyncio.create_task(listen(n, ws, until)) for n, ws in enumerate(viewers)]
    # Entries arrive every 0.15 s from the first moment (right after the snapshots).
    number = 2
    while loop.time() < until - 1.5:
        await sync_to_async(add_sheets)(live_contest, number)
        number += 1
        await asyncio.sleep(0.15)
    await asyncio.gather(*listeners)
    for messages in received:
        stats = [(t, m) for t, m in messages if m["type"] == "stats"]
        assert len(stats) >= 3, stats  # the snapshot and at least two updates
        for (t1, m1), (t2, m2) in zip(stats, stats[1:], strict=False):
            assert _stamp(m2) - _stamp(m1) >= 1.0, (m1, m2)  # as the server sent them
            if m1 is not stats[0][1]:  # (the snapshots waited in the queue for the listeners)
                assert t2 - t1 >= 0.9, (m1, m2)  # as the client got them
        assert stats[-1][1]["entries"] == number - 1  # the last entry reached everyone
    for ws in viewers:
        await ws.disconnect()


@threaded
@pytest.mark.django_db(transaction=True)
async def test_the_figures_are_computed_once_per_tick_for_all_sockets(live_contest):
    """Serialised once per contest: every socket receives the very same text."""
    path = f"/ws/contests/{live_contest.slug}/live/"
    viewers = []
    for _ in range(5):
        ws = WebsocketCommunicator(application, path, headers=ORIGIN)
        assert (await ws.connect())[0]
        await ws.receive_from(timeout=3)  # snapshot
        viewers.append(ws)
    await asyncio.sleep(1.1)  # every snapshot older than a second
    await sync_to_async(add_sheets)(live_contest, 2)
    texts = [await ws.receive_from(timeout=3) for ws in viewers]
    assert len(set(texts)) == 1 and json.loads(texts[0])["entries"] == 2
    for ws in viewers:
        await ws.disconnect()
