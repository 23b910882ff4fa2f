"""A Redis cache that degrades instead of breaking.

The cache holds counters and short-lived figures (rate limits, live stats,
the sweeper's throttle). If Redis goes away, a page must still work and no
answer, submission or import may fail: reads become misses, writes are
dropped, and the failure is logged.
"""

import logging

from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger("cuocthi.cache")


def _errors():
    import redis

    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


class ResilientRedisCache(RedisCache):
    def _safe(self, name, default, *args, **kwargs):
        try:
            return getattr(super(), name)(*args, **kwargs)
        except _errors() as error:
            logger.warning("cache unavailable: %s skipped (%s)", name, error)
            return default

    def get(self, key, default=None, version=None):
        return self._safe("get", default, key, default, version)

    def set(self, *args, **kwargs):
        return self._safe("set", None, *args, **kwargs)

    def add(self, *args, **kwargs):
        # Unknown: answer "not added", so throttles stay closed rather than stampede.
        return self._safe("add", False, *args, **kwargs)

    def incr(self, key, delta=1, version=None):
        # Unknown count: 0 never trips a rate limit.
        return self._safe("incr", 0, key, delta, version)

    def decr(self, key, delta=1, version=None):
        return self._safe("decr", 0, key, delta, version)

    def delete(self, *args, **kwargs):
        return self._safe("delete", False, *args, **kwargs)

    def get_many(self, *args, **kwargs):
        return self._safe("get_many", {}, *args, **kwargs)

    def set_many(self, *args, **kwargs):
        return self._safe("set_many", [], *args, **kwargs)

    def delete_many(self, *args, **kwargs):
        return self._safe("delete_many", None, *args, **kwargs)

    def has_key(self, *args, **kwargs):
        return self._safe("has_key", False, *args, **kwargs)

    def touch(self, *args, **kwargs):
        return self._safe("touch", False, *args, **kwargs)

    def clear(self):
        return self._safe("clear", None)
