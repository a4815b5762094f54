"""Nearest first with any filters (a radius, a box, words, causes): the page read by walking the
location index in distance order within a budget (_nearest_page_ids), and the candidates sorted
whole when the walk gives up. Every page must give the rows of mission_search (the reference
order) in the same order, whichever plan answered."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from engagement.missions import search
from engagement.missions.geo import cause_cell_key_rows, radius_box, sphere_distance_m
from engagement.missions.models import Mission
from engagement.missions.search import (
    MissionSearchFilters,
    mission_search,
    mission_search_page,
)
from engagement.taxonomy.models import Cause
from tests.engagement.factories import CauseFactory, MissionFactory, SlotFactory
from tests.engagement.missions.search_support import (
    PLANS,
    every_page,
    ids,
    map_pin,
    map_pins,
    point_at,
    use_plan,
)

pytestmark = pytest.mark.django_db

LAT, LNG = 48.8566, 2.3522


@pytest.fixture
def around(in_paris):  # type: ignore[no-untyped-def]
    """Missions in rings around the centre of Paris: every third one about food, every other
    one with "potager" in its title, a few beyond 3 km, two at one address, one remote."""
    food = CauseFactory(slug="n-food")
    missions = []
    for index in range(14):
        mission = MissionFactory(
            title="Potager partagé" if index % 2 else "Accueil de jour",
            location=point_at(240 * (index + 1), 25 * index),
            causes=[food] if index % 3 == 0 else [],
        )
        SlotFactory(mission=mission)
        missions.append(mission)
    same_place = point_at(1_200, 200)
    for _index in range(2):
        SlotFactory(mission=MissionFactory(location=same_place, causes=[food]))
    SlotFactory(mission=MissionFactory(is_remote=True, location=None, causes=[food]))
    # Near, but nobody can join it any more: never listed.
    SlotFactory(
        mission=MissionFactory(location=point_at(400, 0)),
        starts_at=timezone.now() - timedelta(days=3),
        ends_at=timezone.now() - timedelta(days=2),
    )
    return missions


NEAREST_SHAPES = {
    "point": {},
    "point + cause": {"causes": ("n-food",)},
    "3 km": {"radius_km": 3},
    "3 km + cause": {"radius_km": 3, "causes": ("n-food",)},
    "words + 3 km": {"radius_km": 3, "q": "potager"},
    "words + point": {"q": "potager", "sort": "distance"},
    "box": {"bbox": (2.30, 48.83, 2.40, 48.89), "sort": "distance"},
    "nothing in 100 m": {"radius_km": 0.1},
}


@pytest.fixture(params=PLANS)
def budget(request, monkeypatch):  # type: ignore[no-untyped-def]
    use_plan(request.param, monkeypatch)
    return request.param


@pytest.fixture
def many_missions(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(search, "_tenant_has_many_missions", lambda: True)


@pytest.mark.parametrize("shape", NEAREST_SHAPES)
@pytest.mark.parametrize("size", [1, 3, 50])
def test_nearest_pages_come_in_the_reference_order(around, budget, shape, size):
    filters = MissionSearchFilters(lat=LAT, lng=LNG, **NEAREST_SHAPES[shape])
    expected = ids(mission_search(filters=filters))

    assert every_page(filters, size=size) == expected


def test_a_radius_leaves_out_what_lies_beyond_it_and_the_remote_missions(around):
    filters = MissionSearchFilters(lat=LAT, lng=LNG, radius_km=3)
    found = every_page(filters, size=4)

    assert len(found) == 12 + 2
    assert around[-1].pk not in found  # 3.36 km away


@pytest.mark.parametrize("plan", PLANS)
def test_words_nearest_first_list_the_remote_missions_last(around, monkeypatch, plan):
    use_plan(plan, monkeypatch)
    filters = MissionSearchFilters(lat=LAT, lng=LNG, q="coup de main", sort="distance")
    found = every_page(filters, size=2)

    assert found == ids(mission_search(filters=filters))
    assert Mission.objects.get(pk=found[-1]).location is None


def test_a_walk_that_reads_every_located_mission_is_complete(around, many_missions, monkeypatch):
    """A budget larger than the tenant's located missions: the walk reads them all, finds
    fewer matches than a page and that is the whole answer (no sort of the candidates)."""
    monkeypatch.setattr(search, "NEAREST_MIN_VISITS", 1_000)
    filters = MissionSearchFilters(lat=LAT, lng=LNG, radius_km=1, causes=("n-food",))
    page = mission_search_page(filters=filters, offset=0, limit=20)

    assert ids(page.results) == ids(mission_search(filters=filters))
    assert (page.total, page.has_next) == (len(page.results), False)


@pytest.mark.parametrize("many", [False, True])
def test_a_place_with_a_cause_is_two_queries(around, monkeypatch, django_assert_num_queries, many):
    monkeypatch.setattr(search, "_tenant_has_many_missions", lambda: many)
    filters = MissionSearchFilters(lat=LAT, lng=LNG, radius_km=3, causes=("n-food",))
    with django_assert_num_queries(2) as captured:  # the cause's id, then the page
        page = mission_search_page(filters=filters, offset=1, limit=2)

    assert len(page.results) == 2
    # The page's statement holds the cause's id itself (or, beside a walk, its cells' keys), so
    # PostgreSQL estimates how many missions have it from the column's statistics (not the
    # slug, resolved in the statement).
    food = Cause.objects.get(slug="n-food")
    statement = captured.captured_queries[1]["sql"]
    assert "n-food" not in statement
    if many:
        rows = cause_cell_key_rows([food.pk], radius_box(LNG, LAT, 3), limit=10**6)
        assert rows is not None
        assert all("'{" + ",".join(map(str, row)) + "}'" in statement for row in rows)
    else:
        assert f"'{{{food.pk}}}'" in statement


def test_with_many_missions_a_place_beyond_the_cap_says_more_than(
    around, many_missions, monkeypatch
):
    monkeypatch.setattr(search, "SEARCH_EXACT_TOTAL_LIMIT", 3)
    filters = MissionSearchFilters(lat=LAT, lng=LNG, radius_km=3)
    first = mission_search_page(filters=filters, offset=0, limit=2)
    few = mission_search_page(
        filters=MissionSearchFilters(lat=LAT, lng=LNG, radius_km=0.6), offset=0, limit=2
    )

    assert (first.total, first.total_is_exact, first.has_next) == (3, False, True)
    assert (few.total, few.total_is_exact) == (2, True)


def test_the_walk_stays_in_the_current_tenant(around, many_missions, montreal):
    paris = connection.tenant
    connection.set_tenant(montreal)
    try:
        SlotFactory(mission=MissionFactory(title="Only in Montreal", location=point_at(50, 0)))
        in_montreal = mission_search_page(
            filters=MissionSearchFilters(lat=LAT, lng=LNG, radius_km=3), offset=0, limit=50
        )
    finally:
        connection.set_tenant(paris)
    in_paris = mission_search_page(
        filters=MissionSearchFilters(lat=LAT, lng=LNG, radius_km=3), offset=0, limit=50
    )

    assert [row.title for row in in_montreal.results] == ["Only in Montreal"]
    assert "Only in Montreal" not in {row.title for row in in_paris.results}


PIN_SHAPES = {
    "box": {"bbox": (2.30, 48.83, 2.40, 48.89)},
    "box + cause": {"bbox": (2.30, 48.83, 2.40, 48.89), "causes": ("n-food",)},
    "box off-centre": {"bbox": (2.352, 48.856, 2.40, 48.89)},
    "point": {"lat": LAT, "lng": LNG},
    "point + 1 km": {"lat": LAT, "lng": LNG, "radius_km": 1},
}


@pytest.mark.parametrize("shape", PIN_SHAPES)
@pytest.mark.parametrize("limit", [1, 3, 50])
def test_map_pins_are_the_nearest_to_the_centre_in_the_reference_order(
    around, budget, shape, limit
):
    filters = MissionSearchFilters(**PIN_SHAPES[shape])
    if filters.point is None:
        west, south, east, north = PIN_SHAPES[shape]["bbox"]
        centre = {"lng": (west + east) / 2, "lat": (south + north) / 2}
    else:
        centre = {"lng": LNG, "lat": LAT}
    reference = MissionSearchFilters(**{**PIN_SHAPES[shape], **centre, "sort": "distance"})
    located = [row for row in mission_search(filters=reference) if row.location is not None]

    pins = map_pins(filters, limit=limit)

    assert (
        pins
        == [
            map_pin(row.pk, row.title, row.location.x, row.location.y, row.next_slot_starts_at)
            for row in located
        ][:limit]
    )


def test_the_sphere_distance_is_the_one_postgis_orders_by(in_paris):
    pairs = [((2.3522, 48.8566), (2.40, 48.89)), ((-73.57, 45.50), (-73.50, 45.60))]
    for a, b in pairs:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography "
                "<-> ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography",
                [*a, *b],
            )
            expected = cursor.fetchone()[0]
        assert sphere_distance_m(a, b) == pytest.approx(expected, rel=1e-6)


def test_with_few_missions_a_place_is_counted_exactly_beyond_the_cap(around, monkeypatch):
    monkeypatch.setattr(search, "SEARCH_EXACT_TOTAL_LIMIT", 3)
    page = mission_search_page(
        filters=MissionSearchFilters(lat=LAT, lng=LNG, radius_km=3), offset=0, limit=2
    )

    assert (page.total, page.total_is_exact, page.has_next) == (14, True, True)


def test_how_many_missions_a_tenant_has_is_read_per_schema_and_kept(around, montreal, monkeypatch):
    monkeypatch.setattr(search, "_mission_estimates", {})
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE engagement_mission")
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'engagement_mission'::regclass")
        in_paris = cursor.fetchone()[0]
    assert in_paris >= 18

    monkeypatch.setattr(search, "NARROW_WALK_FROM_MISSIONS", in_paris)
    assert search._tenant_has_many_missions() is True
    paris = connection.tenant
    connection.set_tenant(montreal)
    try:
        assert search._tenant_has_many_missions() is False
    finally:
        connection.set_tenant(paris)
    # Kept: a later change of the threshold is seen, the count is not read again.
    monkeypatch.setattr(search, "NARROW_WALK_FROM_MISSIONS", in_paris + 1)
    assert search._tenant_has_many_missions() is False
    assert set(search._mission_estimates) == {paris.schema_name, montreal.schema_name}


def test_with_many_missions_the_radius_is_exact_on_the_spheroid(in_paris, many_missions):
    inside = MissionFactory(location=point_at(999.5, 45))
    SlotFactory(mission=inside)
    SlotFactory(mission=MissionFactory(location=point_at(1000.5, 45)))
    filters = MissionSearchFilters(lat=LAT, lng=LNG, radius_km=1)

    assert ids(mission_search_page(filters=filters, offset=0, limit=5).results) == [inside.pk]
    assert [pin["id"] for pin in map_pins(filters)] == [inside.pk]


def _statements(filters: MissionSearchFilters) -> tuple[list[int], int, str]:
    with CaptureQueriesContext(connection) as captured:
        page = mission_search_page(filters=filters, offset=0, limit=2)
    return ids(page.results), page.total, " ".join(query["sql"] for query in captured)


def test_a_walked_radius_with_a_cause_is_found_from_the_causes_cells(around, monkeypatch):
    """The cells stand for the cause test and the rectangle: the statement holds neither, the
    exact distance test stays, and the page and the count are the reference's."""
    filters = MissionSearchFilters(lat=LAT, lng=LNG, radius_km=3, causes=("n-food",))
    reference = ids(mission_search(filters=filters))

    found, total, sql = _statements(filters)
    assert '"cause_cells" &&' not in sql  # few missions: the candidates are read whole
    monkeypatch.setattr(search, "_tenant_has_many_missions", lambda: True)
    walked, walked_total, walked_sql = _statements(filters)

    assert '"cause_cells" &&' in walked_sql
    assert '"cause_ids" &&' not in walked_sql
    assert "ST_MakeEnvelope" not in walked_sql
    assert found == walked == reference[:2]
    assert total == walked_total == len(reference) > 2


