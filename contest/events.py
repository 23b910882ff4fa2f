"""The one place that broadcasts to the channel layer, after the transaction commits.

Only services call these. A broadcast is best effort: it is bounded by a short
timeout and never raises, so a slow or missing Redis can delay a live figure
but never a submission, an autosave or an import; viewers catch up from the
database (snapshot on connect, periodic refresh, polling fallback).
"""

import asyncio
import logging
import time

from django.db import transaction

logger = logging.getLogger("cuocthi.events")
SEND_TIMEOUT = 1.0


def _broadcast(group: str, message: dict) -> None:
    def send() -> None:
        try:
            from asgiref.sync import async_to_sync
            from channels.layers import get_channel_layer

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
    """Entries of a contest were added or changed (online, paper, import, correction)."""
    _broadcast(f"contest.{contest_id}", {"type": "entry.counted"})


def ceremony_reveal(*, contest_id: int, payload: dict) -> None:
    """A prize was revealed at the ceremony: every viewer sees it at the same moment."""
    _broadcast(f"contest.{contest_id}", {"type": "ceremony.reveal", "payload": payload})
