"""Missions and their dates: a mission page, an organization's and the moderators' lists."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import F, Model, OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone

from engagement.missions.models import Mission, Slot
from engagement.missions.search import joinable_condition, open_slot_condition
from engagement.organizations.models import Organization
from engagement.rows import Columns, fetch_all, instances
from engagement.taxonomy.models import Cause, Skill

# A mission page shows at most this many upcoming slots (the slots endpoint pages through all).
DETAIL_SLOTS_LIMIT = 50


def upcoming_slots(*, now: datetime | None = None) -> QuerySet[Slot]:
    """Open slots that have not started (and ongoing ones), soonest first: the joinable ones."""
    return Slot.objects.filter(open_slot_condition(now=now or timezone.now())).order_by(
        F("starts_at").asc(nulls_last=True), "id"
    )


def _taxonomy_sql() -> str:
    # Table and column names from the models; the mission is a parameter.
    def labels(model: type[Model], field: str) -> str:
        through = getattr(Mission, field).through._meta.db_table
        column = getattr(Mission, field).field.m2m_reverse_name()
        source = f"{model._meta.db_table} t JOIN {through} m ON m.{column} = t.id"
        rows = "coalesce(json_agg(t ORDER BY t.position, t.slug), '[]')"
        return f"(SELECT {rows} FROM {source} WHERE m.mission_id = %(mission)s)"  # noqa: S608

    return f"SELECT {labels(Cause, 'causes')}, {labels(Skill, 'skills')}"


# A mission's causes and skills in display order, as JSON rows of their tables: one statement,
# written once (two prefetches cost two statements built by the ORM on every mission page).
_TAXONOMY_SQL = _taxonomy_sql()


def _loaded(mission: Mission, field: str, rows: list[dict[str, Any]]) -> QuerySet[Any]:
    """`rows` (JSON rows of the table of `mission.<field>`) as a prefetch stores them: the
    queryset of the mission's own, in display order, with its result in place (a `.filter()`
    on it still reads the mission's rows only)."""
    relation = getattr(Mission, field).field
    model = relation.related_model
    fields = model._meta.concrete_fields
    names = [item.attname for item in fields]
    queryset = model._default_manager.filter(**{relation.related_query_name(): mission}).order_by(
        "position", "slug"
    )
    queryset._result_cache = [
        model.from_db(connection.alias, names, [row[item.column] for item in fields])
        for row in rows
    ]
    queryset._prefetch_done = True
    return queryset


def mission_detail(*, mission: Mission) -> Mission:
    """The mission with its causes and skills (display order) and its next upcoming slots
    (`upcoming_slots`, at most DETAIL_SLOTS_LIMIT) loaded: two queries. Its organization comes
    with it (every caller's lookup joins it) or costs one more.

    `mission.causes.all()` and `mission.skills.all()` then read what was loaded, as after
    `prefetch_related`."""
    return mission_with_upcoming_slots(mission=mission_with_taxonomy(mission=mission))


def mission_with_taxonomy(*, mission: Mission) -> Mission:
    """The mission with its causes and skills loaded (display order), and its organization: one
    query (none for the organization when the lookup joined it)."""
    with connection.cursor() as cursor:
        cursor.execute(_TAXONOMY_SQL, {"mission": mission.pk})
        causes, skills = cursor.fetchone()
    prefetched = mission.__dict__.setdefault("_prefetched_objects_cache", {})
    prefetched["causes"] = _loaded(mission, "causes", causes)
    prefetched["skills"] = _loaded(mission, "skills", skills)
    mission.organization  # noqa: B018 - loaded now if the lookup did not join it
    return mission


_SLOT = Columns.of(Slot, "s")
# upcoming_slots() of one mission, soonest first, at most a page's: the statement every mission
# page and "Je participe" runs, written once (engagement/rows.py) rather than compiled each time.
_UPCOMING_OF_MISSION_SQL = (
    f"SELECT {_SLOT.sql} FROM {_SLOT.table} "  # noqa: S608 - names from the model
    "WHERE s.mission_id = %(mission)s AND s.status = %(open)s "
    "AND (s.starts_at IS NULL OR s.starts_at > %(now)s) "
    "ORDER BY s.starts_at ASC NULLS LAST, s.id ASC LIMIT %(limit)s"
)


def mission_with_upcoming_slots(*, mission: Mission) -> Mission:
    """The mission with only its next upcoming slots loaded as `mission.upcoming_slots`
    (`upcoming_slots()`, at most DETAIL_SLOTS_LIMIT): what choosing a date needs, one query.

    A plain LIMIT on this mission's slots: a sliced Prefetch would number every mission's
    slots with a window (ROW_NUMBER() ... QUALIFY), built for many missions at once; its
    compile showed as 1.8 ms per mission page under cProfile (bench/throughput.py --profile)."""
    rows = fetch_all(
        _UPCOMING_OF_MISSION_SQL,
        {
            "mission": mission.pk,
            "open": str(Slot.Status.OPEN),
            "now": timezone.now(),
            "limit": DETAIL_SLOTS_LIMIT,
        },
    )
    slots = [instances(row, _SLOT)[0] for row in rows]
    for slot in slots:
        slot.mission = mission  # as a prefetch sets it: no query when a slot names its mission
    mission.upcoming_slots = slots  # type: ignore[attr-defined]
    return mission


def slot_seats_left(*, mission_id: int, slot_ids: Collection[int]) -> dict[int, int]:
    """The seats left (Slot.seats_left) of those of `slot_ids` that are the mission's dates, by
    slot id: one query, three counters a date."""
    slots = Slot.objects.filter(mission_id=mission_id, pk__in=list(slot_ids)).only(
        "pk", "capacity", "confirmed_count", "held_count"
    )
    return {slot.pk: slot.seats_left for slot in slots}


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


# An organization's public page lists at most this many upcoming missions.
ORGANIZATION_PAGE_MISSIONS_LIMIT = 50


def mission_list_upcoming_for_organization(
    *, organization: Organization, limit: int = ORGANIZATION_PAGE_MISSIONS_LIMIT
) -> list[Mission]:
    """The organization's published missions one can still join, soonest next date first (ongoing
    ones last), each with `next_slot_starts_at` and `next_slot_ends_at`: one query."""
    now = timezone.now()
    next_slot = upcoming_slots(now=now).filter(mission_id=OuterRef("pk"))
    return list(
        Mission.objects.filter(
            joinable_condition(now=now),
            organization=organization,
            status=Mission.Status.PUBLISHED,
        )
        .annotate(
            next_slot_starts_at=Subquery(next_slot.values("starts_at")[:1]),
            next_slot_ends_at=Subquery(next_slot.values("ends_at")[:1]),
        )
        .defer("search_vector", "description")
        .order_by(F("next_slot_starts_at").asc(nulls_last=True), "title", "id")[:limit]
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
