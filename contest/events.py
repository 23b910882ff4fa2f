"""The one place that tells live viewers, after the transaction commits.

Only services call these. Entries changed: one write to the shared cache (when the
contest last changed); the ticker of each serving process reads it once a second
and does the fan-out (``core/changes.py``, ``contest/live/consumers.py``), so a submission never waits on
thousands of sockets. A ceremony reveal goes through the channel layer at once.
Both are best effort and never raise: a slow or missing Redis can delay a live
figure but never a submission, an autosave or an import; viewers catch up from
the database (snapshot on connect, periodic refresh, polling fallback).
"""

import asyncio
import logging
import time

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from core import changes

logger = logging.getLogger("cuocthi.events")
SEND_TIMEOUT = 1.0


def _broadcast(group: str, message: dict) -> None:
    def send() -> None:
        try:
            layer = get_channel_layer()
            if layer is None:
                return

            # Stamped at commit: a viewer knows figures computed before this are stale.
            stamped = {**message, "at": time.time()}

            async def bounded():
                await asyncio.wait_for(layer.group_send(group, stamped), SEND_TIMEOUT)

            async_to_sync(bounded)()
        except Exception as error:  # noqa: BLE001 — a live update must never fail a write
            logger.warning("live update to %s not sent (%r)", group, error)

    transaction.on_commit(send)


def entry_counted(*, attempt) -> None:
    """An entry was submitted or finished: tell live viewers once the write is committed."""
    entries_changed(contest_id=attempt.contest_id)


def entries_changed(*, contest_id: int) -> None:
    """Entries of a contest were added or changed (online, paper, import, correction).

    Marks the contest changed (the commit time) in the shared cache, and nudges this
    process's tickers of the contest (a flag set on their loop); nothing else.
    """

    def mark() -> None:
        changes.mark(f"contest:{contest_id}:entries")  # never raises

    transaction.on_commit(mark)


def ceremony_reveal(*, contest_id: int, payload: dict) -> None:
    """A prize was revealed at the ceremony: every viewer sees it at the same moment."""
    _broadcast(f"contest.{contest_id}", {"type": "ceremony.reveal", "payload": payload})
