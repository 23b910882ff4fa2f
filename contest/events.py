"""The one place that broadcasts to the channel layer, after the transaction commits.

Only services call these. Live updates (issue #7) build on this module.
"""

import logging

from django.db import transaction

logger = logging.getLogger("cuocthi.events")


def entry_counted(*, attempt) -> None:
    """An entry was submitted or finished: tell live viewers once the write is committed."""
    entries_changed(contest_id=attempt.contest_id)


def entries_changed(*, contest_id: int) -> None:
    """Entries of a contest were added or changed (online, paper, import, correction)."""

    def send() -> None:
        try:
            from asgiref.sync import async_to_sync
            from channels.layers import get_channel_layer

            layer = get_channel_layer()
            if layer is not None:
                async_to_sync(layer.group_send)(f"contest.{contest_id}", {"type": "entry.counted"})
        except Exception:  # noqa: BLE001 — a live update must never fail a submission
            logger.warning("live update for contest %s not sent", contest_id, exc_info=True)

    transaction.on_commit(send)
