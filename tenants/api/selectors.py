"""Reads behind the platform API (public host, platform staff only)."""

from __future__ import annotations

from django.db.models import QuerySet

from tenants.models import Tenant


def tenant_list_for_platform(
    *, status: str | None = None, kind: str | None = None
) -> QuerySet[Tenant]:
    """Every tenant with its domains, oldest first: a page costs a fixed number of queries."""
    tenants = Tenant.objects.prefetch_related("domains").order_by("created_at", "pk")
    if status:
        tenants = tenants.filter(status=status)
    if kind:
        tenants = tenants.filter(kind=kind)
    return tenants


def tenant_get_for_platform(*, slug: str) -> Tenant | None:
    return Tenant.objects.prefetch_related("domains").filter(slug=slug).first()
