"""Host → tenant resolution, cached in two layers, with no SQL on a hit.

- **Shared layer (Redis, the source of truth across processes).** One entry per host holding the
  route (the Tenant row or "nowhere") and the *routing generation* it was computed under.
- **Routing generation.** One small Redis key holding a random token. Any change to a Tenant or a
  Domain replaces the token (post_save/post_delete, again on commit: this is cache coherence, not a
  business rule), and so does every migrate run (data migrations update rows without signals);
  other writes that bypass the signals call invalidate_routes(). An entry computed under another
  token is ignored and recomputed, so a change is seen by every process on its next request,
  whichever host or field changed (a renamed domain too). Tokens are random, never counters, so
  an evicted key cannot bring an old value back.
- **Process layer.** Each process keeps the routes it served, tagged with the token they were read
  under. A hit costs one Redis GET of the token (a few bytes) and unpickling the local copy, instead
  of fetching and unpickling the entry through Django's cache client; see docs/benchmarks.md.
  Every request gets its own Tenant instance, so nothing a view does to `request.tenant` leaks into
  another request.

Entries also expire after TENANT_ROUTING_CACHE_SECONDS (unknown hosts after a minute) in any case.

**Redis down.** Routing then reads PostgreSQL (one indexed query per request) and skips Redis for
REDIS_RETRY_AFTER_SECONDS after each failure (tenants/cache.py); the first request after that
window that reaches Redis uses the cache again, without a restart. A Tenant or Domain change made
while Redis was down could not replace the token: the process that made it starts a new
generation as soon as Redis answers again, so no route cached before the outage survives it.
"""

from __future__ import annotations

import logging
import os
import pickle
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any, cast

import redis
from django.apps import AppConfig
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_migrate, post_save
from django.http import HttpRequest
from django_tenants.utils import get_public_schema_name

from tenants.cache import REDIS_ERRORS, redis_client, redis_health
from tenants.db import connection
from tenants.metrics import routing_cache_count
from tenants.models import Domain, Tenant

logger = logging.getLogger(__name__)

_ROUTE_KEY = "tenant-route:v2:{host}"
_GENERATION_KEY = "tenant-route:generation"
# Unknown hosts are remembered briefly so a scan of random names does not reach the database.
_MISS_SECONDS = 60
# The process layer is dropped whole when it grows past this (a scan of random host names).
_LOCAL_MAX_ENTRIES = 10_000
_ROUTED_STATUSES = frozenset({Tenant.Status.ACTIVE, Tenant.Status.SUSPENDED})


@dataclass(frozen=True)
class Route:
    """Where a host goes: the public site, a tenant, or nowhere."""

    kind: str  # "public" | "tenant" | "none"
    tenant: Tenant | None = None


PUBLIC = Route("public")
NOWHERE = Route("none")


def normalize_host(raw_host: str) -> str:
    host = raw_host.strip().lower().rstrip(".")
    if host.startswith("["):  # IPv6 literal
        return host.split("]")[0] + "]"
    return host.split(":", 1)[0]


class _public_schema_keys:
    """Build cache keys as the public schema, so every process agrees on a routing key."""

    def __enter__(self) -> None:
        self._schema = getattr(connection, "schema_name", None)
        if self._schema is not None:
            connection.schema_name = "public"

    def __exit__(self, *exc: object) -> None:
        if self._schema is not None:
            connection.schema_name = self._schema


def request_tenant(request: HttpRequest) -> Tenant | None:
    """The tenant a request was routed to; None on the public host (and before routing)."""
    tenant = getattr(request, "tenant", None)
    if not isinstance(tenant, Tenant) or tenant.schema_name == get_public_schema_name():
        return None
    return tenant


def _route_key(host: str) -> str:
    return _ROUTE_KEY.format(host=host)


class _Generation:
    """The routing generation token, read with one raw Redis GET.

    Django's cache client builds a new redis client, and checks a connection out of its pool, on
    every call; on the hot path that costs about as much as the round trip itself. So each thread
    keeps one connection of its own for the token (rebuilt after a fork, reconnected by redis-py
    after a failure).
    """

    def __init__(self) -> None:
        self._state = threading.local()

    def _client(self) -> tuple[redis.Redis, str]:
        """This thread's connection and the token's key, made from the cache as it is now: again
        after a fork, and whenever the cache is another one (its settings changed: server, key
        prefix). The key and the connection are replaced together, once the connection is made:
        a connection that cannot be made (Redis down) raises and leaves the last pair as it was,
        never a key of one cache beside the server of another."""
        state = self._state
        pid = os.getpid()
        owner = redis_client()
        if getattr(state, "pid", None) != pid or getattr(state, "owner", None) is not owner:
            with _public_schema_keys():
                key = cache.make_key(_GENERATION_KEY)
            pool = owner.connection_pool
            client = redis.Redis(connection_pool=pool, single_connection_client=True)
            state.key, state.client, state.owner, state.pid = key, client, owner, pid
        return state.client, state.key

    def read(self) -> bytes:
        client, key = self._client()
        # The casts: redis-py types every reply as "sync or async", whatever the client.
        token = cast("bytes | None", client.get(key))
        if token is None:
            # First use, or evicted: start a new generation (every cached route is then ignored).
            fresh = secrets.token_hex(8).encode()
            if client.set(key, fresh, nx=True):
                return fresh
            # Another process started one first; read it. Deleted again in between (a flush):
            # this request uses its own token, which only costs it a cache miss.
            token = cast("bytes | None", client.get(key))
            return bytes(token) if token is not None else fresh
        return bytes(token)

    def bump(self) -> None:
        client, key = self._client()
        client.set(key, secrets.token_hex(8).encode())


