"""What the mission page and the pages reached from it share (engagement/missions/views.py,
engagement/participations/views.py for "Je participe", engagement/groups/views.py for a group's
sign-up): the mission a visitor may see, their upcoming participations in it, and the dates to
offer."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from django.http import HttpRequest

from accounts.permissions import id_or_404
from engagement.missions import selectors as missions_selectors
from engagement.missions.access import mission_get_for_viewer
from engagement.missions.models import Mission
from engagement.organizations.models import Organization
from engagement.participations.models import Participation
from engagement.participations.selectors import participation_list_upcoming_on_mission
from engagement.taxonomy.models import Cause, Skill
from engagement.templatetags.engagement_tags import slot_seats_html
from tenants.context import tenant_cache_key
from tenants.page_cache import (
    TENANT_SCOPE,
    cache_for_generations,
    cached_for_generations,
    mission_copy_scope,
    mission_seats_scope,
)

# An anonymous mission page is kept this long at most (engagement.missions.views), and so is a
# published mission's copy: the mission, its organization, causes and skills, not its dates. The
# copy is stored for the tenant's page generation, which every write to an organization or the
# taxonomy renews, and for its mission's copy generation, which every write to that mission, its
# causes and skills or its dates renews (engagement/page_cache.py); a change of seats does not
# touch the copy: the dates and their seats are read on every view. A stored anonymous page gets
# its dates' seats afresh on every view too (fill_seats), from a map of their own.
MISSION_PAGE_SECONDS = 900
MISSION_DATA_SECONDS = MISSION_PAGE_SECONDS


def _fields_version() -> str:
    """The stored copies are pickled model instances: a change of these models' columns (a new
    release) names new copies rather than reading old ones."""
    columns = [
        f"{model._meta.label}.{field.attname}"
        for model in (Mission, Organization, Cause, Skill)
        for field in model._meta.concrete_fields
    ]
    return hashlib.sha256(" ".join(columns).encode()).hexdigest()[:12]


_FIELDS_VERSION = _fields_version()


def _mission_data_key(mission_id: int) -> str:
    return tenant_cache_key("mission-data", mission_id, _FIELDS_VERSION)


def _published_mission(request: HttpRequest, mission_id: int | str) -> Mission:
    """The mission with its organization, causes and skills, if the visitor may see it (else
    404): a published one from the tenant's cache when it is there (no query), else from the
    database, and stored; any other (a draft its organizers open, a closed one a past volunteer
    opens) read for its viewer each time."""
    pk = id_or_404(mission_id)
    key = _mission_data_key(pk)
    # One round trip for the copy and the generation, read before the rows: a write committed
    # in between renews the generation, and a copy made from the older rows is never read.
    stored, generations = cached_for_generations(key, [TENANT_SCOPE, mission_copy_scope(pk)])
    if isinstance(stored, Mission) and stored.status == Mission.Status.PUBLISHED:
        return stored
    mission = missions_selectors.mission_with_taxonomy(
        mission=mission_get_for_viewer(mission_id=pk, user=request.user)
    )
    if mission.status == Mission.Status.PUBLISHED:
        cache_for_generations(key, mission, generations, MISSION_DATA_SECONDS)
    return mission


# A date's seats on the mission page, as slot_seats_html writes them.
SEATS_SPAN = re.compile(rb'<span class="seats(?: full)?" data-slot-seats="(\d+)">[^<]*</span>')


def _seats_key(mission_id: int) -> str:
    return tenant_cache_key("mission-seats", mission_id)


def _stored_seats(mission_id: int) -> tuple[dict[int, int] | None, list[str]]:
    """The mission's seats left kept in the tenant's cache for the current generation of its
    seats, if any, and that generation: read before the rows, as for the mission's copy, so
    that counters committed in between renew it and seats read before are never served."""
    stored, generations = cached_for_generations(
        _seats_key(mission_id), [TENANT_SCOPE, mission_seats_scope(mission_id)]
    )
    return (stored if isinstance(stored, dict) else None), generations


def _keep_seats(mission_id: int, seats: dict[int, int], generations: list[str]) -> None:
    cache_for_generations(_seats_key(mission_id), seats, generations, MISSION_PAGE_SECONDS)


def seats_left_of(mission_id: int, slot_ids: set[int]) -> dict[int, int]:
    """The seats left of the mission's dates `slot_ids`: from the tenant's cache when it holds
    them (no query), else read (one query) and kept."""
    stored, generations = _stored_seats(mission_id)
    if stored is not None and slot_ids <= stored.keys():
        return stored
    seats = missions_selectors.slot_seats_left(mission_id=mission_id, slot_ids=slot_ids)
    _keep_seats(mission_id, seats, generations)
    return seats


def fill_seats(request: HttpRequest, content: bytes, mission_id: int) -> bytes:
    """A stored copy of the anonymous mission page (engagement.missions.views.mission_detail)
    with each date's seats left as they are now: a sign-up renews the seats, not the page."""
    slot_ids = {int(match.group(1)) for match in SEATS_SPAN.finditer(content)}
    if not slot_ids:
        return content
    seats = seats_left_of(mission_id, slot_ids)

    def fresh(match: re.Match[bytes]) -> bytes:
        slot_id = int(match.group(1))
        if slot_id not in seats:  # Deleted since: the page is renewed with it (a content change).
            return match.group(0)
        return slot_seats_html(slot_id, seats[slot_id]).encode()

    return SEATS_SPAN.sub(fresh, content)


def viewable_mission(
    request: HttpRequest, mission_id: int | str, *, keep_seats: bool = False
) -> Mission:
    """The mission with what its page shows (as `mission_detail`: organization, causes, skills
    and the next upcoming dates), if the visitor may see it (else 404).

    A published mission, which every visitor may see, comes from the tenant's cache when it is
    there: the signed-in visitors' pages, "Je participe" and the anonymous pages the page cache
    misses share one copy. Its dates, and their seats, are read each time (one query).

    `keep_seats`: the seats read are also kept for the views of the page about to be stored
    (fill_seats), which then read none while they do not change."""
    mission = _published_mission(request, mission_id)
    if not keep_seats or mission.status != Mission.Status.PUBLISHED:
        return missions_selectors.mission_with_upcoming_slots(mission=mission)
    stored, generations = _stored_seats(mission.pk)
    mission = missions_selectors.mission_with_upcoming_slots(mission=mission)
    seats = {slot.pk: slot.seats_left for slot in mission.upcoming_slots}  # type: ignore[attr-defined]
    if seats != stored:
        _keep_seats(mission.pk, seats, generations)
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
