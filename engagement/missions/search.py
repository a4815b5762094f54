"""Mission search: the filters a volunteer gives, the search itself, its paged form with the
total, and the map pins.

Semantics (also in the README):
- only published missions that still have an open slot which has not started (or an ongoing,
  undated slot) are found, i.e. missions one can still join; `next_slot` is the earliest such
  slot that also matches the date and availability filters;
- an ongoing slot (no dates) matches every date range and every availability: the volunteer
  arranges the time with the organization;
- a radius or a bounding box only matches missions with a location, so remote missions without
  an address are left out of geographic searches (ask for `remote=true` without a place);
- causes and skills match when the mission has any of the given ones; unknown slugs match
  nothing;
- dates are the tenant's local days; a date range matches slots that overlap it.

How it stays fast at 100,000 missions is measured and explained in bench/search.py and
docs/benchmarks.md ("Search").
"""

from __future__ import annotations

import time as time_module
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from dataclasses import replace as dataclass_replace
from datetime import date, datetime, time, timedelta, tzinfo
from functools import cached_property
from typing import Any, Literal, overload
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    F,
    Field,
    FloatField,
    Prefetch,
    Q,
    QuerySet,
    TextField,
    Value,
    Window,
)
from django.db.models.expressions import Expression, OrderBy, RawSQL, RowRange
from django.utils import timezone

from accounts.models import User
from engagement.missions.geo import (
    GeographyDistance,
    GeographyPoint,
    NearestTo,
    PointX,
    PointY,
    cause_cell_key_rows,
    location_as_geometry,
    radius_box,
    sphere_distance_m,
)
from engagement.missions.models import SLOT_MISSION_COPIES, Mission, Slot
from engagement.missions.result_json import (
    CAUSE_ORDER_SQL,
    ResultJsonFormat,
    iso_datetime_sql,
    result_json_sql,
)
from engagement.missions.search_words import query_lexemes, walk_total_sql, words_walk
from engagement.missions.text_search import search_query_sql
from engagement.organizations.models import Organization
from engagement.taxonomy.models import Cause, Skill, translated_label
from engagement.volunteers.models import VolunteerProfile
from tenants.context import current_schema_name

SearchSort = Literal["distance", "soonest", "newest", "relevance"]

# GeoJSON for the map is never paginated: beyond this many pins the client zooms in.
MAP_POINTS_LIMIT = 500
AVAILABILITY_BITS = 21


@dataclass(frozen=True, kw_only=True)
class MissionSearchFilters:
    """What a volunteer asks for. Parsed and validated by the API (missions/filters.py)."""

    lat: float | None = None
    lng: float | None = None
    radius_km: float | None = None
    # (west, south, east, north) in degrees.
    bbox: tuple[float, float, float, float] | None = None
    causes: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    # Bits weekday * 3 + period (Slot.time_bit); None means any time.
    availability: int | None = None
    # Use the signed-in user's profile grid instead of `availability`.
    availability_mine: bool = False
    remote: bool | None = None
    step_free: bool | None = None
    open_to_minors: bool | None = None
    beginner_friendly: bool | None = None
    q: str = ""
    sort: SearchSort | None = None
    user: User | None = None

    @property
    def point(self) -> tuple[float, float] | None:
        """(lng, lat) when both are given."""
        if self.lat is None or self.lng is None:
            return None
        return self.lng, self.lat

    @property
    def has_point(self) -> bool:
        return self.point is not None

    @property
    def effective_sort(self) -> SearchSort:
        """Nearest first when a point is given; else the best text matches first when words are
        given; else the soonest next slot."""
        if self.sort is not None:
            return self.sort
        if self.has_point:
            return "distance"
        return "relevance" if self.q else "soonest"


def tenant_zone() -> ZoneInfo:
    """The current tenant's time zone: dates typed by a volunteer are local dates."""
    name = getattr(getattr(connection, "tenant", None), "timezone", None) or settings.TIME_ZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def availability_bits(mask: int) -> list[int]:
    return [bit for bit in range(AVAILABILITY_BITS) if mask >> bit & 1]


def _profile_availability(user: User | None) -> int:
    if user is None or not user.is_authenticated:
        raise ValueError("availability_mine needs a signed-in user")
    mask = (
        VolunteerProfile.objects.filter(user=user)
        .values_list("availability_mask", flat=True)
        .first()
    )
    return mask or 0


def open_slot_condition(*, now: datetime) -> Q:
    """Open and not started yet (or ongoing): a slot a volunteer can still join
    (engagement.participations.services refuses a slot that has started)."""
    return Q(status=Slot.Status.OPEN) & (Q(starts_at__isnull=True) | Q(starts_at__gt=now))


@dataclass(frozen=True)
class _SlotMatch:
    """The SQL condition "slot `s` of the outer mission row can be joined and matches the date
    and availability filters", shared by the EXISTS filter, the next-slot columns and the
    soonest order.

    Written as SQL rather than nested querysets: the search compiles it five times per query,
    and string SQL costs microseconds where ORM subqueries cost milliseconds (measured in
    bench/search.py). Only `%s` parameters carry values.
    """

    where: str
    params: tuple[Any, ...]
    # Whether dates or availabilities narrow the slots beyond "can be joined" (then the mission's
    # joinable flag is not enough and the slots are read).
    narrowed: bool = False
    # Whether the EXISTS filter probes each candidate's slots (slot_open_by_mission) rather than
    # leaving PostgreSQL free to hash every matching slot of the tenant (a semi-join): for words,
    # whose matches bound the candidates (exists_sql).
    probes_each_candidate: bool = False
    # `where` for dated slots only, with the same parameters: plain ranges on the start, which
    # bound a probe of slot_open_by_mission (mission, start).
    dated_where: str = ""
    # Given dates, the period a matching dated slot must overlap, as (start, end) for
    # tstzrange: the mission's open_slot_periods must overlap it before its slots are read.
    period: tuple[datetime, datetime | None] | None = None

    def subquery_sql(self, column: str) -> str:
        """`column` of the next matching slot (dated ones first, soonest first); its
        parameters are `params`."""
        # Identifiers and `column` are constants of this module; values are %s parameters.
        return (
            f"SELECT {column} FROM {SLOT_TABLE} s WHERE {self.where} "  # noqa: S608
            "ORDER BY s.starts_at ASC NULLS LAST, s.id ASC LIMIT 1"
        )

    def subquery(self, column: str) -> RawSQL:
        return RawSQL(self.subquery_sql(column), self.params)  # noqa: S611

    def next_start_sql(self) -> str:
        """The start of the next matching slot (NULL when only ongoing ones match): the same
        value as subquery("s.starts_at") without the id tie-break, so it is read from the
        slot_open_by_mission index alone. It is computed for every candidate when sorting by
        the soonest date."""
        return (
            f"SELECT s.starts_at FROM {SLOT_TABLE} s WHERE {self.where} "  # noqa: S608
            "ORDER BY s.starts_at ASC NULLS LAST LIMIT 1"
        )

    def next_start(self) -> RawSQL:
        return RawSQL(self.next_start_sql(), self.params)  # noqa: S611

    def exists_sql(self) -> str:
        """Whether the outer mission has a matching slot; its parameters are exists_params.

        - Given dates, the mission's open_slot_periods (the periods of its open dated slots
          that had not ended when last written) must overlap the dates, or the mission must
          have an open ongoing slot, before its slots are read: a test on the row that leaves
          out most candidates, so the slots are read for about as many missions as match. It
          leaves out none that match: a matching dated slot overlaps the dates, and it has not
          ended (it starts after now), so the last write of the row kept its period.
        - With probes_each_candidate (words: their matches bound the candidates), a mission
          with an open ongoing slot (has_open_ongoing_slot, exact after every slot write)
          matches every date and availability, so its slots are not read; the others are
          probed for a dated slot only, within the dates' bounds on slot_open_by_mission
          (mission, start) rather than through every open slot of the mission. OFFSET 0 keeps
          PostgreSQL from turning the EXISTS into a semi-join: given words and dates it misjudged
          a hash of every slot in the dates as cheaper (43,244 slots hashed in 28 ms for 4,585
          matches at 100,000 missions; docs/benchmarks.md, "Broad search").
        """
        overlaps = f'{_MISSION}."open_slot_periods" && tstzrange(%s::timestamptz, %s::timestamptz)'
        ongoing = f'{_MISSION}."has_open_ongoing_slot"'
        if not self.probes_each_candidate:
            exists = f"EXISTS (SELECT 1 FROM {SLOT_TABLE} s WHERE {self.where})"  # noqa: S608
            if self.period is None:
                return exists
            return f"({ongoing} OR {overlaps}) AND {exists}"
        probe = f"EXISTS (SELECT 1 FROM {SLOT_TABLE} s WHERE {self.dated_where} OFFSET 0)"  # noqa: S608
        if self.period is None:
            return f"({ongoing} OR {probe})"
        return f"({ongoing} OR ({overlaps} AND {probe}))"

    @property
    def exists_params(self) -> tuple[Any, ...]:
        return (*(self.period or ()), *self.params)

    def exists(self) -> RawSQL:
        return RawSQL(self.exists_sql(), self.exists_params, output_field=BooleanField())  # noqa: S611


SLOT_TABLE = Slot._meta.db_table
MISSION_TABLE = Mission._meta.db_table
# What the results show of their next matching slot (_SlotMatch.subquery's column), by result
# column: the ORM annotations and the SQL page read the same expressions.
_SLOT_COLUMNS = {
    "next_slot_id": "s.id",
    "next_slot_ends_at": "s.ends_at",
    "seats_left": "GREATEST(s.capacity - s.confirmed_count - s.held_count, 0)",
}
_MISSION = f'"{MISSION_TABLE}"'
# geo.GeographyPoint's SQL: its parameters are the longitude, then the latitude.
_POINT_SQL = GeographyPoint.template % {"expressions": "%s, %s"}
# geo.location_as_geometry's SQL: the location as planar geometry (the mission_geometry index).
_GEOMETRY_SQL = f'({_MISSION}."location")::geometry(GEOMETRY,4326)'
# What Django writes before the WHERE of `missions.order_by().values("pk")`.
_SELECT_MISSION_PK = f'SELECT {_MISSION}."id" AS "pk" FROM {_MISSION} WHERE '  # noqa: S608


def _point_params(point: tuple[float, float]) -> tuple[float, float]:
    """_POINT_SQL's parameters for a (lng, lat) point, as geo.GeographyPoint passes them."""
    return float(point[0]), float(point[1])


# The candidates' conditions as SQL on the unaliased mission table, each as the ORM compiles its
# counterpart in a filter() (tests/engagement/missions/test_search_conditions.py compares them):
# the condition of every statement a page sends, written once per search. Built and compiled as
# a queryset it cost 180-580 µs of CPU per set of candidates, 8-22 µs written so (docs/
# benchmarks.md, "The candidates' conditions as SQL"). Values are %s parameters. The ORM
# expressions named below are the test's references.
_PUBLISHED_SQL = f'{_MISSION}."status" = %s'
# joinable_condition(now=...); its parameter is `now`.
_JOINABLE_SQL = f'({_MISSION}."has_open_ongoing_slot" OR {_MISSION}."last_open_slot_start" > %s)'
# BoxOverlaps(location_as_geometry(), Envelope(west, south, east, north)).
_BOX_SQL = f"({_GEOMETRY_SQL} && ST_MakeEnvelope(%s, %s, %s, %s, %s))"
# GeographyWithin(F("location"), GeographyPoint(lng, lat), Value(metres)).
_WITHIN_SQL = f'ST_DWithin({_MISSION}."location", {_POINT_SQL}, %s)'
# GeographyDistance(F("location"), GeographyPoint(lng, lat)): metres on the spheroid.
_DISTANCE_SQL = f'ST_Distance({_MISSION}."location", {_POINT_SQL})'
# LessThanOrEqual(GeographyDistance(...), Value(metres)).
_DISTANCE_AT_MOST_SQL = f"{_DISTANCE_SQL} <= %s"
# The boolean columns a search may ask to be true or false.
_FLAG_COLUMNS = ("is_remote", "is_step_free", "is_open_to_minors", "is_beginner_friendly")


