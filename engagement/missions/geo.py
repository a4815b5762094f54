"""Geography in SQL for the search: points, distances, boxes, and the rectangle around a circle.

Locations are geography (metres on the spheroid); map viewports are lon/lat rectangles tested
on the planar `location::geometry` (the `mission_geometry` index).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from django.contrib.gis.db.models import GeometryField, PointField
from django.db.models import FloatField, Func, Value
from django.db.models.functions import Cast


class GeographyPoint(Func):
    """A WGS 84 point as geography, built from two plain float parameters."""

    template = "ST_SetSRID(ST_MakePoint(%(expressions)s), 4326)::geography"
    output_field = PointField(geography=True, srid=4326)

    def __init__(self, lng: float, lat: float) -> None:
        super().__init__(Value(float(lng)), Value(float(lat)))


class GeographyDistance(Func):
    """ST_Distance on geography, in metres (spheroid)."""

    function = "ST_Distance"
    output_field = FloatField()


class NearestTo(Func):
    """`location <-> point`: the operator a GiST index can return in distance order (KNN)."""

    arg_joiner = " <-> "
    template = "(%(expressions)s)"
    output_field = FloatField()


class PointX(Func):
    function = "ST_X"
    output_field = FloatField()


class PointY(Func):
    function = "ST_Y"
    output_field = FloatField()


def location_as_geometry() -> Cast:
    """The mission's location as planar lon/lat geometry.

    A map viewport is a lon/lat rectangle, so the bounding-box test is planar (exact for points);
    the expression matches the `mission_geometry` index in Mission.Meta.
    """
    return Cast("location", output_field=GeometryField(srid=4326))


def radius_box(
    lng: float, lat: float, radius_km: float
) -> tuple[float, float, float, float] | None:
    """A lon/lat rectangle (west, south, east, north) that surely contains the circle.

    The radius is then searched as "in this rectangle" (planar index on lon/lat, well estimated
    by the planner) and "within the distance" (exact, on the spheroid, only for the rectangle's
    rows). ST_DWithin alone is estimated at a few rows whatever the radius, which sends
    PostgreSQL to plans costed in the hundred thousands (JIT, parallel workers) for a 5 km
    search. A degree of latitude is at least 110.57 km, one of longitude at least
    111.32 km x cos(latitude); None near the poles or across the antimeridian (exact test only).
    """
    half_height = radius_km / 110.5
    south, north = lat - half_height, lat + half_height
    widest = max(abs(south), abs(north))
    if widest >= 89.0:
        return None
    half_width = radius_km / (111.0 * math.cos(math.radians(widest)))
    west, east = lng - half_width, lng + half_width
    if west < -180.0 or east > 180.0:
        return None
    return west, south, east, north


# The radius of the sphere PostGIS measures geography on with `<->` (the WGS 84 mean radius).
SPHERE_RADIUS_M = 6_371_008.771_415


def sphere_distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The great-circle distance in metres between two (lng, lat) points (haversine), as
    `<->` measures it on geography."""
    lng1, lat1, lng2, lat2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    )
    return 2 * SPHERE_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


# --- Cause cells --------------------------------------------------------------------------------
#
# A mission's causes crossed with the lon/lat cell its location falls in, one integer per cause
# (Mission.cause_cells, kept by engagement.missions.services.mission_search_columns_refresh).
# "Has one of these causes and lies in this rectangle" is then one GIN lookup of a few dozen keys
# that returns about the rows it asks for, where the cause's own index and the rectangle's each
# return every row they match before the two are ANDed: at 1,000,000 missions a common cause and
# a 5 km rectangle build bitmaps of 135,608 and 76,790 rows for a count capped at 1,001
# (docs/benchmarks.md, "Broad search").
#
# Cells are 1/50 of a degree (2.2 km of latitude, 1.5 km of longitude in Paris); a cell is
# numbered from floor(lat * 50) and floor(lng * 50), computed the same way (IEEE doubles, one
# multiplication and a floor) in SQL and here, so a point inside a rectangle always has its cell
# among the rectangle's. The cause id is above the cell's 28 bits.
CELLS_PER_DEGREE = 50
_ROWS_BELOW_EQUATOR = 90 * CELLS_PER_DEGREE
_COLUMNS_WEST = 180 * CELLS_PER_DEGREE
_COLUMNS = 360 * CELLS_PER_DEGREE + 1
_CELL_BITS = 28
assert (2 * _ROWS_BELOW_EQUATOR + 1) * _COLUMNS < 2**_CELL_BITS

# The keys of one mission, as the SQL of the search columns' statement writes them: `cause` and
# `location` are SQL expressions (a cause id, the mission's geography).
CAUSE_CELL_KEY_SQL = (
    f"({{cause}} * {2**_CELL_BITS} "
    f"+ (floor(ST_Y({{location}}::geometry) * {CELLS_PER_DEGREE})::bigint "
    f"+ {_ROWS_BELOW_EQUATOR}) * {_COLUMNS} "
    f"+ floor(ST_X({{location}}::geometry) * {CELLS_PER_DEGREE})::bigint + {_COLUMNS_WEST})"
)


def cause_cell_key(cause_id: int, lng: float, lat: float) -> int:
    """The key of a mission with this cause at this point (CAUSE_CELL_KEY_SQL in Python)."""
    row, column = math.floor(lat * CELLS_PER_DEGREE), math.floor(lng * CELLS_PER_DEGREE)
    return _cause_cell(cause_id, row, column)


def _cause_cell(cause_id: int, row: int, column: int) -> int:
    return (
        (cause_id << _CELL_BITS) + (row + _ROWS_BELOW_EQUATOR) * _COLUMNS + column + _COLUMNS_WEST
    )


def cause_cell_key_rows(
    cause_ids: Sequence[int], box: tuple[float, float, float, float], *, limit: int
) -> list[list[int]] | None:
    """Every key of a mission with one of `cause_ids` inside the lon/lat rectangle `box` (west,
    south, east, north, inclusive), one list per cause and row of cells (west to east), in
    ascending order; None when there would be more than `limit` keys (a wide rectangle: its
    cells would cost more to look up than the indexes they replace)."""
    west, south, east, north = box
    rows = range(
        max(math.floor(south * CELLS_PER_DEGREE), -_ROWS_BELOW_EQUATOR),
        min(math.floor(north * CELLS_PER_DEGREE), _ROWS_BELOW_EQUATOR) + 1,
    )
    columns = range(
        max(math.floor(west * CELLS_PER_DEGREE), -_COLUMNS_WEST),
        min(math.floor(east * CELLS_PER_DEGREE), _COLUMNS_WEST) + 1,
    )
    if len(cause_ids) * len(rows) * len(columns) > limit:
        return None
    return [
        [_cause_cell(cause_id, row, column) for column in columns]
        for cause_id in sorted(set(cause_ids))
        for row in rows
    ]
