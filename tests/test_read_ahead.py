"""Reading ahead: the caller gets every item in order, the worker's errors where they happen,
and a caller that stops early leaves no thread behind."""

import threading
import time

import pytest

from core.read_ahead import read_ahead


def _numbers(count: int, made: list):
    for n in range(count):
        made.append(n)
        yield n


@pytest.mark.parametrize("depth", [1, 3])
def test_every_item_comes_in_order_and_the_worker_stays_at_most_depth_ahead(depth):
    made: list[int] = []
    seen = []
    for item in read_ahead(_numbers(50, made), depth=depth):
        time.sleep(0.002)  # the caller is the slow one
        # made: what the caller has, what waits in the queue, and the one being made
        assert len(made) <= item + 1 + depth + 1
        seen.append(item)
    assert seen == list(range(50))


def test_an_error_of_the_items_is_raised_in_the_caller_after_the_items_before_it():
    def items():
        yield 1
        yield 2
        raise ValueError("dòng 3 hỏng")

    seen = []
    with pytest.raises(ValueError, match="dòng 3 hỏng"):
        for item in read_ahead(items()):
            seen.append(item)
    assert seen == [1, 2]


def test_a_caller_that_stops_early_closes_the_items_and_leaves_no_thread():
    closed = threading.Event()

    def items():
        try:
            n = 0
            while True:
                n += 1
                yield n
        finally:
            closed.set()

    before = threading.active_count()
    reader = read_ahead(items())
    for item in reader:
        if item == 3:
            break
    reader.close()
    assert closed.is_set()
    assert threading.active_count() == before