def _box_condition(box: tuple[float, float, float, float]) -> tuple[str, tuple[Any, ...]]:
    return _BOX_SQL, (*(float(value) for value in box), 4326)


def _flag_condition(name: str, value: bool) -> str:
    """Q(**{name: value}): the column, or NOT the column."""
    if name not in _FLAG_COLUMNS:
        raise ValueError(f"not a search flag: {name}")
    return f'{_MISSION}."{name}"' if value else f'NOT {_MISSION}."{name}"'


def _raw_condition(raw: RawSQL) -> tuple[str, tuple[Any, ...]]:
    """A RawSQL condition as filter() writes it: in parentheses."""
    return f"({raw.sql})", tuple(raw.params)


@dataclass(frozen=True)
class _SlotBounds:
    """The date and availability filters as values: computed once per search (the profile's
    grid is one query), written into every slot condition of it."""

    now: datetime
    ends_after: datetime | None = None
    starts_before: datetime | None = None
    time_bits: list[int] | None = None

    @property
    def narrowed(self) -> bool:
        return (
            self.ends_after is not None
            or self.starts_before is not None
            or self.time_bits is not None
        )


def _slot_bounds(filters: MissionSearchFilters, *, now: datetime) -> _SlotBounds:
    zone = tenant_zone()
    mask = (
        _profile_availability(filters.user) if filters.availability_mine else filters.availability
    )
    return _SlotBounds(
        now=now,
        ends_after=(
            None
            if filters.date_from is None
            else datetime.combine(filters.date_from, time.min, tzinfo=zone)
        ),
        starts_before=(
            None
            if filters.date_to is None
            else datetime.combine(filters.date_to + timedelta(days=1), time.min, tzinfo=zone)
        ),
        time_bits=None if mask is None else availability_bits(mask),
    )


def _slot_match(bounds: _SlotBounds, *, probes_each_candidate: bool = False) -> _SlotMatch:
    conditions = [
        f's.mission_id = "{MISSION_TABLE}"."id"',
        "s.status = %s",
        "(s.starts_at IS NULL OR s.starts_at > %s)",
    ]
    params: list[object] = [Slot.Status.OPEN.value, bounds.now]
    if bounds.ends_after is not None:
        conditions.append("(s.starts_at IS NULL OR s.ends_at > %s)")
        params.append(bounds.ends_after)
    if bounds.starts_before is not None:
        conditions.append("(s.starts_at IS NULL OR s.starts_at < %s)")
        params.append(bounds.starts_before)
    if bounds.time_bits is not None:
        conditions.append("(s.starts_at IS NULL OR s.time_bit = ANY(%s))")
        params.append(bounds.time_bits)
    dated_where = ""
    if probes_each_candidate:
        dated, dated_params = _dated_slot_match(bounds, "s")
        assert dated_params == params  # the same values in the same order
        dated_where = f"{conditions[0]} AND {dated}"
    period = None
    if bounds.ends_after is not None or bounds.starts_before is not None:
        # A matching dated slot starts after now and before starts_before and ends after
        # ends_after: its period overlaps [max(now, ends_after), starts_before).
        # Past dates leave an empty period (no dated slot matches), never a reversed one.
        after = bounds.now if bounds.ends_after is None else max(bounds.now, bounds.ends_after)
        before = bounds.starts_before
        period = (after, before if before is None else max(before, after))
    return _SlotMatch(
        " AND ".join(conditions),
        tuple(params),
        narrowed=bounds.narrowed,
        probes_each_candidate=probes_each_candidate,
        dated_where=dated_where,
        period=period,
    )


def _dated_slot_match(bounds: _SlotBounds, alias: str) -> tuple[str, list[object]]:
    """The same condition as _slot_match for dated slots only (alias `alias`, not tied to a
    mission), written as plain ranges so that an index on the start can bound them."""
    conditions = [f"{alias}.status = %s", f"{alias}.starts_at > %s"]
    params: list[object] = [Slot.Status.OPEN.value, bounds.now]
    if bounds.ends_after is not None:
        conditions.append(f"{alias}.ends_at > %s")
        params.append(bounds.ends_after)
    if bounds.starts_before is not None:
        conditions.append(f"{alias}.starts_at < %s")
        params.append(bounds.starts_before)
    if bounds.time_bits is not None:
        conditions.append(f"{alias}.time_bit = ANY(%s)")
        params.append(bounds.time_bits)
    return " AND ".join(conditions), params


def joinable_condition(*, now: datetime) -> Q:
    """The mission has a slot one can still join (open_slot_condition), read from the mission
    row: an open ongoing slot, or an open dated slot not started yet, which exists iff the
    latest open dated slot has not started. The columns are rewritten by every slot write
    (engagement.missions.services.mission_search_columns_refresh), so this is exact at any
    `now` without a periodic task."""
    return Q(has_open_ongoing_slot=True) | Q(last_open_slot_start__gt=now)


# The ids of the causes and of the skills a search asks for, None for a kind it does not.
_TaxonomyIds = tuple[list[int] | None, list[int] | None]


def _taxonomy_ids(causes: Sequence[str], skills: Sequence[str]) -> _TaxonomyIds:
    """The ids of the causes and of the skills `causes` and `skills` (slugs), None for a kind
    not asked for; one small query when any is. The statement then holds the ids themselves:
    PostgreSQL estimates from the columns' statistics how many missions have them. With the ids
    computed inside the statement (an InitPlan) it could not, guessed 9,000 of 1,000,000 for a
    cause held by 135,000 and built the cause's whole bitmap for a count capped at 1,001
    (docs/benchmarks.md, "Broad search")."""
    if not causes and not skills:
        return None, None
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 'cause', id FROM {Cause._meta.db_table} WHERE slug = ANY(%s) "  # noqa: S608
            f"UNION ALL SELECT 'skill', id FROM {Skill._meta.db_table} WHERE slug = ANY(%s) "
            "ORDER BY 1, 2",
            (list(causes), list(skills)),
        )
        rows = cursor.fetchall()
    cause_ids = [pk for kind, pk in rows if kind == "cause"]
    skill_ids = [pk for kind, pk in rows if kind == "skill"]
    return (cause_ids if causes else None), (skill_ids if skills else None)


def _has_any_cause(ids: list[int]) -> RawSQL:
    """The mission has one of the causes `ids`: an in-row test of the denormalised
    Mission.cause_ids. It replaces one index probe of the mission-cause links per candidate
    (bench/search.py, docs/benchmarks.md)."""
    return RawSQL(  # noqa: S611 - constant identifiers, the ids are a parameter
        f'"{MISSION_TABLE}"."cause_ids" && %s::bigint[]',
        (ids,),
        output_field=BooleanField(),
    )


# The most keys a search looks up in Mission.cause_cells. A lookup costs about the rows it finds
# plus a little per key (planning, one index scan per row of cells). The capped count at
# 1,000,000 missions, with the cells against the cause's and the rectangle's indexes: one cause
# within 5 km (40 keys) 7-8 ms against 63-73, two causes within 10 km (308 keys) 28-30 against
# 49-54, one cause within 15 km (330 keys) 35-42 against 33-37 (docs/benchmarks.md, "Broad
# search").
CAUSE_CELL_KEYS_LIMIT = 320


def _has_any_cause_in(
    ids: list[int], rectangle: tuple[float, float, float, float]
) -> RawSQL | None:
    """The mission has one of the causes `ids` and lies in a cell that `rectangle` (lon/lat,
    inclusive) touches, read from Mission.cause_cells (engagement.missions.geo, "Cause
    cells"), or None when the rectangle has too many cells. Every mission with one of the
    causes inside the rectangle has one of these keys, and every mission with one of them has
    one of the causes: beside an exact test of the place, it stands for the cause test and the
    rectangle, and PostgreSQL reads about those missions alone from one index.

    One overlap test per cause and row of cells, ORed. GIN merges the lists of one test's keys
    item by item, in time about (rows found) x (keys): with every key in one test the count
    above took 8 ms for 5 km and 53-54 ms for 10 km; with one test per key, PostgreSQL ORs as
    many bitmaps but plans each (0.7 and 3.3-4.1 ms of planning); by rows, 0.2 and 0.3-0.4."""
    rows = cause_cell_key_rows(ids, rectangle, limit=CAUSE_CELL_KEYS_LIMIT)
    if not rows:  # too many, or no cause: the cause test says it (nothing matches no cause)
        return None
    overlaps = f'"{MISSION_TABLE}"."cause_cells" && %s::bigint[]'
    return RawSQL(  # noqa: S611 - constant identifiers, the keys are parameters
        f"({' OR '.join([overlaps] * len(rows))})",
        tuple(rows),
        output_field=BooleanField(),
    )


def _has_any_skill(ids: list[int]) -> RawSQL:
    """The mission has one of the skills `ids`: an in-row test of the denormalised
    Mission.skill_ids, found from its index (mission_published_search_taxa, which holds the
    words, the causes and the skills) and ANDed with the others' (a skill and `remote`: 357 of
    100,000 missions, from 20 ms to 7 for a skill alone and from 168 to 28 with `remote`,
    docs/benchmarks.md, "Filters that leave few candidates"). With a cause, both are found from
    the same index scan (docs/benchmarks.md, "A cause and a skill")."""
    return RawSQL(  # noqa: S611 - constant identifiers, the ids are a parameter
        f'"{MISSION_TABLE}"."skill_ids" && %s::bigint[]',
        (ids,),
        output_field=BooleanField(),
    )


@dataclass(frozen=True)
class _SearchBase:
    """A search's candidates: `missions_where` matches every filter; `by_mission_where` every
    filter but the date and availability ones, which `slot_match` (any matching slot of the
    mission) and `bounds` (their values) carry. Each is SQL on the (unaliased) mission table
    with its parameters: the walks, their probes, the capped count and the page query add
    theirs to it as strings."""

    by_mission_where: tuple[str, tuple[Any, ...]]
    slot_match: _SlotMatch
    bounds: _SlotBounds
    # The causes, skills and flags asked for, tested on a walked slot `w`'s copies of its
    # mission's (SLOT_MISSION_COPIES, in slot_open_by_start): "" or conditions ending in AND.
    walked_slot_where: tuple[str, tuple[Any, ...]] = ("", ())

    @cached_property
    def missions_where(self) -> tuple[str, tuple[Any, ...]]:
        """Every filter's condition: by_mission_where and, when dates or availabilities narrow
        the slots, a matching slot."""
        where, params = self.by_mission_where
        if not self.slot_match.narrowed:
            return where, params
        return (
            f"{where} AND {self.slot_match.exists_sql()}",
            (*params, *self.slot_match.exists_params),
        )

    @cached_property
    def missions(self) -> QuerySet[Mission]:
        """The candidates as a queryset, for the searches the ORM writes (mission_search)."""
        where, params = self.missions_where
        return Mission.objects.filter(RawSQL(where, params, output_field=BooleanField()))  # noqa: S611


