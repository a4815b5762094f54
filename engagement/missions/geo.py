"""Geography in SQL for the search: points, distances, boxes, and the rectangle around a circle.

Locations are geography (metres on the spheroid); map viewports are lon/lat rectangles tested
on the planar `location::geometry` (the `mission_geometry` index).
"""

from __future__ import annotations

import math

from django.contrib.gis.db.models import GeometryField, PointField
from django.db.models import BooleanField, FloatField, Func, Value
from django.db.models.functions import Cast


class GeographyPoint(Func):
    """A WGS 84 point as geography, built from two plain float parameters."""

    template = "ST_SetSRID(ST_MakePoint(%(expressions)s), 4326)::geography"
    output_field = PointField(geography=True, srid=4326)

    def __init__(self, lng: float, lat: float) -> None:
        super().__init__(Value(float(lng)), Value(float(lat)))


class GeographyWithin(Func):
    """ST_DWithin on geography (metres, spheroid); served by the GiST index on location."""

    function = "ST_DWithin"
    output_field = BooleanField()


class GeographyDistance(Func):
    """ST_Distance on geography, in metres (spheroid)."""

    function = "ST_Distance"
    output_field = FloatField()


class NearestTo(Func):
    """`location <-> point`: the operator a GiST index can return in distance order (KNN)."""

    arg_joiner = " <-> "
    template = "(%(expressions)s)"
    output_field = FloatField()


class Envelope(Func):
    function = "ST_MakeEnvelope"
    output_field = GeometryField(srid=4326)

    def __init__(self, west: float, south: float, east: float, north: float) -> None:
        super().__init__(*(Value(float(v)) for v in (west, south, east, north)), Value(4326))


class BoxOverlaps(Func):
    arg_joiner = " && "
    template = "(%(expressions)s)"
    output_field = BooleanField()


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
