"""Helpers for search tests: exact geodesic offsets and local dates in the tenant's zone."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone

from engagement.api.fields import _datetime
from engagement.missions import search
from engagement.missions.models import Mission
from engagement.missions.search import (
    MissionSearchFilters,
    SearchPage,
    SearchResult,
    mission_search,
    mission_search_page,
    search_result_from_mission,
)
from tests.engagement.factories import PARIS_CENTRE, MissionFactory, SlotFactory

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


def today_in_paris() -> date:
    return timezone.now().astimezone(PARIS_ZONE).date()


def days_ahead(first: int, last: int) -> dict[str, date]:
    """The `date_from` and `date_to` filters, `first` and `last` days after today in Paris."""
    today = today_in_paris()
    return {"date_from": today + timedelta(days=first), "date_to": today + timedelta(days=last)}


def paris_time(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS_ZONE)


def ids(rows) -> list[int]:  # type: ignore[no-untyped-def]
    return [row.pk for row in rows]


def every_page(filters: MissionSearchFilters, *, size: int) -> list[int]:
    """The ids of every page of mission_search_page, page after page, checking `has_next`."""
    found: list[int] = []
    offset = 0
    while True:
        page = mission_search_page(filters=filters, offset=offset, limit=size)
        found += ids(page.results)
        if not page.has_next:
            assert len(page.results) <= size
            return found
        assert len(page.results) == size
        offset += size


def pages_follow_the_reference(filters: MissionSearchFilters, *, size: int) -> list[int]:
    """Check that every page of `filters` at `size` rows gives mission_search's ids in its order
    and that the first page has the exact total; return those ids."""
    expected = ids(mission_search(filters=filters))
    assert every_page(filters, size=size) == expected
    first = mission_search_page(filters=filters, offset=0, limit=size)
    assert (first.total, first.total_is_exact) == (len(expected), True)
    return expected


def mission_with_one_slot(days: int | None, *, hour: int, hours: int, **fields: Any) -> Mission:
    """A mission (MissionFactory's `fields`) with one slot: `days` days from today in Paris at
    `hour`, `hours` long, or ongoing when `days` is None."""
    created = MissionFactory(**fields)
    if days is None:
        SlotFactory(mission=created, ongoing=True)
    else:
        start = paris_time(today_in_paris() + timedelta(days=days), hour)
        SlotFactory(mission=created, starts_at=start, ends_at=start + timedelta(hours=hours))
    return created


def reference_rows(filters: MissionSearchFilters) -> list[SearchResult]:
    """What a page shows of each mission of mission_search (the ORM query, its annotations and
    prefetched relations); the location compared to the float's precision."""
    return [
        replace(
            result,
            lat=None if result.lat is None else pytest.approx(result.lat),
            lng=None if result.lng is None else pytest.approx(result.lng),
        )
        for result in map(search_result_from_mission, mission_search(filters=filters))
    ]


def page_in_another_tenant(tenant: Any, filters: MissionSearchFilters, *, title: str) -> SearchPage:
    """The first page of `filters` in `tenant`, where a joinable mission titled `title` is
    created first; the current tenant is set back afterwards."""
    current = connection.tenant
    connection.set_tenant(tenant)
    try:
        SlotFactory(mission=MissionFactory(title=title))
        return mission_search_page(filters=filters, offset=0, limit=50)
    finally:
        connection.set_tenant(current)


PLANS = ["few missions", "many missions", "many missions, tiny budget"]


def use_plan(plan: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The plan a search with a place or words takes: with few missions in the tenant (as in
    tests) its candidates are read and sorted whole; with many, a walk finds the page; with a
    budget of one row, the walks give up on most pages and the candidates are sorted whole."""
    if plan != "few missions":
        monkeypatch.setattr(search, "_tenant_has_many_missions", lambda: True)
    if plan == "many missions, tiny budget":
        for name in ("SOONEST", "NEAREST"):
            monkeypatch.setattr(search, f"{name}_MIN_VISITS", 1)
            monkeypatch.setattr(search, f"{name}_VISITS_PER_ROW", 1)


def map_pins(
    filters: MissionSearchFilters, *, zone: tzinfo = PARIS_ZONE, **limit: int
) -> list[dict[str, Any]]:
    """mission_map_features' Features, each parsed from the JSON text PostgreSQL wrote (the
    text itself must be valid JSON)."""
    return [
        json.loads(feature)
        for feature in search.mission_map_features(filters=filters, zone=zone, **limit)
    ]


def map_pin(pk: int, title: str, lng: float, lat: float, starts_at: datetime | None) -> dict:
    """The Feature expected for a mission: its point rounded to 6 decimals, its next start as the
    API writes datetimes in Paris."""
    return {
        "type": "Feature",
        "id": pk,
        "geometry": {
            "type": "Point",
            "coordinates": [pytest.approx(lng, abs=1e-6), pytest.approx(lat, abs=1e-6)],
        },
        "properties": {
            "title": title,
            "next_slot_starts_at": _datetime(starts_at, PARIS_ZONE),
        },
    }
