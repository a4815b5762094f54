"""The cache client (tenants/cache.py): one redis-py client per pool, shared by threads, on a
real Redis."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import redis
from django.core.cache import cache, caches

from tenants.cache import SharedClientRedisCacheClient, redis_client


def test_the_cache_hands_out_one_redis_client_made_once():
    backend = cache._cache  # type: ignore[attr-defined]
    assert isinstance(backend, SharedClientRedisCacheClient)
    first = backend.get_client(write=True)
    assert isinstance(first, redis.Redis)
    assert backend.get_client() is first
    assert backend.get_client("any-key", write=True) is first
    assert redis_client() is first
    # On Django's own pool.
    assert first.connection_pool is backend._get_connection_pool(True)


def test_threads_share_the_client_and_each_reads_its_own_values():
    backend = cache._cache  # type: ignore[attr-defined]
    clients = set()
    lock = threading.Lock()

    def work(index: int) -> int:
        with lock:
            clients.add(id(backend.get_client(write=True)))
        for round_ in range(20):
            cache.set(f"shared-client-test:{index}", index * 100 + round_, 30)
            assert cache.get(f"shared-client-test:{index}") == index * 100 + round_
        return index

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert sorted(pool.map(work, range(16))) == list(range(16))
    assert len(clients) == 1
    cache.delete_many([f"shared-client-test:{index}" for index in range(16)])


def test_a_cache_on_another_server_gets_its_own_client(settings):
    other = {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:6379/3"}
    settings.CACHES = {**settings.CACHES, "other": other}
    mine = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    theirs = caches["other"]._cache.get_client(write=True)  # type: ignore[attr-defined]
    assert theirs is not mine
    assert theirs.connection_pool.connection_kwargs["db"] == 3
    assert mine.connection_pool.connection_kwargs["db"] != 3
