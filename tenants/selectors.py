"""Reads on tenants."""

from django.db.models import QuerySet

from tenants.models import Domain, Tenant


def tenant_list_public() -> QuerySet[Tenant]:
    return Tenant.objects.filter(status=Tenant.Status.ACTIVE).only(
        "name", "slug", "kind", "tagline", "primary_color", "accent_color"
    )


def tenant_get_by_slug(*, slug: str) -> Tenant | None:
    return Tenant.objects.filter(slug=slug).first()


def domain_list_for_tenant(*, tenant: Tenant) -> QuerySet[Domain]:
    return Domain.objects.filter(tenant=tenant)
