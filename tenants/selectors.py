"""Reads on tenants."""

from django.db.models import QuerySet

from tenants.models import DeprovisionJob, Tenant


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


def deprovision_job_get(*, job_id: int) -> DeprovisionJob | None:
    return DeprovisionJob.objects.filter(pk=job_id).first()
