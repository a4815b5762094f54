"""The session's test tenants: two cities and a company, provisioned like real ones."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from django.utils import timezone

from tenants.models import Tenant
from tenants.services import tenant_provision

TEST_TENANTS: tuple[dict, ...] = (
    {
        "kind": Tenant.Kind.CITY,
        "name": "Paris",
        "slug": "paris",
        "admin_email": "admin@paris.example",
        "default_language": "fr",
        "timezone_name": "Europe/Paris",
        "country": "FR",
        "primary_color": "#0d2a5c",
        "accent_color": "#d6001c",
        "map_center": (48.8566, 2.3522),
    },
    {
        "kind": Tenant.Kind.CITY,
        "name": "Montréal",
        "slug": "montreal",
        "admin_email": "admin@montreal.example",
        "default_language": "fr-ca",
        "languages": ["en"],
        "timezone_name": "America/Toronto",
        "country": "CA",
        "primary_color": "#b5121b",
        "accent_color": "#00468b",
        "map_center": (45.5019, -73.5674),
    },
    {
        "kind": Tenant.Kind.COMPANY,
        "name": "Acme Corp",
        "slug": "acme",
        "admin_email": "admin@acme.example",
        "default_language": "en",
        "timezone_name": "Europe/Paris",
        "country": "FR",
        "primary_color": "#3b1f7a",
        "accent_color": "#0f9d8a",
        "map_center": (48.8924, 2.2369),
    },
)


def create_test_tenants() -> None:
    for spec in TEST_TENANTS:
        if not Tenant.objects.filter(slug=spec["slug"]).exists():
            tenant_provision(**spec)


def tenant_today(tenant: Tenant) -> date:
    """Today on the tenant's calendar, which the services count days by: from 23:00 to
    midnight UTC it is already tomorrow in Paris, so timezone.localdate() (UTC in tests) is not."""
    return timezone.localdate(timezone=ZoneInfo(tenant.timezone))
