"""What every engagement e-mail shares: absolute links on the tenant's canonical origin, its
language, its branding."""

from __future__ import annotations

import logging

from engagement.missions.models import Slot
from tenants.context import current_tenant
from tenants.models import Tenant

logger = logging.getLogger(__name__)


# --- Building blocks ----------------------------------------------------------------------------


def _tenant() -> Tenant:
    return current_tenant()


def _slot_context(slot: Slot) -> dict[str, object]:
    return {
        "slot": slot,
        "is_ongoing": slot.is_ongoing,
        "mission": slot.mission,
        "organization": slot.mission.organization,
    }
