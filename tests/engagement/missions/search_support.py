"""Helpers for search tests: exact geodesic offsets and local dates in the tenant's zone."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.gis.geos import Point
from django.db import connection

from tests.engagement.factories import PARIS_CENTRE

PARIS_ZONE = ZoneInfo("Europe/Paris")


def point_at(
    distance_m: float, azimuth_degrees: float, origin: tuple[float, float] = PARIS_CENTRE
) -> Point:
    """The point `distance_m` metres from `origin` (lng, lat) along the spheroid, computed by
    PostGIS itself (ST_Project), so radius boundaries are tested against the real geodesic."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_X(p::geometry), ST_Y(p::geometry) FROM (SELECT ST_Project("
            "ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography, %s, radians(%s)) AS p) AS q",
            [origin[0], origin[1], distance_m, azimuth_degrees],
        )
        lng, lat = cursor.fetchone()
    return Point(lng, lat, srid=4326)


def next_weekday(weekday: int, *, weeks_ahead: int = 1) -> date:
    """A date on `weekday` (Mon=0) at least `weeks_ahead` weeks from today in Paris."""
    today = datetime.now(PARIS_ZONE).date() + timedelta(weeks=weeks_ahead)
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def paris_time(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS_ZONE)