_generation = _Generation()
# host -> (generation token, monotonic expiry, pickled Route)
_local: dict[str, tuple[bytes, float, bytes]] = {}
# Set when a new generation could not be started (Redis down); started once Redis answers.
_invalidation_pending = threading.Event()


def resolve_host(host: str) -> Route:
    """The route for a normalized host name; no SQL when the answer is cached, one query when
    Redis is down."""
    if host == settings.BASE_DOMAIN:
        return PUBLIC
    return redis_health.call(lambda: _resolve_cached(host), lambda: _fallback(host))


def _fallback(host: str) -> Route:
    routing_cache_count("fallback")
    return _lookup(host)


def _resolve_cached(host: str) -> Route:
    if _invalidation_pending.is_set():
        _generation.bump()
        _invalidation_pending.clear()
        _local.clear()
        logger.info("tenant.routing.invalidated", extra={"after_outage": True})
    token = _generation.read()
    now = time.monotonic()

    local = _local.get(host)
    if local is not None and local[0] == token and local[1] > now:
        routing_cache_count("hit_local")
        return pickle.loads(local[2])  # noqa: S301 - written by this process

    key = _route_key(host)
    # Through the resilient cache: should Redis fail between the token and here, this misses and
    # the route comes from PostgreSQL below.
    with _public_schema_keys():
        shared = cache.get(key)
    if shared is not None and shared[0] == token:
        route = shared[1]
        routing_cache_count("hit_shared")
    else:
        # The token was read before the lookup: a change committed meanwhile replaces it, so what
        # is stored here under the old token is ignored on the next request.
        route = _lookup(host)
        routing_cache_count("miss")
        with _public_schema_keys():
            cache.set(key, (token, route), _lifetime(route))

    if len(_local) >= _LOCAL_MAX_ENTRIES:
        _local.clear()
    _local[host] = (token, now + _lifetime(route), pickle.dumps(route, pickle.HIGHEST_PROTOCOL))
    return route


def _lifetime(route: Route) -> int:
    return settings.TENANT_ROUTING_CACHE_SECONDS if route.kind != "none" else _MISS_SECONDS


def _lookup(host: str) -> Route:
    domain = Domain.objects.select_related("tenant").filter(domain=host, is_verified=True).first()
    if domain is None or domain.tenant.status not in _ROUTED_STATUSES:
        return NOWHERE
    # A suspended tenant is routed too: the middleware answers its suspended page from the
    # cached row (status, branding, language), with no session and no query.
    return Route("tenant", domain.tenant)


def invalidate_routes() -> None:
    """Start a new routing generation: every process re-reads every route on its next request.

    With Redis down, the new generation starts when Redis answers again (see the module
    docstring); the write that called this is not failed for it.
    """
    _local.clear()
    if not redis_health.available():
        _invalidation_pending.set()
        logger.warning("tenant.routing.invalidation_deferred")
        return
    try:
        _generation.bump()
    except REDIS_ERRORS as error:
        _invalidation_pending.set()
        redis_health.failed(error)
        logger.warning("tenant.routing.invalidation_deferred")
        return
    logger.info("tenant.routing.invalidated")


def invalidate_hosts(hosts: list[str]) -> None:
    """Forget the shared entries of these hosts and start a new routing generation."""
    if hosts:
        with _public_schema_keys():
            cache.delete_many([_route_key(normalize_host(host)) for host in hosts])
    invalidate_routes()


def _on_change(sender: type, instance: Tenant | Domain, **kwargs: Any) -> None:
    # Now, for requests later in this transaction (and tests), and again once committed: a
    # request served between the two may have cached the rows as they were before the commit.
    invalidate_routes()
    if connection.in_atomic_block:
        transaction.on_commit(invalidate_routes, robust=True)


def _on_migrate(sender: AppConfig, **kwargs: Any) -> None:
    # Data migrations write Tenant rows without model signals (QuerySet.update). post_migrate is
    # sent once per app at the end of each migrate run; the tenants app's one is enough.
    if getattr(sender, "label", None) != "tenants":
        return
    try:
        invalidate_routes()
    except Exception:  # noqa: BLE001 - a migration run must not fail on the cache
        logger.warning("tenant.routing.invalidation_failed", exc_info=True)


def connect_invalidation() -> None:
    post_save.connect(_on_change, sender=Tenant, dispatch_uid="tenant-route-tenant-save")
    post_delete.connect(_on_change, sender=Tenant, dispatch_uid="tenant-route-tenant-del")
    post_save.connect(_on_change, sender=Domain, dispatch_uid="tenant-route-domain-save")
    post_delete.connect(_on_change, sender=Domain, dispatch_uid="tenant-route-domain-del")
    post_migrate.connect(_on_migrate, dispatch_uid="tenant-route-migrate")
