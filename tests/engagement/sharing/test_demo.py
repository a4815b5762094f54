"""The demo's sharing: Paris shares, Acme subscribes, the mirror is filled at once (idempotent)."""

from __future__ import annotations

from django_tenants.utils import tenant_context

from engagement.sharing.demo import demo_sharing_seed
from engagement.sharing.models import CitySubscription, SharedMission, SharingSubscriber


def test_the_demo_seed_shares_and_subscribes_twice_without_doubling(city, company):
    assert demo_sharing_seed(city_slug="paris", company_slug="acme", radius_km=5) == 1
    assert demo_sharing_seed(city_slug="paris", company_slug="acme", radius_km=5) == 1
    with tenant_context(company.tenant):
        assert CitySubscription.objects.get().is_active is True
        assert list(SharedMission.objects.values_list("title", flat=True)) == [
            "Distribution de repas"
        ]
    with tenant_context(city.tenant):
        assert SharingSubscriber.objects.get().company_tenant_id == company.tenant.pk
