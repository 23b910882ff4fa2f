"""Websocket consumers: they relay, they hold no business logic.

``contest/events.py`` is the one place that emits (after commit). A submission
only marks its contest changed in the shared cache; it never waits on the sockets.
In each serving process one ticker per contest (and kind of figures) reads that
mark once a second, computes the figures once, serialises them once and hands the
same text to every socket of that contest in the process: at most one update a
second per client, and only when something changed. The ticker also re-reads the
figures every ``LIVE_REFRESH_SECONDS`` (writers no mark reaches: another process
on the embedded default). A consumer sends its own snapshot on connect.
"""

import asyncio
import contextlib
import json
import logging
import math
import time

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from contest.live.selectors import dashboard_stats, live_stats
from contest.models import Contest
from contest.permissions import user_is_organizer
from contest.results.ceremony import revealed_payloads
from core import changes

MAX_MESSAGE_BYTES = 512
logger = logging.getLogger("cuocthi.live")


def entries_mark(contest_id: int) -> str:
    """The change mark (``core.changes``) that ``contest.events`` sets when entries change."""
    return f"contest:{contest_id}:entries"


class Ticker:
    """One per serving process, event loop, contest and kind of figures.

    Wakes every ``interval`` seconds; when the contest changed (the shared mark, or a
    nudge from the channel layer), when the periodic refresh is due, or when a socket
    was skipped last time for having had its snapshot less than a second before, it
    computes the figures once, stamps and serialises them once and sends the same
    text to each socket that has not had an update in the last second and whose last
    figures differ. Stops when its last socket leaves.
    """

    interval = 1.0
    _running: dict[tuple, "Ticker"] = {}

    def __init__(self, key: tuple, figures):
        self.key, self.figures = key, figures
        self.viewers: set = set()
        self.loop = asyncio.get_running_loop()
        self.nudged_at = 0.0  # commit time of the newest entry a nudge announced
        self.nudged = False
        self.task = self.loop.create_task(self._run())
        changes.listen(entries_mark(key[-1]), self._nudged_from_a_thread)

    def _nudged_from_a_thread(self, at: float) -> None:
        with contextlib.suppress(RuntimeError):  # its loop has ended
            self.loop.call_soon_threadsafe(self.nudge, at)

    @classmethod
    def join(cls, key: tuple, viewer, figures) -> "Ticker":
        ticker = cls._running.get(key)
        if ticker is None or ticker.loop is not asyncio.get_running_loop() or ticker.task.done():
            ticker = cls._running[key] = cls(key, figures)
        ticker.viewers.add(viewer)
        return ticker

    def leave(self, viewer) -> None:
        self.viewers.discard(viewer)
        if not self.viewers:
            self.task.cancel()
            changes.unlisten(entries_mark(self.key[-1]), self._nudged_from_a_thread)
            if self._running.get(self.key) is self:
                del self._running[self.key]

    def nudge(self, at: float = 0.0) -> None:
        self.nudged = True
        self.nudged_at = max(self.nudged_at, at)

    async def _run(self) -> None:
        seen = 0.0  # a change marked while the first socket took its snapshot is not lost
        refreshed = time.monotonic()
        last = None  # the figures sent last (without their stamp)
        behind = False
        read_mark = sync_to_async(changes.last, thread_sensitive=False)
        while self.viewers:
            await asyncio.sleep(self.interval)
            try:
                mark = await read_mark(entries_mark(self.key[-1]))
            except Exception:  # noqa: BLE001 — a cache outage only delays figures
                mark = 0.0
            period = getattr(settings, "LIVE_REFRESH_SECONDS", 5)
            changed = self.nudged or mark > seen
            due = time.monotonic() - refreshed >= period
            if not (changed or due or behind):
                continue
            try:
                if changed or due or last is None:
                    newer_than = max(mark, self.nudged_at)
                    self.nudged = False
                    figures = await self.figures(newer_than)
                    figures.pop("server_time", None)
                    seen, refreshed = max(seen, mark), time.monotonic()
                    last = figures
                behind = await self._deliver(last)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("live ticker %s failed; trying again next second", self.key)

    async def _deliver(self, figures: dict) -> bool:
        """Send ``figures`` to the sockets that may have them now; True if any had to wait."""
        comparable = json.dumps(figures, sort_keys=True, ensure_ascii=False)
        stamp = time.time()
        text = json.dumps(
            {**figures, "server_time": timezone.now().isoformat()}, ensure_ascii=False
        )
        behind = False
        for viewer in list(self.viewers):
            if viewer.last_figures == comparable:
                continue  # nothing new for this one
            if stamp - viewer.last_stamp < self.interval:
                behind = True  # its snapshot is younger than a second: next tick
                continue
            viewer.last_figures, viewer.last_stamp = comparable, stamp
            try:
                await viewer.send(text)
            except Exception:  # noqa: BLE001 — a socket closing under us
                self.viewers.discard(viewer)
        return behind


def _client_key(scope) -> str:
    client = scope.get("client") or ("?", 0)
    return f"ws:conn:{client[0]}"


