"""A Redis cache that degrades instead of breaking.

The cache holds counters and short-lived figures (rate limits and their locks,
live stats, the sweeper's throttle, live socket slots). If Redis goes away, a
page must still work and no sign-in, answer, submission or import may fail, and
the limits that protect against abuse must not vanish. So every operation falls
back to a per-process local-memory cache: limits then count per worker process
instead of for the whole site (docs/operators.md lists what that means for each).
The failure is logged as an error, at most every ``LOG_EVERY`` seconds, and Redis
is tried again every ``RETRY_SECONDS`` (in between, nothing waits on a dead
socket).

Connections: under ASGI Django builds a cache object per request (its handler keeps
them per request context), and Django's Redis client builds a connection pool per
cache object and a ``redis.Redis`` per operation: every request opened a new TCP
connection to Redis. Here one client, with its pools and one ``redis.Redis`` per
pool, serves every cache object of the process with the same location and options.
"""

import logging
import threading
import time

import redis
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property

from core.ratelimit import count_in_window

logger = logging.getLogger("cuocthi.cache")

RETRY_SECONDS = 5.0
LOG_EVERY = 10.0

# Per process and per Redis location; Django builds one cache object per thread.
_outage: dict[str, dict[str, float]] = {}
_outage_lock = threading.Lock()
# Per process: location and options -> the one client (its connection pools) they share.
_clients: dict[tuple[str, str], "SharedRedisCacheClient"] = {}
_clients_lock = threading.Lock()


class SharedRedisCacheClient(RedisCacheClient):
    """Django's client, with one ``redis.Redis`` per connection pool (thread-safe, like the
    pool) instead of a new one, with its dozens of response callbacks, for each operation."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._lock = threading.Lock()
        self._redis: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._redis.get(index)
        if client is None:
            with self._lock:
                client = self._redis.get(index)
                if client is None:
                    pool = self._get_connection_pool(write)
                    client = self._redis[index] = self._client(connection_pool=pool)
        return client


def _errors():
    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._location = str(server)
        # LocMemCache shares its storage between instances of one name in a process.
        self._fallback = LocMemCache(
            f"cuocthi-fallback:{self._location}",
            {
                "TIMEOUT": params.get("TIMEOUT", 300),
                "KEY_PREFIX": params.get("KEY_PREFIX", ""),
                "OPTIONS": {"MAX_ENTRIES": 100_000},
            },
        )
        with _outage_lock:
            self._state = _outage.setdefault(self._location, {"until": 0.0, "logged": 0.0})

    @cached_property
    def _cache(self):
        """The process's one client for this location and these options (module docstring)."""
        key = (self._location, repr(sorted(self._options.items())))
        with _clients_lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = SharedRedisCacheClient(self._servers, **self._options)
        return client

    @property
    def degraded(self) -> bool:
        """True while Redis is taken as down and this process uses its own cache."""
        return time.monotonic() < self._state["until"]

    def _call(self, name, *args, **kwargs):
        if not self.degraded:
            try:
                return getattr(super(), name)(*args, **kwargs)
            except _errors() as error:
                self._failed(name, error)
        return getattr(self._fallback, name)(*args, **kwargs)

    def _failed(self, name, error) -> None:
        now = time.monotonic()
        self._state["until"] = now + RETRY_SECONDS
        if now - self._state["logged"] >= LOG_EVERY:
            self._state["logged"] = now
            logger.error(
                "cache unavailable: Redis at %s does not answer (%s: %s); rate limits, "
                "locks and counters use this process's own memory until it is back",
                self._location,
                name,
                error,
            )

    def count_in_window(self, key, seconds: int, version=None) -> int:
        """Add one to a fixed-window counter (it expires ``seconds`` after its first count)
        and return it, in one round trip: INCR and EXPIRE NX in a pipeline, where add then
        incr cost three (Django's incr asks whether the key exists first)."""
        if not self.degraded:
            try:
                client = self._cache.get_client(key, write=True)
                pipe = client.pipeline(transaction=False)
                full_key = self.make_and_validate_key(key, version=version)
                pipe.incr(full_key)
                pipe.expire(full_key, seconds, nx=True)
                return int(pipe.execute()[0])
            except _errors() as error:
                self._failed("count_in_window", error)

        return count_in_window(self._fallback, key, seconds, version)

    def get(self, key, default=None, version=None):
        return self._call("get", key, default, version)

    def set(self, *args, **kwargs):
        return self._call("set", *args, **kwargs)

    def add(self, *args, **kwargs):
        return self._call("add", *args, **kwargs)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", key, delta, version)

    def decr(self, key, delta=1, version=None):
        return self._call("decr", key, delta, version)

    def delete(self, *args, **kwargs):
        return self._call("delete", *args, **kwargs)

    def get_many(self, *args, **kwargs):
        return self._call("get_many", *args, **kwargs)

    def set_many(self, *args, **kwargs):
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args, **kwargs):
        return self._call("delete_many", *args, **kwargs)

    def has_key(self, *args, **kwargs):
        return self._call("has_key", *args, **kwargs)

    def touch(self, *args, **kwargs):
        return self._call("touch", *args, **kwargs)

    def clear(self):
        self._fallback.clear()
        return self._call("clear")
