"""Reads of the console: the tenants list (a fixed number of queries for any page size), a
tenant's page, archives and jobs, the audit."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from tenants.models import DeprovisionJob, PlatformAuditEntry, RestoreJob, Tenant


@dataclass(frozen=True)
class TenantFilters:
    q: str = ""
    kind: str = ""
    status: str = ""
    plan: str = ""
    private: str = ""  # "", "yes", "no"


def console_tenant_list(filters: TenantFilters) -> QuerySet[Tenant]:
    """Tenants with their usage snapshot and domains (select_related + one prefetch)."""
    tenants = Tenant.objects.select_related("usage").prefetch_related("domains")
    if filters.q:
        term = filters.q.strip()
        matching = Tenant.objects.filter(
            Q(name__icontains=term) | Q(slug__icontains=term) | Q(domains__domain__icontains=term)
        ).values("pk")
        tenants = tenants.filter(pk__in=matching)
    if filters.kind:
        tenants = tenants.filter(kind=filters.kind)
    if filters.status:
        tenants = tenants.filter(status=filters.status)
    if filters.plan:
        tenants = tenants.filter(billing_plan=filters.plan)
    if filters.private in {"yes", "no"}:
        tenants = tenants.filter(is_private=filters.private == "yes")
    return tenants.order_by("name", "pk")


def console_tenant_get(*, slug: str) -> Tenant | None:
    return (
        Tenant.objects.select_related("usage").prefetch_related("domains").filter(slug=slug).first()
    )


def console_audit_list(*, tenant_slug: str = "") -> QuerySet[PlatformAuditEntry]:
    entries = PlatformAuditEntry.objects.all()
    if tenant_slug:
        entries = entries.filter(tenant_slug=tenant_slug)
    return entries


def console_archive_list() -> QuerySet[DeprovisionJob]:
    return DeprovisionJob.objects.filter(status=DeprovisionJob.Status.SUCCEEDED).order_by(
        "-finished_at", "-pk"
    )


def console_archive_get(*, archive_id: int) -> DeprovisionJob | None:
    return console_archive_list().filter(pk=archive_id).first()


def console_archive_job_get(*, job_id: int) -> DeprovisionJob | None:
    return DeprovisionJob.objects.filter(pk=job_id).first()


def console_restore_job_get(*, job_id: int) -> RestoreJob | None:
    return RestoreJob.objects.select_related("archive").filter(pk=job_id).first()
