"""Missions and their dates: a mission page, an organization's and the moderators' lists."""

from __future__ import annotations

from datetime import datetime

from django.db.models import F, Prefetch, QuerySet, prefetch_related_objects
from django.utils import timezone

from engagement.missions.models import Mission, Slot
from engagement.missions.search import open_slot_condition
from engagement.organizations.models import Organization
from engagement.taxonomy.models import Cause, Skill

# A mission page shows at most this many upcoming slots (the slots endpoint pages through all).
DETAIL_SLOTS_LIMIT = 50


def upcoming_slots(*, now: datetime | None = None) -> QuerySet[Slot]:
    """Open slots that have not started (and ongoing ones), soonest first: the joinable ones."""
    return Slot.objects.filter(open_slot_condition(now=now or timezone.now())).order_by(
        F("starts_at").asc(nulls_last=True), "id"
    )


def mission_detail(*, mission: Mission) -> Mission:
    """The mission with its organization, causes, skills and its next upcoming slots
    (`upcoming_slots`, at most DETAIL_SLOTS_LIMIT) loaded: four queries at most."""
    prefetch_related_objects(
        [mission],
        "organization",
        Prefetch("causes", queryset=Cause.objects.order_by("position", "slug")),
        Prefetch("skills", queryset=Skill.objects.order_by("position", "slug")),
        Prefetch(
            "slots",
            queryset=upcoming_slots()[:DETAIL_SLOTS_LIMIT],
            to_attr="upcoming_slots",
        ),
    )
    return mission


def slot_list_for_mission(*, mission: Mission, include_past: bool = False) -> QuerySet[Slot]:
    """Every slot of the mission (organizers) or only the upcoming open ones, soonest first."""
    if include_past:
        return Slot.objects.filter(mission=mission).order_by(
            F("starts_at").asc(nulls_last=True), "id"
        )
    return upcoming_slots().filter(mission=mission)


def mission_slot_get(*, mission: Mission, slot_id: int) -> Slot | None:
    """The slot `slot_id` if it belongs to `mission` (None otherwise)."""
    return Slot.objects.select_related("mission").filter(mission=mission, pk=slot_id).first()


def mission_list_for_organization(*, organization: Organization) -> QuerySet[Mission]:
    """Every mission of the organization whatever its status, latest first."""
    return (
        Mission.objects.filter(organization=organization)
        .select_related("organization")
        .prefetch_related(Prefetch("causes", queryset=Cause.objects.order_by("position", "slug")))
        .defer("search_vector")
        .order_by("-created_at", "-id")
    )


def mission_list_for_moderation() -> QuerySet[Mission]:
    """Missions waiting for a moderator, oldest first."""
    return (
        Mission.objects.filter(status=Mission.Status.IN_REVIEW)
        .select_related("organization")
        .prefetch_related(Prefetch("causes", queryset=Cause.objects.order_by("position", "slug")))
        .defer("search_vector")
        .order_by("updated_at", "id")
    )
