"""What every engagement e-mail shares: absolute links on the tenant's canonical origin, its
language, its branding."""

from __future__ import annotations

import logging
import re
from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from engagement.missions.models import Mission, Slot

logger = logging.getLogger(__name__)

# Links in e-mails: the pages' URL patterns, or these paths if a pattern is missing.
MISSION_PATH = "/missions/{mission_id}/"
MY_PARTICIPATIONS_PATH = "/me/participations/"
ORGANIZATION_PATH = "/organisation/{organization_id}/"
INVITATION_PATH = "/organisation/invitation/{token}/"

_BLANK_LINES = re.compile(r"\n\s*\n(\s*\n)+")
_EMPTY_PARAGRAPH = re.compile(r"<p[^>]*>\s*</p>\s*")


# --- Building blocks ----------------------------------------------------------------------------


def _tenant() -> Any:
    from tenants.context import current_tenant

    return current_tenant()


def tenant_base_url(tenant: Any) -> str:
    from tenants.services import tenant_base_url as base_url

    return base_url(tenant)


def _url(tenant: Any, name: str, fallback: str, **kwargs: Any) -> str:
    try:
        path = reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        path = fallback.format(**kwargs)
    return f"{tenant_base_url(tenant)}{path}"


def mission_url(tenant: Any, mission: Mission) -> str:
    return _url(tenant, "mission-detail", MISSION_PATH, mission_id=mission.pk)


def language_for(tenant: Any, user: Any | None = None) -> str:
    """The recipient's language if the tenant offers it, else the tenant's default."""
    chosen = (getattr(user, "language", "") or "").lower()
    if chosen and chosen in tenant.offered_languages:
        return chosen
    return tenant.default_language or settings.LANGUAGE_CODE


def template_language(language: str) -> str:
    """The template folder for a language: French variants share `fr`, everything else `en`."""
    return "fr" if language.lower().startswith("fr") else "en"


def _branding(tenant: Any) -> dict[str, Any]:
    from tenants.branding import readable_link_colour, readable_text_on

    return {
        "tenant_name": tenant.name,
        "primary_color": tenant.primary_color,
        "on_primary": readable_text_on(tenant.primary_color),
        "link_color": readable_link_colour(tenant.primary_color),
        "site_url": tenant_base_url(tenant),
    }


def mission_location_label(mission: Mission) -> str:
    return ", ".join(
        part for part in (mission.address, f"{mission.postcode} {mission.city}".strip()) if part
    )


def _slot_context(slot: Slot) -> dict[str, Any]:
    return {
        "slot": slot,
        "is_ongoing": slot.is_ongoing,
        "mission": slot.mission,
        "organization": slot.mission.organization,
    }