def _search_candidates(
    filters: MissionSearchFilters,
    *,
    walked: bool = False,
    counted: bool = True,
    words_tested: bool = True,
    taxonomy_ids: _TaxonomyIds | None = None,
) -> _SearchBase:
    """Published missions matching every filter, with the parts the page plans need. `walked`:
    the page is found by a walk and the candidates are only counted (up to the cap); not
    `counted`: nor are they counted (the map's pins); not `words_tested`: every filter but the
    words (the words' walk reads missions that have them, search_words). `taxonomy_ids`: the
    causes' and skills' ids, when the caller has looked them up (_taxonomy_ids: once per
    page, whatever way the page is found)."""
    if filters.radius_km is not None and not filters.has_point:
        raise ValueError("radius_km needs lat and lng")
    if filters.effective_sort == "distance" and not filters.has_point:
        raise ValueError("sort=distance needs lat and lng")
    if filters.effective_sort == "relevance" and not filters.q:
        raise ValueError("sort=relevance needs q")

    # Written as SQL, one condition at a time, as filter() would compile them (_PUBLISHED_SQL).
    where: list[str] = [_PUBLISHED_SQL]
    params: list[Any] = [Mission.Status.PUBLISHED]
    point = filters.point
    cause_ids, skill_ids = (
        taxonomy_ids if taxonomy_ids is not None else _taxonomy_ids(filters.causes, filters.skills)
    )
    around: tuple[float, float, float, float] | None = None
    if point is not None and filters.radius_km is not None:
        around = radius_box(*point, filters.radius_km)
    # Beside a walk, the candidates of a place with causes are counted from the causes' cells
    # (Mission.cause_cells), which stand for the cause test, and for a radius's rectangle too
    # (its distance test is exact; a box's own test stays). At 1,000,000 missions the cause's
    # index (135,608 rows) ANDed with the rectangle's took 62 ms for the capped count of a 5 km
    # radius, 220-300 ms for a viewport once its bitmap went lossy (docs/benchmarks.md, "Broad
    # search").
    in_cells: RawSQL | None = None
    cells_box = around if around is not None else filters.bbox
    if walked and counted and cause_ids is not None and cells_box is not None:
        in_cells = _has_any_cause_in(cause_ids, cells_box)
    if point is not None and filters.radius_km is not None:
        radius_m = float(filters.radius_km) * 1000.0
        if around is not None and in_cells is None:
            box_sql, box_params = _box_condition(around)
            where.append(box_sql)
            params += box_params
        if around is not None and walked:
            # For the capped count beside a walk, the rectangle (or the cells) finds the rows
            # and the exact distance is a test on them alone: with ST_DWithin, PostgreSQL also
            # ANDs the geography index's bitmap (a larger rectangle on the globe) with the
            # others, 24 of the count's 66 ms at 1M missions. Not when the candidates are read
            # and sorted whole (a small tenant): there ST_DWithin's plans are the faster ones
            # (p95 of words within 5 km at 100k: 8 ms, 21-26 ms with the distance as a test).
            where.append(_DISTANCE_AT_MOST_SQL)
        else:
            where.append(_WITHIN_SQL)
        params += (*_point_params(point), radius_m)
    if filters.bbox is not None:
        box_sql, box_params = _box_condition(filters.bbox)
        where.append(box_sql)
        params += box_params
    raw_conditions: list[RawSQL] = []
    if in_cells is not None:
        raw_conditions.append(in_cells)
    elif cause_ids is not None:
        raw_conditions.append(_has_any_cause(cause_ids))
    if skill_ids is not None:
        raw_conditions.append(_has_any_skill(skill_ids))
    for raw in raw_conditions:
        raw_sql, raw_params = _raw_condition(raw)
        where.append(raw_sql)
        params += raw_params
    # Words with `remote`: tested as the remote missions' words (remote_search_vector), which
    # stand for the flag and the words and are found from their own index.
    remote_words = bool(filters.q) and words_tested and filters.remote is True
    flags = {
        "is_remote": None if remote_words else filters.remote,
        "is_step_free": filters.step_free,
        "is_open_to_minors": filters.open_to_minors,
        "is_beginner_friendly": filters.beginner_friendly,
    }
    where += [_flag_condition(name, value) for name, value in flags.items() if value is not None]
    if filters.q and words_tested:
        words_sql, words_params = _raw_condition(_words_match(filters.q, remote=remote_words))
        where.append(words_sql)
        params += words_params
    now = timezone.now()
    bounds = _slot_bounds(filters, now=now)
    # Words bound the candidates to their matches: their slots are probed one candidate at a time.
    slot_match = _slot_match(bounds, probes_each_candidate=bool(filters.q))
    # Joinable, from the mission row; the slots themselves are only probed when dates or
    # availabilities narrow them (and then only for the joinable candidates).
    where.append(_JOINABLE_SQL)
    params.append(now)
    slot_where = ""
    slot_params: list[object] = []
    if cause_ids is not None:
        slot_where += "w.cause_ids && %s::bigint[] AND "
        slot_params.append(cause_ids)
    if skill_ids is not None:
        slot_where += "w.skill_ids && %s::bigint[] AND "
        slot_params.append(skill_ids)
    for name, value in flags.items():
        if value is not None:
            slot_where += f"w.{name} = %s AND "
            slot_params.append(value)
    return _SearchBase(
        # filter() writes its conditions ANDed in parentheses.
        (f"({' AND '.join(where)})", tuple(params)),
        slot_match,
        bounds,
        (slot_where, tuple(slot_params)),
    )


# The missions' words when they are remote, as the index mission_remote_search has them
# (models.remote_search_vector).
_REMOTE_WORDS_SQL = (
    f'CASE WHEN ({_MISSION}."is_remote") THEN {_MISSION}."search_vector" ELSE NULL END'
)


def _words_match(text: str, *, remote: bool) -> RawSQL:
    """The mission's words (or, with `remote`, its words when it is remote) match `text`: as
    `Q(search_vector=search_query(text))` and `SearchVectorExact(remote_search_vector(),
    search_query(text))` compile, written as SQL (text_search.search_query_sql)."""
    query, params = search_query_sql(text)
    words = _REMOTE_WORDS_SQL if remote else f'{_MISSION}."search_vector"'
    return RawSQL(f"{words} @@ {query}", params, output_field=BooleanField())  # noqa: S611


def _words_rank(text: str) -> RawSQL:
    """`SearchRank(F("search_vector"), search_query(text))`, written as SQL."""
    query, params = search_query_sql(text)
    return RawSQL(  # noqa: S611
        f'ts_rank({_MISSION}."search_vector", {query})', params, output_field=FloatField()
    )


def _order_by(filters: MissionSearchFilters, slot_match: _SlotMatch) -> list[OrderBy]:
    sort = filters.effective_sort
    if sort == "distance":
        point = filters.point
        if point is None:
            raise ValueError("sort=distance needs lat and lng")
        nearest = NearestTo(F("location"), GeographyPoint(*point))
        return [nearest.asc(nulls_last=True), F("id").asc()]
    if sort == "newest":
        return [F("published_at").desc(nulls_last=True), F("id").desc()]
    if sort == "relevance":
        # Ranked on the stored vector: no slot is read to order the matches.
        return [_words_rank(filters.q).desc(), F("id").asc()]
    return [slot_match.next_start().asc(nulls_last=True), F("id").asc()]


def mission_search(*, filters: MissionSearchFilters) -> QuerySet[Mission]:
    """Published missions matching `filters`, in the requested order.

    Each mission carries `distance_km` (None without a point), `next_slot_id`,
    `next_slot_starts_at`, `next_slot_ends_at` and `seats_left` (of that next slot); the
    organization and the causes are prefetched. A page costs three queries (page,
    organizations, causes), plus a COUNT when paginated by Django's paginator;
    `mission_search_page` gets the whole page and its total in one query.
    The next-slot columns are only computed for the rows of the page (PostgreSQL evaluates
    output columns after ORDER BY / LIMIT).
    """
    return _search_ordered(filters)[0]


def _search_ordered(
    filters: MissionSearchFilters,
    *,
    walked: bool = False,
    taxonomy_ids: _TaxonomyIds | None = None,
) -> tuple[QuerySet[Mission], list[OrderBy], _SearchBase]:
    """mission_search, its ORDER BY expressions (the same `now`, so the same SQL) and its
    candidates."""
    base = _search_candidates(filters, walked=walked, taxonomy_ids=taxonomy_ids)
    missions, slot_match = base.missions, base.slot_match
    point = filters.point
    distance_km: Expression
    if point is not None:
        distance_km = GeographyDistance(F("location"), GeographyPoint(*point)) / Value(1000.0)
    else:
        distance_km = Value(None, output_field=FloatField())
    missions = missions.annotate(
        distance_km=distance_km,
        next_slot_starts_at=slot_match.next_start(),
        **{name: slot_match.subquery(column) for name, column in _SLOT_COLUMNS.items()},
    )
    # The organization is prefetched for the page rather than joined: the planner cannot push a
    # join above ORDER BY / LIMIT, so a join would be paid for every candidate row.
    order = _order_by(filters, slot_match)
    missions = (
        missions.order_by(*order)
        .prefetch_related(
            Prefetch("organization", queryset=Organization.objects.defer("description")),
            Prefetch("causes", queryset=Cause.objects.order_by("position", "slug")),
        )
        .defer("search_vector", "description")
    )
    return missions, order, base


@dataclass(frozen=True, slots=True)
class SearchResult:
    """One result of a search page: what a list item and its map pin show, read by the page
    query itself. `organization` is {id, name, slug, kind, verification_status, logo (the file
    name, "" without one)}; `causes` are
    {id, slug, name_fr, name_en} in display order."""

    id: int
    title: str
    summary: str
    city: str
    postcode: str
    is_remote: bool
    is_step_free: bool
    is_open_to_minors: bool
    is_beginner_friendly: bool
    requires_approval: bool
    published_at: datetime | None
    lat: float | None
    lng: float | None
    distance_km: float | None
    next_slot_id: int | None
    next_slot_starts_at: datetime | None
    next_slot_ends_at: datetime | None
    seats_left: int | None
    organization: dict[str, Any]
    causes: list[dict[str, Any]]

    @property
    def pk(self) -> int:
        return self.id

    @property
    def cause_labels(self) -> list[str]:
        """The causes' labels in the active language, in display order."""
        return [translated_label(cause["name_fr"], cause["name_en"]) for cause in self.causes]


def search_result_from_mission(mission: Mission) -> SearchResult:
    """A mission of mission_search (its annotations, its organization and causes prefetched)
    as the SearchResult a page of mission_search_page holds for it."""
    organization = mission.organization
    location = mission.location
    return SearchResult(
        id=mission.pk,
        title=mission.title,
        summary=mission.summary,
        city=mission.city,
        postcode=mission.postcode,
        is_remote=mission.is_remote,
        is_step_free=mission.is_step_free,
        is_open_to_minors=mission.is_open_to_minors,
        is_beginner_friendly=mission.is_beginner_friendly,
        requires_approval=mission.requires_approval,
        published_at=mission.published_at,
        lat=location.y if location else None,
        lng=location.x if location else None,
        distance_km=mission.distance_km,  # type: ignore[attr-defined]
        next_slot_id=mission.next_slot_id,  # type: ignore[attr-defined]
        next_slot_starts_at=mission.next_slot_starts_at,  # type: ignore[attr-defined]
        next_slot_ends_at=mission.next_slot_ends_at,  # type: ignore[attr-defined]
        seats_left=mission.seats_left,  # type: ignore[attr-defined]
        organization={
            "id": organization.pk,
            "name": organization.name,
            "slug": organization.slug,
            "kind": organization.kind,
            "verification_status": organization.verification_status,
            "logo": organization.logo.name if organization.logo else "",
        },
        causes=[
            {"id": cause.pk, "slug": cause.slug, "name_fr": cause.name_fr, "name_en": cause.name_en}
            for cause in mission.causes.all()
        ],
    )


# Read with the page (output columns are evaluated for the rows of the page only) instead of
# two prefetch queries: at 20 rows, building model instances and prefetching cost more than
# the SQL (bench/search.py, docs/benchmarks.md). Plain `json` is decoded by psycopg.
_ORGANIZATION_TABLE = Organization._meta.db_table
_CAUSE_TABLE = Cause._meta.db_table
_MISSION_CAUSES_TABLE = Mission.causes.through._meta.db_table


# Constant identifiers only, no value: nothing to inject.
_ORGANIZATION_SUMMARY_SQL = (
    "(SELECT json_build_object('id', o.id, 'name', o.name, 'slug', o.slug, 'kind', o.kind, "  # noqa: S608
    f"'verification_status', o.verification_status, 'logo', o.logo) FROM {_ORGANIZATION_TABLE} o "
    f'WHERE o.id = "{MISSION_TABLE}"."organization_id")'
)
_CAUSE_SUMMARIES_SQL = (
    "(SELECT coalesce(json_agg(json_build_object('id', c.id, 'slug', c.slug, "  # noqa: S608
    f"'name_fr', c.name_fr, 'name_en', c.name_en) ORDER BY {CAUSE_ORDER_SQL}), '[]') "
    f"FROM {_MISSION_CAUSES_TABLE} link JOIN {_CAUSE_TABLE} c ON c.id = link.cause_id "
    f'WHERE link.mission_id = "{MISSION_TABLE}"."id")'
)


