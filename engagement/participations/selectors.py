"""A volunteer's participations and the participants of a mission."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from engagement.missions.models import Mission, Slot
from engagement.organizations.models import Organization
from engagement.participations.models import Participation
from engagement.rows import Columns, fetch_all, joined
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


_PARTICIPATION = Columns.of(Participation, "p")
_SLOT = Columns.of(Slot, "s")
# What "Mes engagements" shows of a mission and its organization: not the search vector nor the
# long descriptions (as participation_list_for_volunteer's `defer`).
_MISSION = Columns.of(Mission, "m", deferred=("search_vector", "description"))
_ORGANIZATION = Columns.of(Organization, "o", deferred=("description",))
# The condition of `_upcoming` (NULLs as the ORM's negation reads them: a slot without an end
# that has started is over).
_UPCOMING_SQL = (
    "p.status = ANY(%(statuses)s) AND (s.starts_at IS NULL OR COALESCE(s.ends_at > %(now)s, false))"
)

# participation_list_upcoming_on_mission as SQL written once from the models (names only; every
# value is a parameter): the same rows and order as `_upcoming` and `_soonest_first` give the
# ORM, whose compile of that select_related query cost ~1 ms of CPU on every signed-in mission
# page (docs/benchmarks.md, "Throughput").
_UPCOMING_ON_MISSION_SQL = (
    f"SELECT {_PARTICIPATION.sql}, {_SLOT.sql} "  # noqa: S608
    f"FROM {_PARTICIPATION.table} JOIN {_SLOT.table} ON s.id = p.slot_id "
    f"WHERE p.volunteer_id = %(volunteer)s AND s.mission_id = %(mission)s AND {_UPCOMING_SQL} "
    "ORDER BY s.starts_at ASC NULLS LAST, p.id ASC"
)


def _active_statuses() -> list[str]:
    return [str(status) for status in Participation.ACTIVE_STATUSES]


def participation_list_upcoming_on_mission(*, user: User, mission: Mission) -> list[Participation]:
    """The volunteer's upcoming participations (as `participation_list_for_volunteer`'s
    "upcoming") on the slots of one mission, soonest first, each with its slot and that mission
    set: what the mission page shows of them, one query."""
    rows = fetch_all(
        _UPCOMING_ON_MISSION_SQL,
        {
            "volunteer": user.pk,
            "mission": mission.pk,
            "statuses": _active_statuses(),
            "now": timezone.now(),
        },
    )
    participations = [joined(row, _PARTICIPATION, _SLOT) for row in rows]
    for participation in participations:
        participation.slot.mission = mission
    return participations


def _for_volunteer_sql(scope: Literal["upcoming", "past"]) -> str:
    condition = _UPCOMING_SQL if scope == "upcoming" else f"NOT ({_UPCOMING_SQL})"
    order = (
        "s.starts_at ASC NULLS LAST, p.id ASC"
        if scope == "upcoming"
        else "s.starts_at DESC NULLS FIRST, p.id DESC"
    )
    return (
        f"SELECT {_PARTICIPATION.sql}, {_SLOT.sql}, {_MISSION.sql}, {_ORGANIZATION.sql} "  # noqa: S608
        f"FROM {_PARTICIPATION.table} JOIN {_SLOT.table} ON s.id = p.slot_id "
        f"JOIN {_MISSION.table} ON m.id = s.mission_id "
        f"JOIN {_ORGANIZATION.table} ON o.id = m.organization_id "
        f"WHERE p.volunteer_id = %(volunteer)s AND {condition} "
        f"ORDER BY {order} LIMIT %(limit)s"
    )


_FOR_VOLUNTEER_SQL = {
    "upcoming": _for_volunteer_sql("upcoming"),
    "past": _for_volunteer_sql("past"),
}


def participations_of_volunteer(
    *, user: User, scope: Literal["upcoming", "past"], limit: int | None = None
) -> list[Participation]:
    """`participation_list_for_volunteer(user=user, scope=scope)[:limit]` as a list, with the
    same rows, order and loaded columns (slot, mission and organization joined), from one
    statement written once: "Mes engagements" reads both scopes on every visit, and the ORM's
    compile of that select_related query cost 1.7-2.9 ms of CPU per list, more than its rows
    (docs/benchmarks.md, "Throughput")."""
    rows = fetch_all(
        _FOR_VOLUNTEER_SQL[scope],
        {
            "volunteer": user.pk,
            "statuses": _active_statuses(),
            "now": timezone.now(),
            "limit": limit,
        },
    )
    return [joined(row, _PARTICIPATION, _SLOT, _MISSION, _ORGANIZATION) for row in rows]


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
