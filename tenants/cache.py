"""The cache (Redis) as pages need it: an outage degrades, it never answers 500.

- `redis_health`: one per process. After a Redis failure, callers skip Redis for
  REDIS_RETRY_AFTER_SECONDS instead of each paying a connection attempt, then try again: the cache
  is used again as soon as Redis is back, without a restart.
- `ResilientRedisCache`: Django's Redis cache whose reads miss and whose writes do nothing while
  Redis is unreachable (fail open: a page renders from the database). `add()` is the exception:
  callers use it as "first time?" for replay protection (a TOTP code, a SAML assertion, an OIDC
  token), so it answers "already there" (fail closed: that sign-in is refused with its usual error
  page, and can be retried once Redis is back) — except for allauth's rate-limit locks, which open:
  during an outage sign-in works without its rate limit rather than waiting a second and
  answering 429 to everyone. The outage shows on /readyz and in the logs.
- Stale connections after a Redis restart are reconnected by redis-py (CACHES OPTIONS: one retry
  on ConnectionError, health checks on idle connections), so no request fails on one.
- `SharedClientRedisCacheClient`: one redis-py client per connection pool, made once, instead of
  Django's new client for every cache call (each builds redis-py's table of ~200 response
  callbacks: 80–130 µs, several times per page; docs/benchmarks.md, "Throughput").
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import redis
from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger(__name__)

T = TypeVar("T")

# What an unreachable or hung Redis raises (redis-py's ConnectionError covers refused, reset,
# and "Connection closed by server").
REDIS_ERRORS: tuple[type[BaseException], ...] = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)
# add() keys that fail open (allauth's rate-limit locks: "allauth:rl:...:lock").
_ADD_FAILS_OPEN_PREFIXES = ("allauth:rl:",)


class RedisHealth:
    """Remembers a recent Redis failure so that callers go straight to their fallback."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._down_since: float | None = None

    @property
    def is_down(self) -> bool:
        return self._down_since is not None

    def available(self) -> bool:
        return time.monotonic() >= self._down_until

    def failed(self, error: BaseException) -> None:
        now = time.monotonic()
        with self._lock:
            first = self._down_since is None
            if first:
                self._down_since = now
            self._down_until = now + settings.REDIS_RETRY_AFTER_SECONDS
        if first:
            logger.error("redis.down", extra={"error": type(error).__name__})

    def succeeded(self) -> None:
        if self._down_since is None:
            return
        with self._lock:
            since, self._down_since, self._down_until = self._down_since, None, 0.0
        if since is not None:
            logger.warning("redis.up", extra={"down_seconds": round(time.monotonic() - since, 1)})

    def reset(self) -> None:
        with self._lock:
            self._down_since, self._down_until = None, 0.0

    def call(self, operation: Callable[[], T], fallback: Callable[[], T]) -> T:
        """`operation()` if Redis is usable, else (or when it fails now) `fallback()`."""
        if not self.available():
            return fallback()
        try:
            result = operation()
        except REDIS_ERRORS as error:
            self.failed(error)
            return fallback()
        self.succeeded()
        return result


redis_health = RedisHealth()


def redis_client() -> redis.Redis:
    """The redis-py client of the default cache (a Django RedisCache, see CACHES), for what the
    cache API does not offer: locks, raw reads, a ping."""
    # django-stubs does not declare RedisCache's `_cache` (its RedisCacheClient).
    return cache._cache.get_client(write=True)  # type: ignore[attr-defined]


def redis_ping() -> bool:
    """Ask Redis directly, whatever redis_health remembers (readiness probe)."""
    try:
        client = redis_client()
        client.ping()
    except REDIS_ERRORS as error:
        redis_health.failed(error)
        return False
    redis_health.succeeded()
    return True


class SharedClientRedisCacheClient(RedisCacheClient):
    """Django's Redis cache client, handing out one redis-py client per connection pool.

    redis-py clients are safe to share between threads: each command takes a connection from the
    pool for its duration (redis-py's documentation). The pool itself is Django's, made as
    before, and reconnects after a fork."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, redis.Redis] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> redis.Redis:
        # django-stubs does not declare RedisCacheClient's `_get_connection_pool` and `_client`.
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        # Pools live as long as this object (Django keeps them in `_pools`): their id is stable.
        client = self._clients.get(id(pool))
        if client is None:
            made = self._client(connection_pool=pool)  # type: ignore[attr-defined]
            client = self._clients.setdefault(id(pool), made)
        return client


class ResilientRedisCache(RedisCache):
    """See the module docstring: misses and no-ops while Redis is down, never an exception."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return redis_health.call(
            lambda: super(ResilientRedisCache, self).get(key, default, version), lambda: default
        )

    def get_many(self, keys: Any, version: int | None = None) -> dict[str, Any]:
        return redis_health.call(
            lambda: super(ResilientRedisCache, self).get_many(keys, version), dict
        )

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return redis_health.call(
            lambda: super(ResilientRedisCache, self).has_key(key, version), lambda: False
        )

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        redis_health.call(
            lambda: super(ResilientRedisCache, self).set(key, value, timeout, version), lambda: None
        )

    def set_many(
        self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        return redis_health.call(
            lambda: super(ResilientRedisCache, self).set_many(data, timeout, version),
            lambda: list(data),
        )

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        fails_open = str(key).startswith(_ADD_FAILS_OPEN_PREFIXES)
        return redis_health.call(
            lambda: super(ResilientRedisCache, self).add(key, value, timeout, version),
            lambda: fails_open,
        )

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return redis_health.call(
            lambda: super(ResilientRedisCache, self).touch(key, timeout, version), lambda: False
        )

    def delete(self, key: Any, version: int | None = None) -> bool:
        return redis_health.call(
            lambda: super(ResilientRedisCache, self).delete(key, version), lambda: False
        )

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        redis_health.call(
            lambda: super(ResilientRedisCache, self).delete_many(keys, version), lambda: None
        )
