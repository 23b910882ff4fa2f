import time

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from contest.online.finishing import attempts_sweep


class AttemptSweepMiddleware:
    """Finishes overdue attempts from the serving processes themselves.

    At most once per ``ATTEMPT_SWEEP_SECONDS`` across all processes (the cache
    key is shared through Redis in production), after a response is built, so
    attempts left open by a lost connection are finished even when nobody runs
    ``close_contest``. When nothing is overdue it costs one indexed query. Between
    two tries a process asks nobody (not even the cache): an autosave at a deadline
    pays nothing for the sweeper.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.next_try = 0.0

    def __call__(self, request):
        response = self.get_response(request)
        interval = getattr(settings, "ATTEMPT_SWEEP_SECONDS", 30)
        if not interval or time.monotonic() < self.next_try:
            return response
        self.next_try = time.monotonic() + interval
        if cache.add("attempts:sweep", 1, timeout=interval):
            attempts_sweep(now=timezone.now())
        return response