@pytest.mark.parametrize("sort", ["distance", "soonest"])
def test_a_walked_box_with_a_cause_is_found_from_the_cells_and_the_box(around, monkeypatch, sort):
    """The cells stand for the cause test; the box's own test stays (its cells reach beyond
    it)."""
    filters = MissionSearchFilters(
        lat=LAT, lng=LNG, bbox=(2.34, 48.85, 2.37, 48.866), sort=sort, causes=("n-food",)
    )
    reference = ids(mission_search(filters=filters))
    monkeypatch.setattr(search, "_tenant_has_many_missions", lambda: True)

    found, total, sql = _statements(filters)

    assert '"cause_cells" &&' in sql
    assert '"cause_ids" &&' not in sql
    assert "ST_MakeEnvelope" in sql
    assert found == reference[:2]
    assert total == len(reference)
    # The box leaves out missions of the cause in its cells but outside it.
    with_cause = MissionSearchFilters(lat=LAT, lng=LNG, causes=("n-food",), sort="distance")
    assert 2 <= len(reference) < len(ids(mission_search(filters=with_cause)))


def test_a_walked_radius_too_wide_for_cells_uses_the_causes_own_test(around, many_missions):
    # 20 km around Paris touches 19 x 29 cells: more keys than a lookup pays for.
    rows = cause_cell_key_rows([1], radius_box(LNG, LAT, 20), limit=10**6)
    assert rows is not None
    assert sum(map(len, rows)) > search.CAUSE_CELL_KEYS_LIMIT
    filters = MissionSearchFilters(lat=LAT, lng=LNG, radius_km=20, causes=("n-food",))

    found, total, sql = _statements(filters)

    assert '"cause_cells" &&' not in sql
    assert '"cause_ids" &&' in sql
    assert total == len(ids(mission_search(filters=filters)))
    assert found == ids(mission_search(filters=filters))[:2]


