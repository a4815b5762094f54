"""What the mission page and the pages reached from it share (engagement/missions/views.py,
engagement/participations/views.py for "Je participe", engagement/groups/views.py for a group's
sign-up): the mission a visitor may see, their upcoming participations in it, and the dates to
offer."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

from accounts.permissions import id_or_404
from engagement.missions import selectors as missions_selectors
from engagement.missions.access import mission_get_for_viewer
from engagement.missions.models import Mission, Slot
from engagement.organizations.models import Organization
from engagement.participations.models import Participation
from engagement.participations.selectors import participation_list_upcoming_on_mission
from engagement.taxonomy.models import Cause, Skill
from tenants.context import tenant_cache_key
from tenants.page_cache import TENANT_SCOPE, mission_scope, page_cache_generations

# A published mission's page data (the mission, its organization, causes, skills and upcoming
# dates) is kept in the cache this long at most, as its anonymous page is
# (engagement.missions.views.MISSION_PAGE_SECONDS): the page cache's generations, renewed by every
# write that changes what the page shows (engagement/page_cache.py), name the copy.
MISSION_DATA_SECONDS = 900


def _fields_version() -> str:
    """The stored copies are pickled model instances: a change of these models' columns (a new
    release) names new copies rather than reading old ones."""
    columns = [
        f"{model._meta.label}.{field.attname}"
        for model in (Mission, Organization, Slot, Cause, Skill)
        for field in model._meta.concrete_fields
    ]
    return hashlib.sha256(" ".join(columns).encode()).hexdigest()[:12]


_FIELDS_VERSION = _fields_version()


def _mission_data_key(mission_id: int) -> str:
    # The generations are read before the rows: a write committed in between renews them, and
    # the copy made from the older rows is stored under a generation no reader asks for.
    generations = page_cache_generations(TENANT_SCOPE, mission_scope(mission_id))
    return tenant_cache_key("mission-data", mission_id, _FIELDS_VERSION, *generations)


def _data_lifetime(mission: Mission) -> int:
    """Seconds the copy may be served: MISSION_DATA_SECONDS, or until its first date starts (it
    is then no longer offered, and the next one beyond the page's limit may be)."""
    starts = [slot.starts_at for slot in mission.upcoming_slots if slot.starts_at is not None]
    if not starts:
        return MISSION_DATA_SECONDS
    until_first = int((min(starts) - timezone.now()).total_seconds())
    return max(0, min(MISSION_DATA_SECONDS, until_first))


def viewable_mission(request: HttpRequest, mission_id: int | str) -> Mission:
    """The mission with what its page shows (`mission_detail`), if the visitor may see it (else
    404).

    A published mission, which every visitor may see, is read from the tenant's cache when it
    is there (no query), else from the database and stored: the signed-in visitors' pages and
    the anonymous pages the page cache misses share one copy. Any other mission (a draft its
    organizers open, a closed one a past volunteer opens) is read for its viewer each time."""
    pk = id_or_404(mission_id)
    key = _mission_data_key(pk)
    stored = cache.get(key)
    if isinstance(stored, Mission) and stored.status == Mission.Status.PUBLISHED:
        return stored
    mission = missions_selectors.mission_detail(
        mission=mission_get_for_viewer(mission_id=pk, user=request.user)
    )
    if mission.status == Mission.Status.PUBLISHED:
        lifetime = _data_lifetime(mission)
        if lifetime > 0:
            cache.set(key, mission, lifetime)
    return mission


def my_active_participations(request: HttpRequest, mission: Mission) -> list[Participation]:
    """The signed-in visitor's upcoming participations in `mission` (none when anonymous)."""
    if not request.user.is_authenticated:
        return []
    return participation_list_upcoming_on_mission(user=request.user, mission=mission)


def _requested_slot_id(request: HttpRequest) -> int | None:
    value = request.GET.get("slot", "")
    return int(value) if value.isdigit() else None


def slot_choice_context(
    request: HttpRequest, mission: Mission, mine: list[Participation]
) -> dict[str, Any]:
    """The slots to show, the ones already booked (shown, not offered) and the preselected one."""
    slots = list(mission.upcoming_slots)
    booked = {participation.slot_id for participation in mine}
    return {
        "slots": slots,
        "booked_slot_ids": booked,
        "choosable_count": sum(1 for slot in slots if slot.pk not in booked),
        "selected_slot_id": _requested_slot_id(request),
    }
