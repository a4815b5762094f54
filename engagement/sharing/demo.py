"""Demo data of mission sharing: the demo city shares, the demo company subscribes.

The seed_demo command calls it once every demo tenant and its content exist (it is idempotent):
`demo_sharing_seed(city_slug="paris", company_slug="acme", radius_km=15)`. It turns sharing on
in the city (every verified organization), gives the company a "Paris head office" site near the
city's map centre if it has no located site yet, subscribes the company with `radius_km` around
all its sites, and fills its mirror right away (no worker needed). It acts as the first tenant
admin of each side (each side's audit shows it). Returns the number of shared missions the
company now sees.
"""

from __future__ import annotations

from django.contrib.gis.geos import Point
from django.db import transaction
from django_tenants.utils import tenant_context

from accounts.models import User
from engagement.notifications import notifications_muted
from engagement.programmes.models import Site
from engagement.sharing import services
from tenants.models import Tenant

# About 1.5 km east-north-east of the city's map centre: near the demo's missions.
SITE_OFFSET = (0.018, 0.007)


def _first_admin() -> User:
    admin = User.objects.filter(role=User.Role.ADMIN, is_active=True).order_by("pk").first()
    if admin is None:
        raise RuntimeError("The demo tenant has no administrator to act as.")
    return admin


def demo_sharing_seed(*, city_slug: str, company_slug: str, radius_km: int = 5) -> int:
    city = Tenant.objects.get(slug=city_slug, kind=Tenant.Kind.CITY)
    company = Tenant.objects.get(slug=company_slug, kind=Tenant.Kind.COMPANY)
    with notifications_muted():
        with tenant_context(city), transaction.atomic():
            if not services.sharing_settings().is_sharing:
                services.sharing_settings_update(
                    actor=_first_admin(), is_sharing=True, all_verified_organizations=True
                )
        with tenant_context(company):
            with transaction.atomic():
                if not Site.objects.filter(is_active=True, point__isnull=False).exists():
                    centre = city.map_center
                    Site.objects.update_or_create(
                        name="Paris head office",
                        defaults={
                            "address": "",
                            "point": Point(
                                centre.x + SITE_OFFSET[0], centre.y + SITE_OFFSET[1], srid=4326
                            ),
                        },
                    )
                subscription = services.city_subscribe(
                    actor=_first_admin(), city_tenant_id=city.pk, radius_km=radius_km
                )
            return services.shared_missions_refresh(subscription_id=subscription.pk)
