"""Clearing the cache in tests without touching other processes' keys.

Django's `RedisCache.clear()` is a FLUSHDB: it empties the whole Redis database, so a test that
calls it also empties the routing generation, rate limits and session keys of the other xdist
worker (and of a Celery worker running beside the suite). Every test process has its own key
prefix (config/settings/test.py), which the tenant-aware key function puts after the schema name
("<schema>:<prefix>:<version>:<key>"); this deletes only the keys carrying it.
"""

from __future__ import annotations

from django.core.cache import cache

from tenants.cache import redis_client


def cache_clear_own() -> int:
    """Delete this process's cache keys; return how many there were."""
    client = redis_client()
    pattern = f"*:{cache.key_prefix}:*"
    deleted = 0
    batch: list[bytes] = []
    for key in client.scan_iter(match=pattern, count=500):
        batch.append(key)
        if len(batch) >= 500:
            deleted += client.delete(*batch)
            batch.clear()
    if batch:
        deleted += client.delete(*batch)
    return deleted
