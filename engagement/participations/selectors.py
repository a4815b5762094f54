"""A volunteer's participations and the participants of a mission."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from engagement.missions.models import Mission, Slot
from engagement.participations.models import Participation
from engagement.volunteers.selectors import volunteer_phone

ParticipationScope = Literal["upcoming", "past", "all"]


def _not_over(prefix: str, now: datetime) -> Q:
    return Q(**{f"{prefix}starts_at__isnull": True}) | Q(**{f"{prefix}ends_at__gt": now})


def _upcoming(now: datetime) -> Q:
    """Still active (requested, confirmed, waitlisted) on a slot that is not over."""
    return Q(status__in=Participation.ACTIVE_STATUSES) & _not_over("slot__", now)


def _soonest_first() -> tuple[Any, str]:
    return (F("slot__starts_at").asc(nulls_last=True), "id")


def participation_list_for_volunteer(
    *, user: User, scope: ParticipationScope = "upcoming"
) -> QuerySet[Participation]:
    """The volunteer's participations with slot, mission and organization joined.

    upcoming: still active (requested, confirmed, waitlisted) on a slot that is not over, soonest
    first; past: everything else (over, cancelled, declined, attended, no-show), latest first.
    """
    upcoming = _upcoming(timezone.now())
    participations = (
        Participation.objects.filter(volunteer=user)
        .select_related("slot__mission__organization")
        .defer(
            "slot__mission__search_vector",
            "slot__mission__description",
            "slot__mission__organization__description",
        )
    )
    if scope == "upcoming":
        return participations.filter(upcoming).order_by(*_soonest_first())
    if scope == "past":
        participations = participations.filter(~upcoming)
    return participations.order_by(F("slot__starts_at").desc(nulls_first=True), "-id")


def participation_list_upcoming_on_mission(*, user: User, mission: Mission) -> list[Participation]:
    """The volunteer's upcoming participations (as `participation_list_for_volunteer`'s
    "upcoming") on the slots of one mission, soonest first, each with its slot and that mission
    set: what the mission page shows of them, one query."""
    participations = list(
        Participation.objects.filter(
            _upcoming(timezone.now()), volunteer=user, slot__mission_id=mission.pk
        )
        .select_related("slot")
        .order_by(*_soonest_first())
    )
    for participation in participations:
        participation.slot.mission = mission
    return participations


def participation_list_for_mission(
    *,
    mission: Mission,
    slot: Slot | None = None,
    statuses: Sequence[str] | None = None,
) -> QuerySet[Participation]:
    """Participations on the mission's slots (or one slot), grouped by slot in date order,
    then in arrival order; volunteer and slot joined."""
    participations = Participation.objects.filter(slot__mission=mission)
    if slot is not None:
        participations = participations.filter(slot=slot)
    if statuses:
        participations = participations.filter(status__in=list(statuses))
    return participations.select_related("volunteer__volunteer_profile", "slot").order_by(
        F("slot__starts_at").asc(nulls_last=True), "slot_id", "created_at", "id"
    )


# An organization sees the phone of the people who joined one of its missions — asked,
# confirmed, waiting or came — never of those who cancelled, were declined or did not come.
PHONE_VISIBLE_STATUSES = (*Participation.ACTIVE_STATUSES, Participation.Status.ATTENDED)


def participant_phone(participation: Participation) -> str:
    """The participant's phone for the organization of the participation's mission, or ""."""
    if participation.status not in PHONE_VISIBLE_STATUSES:
        return ""
    return volunteer_phone(participation.volunteer)
