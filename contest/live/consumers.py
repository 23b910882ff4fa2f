"""Websocket consumers: they relay, they hold no business logic.

``contest/events.py`` is the one place that emits (after commit). A consumer
sends a snapshot on connect, then at most one update a second and only when
something changed, however fast entries arrive; a periodic refresh from the
database covers writers that no channel layer reaches (another process with
the embedded in-memory layer, a management command).
"""

import asyncio
import contextlib
import json
import logging
import math
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.core.cache import cache

from contest.models import Contest

MAX_MESSAGE_BYTES = 512
logger = logging.getLogger("cuocthi.live")


def _client_key(scope) -> str:
    client = scope.get("client") or ("?", 0)
    return f"ws:conn:{client[0]}"


class LiveConsumer(AsyncWebsocketConsumer):
    """Public: ``/ws/contests/<slug>/live/``: participation counters and ceremony reveals."""

    group_prefix = "contest"
    min_interval = 1.0

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
        self.last_sent = 0.0
        self.last_payload = None
        self.pending = None
        self.newer_than = 0.0  # commit time of the last entry this viewer was told of
        await self.push(force=True)
        await self.send_reveals()
        self.refresher = asyncio.create_task(self._refresh_loop())

    async def disconnect(self, code):
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await database_sync_to_async(self._release_slot)()
        for task in (getattr(self, "refresher", None), getattr(self, "pending", None)):
            if task is not None:
                task.cancel()

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
        from django.utils import timezone

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
        self.newer_than = max(self.newer_than, float(event.get("at", 0.0)))
        await self.push()

    async def ceremony_reveal(self, event):
        await self.send(json.dumps({"type": "reveal", **event["payload"]}, ensure_ascii=False))

    # --- sending ----------------------------------------------------------------------

    async def push(self, force: bool = False):
        """Send fresh figures now, or once the one-second window has passed."""
        wait = self.min_interval - (time.monotonic() - self.last_sent)
        if force or wait <= 0:
            await self._send_stats()
        elif self.pending is None or self.pending.done():
            self.pending = asyncio.create_task(self._later(wait))

    async def _later(self, wait: float):
        await asyncio.sleep(wait)
        await self._send_stats()

    async def _send_stats(self):
        # Claim the slot before awaiting the figures, so that two triggers arriving
        # together cannot both send.
        self.last_sent = time.monotonic()
        payload = await self._stats()
        comparable = {k: v for k, v in payload.items() if k != "server_time"}
        if comparable == self.last_payload:
            return  # nothing changed: say nothing
        self.last_payload = comparable
        await self.send(json.dumps(payload, ensure_ascii=False))
        # The next second counts from this send, not from the claim: a slow query must
        # not bring two messages closer together than the interval.
        self.last_sent = time.monotonic()

    async def _refresh_loop(self):
        period = getattr(settings, "LIVE_REFRESH_SECONDS", 5)
        while True:
            await asyncio.sleep(period)
            await self.push()

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
    def _stats(self):
        from contest.live.selectors import live_stats

        return live_stats(contest=self.contest, newer_than=self.newer_than)

    @database_sync_to_async
    def _revealed(self):
        from contest.results.ceremony import revealed_payloads

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
        from contest.permissions import user_is_organizer

        return user_is_organizer(user=user, contest=self.contest)

    @database_sync_to_async
    def _stats(self):
        from contest.live.selectors import dashboard_stats

        return dashboard_stats(contest=self.contest, newer_than=self.newer_than)

    async def send_reveals(self):
        return None

    async def ceremony_reveal(self, event):
        return None


def _finite_number(value):
    """The client's own clock reading, echoed only as a finite number (JSON has no NaN)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return value
    return None
