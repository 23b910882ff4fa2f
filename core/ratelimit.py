from django.core.cache import cache

from accounts.captcha import client_ip


def rate_limited(request, action: str, *, limit: int, seconds: int) -> bool:
    """True when this user (or address) has done ``action`` more than ``limit`` times in the window.

    A fixed window counter in the cache (Redis in production, shared by all
    processes); cheap enough for the autosave path.
    """
    who = request.user.pk if request.user.is_authenticated else client_ip(request)
    key = f"rl:{action}:{who}"
    if cache.add(key, 1, timeout=seconds):
        return False
    try:
        return cache.incr(key) > limit
    except ValueError:
        return False