class LiveConsumer(AsyncWebsocketConsumer):
    """Public: ``/ws/contests/<slug>/live/``: participation counters and ceremony reveals."""

    group_prefix = "contest"

    async def connect(self):
        self.contest = await self._contest()
        if self.contest is None or not await self._authorized():
            await self.close(code=4403)
            return
        if not await self._take_slot():
            await self.close(code=4429)
            return
        self.group = f"contest.{self.contest.pk}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        self.last_figures = None  # the figures last sent (serialised, without the stamp)
        self.last_stamp = 0.0
        await self._send_snapshot()
        await self.send_reveals()
        self.ticker = Ticker.join((type(self).__name__, self.contest.pk), self, self._figures)

    async def disconnect(self, code):
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await database_sync_to_async(self._release_slot)()
        if getattr(self, "ticker", None) is not None:
            self.ticker.leave(self)

    async def websocket_receive(self, message):
        # Whatever a client sends, a failure here must not drop the socket without
        # freeing its slot (the slot would stay taken for an hour).
        try:
            await super().websocket_receive(message)
        except Exception:
            logger.exception("live socket: message handling failed; closing")
            await self._refuse(4500)

    async def receive(self, text_data=None, bytes_data=None):
        """Clients may only ask for the time, a few times a minute; anything else closes.

        A malformed message closes with 4400, too many with 4429; either frees the
        client's slot at once.
        """
        now = time.monotonic()
        self.received = [t for t in getattr(self, "received", []) if now - t < 60]
        self.received.append(now)
        if len(self.received) > getattr(settings, "LIVE_MAX_MESSAGES_PER_MINUTE", 30):
            await self._refuse(4429)
            return
        raw = text_data or ""
        if bytes_data is not None or len(raw) > MAX_MESSAGE_BYTES:
            await self._refuse(4400)
            return
        try:
            message = json.loads(raw)
        except ValueError:
            message = None
        if not isinstance(message, dict) or message.get("type") != "time":
            await self._refuse(4400)
            return

        await self.send(
            json.dumps(
                {
                    "type": "time",
                    "server_time": timezone.now().isoformat(),
                    "echo": _finite_number(message.get("sent")),
                }
            )
        )

    async def _refuse(self, code: int) -> None:
        await database_sync_to_async(self._release_slot)()
        await self.close(code=code)

    # --- from the channel layer ---------------------------------------------------------

    async def entry_counted(self, event):
        """A nudge through the channel layer: the ticker looks at once (next second)."""
        if getattr(self, "ticker", None) is not None:
            self.ticker.nudge(float(event.get("at", 0.0)))

    async def ceremony_reveal(self, event):
        await self.send(json.dumps({"type": "reveal", **event["payload"]}, ensure_ascii=False))

    # --- sending ----------------------------------------------------------------------

    async def _send_snapshot(self):
        payload = await self._figures(0.0)
        self.last_figures = json.dumps(
            {k: v for k, v in payload.items() if k != "server_time"},
            sort_keys=True,
            ensure_ascii=False,
        )
        await self.send(json.dumps(payload, ensure_ascii=False))
        self.last_stamp = time.time()

    async def _figures(self, newer_than: float) -> dict:
        return await self._stats(newer_than)

    async def send_reveals(self):
        for payload in await self._revealed():
            await self.send(json.dumps({"type": "reveal", **payload}, ensure_ascii=False))

    # --- database ---------------------------------------------------------------------

    @database_sync_to_async
    def _contest(self):
        return Contest.objects.filter(slug=self.scope["url_route"]["kwargs"]["slug"]).first()

    async def _authorized(self) -> bool:
        return True

    @database_sync_to_async
    def _stats(self, newer_than: float):
        return live_stats(contest=self.contest, newer_than=newer_than)

    @database_sync_to_async
    def _revealed(self):
        return revealed_payloads(self.contest)

    @database_sync_to_async
    def _take_slot(self) -> bool:
        key = _client_key(self.scope)
        cache.add(key, 0, timeout=3600)
        try:
            count = cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=3600)
            count = 1
        if count > getattr(settings, "LIVE_MAX_CONNECTIONS_PER_CLIENT", 20):
            cache.decr(key)
            return False
        self.slot_taken = True
        return True

    def _release_slot(self):
        """Give the client's slot back, once (on refusal and again on disconnect)."""
        if getattr(self, "slot_taken", False):
            self.slot_taken = False
            with contextlib.suppress(ValueError):
                cache.decr(_client_key(self.scope))


class DashboardConsumer(LiveConsumer):
    """Organizers only: ``/ws/contests/<slug>/dashboard/``: the live picture of a contest."""

    async def _authorized(self) -> bool:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            return False
        return await database_sync_to_async(self._is_organizer)(user)

    def _is_organizer(self, user) -> bool:
        return user_is_organizer(user=user, contest=self.contest)

    @database_sync_to_async
    def _stats(self, newer_than: float):
        return dashboard_stats(contest=self.contest, newer_than=newer_than)

    async def send_reveals(self):
        return None

    async def ceremony_reveal(self, event):
        return None


def _finite_number(value):
    """The client's own clock reading, echoed only as a finite number (JSON has no NaN)."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    try:
        return value if math.isfinite(value) else None
    except OverflowError:  # an integer too large for a float (hundreds of digits)
        return None
