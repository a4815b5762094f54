"""Reads on tenants."""

from django.db.models import QuerySet

from tenants.models import DeprovisionJob, Domain, Tenant


def tenant_list_public() -> QuerySet[Tenant]:
    return Tenant.objects.filter(status=Tenant.Status.ACTIVE).only(
        "name", "slug", "kind", "tagline", "primary_color", "accent_color"
    )


def tenant_list_for_platform(
    *, status: str | None = None, kind: str | None = None
) -> QuerySet[Tenant]:
    """Every tenant with its domains, oldest first, for platform staff: a page costs a fixed
    number of queries."""
    tenants = Tenant.objects.prefetch_related("domains").order_by("created_at", "pk")
    if status:
        tenants = tenants.filter(status=status)
    if kind:
        tenants = tenants.filter(kind=kind)
    return tenants


def tenant_get_for_platform(*, slug: str) -> Tenant | None:
    return Tenant.objects.prefetch_related("domains").filter(slug=slug).first()


def tenant_canonical_host(tenant: Tenant) -> str:
    """The tenant's primary verified domain (a custom domain once it is made primary), else its
    subdomain of BASE_DOMAIN."""
    prefetched = getattr(tenant, "_prefetched_objects_cache", {}).get("domains")
    if prefetched is not None:  # lists of tenants (platform API) prefetch their domains
        primary = next(
            (domain.domain for domain in prefetched if domain.is_primary and domain.is_verified),
            None,
        )
    else:
        primary = (
            Domain.objects.filter(tenant_id=tenant.pk, is_primary=True, is_verified=True)
            .values_list("domain", flat=True)
            .first()
        )
    return primary or tenant.primary_host


def deprovision_job_get(*, job_id: int) -> DeprovisionJob | None:
    return DeprovisionJob.objects.filter(pk=job_id).first()
