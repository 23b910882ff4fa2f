"""Running async test code beside the browser tests."""

import asyncio
import functools
from concurrent.futures import ThreadPoolExecutor


def threaded(test):
    """Run an async test in its own thread and loop: the browser tests keep Playwright's
    loop running in the main thread for the whole session."""

    @functools.wraps(test)
    def run(*args, **kwargs):
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, test(*args, **kwargs)).result()

    return run
