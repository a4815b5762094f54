"""The search's candidates' conditions, written as SQL (search._search_candidates), are those
the ORM compiles from the same filters: each condition alone, and every set of candidates a page
builds (a radius read whole or walked, counted from the causes' cells, a box, causes, skills,
flags, words, words with `remote`, words left to the walk)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.contrib.gis.db.models import GeometryField
from django.db.models import BooleanField, F, Func, Q, QuerySet, Value
from django.db.models.lookups import LessThanOrEqual

from engagement.missions import search
from engagement.missions.geo import GeographyDistance, GeographyPoint, location_as_geometry
from engagement.missions.models import Mission
from engagement.missions.search import MissionSearchFilters, joinable_condition

# --- The ORM's expressions of the place's conditions (what search wrote before) ----------------


class _Envelope(Func):
    function = "ST_MakeEnvelope"
    output_field = GeometryField(srid=4326)

    def __init__(self, west: float, south: float, east: float, north: float) -> None:
        super().__init__(*(Value(float(v)) for v in (west, south, east, north)), Value(4326))


class _BoxOverlaps(Func):
    arg_joiner = " && "
    template = "(%(expressions)s)"
    output_field = BooleanField()


class _GeographyWithin(Func):
    function = "ST_DWithin"
    output_field = BooleanField()


_SELECT_PK = 'SELECT "engagement_mission"."id" AS "pk" FROM "engagement_mission" WHERE '


def _orm_where(missions: QuerySet[Mission]) -> tuple[str, tuple[Any, ...]]:
    """The WHERE of `missions` as the ORM compiles it, on the unaliased mission table."""
    sql, params = missions.order_by().values("pk").query.sql_with_params()
    assert sql.startswith(_SELECT_PK), sql[:120]
    return sql[len(_SELECT_PK) :], tuple(params)


def _box(box: tuple[float, float, float, float]) -> _BoxOverlaps:
    return _BoxOverlaps(location_as_geometry(), _Envelope(*box))


def _orm_candidates(
    filters: MissionSearchFilters,
    *,
    now: datetime,
    walked: bool,
    counted: bool,
    words_tested: bool,
    taxonomy_ids: search._TaxonomyIds,
) -> QuerySet[Mission]:
    """The candidates as the ORM wrote them, every filter but the dates and availabilities."""
    conditions: list[Any] = [Q(status=Mission.Status.PUBLISHED)]
    point, (cause_ids, skill_ids) = filters.point, taxonomy_ids
    around = None
    if point is not None and filters.radius_km is not None:
        around = search.radius_box(*point, filters.radius_km)
    cells_box = around if around is not None else filters.bbox
    in_cells = None
    if walked and counted and cause_ids is not None and cells_box is not None:
        in_cells = search._has_any_cause_in(cause_ids, cells_box)
    if point is not None and filters.radius_km is not None:
        radius_m = Value(float(filters.radius_km) * 1000.0)
        if around is not None and in_cells is None:
            conditions.append(_box(around))
        distance = GeographyDistance(F("location"), GeographyPoint(*point))
        if around is not None and walked:
            conditions.append(LessThanOrEqual(distance, radius_m))
        else:
            conditions.append(_GeographyWithin(F("location"), GeographyPoint(*point), radius_m))
    if filters.bbox is not None:
        conditions.append(_box(filters.bbox))
    if in_cells is not None:
        conditions.append(in_cells)
    elif cause_ids is not None:
        conditions.append(search._has_any_cause(cause_ids))
    if skill_ids is not None:
        conditions.append(search._has_any_skill(skill_ids))
    remote_words = bool(filters.q) and words_tested and filters.remote is True
    flags = {
        "is_remote": None if remote_words else filters.remote,
        "is_step_free": filters.step_free,
        "is_open_to_minors": filters.open_to_minors,
        "is_beginner_friendly": filters.beginner_friendly,
    }
    conditions += [Q(**{name: value}) for name, value in flags.items() if value is not None]
    if filters.q and words_tested:
        conditions.append(search._words_match(filters.q, remote=remote_words))
    conditions.append(joinable_condition(now=now))
    return Mission.objects.filter(*conditions)


# --- Each condition ------------------------------------------------------------------------------

BOX = (2.25, 48.81, 2.42, 48.9)
POINT = (2.3522, 48.8566)


@pytest.mark.parametrize(
    ("orm", "written"),
    [
        (_box(BOX), search._box_condition(BOX)),
        (
            _GeographyWithin(F("location"), GeographyPoint(*POINT), Value(5000.0)),
            (search._WITHIN_SQL, (*POINT, 5000.0)),
        ),
        (
            LessThanOrEqual(GeographyDistance(F("location"), GeographyPoint(*POINT)), Value(5e3)),
            (search._DISTANCE_AT_MOST_SQL, (*POINT, 5000.0)),
        ),
        (Q(is_remote=True), (search._flag_condition("is_remote", True), ())),
        (Q(is_step_free=False), (search._flag_condition("is_step_free", False), ())),
        (search._has_any_skill([4, 9]), search._raw_condition(search._has_any_skill([4, 9]))),
    ],
    ids=["box", "within", "distance at most", "flag", "flag false", "raw"],
)
def test_each_condition_is_the_one_the_orm_compiles(orm, written):
    """Each beside the published condition, ANDed in parentheses as filter() writes them."""
    expected = _orm_where(Mission.objects.filter(Q(status=Mission.Status.PUBLISHED), orm))
    sql, params = written

    assert (f"({search._PUBLISHED_SQL} AND {sql})", (Mission.Status.PUBLISHED, *params)) == (
        expected
    )


def test_the_joinable_condition_is_the_orm_s():
    now = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)

    expected = _orm_where(
        Mission.objects.filter(Q(status=Mission.Status.PUBLISHED), joinable_condition(now=now))
    )

    assert (
        f"({search._PUBLISHED_SQL} AND {search._JOINABLE_SQL})",
        (Mission.Status.PUBLISHED, now),
    ) == expected


def test_a_flag_that_is_not_a_search_flag_is_refused():
    with pytest.raises(ValueError, match="not a search flag"):
        search._flag_condition("title", True)


# --- Every set of candidates a page builds ------------------------------------------------------

SHAPES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "no filter": ({}, {}),
    "a point": ({"lat": 48.86, "lng": 2.34}, {}),
    "a radius, read whole": ({"lat": 48.86, "lng": 2.34, "radius_km": 5}, {}),
    "a radius, walked": ({"lat": 48.86, "lng": 2.34, "radius_km": 5}, {"walked": True}),
    "a radius and causes, walked (cells)": (
        {"lat": 48.86, "lng": 2.34, "radius_km": 3, "causes": ("a", "b")},
        {"walked": True},
    ),
    "a radius and causes, walked, not counted": (
        {"lat": 48.86, "lng": 2.34, "radius_km": 3, "causes": ("a",)},
        {"walked": True, "counted": False},
    ),
    "a box and a cause, walked (cells)": (
        {"bbox": BOX, "causes": ("a",)},
        {"walked": True},
    ),
    "a box, a skill and flags": (
        {"bbox": BOX, "skills": ("s",), "open_to_minors": True, "beginner_friendly": False},
        {},
    ),
    "a cause, a skill, every flag": (
        {
            "causes": ("a",),
            "skills": ("s",),
            "remote": False,
            "step_free": True,
            "open_to_minors": False,
            "beginner_friendly": True,
        },
        {},
    ),
    "words": ({"q": "aide aux devoirs"}, {}),
    "words and remote": ({"q": "jardin", "remote": True, "step_free": True}, {}),
    "words and remote, left to the walk": (
        {"q": "jardin", "remote": True},
        {"words_tested": False},
    ),
    "words within a radius, dates": (
        {
            "q": "repas",
            "lat": 48.86,
            "lng": 2.34,
            "radius_km": 10,
            "date_from": date(2026, 12, 10),
            "date_to": date(2026, 12, 20),
            "availability": 0b101,
        },
        {},
    ),
}


@pytest.mark.parametrize("shape", SHAPES)
def test_the_candidates_are_the_orm_s(shape):
    given, options = SHAPES[shape]
    filters = MissionSearchFilters(**given)
    taxonomy_ids = ([3, 8] if filters.causes else None, [5] if filters.skills else None)

    base = search._search_candidates(filters, taxonomy_ids=taxonomy_ids, **options)
    expected = _orm_candidates(
        filters,
        now=base.bounds.now,
        walked=options.get("walked", False),
        counted=options.get("counted", True),
        words_tested=options.get("words_tested", True),
        taxonomy_ids=taxonomy_ids,
    )

    assert base.by_mission_where == _orm_where(expected)
    if filters.date_from is not None:
        # Dates narrow the slots: the candidates are those with a matching slot.
        where, params = base.missions_where
        assert where.startswith(base.by_mission_where[0] + " AND ")
        assert params[: len(base.by_mission_where[1])] == base.by_mission_where[1]