# The page query's columns, in SearchResult's field order (rows become results positionally);
# the two summaries cannot take the names of the relations they summarise.
_PAGE_COLUMNS = tuple(
    {"organization": "organization_summary", "causes": "cause_summaries"}.get(name, name)
    for name in (field.name for field in dataclass_fields(SearchResult))
)


# The page columns written as SQL besides the slot's.
_COMPUTED_COLUMNS = {
    "lat": f"ST_Y({_GEOMETRY_SQL})",
    "lng": f"ST_X({_GEOMETRY_SQL})",
    "organization_summary": f"({_ORGANIZATION_SUMMARY_SQL})",
    "cause_summaries": f"({_CAUSE_SUMMARIES_SQL})",
}

# A map pin's start in the zone given (`%s`, once per use: _MAP_FEATURE_ZONES), as the API's
# datetimes read (engagement.api.fields._datetime: Python's isoformat, "Z" for UTC).
_PIN_START_SQL = iso_datetime_sql("pin.starts_at")
_MAP_FEATURE_ZONES = _PIN_START_SQL.count("%s")
# A GeoJSON Feature as compact JSON text: coordinates rounded to 6 decimals (0.1 m) and written
# as float8 (the shortest exact digits, as Python's repr); strings escaped by to_json.
_MAP_FEATURE_SQL = (
    """'{"type":"Feature","id":' || pin.id """
    """|| ',"geometry":{"type":"Point","coordinates":[' """
    "|| round(pin.lng::numeric, 6)::float8 || ',' || round(pin.lat::numeric, 6)::float8 "
    """|| ']},"properties":{"title":' || to_json(pin.title) """
    """|| ',"next_slot_starts_at":' """
    f"|| CASE WHEN pin.starts_at IS NULL THEN 'null' ELSE to_json({_PIN_START_SQL})::text END "
    "|| '}}'"
)


# A total up to this many results is exact; beyond it the total says "more than this many".
# Counting costs one row read per candidate (and one slot probe each with dates), so an exact
# total of the 87,000 missions of a broad search costs more than the page itself (bench/search.py,
# docs/benchmarks.md, "Broad search").
SEARCH_EXACT_TOTAL_LIMIT = 1_000
# The results a search's pages reach: the first SEARCH_RESULT_WINDOW, in the search's order; a
# page is cut at its end and has no next one. A page further would need an OFFSET over every
# result before it, whatever the plan: at 100,000 missions the 1,000th page of the whole tenant
# took 174 ms, the 200th of one cause 135 ms, and a page past the end of one cause 695 ms, to
# find no row (docs/benchmarks.md, "The result window"). The same number as the count's cap:
# every result a walked total counts exactly can be reached; beyond, narrow the search.
SEARCH_RESULT_WINDOW = 1_000


def search_window_reaches(offset: int) -> bool:
    """Whether a page from `offset` (0 = the first result) lies within SEARCH_RESULT_WINDOW."""
    return 0 <= offset < SEARCH_RESULT_WINDOW


@dataclass(frozen=True)
class SearchPage:
    """One page of results. `total` is exact when `total_is_exact`; otherwise there are more
    than `total` (= SEARCH_EXACT_TOTAL_LIMIT) results. `has_next` says whether a row follows
    the page."""

    results: list[SearchResult]
    total: int
    total_is_exact: bool = True
    has_next: bool = False


@dataclass(frozen=True)
class SearchJsonPage:
    """A SearchPage whose results are JSON texts written by PostgreSQL (result_json)."""

    results: list[str]
    total: int
    total_is_exact: bool = True
    has_next: bool = False


def _sql(queryset: QuerySet[Any]) -> tuple[str, tuple[Any, ...]]:
    sql, params = queryset.query.sql_with_params()
    return sql, tuple(params)


def _capped_count_sql(base: _SearchBase) -> tuple[str, tuple[Any, ...]]:
    """SELECT the number of candidates, counted up to SEARCH_EXACT_TOTAL_LIMIT + 1. As an
    output column it is an uncorrelated subquery, so PostgreSQL runs it once per statement (an
    InitPlan) and stops reading candidates at the cap."""
    where, params = base.missions_where
    sql = (
        f'SELECT count(*) FROM (SELECT {_MISSION}."id" FROM {_MISSION} '  # noqa: S608
        f"WHERE {where} LIMIT %s) AS capped"
    )
    return sql, (*params, SEARCH_EXACT_TOTAL_LIMIT + 1)


def _capped_count(base: _SearchBase) -> int:
    """_capped_count_sql on its own (a page past the end has no row to carry it)."""
    return _run_count(*_capped_count_sql(base))


def _run_count(sql: str, params: Sequence[Any]) -> int:
    """A count's statement (SELECT of one number) run on its own."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return int(row[0])


# A place (radius, box) or words narrow the candidates to a share of the tenant. Up to this many
# missions in the tenant they are read and sorted whole, in one pass that also counts them
# exactly; beyond, the page is found by a walk (below) and the total is capped. Measured
# (bench/search.py, docs/benchmarks.md): at 100,000 missions reading a 5 km circle's or a
# viewport's candidates is a few ms faster than the walk and its capped count; at 1,000,000 it
# is 26-84 ms slower at p95.
NARROW_WALK_FROM_MISSIONS = 300_000
# How long a process keeps a tenant's mission count (the planner's estimate, pg_class).
MISSION_ESTIMATE_SECONDS = 600.0
_mission_estimates: dict[str, tuple[float, float]] = {}


def _narrowed(filters: MissionSearchFilters) -> bool:
    return filters.bbox is not None or filters.radius_km is not None or bool(filters.q)


def _filters_missions(filters: MissionSearchFilters) -> bool:
    """Whether the search asks for causes, skills or remote missions: filters that may leave a
    walk in start or distance order few candidates among the slots or locations it reads, and
    whose candidates an index finds (cause_ids, skill_ids, mission_published_remote). At
    100,000 missions a skill and `remote` match 357 missions, and their first page took 115 ms
    soonest first and 291 ms nearest first, walking every slot or location to find them
    (docs/benchmarks.md, "Filters that leave few candidates"). Such a walk has a budget, as a
    place's or words' has, after which the candidates are sorted whole. Not the availability:
    no index finds its candidates, so sorting them whole reads the whole table. Nor the access
    flags: their index (mission_published_access) finds them, but each flag is on 25-70 % of
    the missions, and their last page at 100,000 missions took as long sorted whole after a
    budget (95-134 ms) as walked (98-125 ms; 58 since the walk tests each slot's mission in
    mission_published_by_id, 14 at p95 since it tests the slots' copies of the flags)."""
    return bool(filters.causes or filters.skills or filters.remote)


def _walk_has_a_budget(filters: MissionSearchFilters) -> bool:
    """Whether a soonest or nearest walk of this search stops after a budget: a place or words
    (_narrowed), or causes, skills or remote (_filters_missions)."""
    return _narrowed(filters) or _filters_missions(filters)


def _may_walk(filters: MissionSearchFilters) -> bool:
    """Whether a page may be found by a walk: always for a broad search, for a place or words
    only in a tenant with many missions (then within a budget)."""
    return not _narrowed(filters) or _tenant_has_many_missions()


def _tenant_has_many_missions() -> bool:
    """Whether the current tenant holds NARROW_WALK_FROM_MISSIONS missions or more
    (_tenant_missions)."""
    return _tenant_missions() >= NARROW_WALK_FROM_MISSIONS


def _tenant_missions() -> float:
    """How many missions the current tenant holds, from the planner's estimate of its mission
    table (kept MISSION_ESTIMATE_SECONDS per schema in this process: one small catalog query
    per tenant now and then, none on most searches)."""
    schema = current_schema_name()
    now = time_module.monotonic()
    known = _mission_estimates.get(schema)
    if known is None or known[0] <= now:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [MISSION_TABLE]
            )
            row = cursor.fetchone()
        known = (now + MISSION_ESTIMATE_SECONDS, float(row[0]) if row else 0.0)
        _mission_estimates[schema] = known
    return known[1]


# Soonest first walks the open slots in start order and checks each slot's mission against the
# filters; it gives up after this many slots per row wanted and sorts every candidate instead
# (a small box or rare words: few of the slots are theirs).
SOONEST_VISITS_PER_ROW = 200
SOONEST_MIN_VISITS = 2_000
# And after this many slots whatever the page: a deep page of filters that leave few candidates
# would otherwise read most slots (the 50th page of a cause and a skill at 100,000 missions:
# 568 ms, 92 with the cap; docs/benchmarks.md, "Filters that leave few candidates").
SOONEST_MAX_VISITS = 20_000
# A walk whose budget is only for causes, skills or remote tests them on the slots' copies
# (SLOT_MISSION_COPIES): a slot that fails costs an index entry, not a probe of its mission. Its
# deep pages may then read more slots, as many as a fifth of the tenant's missions up to this
# many: sorting the candidates instead grows with the tenant, walking to the page does not.
# The last page of a cause and a skill (1 % of the missions) read 92,758 slots at 1,000,000
# missions, 50 ms against 107-110 sorting its 10,892 candidates; at 100,000 (1,077
# candidates) sorting took 18-25 ms, walking 229-232 (docs/benchmarks.md, "A cause and a
# skill").
SOONEST_COPIED_VISITS_PER_MISSION = 0.2
SOONEST_MAX_COPIED_VISITS = 200_000


def _walks_slots(filters: MissionSearchFilters) -> bool:
    """Soonest first, when a walk may find the page (_may_walk): the page is read by walking
    the open slots in start order (_soonest_page_ids) instead of probing and sorting every
    candidate."""
    return filters.effective_sort == "soonest" and _may_walk(filters)


def _soonest_visits(*, wanted: int, copies_only: bool) -> int:
    """The budget of a soonest walk for `wanted` rows: SOONEST_VISITS_PER_ROW slots a row, at
    least SOONEST_MIN_VISITS, at most SOONEST_MAX_VISITS, or with `copies_only` (the budget is
    for filters tested on the slots' copies) up to a share of the tenant's missions."""
    visits = max(SOONEST_MIN_VISITS, SOONEST_VISITS_PER_ROW * wanted)
    if visits <= SOONEST_MAX_VISITS:
        return visits
    cap = SOONEST_MAX_VISITS
    if copies_only:
        share = int(_tenant_missions() * SOONEST_COPIED_VISITS_PER_MISSION)
        cap = min(max(cap, share), SOONEST_MAX_COPIED_VISITS)
    return min(visits, cap)


