from django.core.cache import cache

from accounts.captcha import client_ip
from config.cache import count_in_window


def rate_limited(request, action: str, *, limit: int, seconds: int) -> bool:
    """True when this user (or address) has done ``action`` more than ``limit`` times in the window.

    A fixed window counter in the cache (Redis in production, shared by all
    processes); cheap enough for the autosave path.
    """
    who = request.user.pk if request.user.is_authenticated else client_ip(request)
    key = f"rl:{action}:{who}"
    counter = getattr(cache, "count_in_window", None)  # one round trip on Redis
    if counter is not None:
        return counter(key, seconds) > limit
    return count_in_window(cache, key, seconds) > limit
