"""What every engagement e-mail shares: absolute links on the tenant's canonical origin, its
language, its branding."""

from __future__ import annotations

import logging
import re

from engagement.missions.models import Slot
from tenants.branding import readable_link_colour, readable_text_on
from tenants.context import current_tenant
from tenants.models import Tenant

logger = logging.getLogger(__name__)

_BLANK_LINES = re.compile(r"\n\s*\n(\s*\n)+")
_EMPTY_PARAGRAPH = re.compile(r"<p[^>]*>\s*</p>\s*")


# --- Building blocks ----------------------------------------------------------------------------


def _tenant() -> Tenant:
    return current_tenant()


def _branding(tenant: Tenant) -> dict[str, str]:
    return {
        "tenant_name": tenant.name,
        "primary_color": tenant.primary_color,
        "on_primary": readable_text_on(tenant.primary_color),
        "link_color": readable_link_colour(tenant.primary_color),
        "site_url": tenant.base_url,
    }


def _slot_context(slot: Slot) -> dict[str, object]:
    return {
        "slot": slot,
        "is_ongoing": slot.is_ongoing,
        "mission": slot.mission,
        "organization": slot.mission.organization,
    }