def _soonest_page_ids(
    base: _SearchBase, *, budgeted: bool, offset: int, limit: int, copies_only: bool = False
) -> RawSQL:
    """The ids of one page of a soonest-first search (rows offset to offset + limit), read
    without visiting every candidate.

    The missions with a matching dated slot come first, by the start of that slot: walking the
    open slots in start order (index slot_open_by_start), a mission's first matching slot is
    its next one (none of its matching slots starts earlier: an index-only probe of
    slot_open_by_mission), and the walk stops after the page. The missions whose only match is
    an ongoing slot follow, by id. Each branch stops after offset + limit rows, so a page
    costs what precedes it, not the whole tenant. Same order as mission_search: (start of the
    next matching slot, NULLs last; id).

    A search that may own few of the slots walked (`budgeted`, _walk_has_a_budget: a place or
    words in a tenant with many missions, or causes, skills or remote) reads at most a budget
    of slots (_soonest_visits; larger with `copies_only`: no place nor words): the walk is
    complete when it filled the page or read every slot; otherwise the candidates are sorted
    whole.
    """
    bounds = base.bounds
    wanted = offset + limit
    walked, walked_params = _dated_slot_match(bounds, "w")
    earlier, earlier_params = _dated_slot_match(bounds, "s")
    # The slot's mission must match the other filters: a correlated probe of the mission's
    # primary key per walked slot. OFFSET 0 keeps PostgreSQL from turning it into a join: it
    # estimates the causes' `&&` at 0.7 % of the missions whatever the cause (the ids are a
    # parameter), and then hashed every mission of the cause (13,000 at 100k, 42 ms) instead
    # of stopping after a page.
    by_mission, by_mission_params = base.by_mission_where
    missions_sql = f'SELECT 1 FROM {_MISSION} WHERE {by_mission} AND {_MISSION}."id" = w.mission_id'  # noqa: S608
    missions_params = list(by_mission_params)
    if bounds.narrowed:
        no_dated_match = (
            f"NOT EXISTS (SELECT 1 FROM {SLOT_TABLE} s WHERE "  # noqa: S608
            f's.mission_id = {_MISSION}."id" AND {earlier})'
        )
        no_dated_params = list(earlier_params)
    else:
        # No open dated slot to come: the latest one has started (or there is none).
        no_dated_match = (
            f'NOT ({_MISSION}."last_open_slot_start" > %s '
            f'AND {_MISSION}."last_open_slot_start" IS NOT NULL)'
        )
        no_dated_params = [bounds.now]
    ongoing_sql = (
        f'SELECT {_MISSION}."id" AS "pk" FROM {_MISSION} WHERE {by_mission} '  # noqa: S608
        f'AND {_MISSION}."has_open_ongoing_slot" AND {no_dated_match} ORDER BY 1 ASC LIMIT %s'
    )
    ongoing_params = [*by_mission_params, *no_dated_params, wanted]

    budget = _soonest_visits(wanted=wanted, copies_only=copies_only) if budgeted else None

    # The causes, skills and flags asked for are tested on the slot's copies, in the index
    # walked, so that only the slots of missions that have them are probed below (the last page
    # of one cause at 100,000 missions: 7,828 slots read, 1,156 probed instead of 7,828).
    slot_where, slot_where_params = base.walked_slot_where
    slot_columns = "".join(f", w.{column}" for column in SLOT_MISSION_COPIES) if slot_where else ""

    def slots(extra: str, extra_params: list[object]) -> tuple[str, list[object]]:
        """The open dated slots the walk reads, in start order."""
        sql = (
            f"SELECT w.mission_id, w.starts_at{slot_columns} FROM {SLOT_TABLE} w "  # noqa: S608
            f"WHERE {walked}{extra} ORDER BY w.starts_at, w.mission_id"
        )
        return sql, [*walked_params, *extra_params]

    def walk(extra: str, extra_params: list[object], *, limited: bool) -> tuple[str, list[object]]:
        if limited and budget is not None:
            # The first `budget` slots in start order, then the tests below on them: the budget
            # counts the slots read, whatever their causes and skills.
            read_sql, read_params = slots(extra, extra_params)
            source = f"({read_sql} LIMIT %s) AS w WHERE {slot_where}"
            read_params += [budget, *slot_where_params]
        else:
            source = f"{SLOT_TABLE} w WHERE {walked}{extra} AND {slot_where}"
            read_params = [*walked_params, *extra_params, *slot_where_params]
        sql = (
            "SELECT DISTINCT ON (w.starts_at, w.mission_id) w.mission_id AS id, "  # noqa: S608
            f"w.starts_at AS next_start FROM {source}"
            f"EXISTS ({missions_sql} OFFSET 0) "
            f"AND NOT EXISTS (SELECT 1 FROM {SLOT_TABLE} s WHERE s.mission_id = w.mission_id "
            f"AND {earlier} AND s.starts_at < w.starts_at) "
            "ORDER BY w.starts_at, w.mission_id" + (" LIMIT %s" if limited else "")
        )
        params = [*read_params, *missions_params, *earlier_params]
        return sql, params + [wanted] if limited else params

    first_day = bounds.ends_after
    if first_day is None or first_day <= bounds.now:
        walk_sql, walk_params = walk("", [], limited=True)
        budgeted_sql, budgeted_params = slots("", [])
        ctes = f"ahead AS MATERIALIZED ({walk_sql}), walk AS (SELECT * FROM ahead)"  # noqa: S608
    else:
        # From a first day on, a walk from now would skip every slot ending before that day
        # (22,000 index entries for a week ahead at 100k missions, ten times as many at 1M).
        # So the slots starting that day or later are walked from it, and the few that started
        # before it and still run then are found by their period (index slot_open_period).
        # A mission's first matching slot is in one or the other, never both; the first
        # `wanted` rows of the whole order are among the first `wanted` of the walk plus all
        # the running ones.
        ahead_sql, ahead_params = walk(" AND w.starts_at >= %s", [first_day], limited=True)
        budgeted_sql, budgeted_params = slots(" AND w.starts_at >= %s", [first_day])
        running_sql, running_params = walk(
            " AND w.starts_at < %s AND tstzrange(w.starts_at, w.ends_at) @> %s::timestamptz",
            [first_day, first_day],
            limited=False,
        )
        ctes = (
            f"ahead AS MATERIALIZED ({ahead_sql}), running AS MATERIALIZED ({running_sql}), "  # noqa: S608
            "walk AS (SELECT * FROM ahead UNION ALL SELECT * FROM running)"
        )
        walk_params = [*ahead_params, *running_params]
    # The ongoing branch is read only when the walk did not fill the page (a one-time filter):
    # its rows come after every dated one, and finding them costs a scan of the candidates.
    ongoing_branch = (
        f"SELECT ongoing.pk, NULL FROM ({ongoing_sql}) AS ongoing "  # noqa: S608
        "WHERE (SELECT count(*) FROM walk) < %s"
    )
    if budget is None:
        sql = (
            f"WITH {ctes} "  # noqa: S608 - constant identifiers, values are parameters
            "SELECT page.id FROM ((SELECT walk.id, walk.next_start FROM walk) "
            f"UNION ALL ({ongoing_branch})"
            ") AS page ORDER BY page.next_start ASC NULLS LAST, page.id ASC LIMIT %s OFFSET %s"
        )
        return RawSQL(sql, (*walk_params, *ongoing_params, wanted, limit, offset))  # noqa: S611
    # The walk is complete when it filled the page, or when it read fewer slots than its budget
    # (it reached the last one). Otherwise (few candidates among the slots: a small box, rare
    # words) the candidates are sorted whole, as they are in a tenant with few missions.
    gate = (
        "gate AS MATERIALIZED (SELECT (SELECT count(*) FROM ahead) >= %s "  # noqa: S608
        f"OR NOT EXISTS ({budgeted_sql} OFFSET %s) AS exact)"
    )
    gate_params = [wanted, *budgeted_params, budget - 1]
    where, where_params = base.missions_where
    sorted_sql = (
        f'SELECT {_MISSION}."id" AS "pk", ({base.slot_match.next_start_sql()}) AS "next_start" '  # noqa: S608
        f"FROM {_MISSION} WHERE {where} ORDER BY 2 ASC NULLS LAST, 1 ASC LIMIT %s"
    )
    sorted_params = (*base.slot_match.params, *where_params, wanted)
    sql = (
        f"WITH {ctes}, {gate} "  # noqa: S608 - constant identifiers, values are parameters
        "SELECT page.id FROM ("
        "(SELECT walk.id, walk.next_start FROM walk WHERE (SELECT exact FROM gate)) "
        f"UNION ALL ({ongoing_branch} AND (SELECT exact FROM gate)) "
        f"UNION ALL (SELECT ordered.pk, ordered.next_start FROM ({sorted_sql}) AS ordered "
        "WHERE NOT (SELECT exact FROM gate))"
        ") AS page ORDER BY page.next_start ASC NULLS LAST, page.id ASC LIMIT %s OFFSET %s"
    )
    params = (
        *walk_params,
        *gate_params,
        *ongoing_params,
        wanted,
        *sorted_params,
        limit,
        offset,
    )
    return RawSQL(sql, params)  # noqa: S611


# Nearest first with a place or words (in a tenant with many missions) reads the location index
# in distance order and checks each mission it meets against the filters; it gives up after
# this many missions per row wanted (the page, what precedes it and one more) and sorts every
# candidate instead. A budget rather than an unbounded walk: when the filters match few
# missions near the point (rare words, a radius with nothing in it), an index walk would read
# the whole tenant before finding them.
NEAREST_VISITS_PER_ROW = 50
NEAREST_MIN_VISITS = 1_000
# And after this many missions whatever the page, as SOONEST_MAX_VISITS. A trade between sizes:
# at 1,000,000 missions the 50th page of a skill near a point (8 % of the missions: ~12,500
# read) took 461 ms with 10,000 (its 80,000 candidates then sorted whole) and 154 ms with
# 20,000; at 100,000 the 50th page of rarer filters (remote, a cause and a skill) took 71-94 ms
# with 10,000 and 139-173 with 20,000 (docs/benchmarks.md, "Filters that leave few
# candidates").
NEAREST_MAX_VISITS = 20_000
# `<->` on geography is a distance on the sphere, ST_DWithin one on the spheroid: they differ
# by less than 0.6 %, so a walk has passed the circle's edge once it is 1 % beyond it.
SPHERE_MARGIN = 1.01
# On a box up to this many degrees wide and high, the farthest point from a point is a corner.
MAX_BOX_DEGREES = 10.0


def _nearest_first(filters: MissionSearchFilters) -> bool:
    """Nearest first from a point, when a walk may find the page (_may_walk): the page is read
    from the location index in distance order (_nearest_page_ids)."""
    return filters.effective_sort == "distance" and filters.point is not None and _may_walk(filters)


def _edge_m(filters: MissionSearchFilters) -> float | None:
    """How far from the point a match can lie, in metres on the sphere: the radius, or the
    farthest corner of the box; None when anywhere."""
    point = filters.point
    if filters.bbox is not None:
        centre = point or _box_centre(filters.bbox)
        west, south, east, north = filters.bbox
        if east - west > MAX_BOX_DEGREES or north - south > MAX_BOX_DEGREES:
            # On a large box the farthest point may lie along a meridian edge, not at a corner.
            return None if filters.radius_km is None else filters.radius_km * 1000.0
        corners = ((west, south), (west, north), (east, south), (east, north))
        farthest = max(sphere_distance_m(centre, corner) for corner in corners)
        if filters.radius_km is not None:
            return min(farthest, filters.radius_km * 1000.0)
        return farthest
    if filters.radius_km is not None:
        return filters.radius_km * 1000.0
    return None


def _box_centre(bbox: tuple[float, float, float, float]) -> tuple[float, float]:
    west, south, east, north = bbox
    return (west + east) / 2, (south + north) / 2


