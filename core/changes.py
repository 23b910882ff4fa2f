"""Change marks: "this changed at t", written by a write, read by whoever shows it.

A write calls ``mark(name)`` after it commits: one write to the shared cache (Redis in
production, so every serving process sees it) and a call to the listeners this process
registered (the live tickers, which then look at their next tick). Readers poll
``last(name)`` at their own pace. Nothing here waits on a reader: a submission that
marks its contest changed never waits on the sockets that show it.
"""

import logging
import threading
import time

from django.core.cache import cache

logger = logging.getLogger("cuocthi.changes")
_listeners: dict[str, list] = {}
_lock = threading.Lock()


def _key(name: str) -> str:
    return f"changed:{name}"


def mark(name: str) -> float:
    """Say ``name`` changed now; returns the time (Unix). Never raises."""
    at = time.time()
    with _lock:
        listeners = list(_listeners.get(name, ()))
    for listener in listeners:
        try:
            listener(at)
        except Exception:  # noqa: BLE001 — a reader's trouble is not the writer's
            logger.exception("change listener for %s failed", name)
    try:
        cache.set(_key(name), at, timeout=3600)
    except Exception as error:  # noqa: BLE001 — best effort: readers also refresh on their own
        logger.warning("change mark %s not set (%r)", name, error)
    return at


def last(name: str) -> float:
    """When ``name`` last changed (Unix time; 0 if not within the hour)."""
    return float(cache.get(_key(name)) or 0.0)


def listen(name: str, listener) -> None:
    """Call ``listener(at)`` (from the writer's thread) whenever this process marks ``name``."""
    with _lock:
        _listeners.setdefault(name, []).append(listener)


def unlisten(name: str, listener) -> None:
    with _lock:
        current = _listeners.get(name, [])
        if listener in current:
            current.remove(listener)
        if not current:
            _listeners.pop(name, None)
