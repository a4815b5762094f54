"""The demo tenants served by `make run`: two cities and a company, each with its own look."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile

from tenants.models import Tenant

ASSETS = Path(__file__).resolve().parent / "demo_assets"

DEMO_TENANTS: tuple[dict[str, Any], ...] = (
    {
        "kind": Tenant.Kind.CITY,
        "name": "Paris",
        "slug": "paris",
        "admin_email": "admin@paris.example",
        "default_language": "fr",
        "languages": ["en"],
        "timezone_name": "Europe/Paris",
        "country": "FR",
        "primary_color": "#0d2a5c",
        "accent_color": "#d6001c",
        "tagline": "Je m'engage pour Paris : des actions solidaires près de chez vous.",
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
        "tagline": "Ma ville, j'y contribue : bénévolat de quartier à Montréal.",
        "map_center": (45.5019, -73.5674),
    },
    {
        "kind": Tenant.Kind.COMPANY,
        "name": "Acme Corp",
        "slug": "acme",
        "admin_email": "admin@acme.example",
        "default_language": "en",
        "languages": ["fr"],
        "timezone_name": "Europe/Paris",
        "country": "FR",
        "primary_color": "#3b1f7a",
        "accent_color": "#0f9d8a",
        "tagline": "Acme Cares: give time with your colleagues.",
        "map_center": (48.8924, 2.2369),
    },
)


def demo_logo(tenant: Tenant) -> None:
    """Attach the demo logo once."""
    if tenant.logo:
        return
    path = ASSETS / f"{tenant.slug}.svg"
    if path.exists():
        tenant.logo.save(f"logo-{tenant.slug}.svg", ContentFile(path.read_bytes()), save=True)