def _nearest_walk(
    base: _SearchBase, *, point: tuple[float, float], edge_m: float | None, wanted: int
) -> tuple[str, tuple[Any, ...], str, tuple[Any, ...]]:
    """The `nearest` prefix of a narrowed search in a tenant with many missions, read by a
    walk within a budget, and the condition under which it is exact (see _nearest_page_ids)."""
    budget = min(max(NEAREST_MIN_VISITS, NEAREST_VISITS_PER_ROW * (wanted + 1)), NEAREST_MAX_VISITS)
    # Every published mission: those without a location come last in distance order (no
    # distance) and are left out of `nearest`; meeting one means every located one was read.
    walk_sql = (
        f'SELECT {_MISSION}."id" AS "pk", ({_MISSION}."location" <-> {_POINT_SQL}) '  # noqa: S608
        f'AS "distance" FROM {_MISSION} WHERE {_PUBLISHED_SQL} ORDER BY 2 ASC LIMIT %s'
    )
    walk_params = (*_point_params(point), Mission.Status.PUBLISHED, budget)
    # OFFSET 0 keeps the probe a probe: PostgreSQL would otherwise turn it into a join and
    # read every candidate to hash them.
    where, match_params = base.missions_where
    match_sql = f'SELECT 1 FROM {_MISSION} WHERE {where} AND {_MISSION}."id" = walk.pk'  # noqa: S608
    nearest = (
        "SELECT walk.pk AS id, walk.distance "  # noqa: S608
        f"FROM ({walk_sql}) AS walk WHERE walk.distance IS NOT NULL "
        f"AND EXISTS ({match_sql} OFFSET 0) ORDER BY walk.distance LIMIT %s"
    )
    # The walk is complete when it found a row beyond the wanted ones, or when the last mission
    # it may read is missing or has no location (it read every located one) or lies beyond the
    # edge. Then the prefix is exact unless the wanted rows' last one ties with the row after.
    edge = float("inf") if edge_m is None else edge_m * SPHERE_MARGIN
    exact = (
        "CASE WHEN (SELECT count(*) FROM nearest) > %s THEN "  # noqa: S608
        "(SELECT nearest.distance FROM nearest ORDER BY nearest.distance LIMIT 1 OFFSET %s) "
        "< (SELECT max(nearest.distance) FROM nearest) "
        f"ELSE coalesce((SELECT walk.distance FROM ({walk_sql}) AS walk "
        "OFFSET %s LIMIT 1) > %s, true) END"
    )
    return (
        nearest,
        (*walk_params, *match_params, wanted + 1),
        exact,
        (wanted, max(wanted - 1, 0), *walk_params, budget - 1, edge),
    )


def _located_by_distance(
    base: _SearchBase, point: tuple[float, float], *, limit: int, by_id: bool = False
) -> tuple[str, tuple[Any, ...]]:
    """The first `limit` candidates with a location, nearest `point` first (`pk`, `distance`);
    ordered by the distance alone, PostgreSQL reads them from the location index (KNN), which
    `by_id` (the id as tie-break) forgoes."""
    where, params = base.missions_where
    sql = (
        f'SELECT {_MISSION}."id" AS "pk", ({_MISSION}."location" <-> {_POINT_SQL}) '  # noqa: S608
        f'AS "distance" FROM {_MISSION} WHERE {where} AND {_MISSION}."location" IS NOT NULL '
        f"ORDER BY 2 ASC{', 1 ASC' if by_id else ''} LIMIT %s"
    )
    return sql, (*_point_params(point), *params, limit)


def _nearest_page_ids(
    base: _SearchBase,
    *,
    point: tuple[float, float],
    edge_m: float | None,
    with_remote: bool,
    budgeted: bool,
    offset: int,
    limit: int,
) -> RawSQL:
    """The ids of one page of a nearest-first search (rows offset to offset + limit), in
    mission_search's order (distance, NULLs last; id).

    `nearest` holds the first offset + limit + 1 matches in distance order (KNN on the location
    index, `<->`). A broad search tests its filters in that index scan, which stops once it has
    them. A narrowed one (`budgeted`: a place or words, in a tenant with many missions) walks
    the published missions in distance order and probes each against the filters by primary
    key, reading at most a budget of them (_nearest_walk): its rows are the first of the whole
    order when the walk was complete, i.e. it found offset + limit + 1 matches, or it read every
    located mission, or it went past `edge_m` (metres from the point: beyond it nothing
    matches, the edge of a radius or the farthest corner of a box). Otherwise (few matches near
    the point) the candidates are sorted whole.

    PostgreSQL reads the index in distance order only when the distance is the whole ORDER BY,
    so the id tie-break is applied to the prefix: if the match after the wanted rows is farther
    than the last of them, the prefix holds exactly the first offset + limit rows and is sorted
    again by (distance, id); if they tie (several missions at one address across the page's
    edge), the candidates are sorted whole. Missions without a location (remote) come last, by
    id, and are only read when the located ones do not fill the page (`with_remote`: a radius,
    a box or the map leave them out).
    """
    wanted = offset + limit
    if budgeted:
        nearest, nearest_params, exact, exact_params = _nearest_walk(
            base, point=point, edge_m=edge_m, wanted=wanted
        )
    else:
        # A broad search: most of the tenant is a candidate, so the filters are tested in the
        # index scan itself, which stops after wanted + 1 matches.
        nearest_sql, nearest_params = _located_by_distance(base, point, limit=wanted + 1)
        nearest = f"SELECT prefix.pk AS id, prefix.distance FROM ({nearest_sql}) AS prefix"  # noqa: S608
        exact = (
            "(SELECT count(*) FROM nearest) <= %s OR (SELECT nearest.distance FROM nearest "
            "ORDER BY nearest.distance LIMIT 1 OFFSET %s) < (SELECT max(nearest.distance) "
            "FROM nearest)"
        )
        exact_params = (wanted, max(wanted - 1, 0))
    sorted_sql, sorted_params = _located_by_distance(base, point, limit=wanted, by_id=True)
    located = (
        "(SELECT nearest.id, nearest.distance FROM nearest WHERE (SELECT exact FROM gate)) "  # noqa: S608
        f"UNION ALL (SELECT ordered.pk, ordered.distance FROM ({sorted_sql}) AS ordered "
        "WHERE NOT (SELECT exact FROM gate))"
    )
    page = "SELECT located.id, located.distance FROM located"
    page_params: tuple[Any, ...] = ()
    if with_remote:
        where, where_params = base.missions_where
        # Without a location means remote (the constraint mission_located_or_remote); saying
        # so lets PostgreSQL read them in id order from mission_published_remote.
        remote_sql = (
            f'SELECT {_MISSION}."id" AS "pk" FROM {_MISSION} WHERE {where} '  # noqa: S608
            f'AND {_MISSION}."location" IS NULL AND {_MISSION}."is_remote" '
            "ORDER BY 1 ASC LIMIT %s"
        )
        remote_params = (*where_params, wanted)
        page = (
            f"({page}) UNION ALL (SELECT remote.pk, NULL FROM ({remote_sql}) AS remote "  # noqa: S608
            "WHERE (SELECT count(*) FROM located) < %s)"
        )
        page_params = (*remote_params, wanted)
    sql = (
        f"WITH nearest AS MATERIALIZED ({nearest}), "  # noqa: S608
        f"gate AS MATERIALIZED (SELECT {exact} AS exact), "
        f"located AS MATERIALIZED ({located}) "
        f"SELECT page.id FROM ({page}) AS page "
        "ORDER BY page.distance ASC NULLS LAST, page.id ASC LIMIT %s OFFSET %s"
    )
    params = (
        *nearest_params,
        *exact_params,
        *sorted_params,
        *page_params,
        limit,
        offset,
    )
    return RawSQL(sql, params)  # noqa: S611


# Newest first: the order of the index mission_published_newest (published missions only).
_NEWEST_ORDER_SQL = f'{_MISSION}."published_at" DESC NULLS LAST, {_MISSION}."id" DESC'


def _walks_newest(filters: MissionSearchFilters) -> bool:
    """Newest first without a place or words: the page is read from the index in publication
    order (_newest_page_ids) instead of sorting every candidate. With a place or words the
    candidates are few enough to sort, or, in a tenant with many missions, the filters rather
    than the order find them."""
    return filters.effective_sort == "newest" and not _narrowed(filters)


def _newest_page_ids(base: _SearchBase, *, offset: int, limit: int) -> RawSQL:
    """The ids of one page of a newest-first search (rows offset to offset + limit), in
    mission_search's order. The index mission_published_newest has that order: PostgreSQL
    reads it from the newest mission, tests each against the filters and stops after the page;
    when the filters match few missions its planner reads their rows and sorts them instead.
    Measured at 100,000 missions (docs/benchmarks.md): 94 ms → 0.7 ms for no filter, 219 →
    0.4 for dates only."""
    where, params = base.missions_where
    sql = f"{_SELECT_MISSION_PK}{where} ORDER BY {_NEWEST_ORDER_SQL} LIMIT %s OFFSET %s"  # noqa: S608
    return RawSQL(sql, (*params, limit, offset))  # noqa: S611


def mission_search_page(*, filters: MissionSearchFilters, offset: int, limit: int) -> SearchPage:
    """One page of mission_search, for a list of results, with the total number of results
    (exact up to SEARCH_EXACT_TOTAL_LIMIT) and whether more rows follow.

    One query (after one for the ids of the causes and skills asked for, if any:
    _taxonomy_ids; three by words in a large tenant, below): the page's rows, one more to know
    whether a next page exists, the total, and the organization and the causes of the page's
    rows from subqueries in the output columns.
    The plans:
    - broad searches (no place, no words) soonest, nearest or newest first, and any search in
      a tenant with NARROW_WALK_FROM_MISSIONS missions or more soonest or nearest first: the
      page is found without reading every candidate, by walking the slots in start order
      (_soonest_page_ids), the location index in distance order (_nearest_page_ids) or the
      missions in publication order (_newest_page_ids), and the total is counted up to
      SEARCH_EXACT_TOTAL_LIMIT + 1 in an InitPlan (exact up to the limit, "more than" beyond);
    - by relevance without a place in a tenant with NARROW_WALK_FROM_MISSIONS missions or more,
      for words joined by OR (one word, or "a or b"): each word's missions are read best first
      from the words' table until the page is certain (search_words, _words_page_rows; three
      statements, two once the process knows the text's lexemes), the total exact when every
      match was read, else counted up to the limit;
    - a place (radius, box) or words in a smaller tenant, or sorted by relevance, or newest
      first with a place or words: the candidates are all read and sorted for the page, so the
      exact total is a window over them, whatever its size.
    Both are written as SQL around the candidates' condition (_page_rows_sql), but by
    relevance (SQL around the ranked matches, _ranked_page_rows) and newest first with a place
    or words (the ORM query of _sorted_page_rows).
    A page past the end has no row to carry the total, so only then is the total counted
    separately (up to the limit).

    Plain SearchResult rows rather than Mission instances: at this size building model
    instances and prefetching their relations cost as much as the SQL (bench/search.py).
    """
    found = _search_page_rows(filters, offset=offset, limit=limit, result_format=None)
    return SearchPage(
        results=[SearchResult(*row) for row in found.rows],
        total=found.total,
        total_is_exact=found.total_is_exact,
        has_next=found.has_next,
    )


def mission_search_page_json(
    *, filters: MissionSearchFilters, offset: int, limit: int, result_format: ResultJsonFormat
) -> SearchJsonPage:
    """mission_search_page for the API: the same rows, order, total and queries, each result
    written by PostgreSQL as the JSON text the API sends (engagement.missions.result_json)."""
    found = _search_page_rows(filters, offset=offset, limit=limit, result_format=result_format)
    return SearchJsonPage(
        results=[row[0] for row in found.rows],
        total=found.total,
        total_is_exact=found.total_is_exact,
        has_next=found.has_next,
    )


@dataclass(frozen=True)
class _PageRows:
    """A page as read, before its rows become SearchResults or stay JSON texts."""

    rows: list[tuple[Any, ...]]
    total: int
    total_is_exact: bool
    has_next: bool


def _search_page_rows(
    filters: MissionSearchFilters,
    *,
    offset: int,
    limit: int,
    result_format: ResultJsonFormat | None,
) -> _PageRows:
    """The page's rows (SearchResult's columns, or each result's JSON text with
    `result_format`), its total and whether a row follows, as mission_search_page describes,
    within SEARCH_RESULT_WINDOW: a page reaching the window's end is cut there and has no next
    one; a page beyond it reads no row, only the total (counted up to the cap)."""
    reachable = SEARCH_RESULT_WINDOW - offset
    if reachable <= 0:
        total = _capped_count(_search_candidates(filters))
        return _PageRows(
            rows=[],
            total=min(total, SEARCH_EXACT_TOTAL_LIMIT),
            total_is_exact=total <= SEARCH_EXACT_TOTAL_LIMIT,
            has_next=False,
        )
    page = _window_page_rows(
        filters, offset=offset, limit=min(limit, reachable), result_format=result_format
    )
    if limit >= reachable and page.has_next:
        return dataclass_replace(page, has_next=False)
    return page


