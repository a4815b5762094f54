"""Host → tenant resolution with a cache.

A hit costs one cache read and no SQL. Entries are deleted whenever a Tenant or a Domain changes
(post_save/post_delete: this is cache coherence, not a business rule), and expire after
TENANT_ROUTING_CACHE_SECONDS in any case.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models.signals import post_delete, post_save

from tenants.models import Domain, Tenant

logger = logging.getLogger(__name__)

_KEY = "tenant-route:v1:{host}"
# Unknown hosts are remembered briefly so a scan of random names does not reach the database.
_MISS_SECONDS = 60


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


def _cache_key(host: str) -> str:
    return _KEY.format(host=host)


def _public_cache() -> Any:
    # Routing entries live in the public namespace whatever the connection's schema is.
    return cache


def resolve_host(host: str) -> Route:
    """The route for a normalized host name; no SQL when the answer is cached."""
    if host == settings.BASE_DOMAIN:
        return PUBLIC
    key = _cache_key(host)
    with _public_schema_keys():
        cached = _public_cache().get(key)
    if cached is not None:
        return cached
    route = _lookup(host)
    with _public_schema_keys():
        _public_cache().set(
            key,
            route,
            settings.TENANT_ROUTING_CACHE_SECONDS if route.kind != "none" else _MISS_SECONDS,
        )
    return route


def _lookup(host: str) -> Route:
    domain = Domain.objects.select_related("tenant").filter(domain=host, is_verified=True).first()
    if domain is None or not domain.tenant.is_active:
        return NOWHERE
    return Route("tenant", domain.tenant)


class _public_schema_keys:
    """Build cache keys as the public schema, so every process agrees on a routing key."""

    def __enter__(self) -> None:
        self._schema = getattr(connection, "schema_name", None)
        if self._schema is not None:
            connection.schema_name = "public"

    def __exit__(self, *exc: object) -> None:
        if self._schema is not None:
            connection.schema_name = self._schema


def invalidate_hosts(hosts: list[str]) -> None:
    if not hosts:
        return
    with _public_schema_keys():
        _public_cache().delete_many([_cache_key(normalize_host(host)) for host in hosts])
    logger.info("tenant.routing.invalidated", extra={"hosts": len(hosts)})


def _on_tenant_change(sender: type, instance: Tenant, **kwargs: Any) -> None:
    hosts = list(Domain.objects.filter(tenant_id=instance.pk).values_list("domain", flat=True))
    invalidate_hosts(hosts)


def _on_domain_change(sender: type, instance: Domain, **kwargs: Any) -> None:
    invalidate_hosts([instance.domain])


def connect_invalidation() -> None:
    post_save.connect(_on_tenant_change, sender=Tenant, dispatch_uid="tenant-route-tenant-save")
    post_delete.connect(_on_tenant_change, sender=Tenant, dispatch_uid="tenant-route-tenant-del")
    post_save.connect(_on_domain_change, sender=Domain, dispatch_uid="tenant-route-domain-save")
    post_delete.connect(_on_domain_change, sender=Domain, dispatch_uid="tenant-route-domain-del")
