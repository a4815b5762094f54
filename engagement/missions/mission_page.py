"""What the mission page and the pages reached from it share (engagement/missions/views.py,
engagement/participations/views.py for "Je participe", engagement/groups/views.py for a group's
sign-up): the mission a visitor may see, their upcoming participations in it, and the dates to
offer."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from engagement.missions import selectors as missions_selectors
from engagement.missions.access import mission_get_for_viewer
from engagement.missions.models import Mission
from engagement.participations.models import Participation
from engagement.participations.selectors import participation_list_upcoming_on_mission


def viewable_mission(request: HttpRequest, mission_id: int) -> Mission:
    """The mission with what its page shows, if the visitor may see it (else 404)."""
    mission = mission_get_for_viewer(mission_id=mission_id, user=request.user)
    return missions_selectors.mission_detail(mission=mission)


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