def _window_page_rows(
    filters: MissionSearchFilters,
    *,
    offset: int,
    limit: int,
    result_format: ResultJsonFormat | None,
) -> _PageRows:
    """_search_page_rows for a page within the window."""
    # Looked up once for every set of candidates the page builds.
    taxonomy_ids = _taxonomy_ids(filters.causes, filters.skills)
    if _walks_words(filters):
        by_words = _words_page_rows(
            filters,
            offset=offset,
            limit=limit,
            result_format=result_format,
            taxonomy_ids=taxonomy_ids,
        )
        if by_words is not None:
            return by_words
    walks_slots = _walks_slots(filters)
    nearest_first = not walks_slots and _nearest_first(filters)
    walks_newest = _walks_newest(filters)
    # A place or words found by a walk (a tenant with many missions): the walk has a budget, and
    # the candidates' conditions are written for it. Filters on the missions give a walk a
    # budget too.
    place_walked = (walks_slots or nearest_first) and _narrowed(filters)
    budgeted = (walks_slots or nearest_first) and _walk_has_a_budget(filters)
    point = filters.point
    walked = walks_slots or nearest_first or walks_newest
    if walked:
        base = _search_candidates(filters, walked=place_walked, taxonomy_ids=taxonomy_ids)
        if walks_newest:
            page_ids = _newest_page_ids(base, offset=offset, limit=limit + 1)
        elif walks_slots:
            # The page's ids come from the walk (which applied the offset); the rows are then
            # ordered again by the same key, computed for these rows only.
            page_ids = _soonest_page_ids(
                base,
                budgeted=budgeted,
                offset=offset,
                limit=limit + 1,
                # No place nor words: the budget is for causes, skills or remote, tested on
                # the slots' copies.
                copies_only=not _narrowed(filters),
            )
        else:
            assert point is not None  # nearest_first needs one
            page_ids = _nearest_page_ids(
                base,
                point=point,
                edge_m=_edge_m(filters),
                with_remote=filters.radius_km is None and filters.bbox is None,
                budgeted=budgeted,
                offset=offset,
                limit=limit + 1,
            )
        page = _page_rows_sql(
            base,
            nearest_to=point if nearest_first else None,
            distance_from=point,
            page_ids=page_ids,
            offset=offset,
            limit=limit,
            result_format=result_format,
            newest=walks_newest,
        )
    else:
        page = _sorted_page_rows(
            filters,
            offset=offset,
            limit=limit,
            result_format=result_format,
            taxonomy_ids=taxonomy_ids,
        )
    if page:
        total = page[0][-1]
        # A walked page's total was counted up to the cap; a sorted page's is exact.
        is_exact = not walked or total <= SEARCH_EXACT_TOTAL_LIMIT
        return _PageRows(
            rows=[row[:-1] for row in page[:limit]],
            total=total if is_exact else SEARCH_EXACT_TOTAL_LIMIT,
            total_is_exact=is_exact,
            has_next=len(page) > limit,
        )
    if offset == 0:
        return _PageRows(rows=[], total=0, total_is_exact=True, has_next=False)
    total = _capped_count(
        _search_candidates(filters, walked=place_walked, taxonomy_ids=taxonomy_ids)
    )
    return _PageRows(
        rows=[],
        total=min(total, SEARCH_EXACT_TOTAL_LIMIT),
        total_is_exact=total <= SEARCH_EXACT_TOTAL_LIMIT,
        has_next=False,
    )


def _walks_words(filters: MissionSearchFilters) -> bool:
    """By relevance without a place, in a tenant with many missions: the page may be read
    from the words' missions best first (_words_page_rows). A place (radius, box) finds few
    candidates from its own index, and ranking them all is the faster plan: at 1,000,000
    missions "cafe" within 1 km by relevance took 8.9 ms ranked and 39.1 walked, the walk
    testing thousands of the word's missions for the place (docs/benchmarks.md)."""
    return (
        filters.effective_sort == "relevance"
        and filters.radius_km is None
        and filters.bbox is None
        and _tenant_has_many_missions()
    )


def _words_page_rows(
    filters: MissionSearchFilters,
    *,
    offset: int,
    limit: int,
    result_format: ResultJsonFormat | None,
    taxonomy_ids: _TaxonomyIds,
) -> _PageRows | None:
    """A page by relevance found by walking each word's missions best first (search_words), in
    a tenant with many missions; None when the query is not words joined by OR, or the walk
    could not be sure of the page within its budget (then every match is ranked, as in a
    smaller tenant). The total is exact when the walk read every match, else counted up to
    SEARCH_EXACT_TOTAL_LIMIT + 1: from the words' missions when the walk's first round saw most
    of them pass the other filters, else from the text index as beside the other walks
    (search_words.walk_total_sql)."""
    assert filters.q  # the relevance order needs words (checked by _search_candidates)
    lexemes = query_lexemes(filters.q)
    if not lexemes:
        return None
    where, where_params = _search_candidates(
        filters, words_tested=False, taxonomy_ids=taxonomy_ids
    ).missions_where
    # A cause, a skill or remote: an index finds their matches with the words.
    narrowed = taxonomy_ids != (None, None) or filters.remote is True
    walk = words_walk(lexemes, where, where_params, wanted=offset + limit + 1, narrowed=narrowed)
    if walk is None:
        return None
    base = _search_candidates(filters, taxonomy_ids=taxonomy_ids)
    total_sql: str
    total_params: Sequence[Any]
    if walk.complete:
        assert walk.matches is not None
        total_sql, total_params = "%s", (walk.matches,)
    else:
        total_sql, total_params = walk_total_sql(
            walk,
            lexemes,
            where,
            where_params,
            narrowed=narrowed,
            cap=SEARCH_EXACT_TOTAL_LIMIT,
            otherwise=_capped_count_sql(base),
        )
    page_ids = walk.ids[offset:]
    if page_ids:
        if result_format is None:
            columns, column_params = _page_columns_sql(base.slot_match, filters.point)
        else:
            columns, column_params = _result_json_column(
                base.slot_match, filters.point, result_format
            )
        # The page's missions in the walk's order, tested again (the walk read them in an
        # earlier statement).
        page_where, page_where_params = base.missions_where
        sql = (
            f'SELECT {columns}, ({total_sql}) AS "search_total" '  # noqa: S608
            'FROM unnest(%s::bigint[]) WITH ORDINALITY AS "page"("pk", "place") '
            f'JOIN {_MISSION} ON {_MISSION}."id" = "page"."pk" '
            f'WHERE {page_where} ORDER BY "page"."place"'
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, (*column_params, *total_params, page_ids, *page_where_params))
            rows = cursor.fetchall()
    else:
        rows = []
    if rows:
        total = rows[0][-1]
    elif walk.matches is not None:
        total = walk.matches
    else:
        # Past the end, or the page's missions deleted since the walk read them.
        total = _run_count(total_sql, total_params)
    is_exact = walk.complete or total <= SEARCH_EXACT_TOTAL_LIMIT
    return _PageRows(
        rows=[row[:-1] for row in rows[:limit]],
        total=total if is_exact else SEARCH_EXACT_TOTAL_LIMIT,
        total_is_exact=is_exact,
        has_next=len(rows) > limit,
    )


def _page_columns_sql(
    slot_match: _SlotMatch, point: tuple[float, float] | None
) -> tuple[str, list[Any]]:
    """The page query's columns (_PAGE_COLUMNS, named) as SQL, with their parameters: the
    same expressions as _search_ordered's annotations."""
    columns: list[str] = []
    params: list[Any] = []
    for name in _PAGE_COLUMNS:
        if name in _SLOT_COLUMNS:
            columns.append(f"({slot_match.subquery_sql(_SLOT_COLUMNS[name])})")
            params += slot_match.params
        elif name == "next_slot_starts_at":
            columns.append(f"({slot_match.next_start_sql()})")
            params += slot_match.params
        elif name == "distance_km":
            if point is None:
                columns.append("NULL")
            else:
                distance, distance_params = _distance_km_sql(point)
                columns.append(distance)
                params += distance_params
        elif name in _COMPUTED_COLUMNS:
            columns.append(_COMPUTED_COLUMNS[name])
        else:
            columns.append(f'{_MISSION}."{name}"')
    pairs = zip(columns, _PAGE_COLUMNS, strict=True)
    return ", ".join(f'{column} AS "{name}"' for column, name in pairs), params


def _distance_km_sql(point: tuple[float, float]) -> tuple[str, tuple[Any, ...]]:
    """The distance from `point` in km, as SQL with its parameters."""
    sql = f"({_DISTANCE_SQL} / %s)"
    return sql, (*_point_params(point), 1000.0)


def _result_json_sql(
    slot_match: _SlotMatch, point: tuple[float, float] | None, result_format: ResultJsonFormat
) -> tuple[str, list[Any]]:
    """A result as the API's JSON text (result_json), from the same expressions as the page
    columns."""
    return result_json_sql(
        next_slot=slot_match.subquery_sql,
        slot_params=slot_match.params,
        seats_left=_SLOT_COLUMNS["seats_left"],
        distance_km=None if point is None else _distance_km_sql(point),
        lat=_COMPUTED_COLUMNS["lat"],
        lng=_COMPUTED_COLUMNS["lng"],
        result_format=result_format,
    )


def _result_json_column(
    slot_match: _SlotMatch, point: tuple[float, float] | None, result_format: ResultJsonFormat
) -> tuple[str, list[Any]]:
    sql, params = _result_json_sql(slot_match, point, result_format)
    return f'{sql} AS "result_json"', params


def _page_order_sql(
    slot_match: _SlotMatch, point: tuple[float, float] | None, *, newest: bool = False
) -> tuple[str, tuple[Any, ...]]:
    """_order_by's order as SQL: the newest first, or nearest `point` first, else the soonest
    next matching date."""
    if newest:
        return _NEWEST_ORDER_SQL, ()
    if point is not None:
        return (
            f'({_MISSION}."location" <-> {_POINT_SQL}) ASC NULLS LAST, {_MISSION}."id" ASC',
            _point_params(point),
        )
    return (
        f'({slot_match.next_start_sql()}) ASC NULLS LAST, {_MISSION}."id" ASC',
        slot_match.params,
    )


def _page_rows_sql(
    base: _SearchBase,
    *,
    nearest_to: tuple[float, float] | None,
    distance_from: tuple[float, float] | None,
    page_ids: RawSQL | None,
    offset: int,
    limit: int,
    result_format: ResultJsonFormat | None = None,
    newest: bool = False,
) -> list[tuple[Any, ...]]:
    """One page's rows and total in one statement, written as SQL around the candidates'
    condition (written once per search): the newest first (`newest`; searches read its page
    through _newest_page_ids), nearest `nearest_to` first, else soonest first; `distance_from`
    gives distance_km. Same columns, values and order as mission_search's.

    - `page_ids` (a walk found them, offset applied): these rows, with the total counted up to
      SEARCH_EXACT_TOTAL_LIMIT + 1 (an InitPlan);
    - else every candidate is read and sorted for the page, and the exact total is a window
      over them ordered like the page: PostgreSQL then sorts the candidates once and keeps
      narrow rows for the count (`OVER ()` kept the search vector and spilled to disk past
      ~8,000 text matches).
    """
    if result_format is None:
        columns, column_params = _page_columns_sql(base.slot_match, distance_from)
    else:
        columns, column_params = _result_json_column(base.slot_match, distance_from, result_format)
    order, order_params = _page_order_sql(base.slot_match, nearest_to, newest=newest)
    where, where_params = base.missions_where
    if page_ids is None:
        total = (
            f'COUNT({_MISSION}."id") OVER (ORDER BY {order} '
            "ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)"
        )
        total_params: tuple[Any, ...] = order_params
        condition, condition_params = where, where_params
        window: tuple[Any, ...] = (limit + 1, offset)
    else:
        total_sql, total_params = _capped_count_sql(base)
        total = f"({total_sql})"
        condition = f'{where} AND {_MISSION}."id" IN ({page_ids.sql})'
        condition_params = (*where_params, *page_ids.params)
        window = (limit + 1, 0)
    sql = (
        f'SELECT {columns}, {total} AS "search_total" FROM {_MISSION} '  # noqa: S608
        f"WHERE {condition} ORDER BY {order} LIMIT %s OFFSET %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql, (*column_params, *total_params, *condition_params, *order_params, *window)
        )
        return cursor.fetchall()


