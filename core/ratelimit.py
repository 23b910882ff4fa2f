from allauth.account.adapter import get_adapter
from django.core.cache import cache
from django.core.exceptions import PermissionDenied


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


def count_in_window(cache, key, seconds: int, version=None) -> int:
    """A fixed-window counter on any cache: add, then incr (``config.cache`` does it in one
    Redis round trip)."""
    if cache.add(key, 1, timeout=seconds, version=version):
        return 1
    try:
        return cache.incr(key, version=version)
    except ValueError:  # expired between the two calls
        return 1


def client_ip(request) -> str:
    """The visitor's address, as allauth's rate limits see it.

    Behind ``ALLAUTH_TRUSTED_PROXY_COUNT`` reverse proxies it is read from
    ``X-Forwarded-For``; otherwise it is ``REMOTE_ADDR``.
    """
    if request is None:
        return ""

    try:
        return get_adapter(request).get_client_ip(request)
    except PermissionDenied:
        return ""
