"""The fixed-window counter behind the autosave and submit rate limits, on a real Redis
(one round trip per count) and while that Redis is down (this process's memory)."""

import pytest

from bench.server import redis_server
from config import cache as resilient
from config.cache import ResilientRedisCache


@pytest.fixture
def redis_cache():
    with redis_server() as (url, stop):
        cache = ResilientRedisCache(
            url, {"OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}
        )
        yield cache, stop
        resilient._outage.pop(url, None)


def test_the_window_counts_and_expires_with_its_first_count(redis_cache):
    cache, _stop = redis_cache
    assert [cache.count_in_window("rl:answer:7", 60) for _ in range(3)] == [1, 2, 3]
    client = cache._cache.get_client("rl:answer:7")
    key = cache.make_and_validate_key("rl:answer:7")
    assert 55 <= client.ttl(key) <= 60  # set by the first count, not pushed back by later ones
    assert cache.get("rl:answer:7") == 3  # readable through the cache as before
    cache.add("rl:submit:7", 1, timeout=60)  # a window opened by the old add-then-incr
    assert cache.count_in_window("rl:submit:7", 60) == 2


def test_the_window_keeps_counting_in_this_process_when_redis_is_down(redis_cache):
    cache, stop = redis_cache
    stop()
    assert [cache.count_in_window("rl:answer:8", 60) for _ in range(3)] == [1, 2, 3]
    assert cache.degraded