def _sorted_page_rows(
    filters: MissionSearchFilters,
    *,
    offset: int,
    limit: int,
    result_format: ResultJsonFormat | None,
    taxonomy_ids: _TaxonomyIds,
) -> list[tuple[Any, ...]]:
    """The rows of a page found by sorting every candidate (a place or words in a smaller
    tenant, or sorted by relevance or newest), with the exact total. Nearest or soonest first
    as SQL (_page_rows_sql); by relevance as SQL around the ranked matches (_ranked_page_rows);
    newest first (with a place or words) with the ORM."""
    sort = filters.effective_sort
    if sort in ("distance", "soonest"):
        return _page_rows_sql(
            _search_candidates(filters, taxonomy_ids=taxonomy_ids),
            nearest_to=filters.point if sort == "distance" else None,
            distance_from=filters.point,
            page_ids=None,
            offset=offset,
            limit=limit,
            result_format=result_format,
        )
    if sort == "relevance":
        return _ranked_page_rows(
            filters,
            offset=offset,
            limit=limit,
            result_format=result_format,
            taxonomy_ids=taxonomy_ids,
        )
    missions, order, base = _search_ordered(filters, taxonomy_ids=taxonomy_ids)
    columns: tuple[str, ...]
    if result_format is None:
        geometry = location_as_geometry()
        annotations: dict[str, Any] = {
            "lat": PointY(geometry),
            "lng": PointX(geometry),
            "organization_summary": RawSQL(_ORGANIZATION_SUMMARY_SQL, (), output_field=Field()),  # noqa: S611
            "cause_summaries": RawSQL(_CAUSE_SUMMARIES_SQL, (), output_field=Field()),  # noqa: S611
        }
        columns = _PAGE_COLUMNS
    else:
        json_sql, json_params = _result_json_sql(base.slot_match, filters.point, result_format)
        annotations = {"result_json": RawSQL(json_sql, json_params, output_field=TextField())}  # noqa: S611
        columns = ("result_json",)
    rows = (
        missions.prefetch_related(None)
        .annotate(
            **annotations,
            search_total=Window(Count("pk"), order_by=order, frame=RowRange(start=None, end=None)),
        )
        .values_list(*columns, "search_total")
    )
    return list(rows[offset : offset + limit + 1])


def _ranked_page_rows(
    filters: MissionSearchFilters,
    *,
    offset: int,
    limit: int,
    result_format: ResultJsonFormat | None,
    taxonomy_ids: _TaxonomyIds,
) -> list[tuple[Any, ...]]:
    """One page of the best matches of the words first (rows offset to offset + limit + 1) and
    the exact total, in one statement: every match is read once for its id and rank (the
    `ranked` subquery), counted and sorted top-N as those two narrow columns, and only the
    page's rows are joined back for their columns. Sorting whole rows for a window ordered like
    the page cost a full sort and a copy of every match (text at 100,000 missions, "refugies",
    9,291 matches: sort 11 ms and window 5 ms of the statement's 36; docs/benchmarks.md).

    `OFFSET 0` keeps PostgreSQL from merging `ranked` into the query above it, which would
    compute the rank after the window and carry each match's search vector into it (it spilled
    to disk past ~8,000 matches).

    One backend, in any tenant: this statement took two parallel workers in a tenant of
    NARROW_WALK_FROM_MISSIONS missions or more, but PostgreSQL plans it without them (gathering
    every match's row costs it more than the scan they share), and at 1,000,000 missions one
    backend ranks as fast as three did when whole rows were sorted (docs/benchmarks.md)."""
    base = _search_candidates(filters, taxonomy_ids=taxonomy_ids)
    assert filters.q  # the relevance order needs words (checked by _search_candidates)
    rank = _words_rank(filters.q)
    where, where_params = base.missions_where
    ranked = (
        f'SELECT {_MISSION}."id" AS "pk", ({rank.sql}) AS "rank" '  # noqa: S608
        f"FROM {_MISSION} WHERE {where}"
    )
    ranked_params = (*rank.params, *where_params)
    if result_format is None:
        columns, column_params = _page_columns_sql(base.slot_match, filters.point)
    else:
        columns, column_params = _result_json_column(base.slot_match, filters.point, result_format)
    sql = (
        f'SELECT {columns}, "page"."total" AS "search_total" FROM ('  # noqa: S608
        'SELECT "ranked"."pk", "ranked"."rank", COUNT(*) OVER () AS "total" '
        f'FROM ({ranked} OFFSET 0) AS "ranked" '
        'ORDER BY "ranked"."rank" DESC, "ranked"."pk" ASC LIMIT %s OFFSET %s) AS "page" '
        f'JOIN {_MISSION} ON {_MISSION}."id" = "page"."pk" '
        'ORDER BY "page"."rank" DESC, "page"."pk" ASC'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*column_params, *ranked_params, limit + 1, offset))
        return cursor.fetchall()


class _PageWithTotal(Sequence[SearchResult]):
    """One page already read with its total, as Django's Paginator reads an object list: its
    length is the total, and the page's slice is the rows read."""

    def __init__(self, rows: list[SearchResult], *, total: int, offset: int) -> None:
        self.rows, self.total, self.offset = rows, total, offset

    def __len__(self) -> int:
        return self.total

    @overload
    def __getitem__(self, key: int) -> SearchResult: ...

    @overload
    def __getitem__(self, key: slice) -> list[SearchResult]: ...

    def __getitem__(self, key: int | slice) -> SearchResult | list[SearchResult]:
        if not isinstance(key, slice) or (key.start or 0) != self.offset:
            raise IndexError("only the page that was read is available")
        return self.rows


class _SearchResultsPage(Page):
    """A page of SearchPaginator: it ends at its last row, the window's last one on a page cut
    by the window (Django's Page.end_index says the total on the last page)."""

    def end_index(self) -> int:
        if not self.object_list:
            return 0
        return self.start_index() + len(self.object_list) - 1


class SearchPaginator(Paginator):
    """Django's Paginator over a page already read, knowing whether its count is exact: beyond
    SEARCH_EXACT_TOTAL_LIMIT results the pages say "more than" that many. The pages stop at
    SEARCH_RESULT_WINDOW's last one (narrow the search to see further), even when the count
    is exact beyond it."""

    def __init__(self, page: SearchPage, *, offset: int, size: int) -> None:
        super().__init__(_PageWithTotal(page.results, total=page.total, offset=offset), size)
        self.count_is_exact = page.total_is_exact

    @cached_property
    def num_pages(self) -> int:
        return min(super().num_pages, window_pages(self.per_page))

    def _get_page(self, *args: Any, **kwargs: Any) -> Page[SearchResult]:
        return _SearchResultsPage(*args, **kwargs)


def window_pages(size: int) -> int:
    """How many pages of `size` results SEARCH_RESULT_WINDOW holds (the last one may be cut)."""
    return max(1, -(-SEARCH_RESULT_WINDOW // size))


def mission_search_paginated(
    *, filters: MissionSearchFilters, page: int | str | None, size: int
) -> Page[SearchResult]:
    """mission_search_page as a Django Page for the pages: one query for the rows and the
    total (a page number past the end shows the last page, as Paginator.get_page does).
    `page.paginator.count_is_exact` is False beyond SEARCH_EXACT_TOTAL_LIMIT results."""
    try:
        number = int(page) if page is not None else 1
    except (TypeError, ValueError):
        number = 1
    # Past the end shows the last page anyway. Beyond the window, its last page is read at once:
    # a page further would be read to find no row first.
    number = min(number, window_pages(size))
    found = mission_search_page(filters=filters, offset=(max(number, 1) - 1) * size, limit=size)
    last = min(max(1, -(-found.total // size)), window_pages(size))
    if not 1 <= number <= last:
        number = last if number > 1 else 1
        found = mission_search_page(filters=filters, offset=(number - 1) * size, limit=size)
    return SearchPaginator(found, offset=(number - 1) * size, size=size).page(number)


def mission_map_features(
    *, filters: MissionSearchFilters, zone: tzinfo, limit: int = MAP_POINTS_LIMIT
) -> list[str]:
    """Pins for the map: matching missions with a location, at most `limit` of them (ask for
    one more to know whether the list was cut), each a GeoJSON Feature (RFC 7946) written by
    PostgreSQL as JSON text, ready to be joined into a collection. One query (after one for the
    ids of the causes and skills asked for, if any).

    Each Feature holds the mission's id, its point (longitude, latitude, rounded to 6
    decimals: 0.1 m), its title and the start of its next matching date in `zone`, as the API
    presents datetimes (ISO 8601, "Z" at UTC; engagement.api.fields._datetime).

    When there are more pins than the cap, the ones kept are those nearest the point, else
    nearest the centre of the box (what the visitor looks at), else the soonest; `sort` does
    not apply to pins. Nearest first, they are read as a nearest-first page is
    (_nearest_page_ids), a box in a tenant with few missions by sorting its candidates. The
    statement is written as SQL around the candidates' condition, as a page's.
    """
    centre = filters.point
    if centre is None and filters.bbox is not None:
        centre = _box_centre(filters.bbox)
    walked = centre is not None and _may_walk(filters)
    place_walked = walked and _narrowed(filters)
    budgeted = walked and _walk_has_a_budget(filters)
    # The pins are walked from the centre and not counted: the causes' cells would only add
    # their test to each probe (4 ms more at p50, a viewport and a cause at 1,000,000 missions).
    base = _search_candidates(filters, walked=place_walked, counted=False)
    slot_match = base.slot_match
    where, where_params = base.missions_where
    condition = f'{where} AND {_MISSION}."location" IS NOT NULL'
    condition_params: tuple[Any, ...] = where_params
    if centre is not None:
        if walked:
            # Found as a nearest-first page is (a walk of the location index from the centre,
            # within a budget), not by sorting every candidate of the box.
            nearest_ids = _nearest_page_ids(
                base,
                point=centre,
                edge_m=_edge_m(filters),
                with_remote=False,
                budgeted=budgeted,
                offset=0,
                limit=limit,
            )
            condition = f'{condition} AND {_MISSION}."id" IN ({nearest_ids.sql})'
            condition_params = (*condition_params, *nearest_ids.params)
        rank_column = f', ({_MISSION}."location" <-> {_POINT_SQL}) AS rank'
        rank_params: tuple[Any, ...] = _point_params(centre)
        rank = "rank"
    else:
        # Soonest first: by the next date's start, computed once per candidate.
        rank_column, rank_params, rank = "", (), "starts_at"
    # The pins are chosen and ordered as SQL around the candidates' condition, as a page is
    # (_page_rows_sql); the outer query writes each chosen row as a Feature and keeps the order
    # (by the same rank, carried out of the inner query).
    sql = (
        f"SELECT {_MAP_FEATURE_SQL} FROM ("  # noqa: S608
        f'SELECT {_MISSION}."id" AS id, {_MISSION}."title" AS title, '
        f"{_COMPUTED_COLUMNS['lat']} AS lat, {_COMPUTED_COLUMNS['lng']} AS lng, "
        f"({slot_match.next_start_sql()}) AS starts_at{rank_column} FROM {_MISSION} "
        f"WHERE {condition} "
        f'ORDER BY {rank} ASC NULLS LAST, {_MISSION}."id" ASC LIMIT %s) AS pin '
        f"ORDER BY pin.{rank} ASC NULLS LAST, pin.id ASC"
    )
    zone_name = str(zone)
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            (
                *([zone_name] * _MAP_FEATURE_ZONES),
                *slot_match.params,
                *rank_params,
                *condition_params,
                limit,
            ),
        )
        return [feature for (feature,) in cursor.fetchall()]
