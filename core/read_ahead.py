"""Reading ahead: the next items of an iterator made by a thread while the caller works.

An import reads and checks rows in Python while the database writes the chunk before;
one after the other, the parse and the database each wait for the other. Made by a
thread, the next chunk is ready when the database is done: Python holds the GIL while it
parses, the database driver and sqlite3 let it go while the database works, so the two
overlap on a machine with two cores.
"""

import threading
from collections.abc import Iterator
from queue import Empty, Full, Queue
from typing import TypeVar

T = TypeVar("T")

_END = object()
_POLL_SECONDS = 0.1  # how soon a worker notices that its caller stopped


def read_ahead(items: Iterator[T], *, depth: int = 1) -> Iterator[T]:
    """The items of ``items``, in order, each made by a worker thread while the caller is
    still busy with the one before; at most ``depth`` made and waiting (memory stays flat).

    ``items`` must not touch the database (a thread has a connection of its own, outside
    the caller's transaction). An exception raised by ``items`` is raised here, in the
    caller's thread, where that item would have come. When the caller stops early (an
    exception, or a ``break``), the worker stops after the item it is making, closes
    ``items`` and is joined before this generator closes.
    """
    queue: Queue = Queue(maxsize=depth)
    stop = threading.Event()

    def put(entry) -> bool:
        while not stop.is_set():
            try:
                queue.put(entry, timeout=_POLL_SECONDS)
                return True
            except Full:
                continue
        return False

    def work() -> None:
        try:
            for item in items:
                if not put((item, None)):
                    return
            put((_END, None))
        except BaseException as error:  # noqa: BLE001 — raised again in the caller's thread
            put((_END, error))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=work, name="read-ahead", daemon=True)
    worker.start()
    try:
        while True:
            try:
                item, error = queue.get(timeout=_POLL_SECONDS)
            except Empty:
                if not worker.is_alive() and queue.empty():
                    raise RuntimeError("read_ahead: the worker ended without a word") from None
                continue
            if error is not None:
                raise error
            if item is _END:
                return
            yield item
    finally:
        stop.set()
        worker.join()
