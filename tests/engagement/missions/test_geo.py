"""The causes' cells (engagement.missions.geo, "Cause cells"): the keys PostgreSQL writes for a
mission are the ones Python computes, and a rectangle's keys hold every point inside it."""

from __future__ import annotations

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from engagement.missions.geo import (
    CAUSE_CELL_KEY_SQL,
    CELLS_PER_DEGREE,
    cause_cell_key,
    cause_cell_key_rows,
)


def cause_cell_keys(
    causes: list[int], box: tuple[float, float, float, float], *, limit: int
) -> list[int] | None:
    rows = cause_cell_key_rows(causes, box, limit=limit)
    return None if rows is None else [key for row in rows for key in row]


KEY_SQL = CAUSE_CELL_KEY_SQL.format(
    cause="%s::bigint", location="ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography"
)


def key_in_sql(cause_id: int, lng: float, lat: float) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {KEY_SQL}", [cause_id, lng, lat, lng, lat])  # noqa: S608
        return int(cursor.fetchone()[0])


POINTS = [
    (2.3522, 48.8566),  # Paris
    (-73.5673, 45.5017),  # Montréal: west of Greenwich
    (151.2093, -33.8688),  # Sydney: south of the equator
    (2.36, 48.86),  # on a cell's corner (both times 50 are whole numbers)
    (-0.02, -0.02),
    (0.0, 0.0),
    (-180.0, -90.0),
    (180.0, 90.0),
    (179.99999999, 89.99999999),
    (-179.99999999, 0.01),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("lng", "lat"), POINTS)
@pytest.mark.parametrize("cause_id", [1, 37, 2**30 + 5])
def test_postgresql_writes_the_key_python_computes(lng, lat, cause_id):
    assert key_in_sql(cause_id, lng, lat) == cause_cell_key(cause_id, lng, lat)


def test_keys_differ_by_cause_and_by_cell():
    paris = cause_cell_key(7, 2.3522, 48.8566)

    assert cause_cell_key(7, 2.3522 + 1 / CELLS_PER_DEGREE, 48.8566) == paris + 1
    assert cause_cell_key(7, 2.3522, 48.8566 + 1 / CELLS_PER_DEGREE) == paris + 18_001
    assert cause_cell_key(8, 2.3522, 48.8566) == paris + 2**28
    # The farthest cells of two causes never meet.
    assert cause_cell_key(7, 180.0, 90.0) < cause_cell_key(8, -180.0, -90.0)


coordinates = st.tuples(
    st.floats(min_value=-179.5, max_value=179.5), st.floats(min_value=-89.5, max_value=89.5)
)


@settings(max_examples=300, deadline=None)
@given(
    corner=coordinates,
    size=st.tuples(st.floats(0, 0.3), st.floats(0, 0.3)),
    where=st.tuples(st.floats(0, 1), st.floats(0, 1)),
    causes=st.lists(st.integers(1, 5_000), min_size=1, max_size=3, unique=True),
)
def test_every_point_of_a_rectangle_has_its_key_among_the_rectangles(corner, size, where, causes):
    west, south = corner
    east, north = west + size[0], south + size[1]
    # A point inside, and the four corners and edges themselves (the test is inclusive).
    points = [
        (west + (east - west) * where[0], south + (north - south) * where[1]),
        (west, south),
        (east, north),
        (west, north),
        (east, south),
    ]
    keys = cause_cell_keys(causes, (west, south, east, north), limit=10**6)

    assert keys is not None
    assert keys == sorted(set(keys))
    for lng, lat in points:
        lng, lat = min(max(lng, west), east), min(max(lat, south), north)
        for cause in causes:
            assert cause_cell_key(cause, lng, lat) in keys


def test_a_rectangle_has_each_cause_once_per_cell_it_touches():
    # Times 50, 2.31-2.39 is 115.5-119.5 (5 columns) and 48.83-48.89 is 2441.5-2444.5 (4 rows).
    keys = cause_cell_keys([3, 9], (2.31, 48.83, 2.39, 48.89), limit=40)

    assert keys is not None
    assert len(keys) == 2 * 5 * 4
    assert {key >> 28 for key in keys} == {3, 9}


def test_the_keys_come_by_cause_and_row_of_cells_west_to_east():
    rows = cause_cell_key_rows([9, 3], (2.31, 48.83, 2.39, 48.89), limit=40)

    assert rows is not None
    assert len(rows) == 2 * 4
    for row in rows:
        assert len({key >> 28 for key in row}) == 1
        assert row == list(range(row[0], row[0] + 5))
    assert rows[0][0] == cause_cell_key(3, 2.31, 48.83)
    assert rows[-1][-1] == cause_cell_key(9, 2.39, 48.89)


def test_too_many_keys_give_none():
    box = (2.31, 48.83, 2.39, 48.89)

    assert cause_cell_keys([3, 9], box, limit=39) is None
    assert cause_cell_keys([3], box, limit=20) is not None


def test_a_rectangle_at_the_edges_of_the_globe_keeps_to_real_cells():
    keys = cause_cell_keys([1], (179.99, 89.99, 180.0, 90.0), limit=10)

    assert keys == sorted(
        {cause_cell_key(1, lng, lat) for lng in (179.99, 180.0) for lat in (89.99, 90.0)}
    )
