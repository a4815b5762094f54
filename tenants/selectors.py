"""Reads on tenants."""

from django.conf import settings
from django.db.models import QuerySet

from tenants.models import DeprovisionJob, Domain, RestoreJob, Tenant


def tenant_list_public() -> QuerySet[Tenant]:
    """What the public site may name: active instances that are not private (a company's
    programme is its employees' business: neither its name nor that it exists is shown)."""
    return Tenant.objects.filter(status=Tenant.Status.ACTIVE, is_private=False).only(
        "name", "slug", "kind", "tagline", "primary_color", "accent_color"
    )


def tenant_list_for_platform(
    *, status: str | None = None, kind: str | None = None
) -> QuerySet[Tenant]:
    """Every tenant with its domains, oldest first, for platform staff: a page costs a fixed
    number of queries."""
    tenants = (
        Tenant.objects.select_related("usage")
        .prefetch_related("domains")
        .order_by("created_at", "pk")
    )
    if status:
        tenants = tenants.filter(status=status)
    if kind:
        tenants = tenants.filter(kind=kind)
    return tenants


def tenant_get_for_platform(*, slug: str) -> Tenant | None:
    return (
        Tenant.objects.select_related("usage").prefetch_related("domains").filter(slug=slug).first()
    )


def deprovision_job_get(*, job_id: int) -> DeprovisionJob | None:
    return DeprovisionJob.objects.filter(pk=job_id).first()


def restore_job_get(*, job_id: int) -> RestoreJob | None:
    return RestoreJob.objects.filter(pk=job_id).first()


def archive_list_for_platform() -> QuerySet[DeprovisionJob]:
    """Archives (succeeded deprovisionings), newest first."""
    return DeprovisionJob.objects.filter(status=DeprovisionJob.Status.SUCCEEDED).order_by(
        "-finished_at", "-pk"
    )


def custom_domains_of(*, tenant: Tenant) -> QuerySet[Domain]:
    """The tenant's own domains: every Domain of it but the platform's (`<slug>.BASE_DOMAIN`)."""
    base = settings.BASE_DOMAIN
    return (
        Domain.objects.filter(tenant_id=tenant.pk)
        .exclude(domain=base)
        .exclude(domain__endswith="." + base)
        .order_by("created_at", "pk")
    )


def custom_domain_list(*, tenant: Tenant) -> list[Domain]:
    """The tenant's custom domains, oldest first (one query)."""
    return list(custom_domains_of(tenant=tenant))


def custom_domain_get(*, tenant: Tenant, domain_id: int) -> Domain | None:
    """One of the tenant's custom domains; None for an id of another tenant or of none."""
    return custom_domains_of(tenant=tenant).select_related("tenant").filter(pk=domain_id).first()


def custom_domain_hosts_verified() -> list[str]:
    """Every verified custom domain of the active tenants (what the ingress must serve, with a
    certificate each), sorted."""
    base = settings.BASE_DOMAIN
    return list(
        Domain.objects.filter(is_verified=True, tenant__status=Tenant.Status.ACTIVE)
        .exclude(domain=base)
        .exclude(domain__endswith="." + base)
        .order_by("domain")
        .values_list("domain", flat=True)
    )