MONTREAL = (-73.5673, 45.5017)


def test_a_walked_place_with_a_cause_west_of_greenwich(montreal, many_missions):
    """Negative longitudes, cells on both sides of a whole 1/50 of a degree: every mission of
    the cause within the radius is counted and listed, nearest first."""
    with tenant_context(montreal):
        cause = CauseFactory(slug="m-food")
        inside = []
        for index in range(12):
            mission = MissionFactory(
                location=point_at(350 * (index + 1), 90 * index, origin=MONTREAL), causes=[cause]
            )
            SlotFactory(mission=mission)
            inside.append(mission.pk)
        SlotFactory(mission=MissionFactory(location=point_at(800, 90, origin=MONTREAL)))
        SlotFactory(
            mission=MissionFactory(location=point_at(4_300, 10, origin=MONTREAL), causes=[cause])
        )
        filters = MissionSearchFilters(
            lat=MONTREAL[1], lng=MONTREAL[0], radius_km=4.25, causes=("m-food",)
        )

        _found, total, sql = _statements(filters)

        assert '"cause_cells" &&' in sql
        assert total == 12
        assert every_page(filters, size=5) == inside


def test_walked_map_pins_with_a_cause_keep_the_causes_own_test(around, many_missions):
    """The pins are not counted: the cells would only add their test to each probe."""
    filters = MissionSearchFilters(bbox=(2.30, 48.83, 2.40, 48.89), causes=("n-food",))

    with CaptureQueriesContext(connection) as captured:
        map_pins(filters)

    sql = " ".join(query["sql"] for query in captured)
    assert '"cause_cells" &&' not in sql
    assert '"cause_ids" &&' in sql


@pytest.mark.parametrize("plan", PLANS)
def test_a_place_with_an_unknown_cause_finds_nothing(around, monkeypatch, plan):
    use_plan(plan, monkeypatch)
    for place in ({"radius_km": 3}, {"bbox": (2.30, 48.83, 2.40, 48.89), "sort": "distance"}):
        filters = MissionSearchFilters(lat=LAT, lng=LNG, causes=("no-such-cause",), **place)

        page = mission_search_page(filters=filters, offset=0, limit=5)

        assert (ids(page.results), page.total) == ([], 0)
        assert map_pins(filters) == []
