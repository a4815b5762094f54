"""Usage of each tenant (members, missions, participations, storage, last activity), measured by
a periodic task and on demand, stored in TenantUsage (public schema): lists read the snapshot.

tenants cannot import the apps that own members or missions, so they register a provider here
in their AppConfig.ready() (engagement does): a function called inside the tenant's schema that
returns the counts it knows.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django_tenants.utils import schema_context

from tenants.db import connection
from tenants.models import Tenant, TenantUsage
from tenants.platform_audit import Action, audit_record
from tenants.storage import tenant_media_bytes

logger = logging.getLogger(__name__)


@dataclass
class UsageCounts:
    """What providers fill in (each adds its own counts)."""

    members: int = 0
    missions: int = 0
    participations: int = 0
    last_activity_at: dt.datetime | None = None
    extra: dict[str, int] = field(default_factory=dict)

    def saw_activity(self, moment: dt.datetime | None) -> None:
        if moment is not None and (self.last_activity_at is None or moment > self.last_activity_at):
            self.last_activity_at = moment


UsageProvider = Callable[[UsageCounts], None]
_providers: dict[str, UsageProvider] = {}


def register_usage_provider(name: str, provider: UsageProvider) -> None:
    """Called from an AppConfig.ready(); the provider runs inside the tenant's schema."""
    _providers[name] = provider


def usage_providers() -> dict[str, UsageProvider]:
    return dict(_providers)


def schema_bytes(schema_name: str) -> int:
    """Tables (with their indexes and TOAST) of the schema, in bytes: one query."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'm', 'p')",
            [schema_name],
        )
        return int(cursor.fetchone()[0])


def media_bytes(schema_name: str) -> int:
    """The schema's uploaded files, in bytes (on disk or in the bucket: tenants.storage)."""
    return tenant_media_bytes(schema_name)


def usage_refresh_tenant(tenant: Tenant) -> TenantUsage:
    counts = UsageCounts()
    with schema_context(tenant.schema_name):
        for provider in _providers.values():
            provider(counts)
    connection.set_schema_to_public()
    usage, _ = TenantUsage.objects.update_or_create(
        tenant=tenant,
        defaults={
            "members": counts.members,
            "missions": counts.missions,
            "participations": counts.participations,
            "last_activity_at": counts.last_activity_at,
            "schema_bytes": schema_bytes(tenant.schema_name),
            "media_bytes": media_bytes(tenant.schema_name),
            "refreshed_at": timezone.now(),
        },
    )
    return usage


def usage_refresh_requested(*, tenant: Tenant, actor: Any, source: str) -> TenantUsage:
    """A staff member's "measure now": the tenant's usage measured again, and audited."""
    usage = usage_refresh_tenant(tenant)
    audit_record(actor=actor, action=Action.USAGE_REFRESH, source=source, tenant_slug=tenant.slug)
    return usage


def usage_refresh_all(*, slugs: list[str] | None = None) -> tuple[int, float]:
    """Refresh every live tenant (active or suspended); returns (tenants, seconds)."""
    started = time.perf_counter()
    tenants = Tenant.objects.exclude(status=Tenant.Status.DISABLED).order_by("pk")
    if slugs is not None:
        tenants = tenants.filter(slug__in=slugs)
    count = 0
    for tenant in tenants:
        usage_refresh_tenant(tenant)
        count += 1
    seconds = time.perf_counter() - started
    logger.info("tenant.usage.refreshed", extra={"tenants": count, "seconds": round(seconds, 3)})
    return count, seconds
