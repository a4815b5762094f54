"""Reads of engagement, one module per subject; import them from here.

Selectors return querysets (or lists) with every relation the API and the pages present already
joined or prefetched, so a page costs the same number of queries whatever its size. Who may see
an object is decided before a selector runs (accounts/permissions.py); selectors only scope what
they are given. Writes never happen here (engagement/services/).
"""

from engagement.selectors.geo import location_as_geometry, radius_box
from engagement.selectors.missions import (
    DETAIL_SLOTS_LIMIT,
    mission_detail,
    mission_list_for_moderation,
    mission_list_for_organization,
    mission_slot_get,
    slot_list_for_mission,
    upcoming_slots,
)
from engagement.selectors.organizations import (
    invitation_list_for_organization,
    membership_list_for_organization,
    organization_list_for_moderation,
    organization_list_for_user,
)
from engagement.selectors.participations import (
    ParticipationScope,
    participation_list_for_mission,
    participation_list_for_volunteer,
)
from engagement.selectors.search import (
    MAP_POINTS_LIMIT,
    MissionSearchFilters,
    SearchResult,
    SearchSort,
    availability_bits,
    mission_map_points,
    mission_search,
    mission_search_page,
    mission_search_paginated,
    tenant_zone,
)
from engagement.selectors.taxonomy import cause_list, profile_for_user, skill_list

__all__ = [
    "DETAIL_SLOTS_LIMIT",
    "MAP_POINTS_LIMIT",
    "MissionSearchFilters",
    "ParticipationScope",
    "SearchSort",
    "availability_bits",
    "cause_list",
    "invitation_list_for_organization",
    "location_as_geometry",
    "membership_list_for_organization",
    "mission_detail",
    "mission_list_for_moderation",
    "mission_list_for_organization",
    "mission_map_points",
    "mission_search",
    "mission_search_page",
    "mission_search_paginated",
    "SearchResult",
    "mission_slot_get",
    "organization_list_for_moderation",
    "organization_list_for_user",
    "participation_list_for_mission",
    "participation_list_for_volunteer",
    "profile_for_user",
    "radius_box",
    "skill_list",
    "slot_list_for_mission",
    "tenant_zone",
    "upcoming_slots",
]
