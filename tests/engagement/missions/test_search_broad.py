"""Broad searches (no place, no words): the soonest-first page read by walking the slots, nearest
first over the whole tenant, and totals exact only up to SEARCH_EXACT_TOTAL_LIMIT. Every page
plan must give the rows of mission_search (the reference order) in the same order."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.models.expressions import RawSQL
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from engagement.missions import search
from engagement.missions.models import Mission, Slot
from engagement.missions.search import (
    MissionSearchFilters,
    mission_search,
    mission_search_page,
    mission_search_paginated,
)
from engagement.missions.services import mission_search_columns_refresh
from tests.engagement.factories import CauseFactory, MissionFactory, SkillFactory, SlotFactory
from tests.engagement.missions.search_support import (
    PLANS,
    days_ahead,
    every_page,
    ids,
    page_in_another_tenant,
    paris_time,
    point_at,
    reference_rows,
    today_in_paris,
    use_plan,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(in_paris):  # type: ignore[no-untyped-def]
    """Missions whose next slot is tricky: several dates, equal starts, past and cancelled
    slots, ongoing periods alone or beside dates, missions nobody can join."""
    food, garden = CauseFactory(slug="b-food"), CauseFactory(slug="b-garden")
    today = today_in_paris()
    day = lambda offset, hour=10: paris_time(today + timedelta(days=offset), hour)  # noqa: E731

    def dated(mission: Mission, offset: int, hour: int = 10, **fields) -> Slot:  # type: ignore[no-untyped-def]
        start = day(offset, hour)
        return SlotFactory(
            mission=mission, starts_at=start, ends_at=start + timedelta(hours=2), **fields
        )

    missions: dict[str, Mission] = {}
    missions["three dates"] = MissionFactory(causes=[food])
    for offset in (9, 3, 20):
        dated(missions["three dates"], offset)
    missions["same start twice"] = MissionFactory(causes=[garden])
    dated(missions["same start twice"], 3)
    dated(missions["same start twice"], 3)
    missions["past then later"] = MissionFactory(causes=[food, garden])
    past = timezone.now() - timedelta(days=2)
    SlotFactory(
        mission=missions["past then later"], starts_at=past, ends_at=past + timedelta(hours=1)
    )
    dated(missions["past then later"], 5, hour=18)
    missions["cancelled first"] = MissionFactory(is_remote=True, location=None)
    dated(missions["cancelled first"], 1, status=Slot.Status.CANCELLED)
    dated(missions["cancelled first"], 12)
    missions["ongoing and dated"] = MissionFactory(causes=[garden])
    SlotFactory(mission=missions["ongoing and dated"], starts_at=None, ends_at=None)
    dated(missions["ongoing and dated"], 7, hour=14)
    for index in range(3):
        missions[f"ongoing {index}"] = MissionFactory(causes=[food] if index else [])
        SlotFactory(mission=missions[f"ongoing {index}"], starts_at=None, ends_at=None)
    for index in range(4):
        missions[f"one date {index}"] = MissionFactory(causes=[food] if index % 2 else [garden])
        dated(missions[f"one date {index}"], 3 + index * 4, hour=(10, 14, 18, 19)[index])
    # Four days from day 2: it runs on the first day of the date ranges below, so it matches
    # them by a start before that day (found by its period, not by the walk from that day).
    missions["long period"] = MissionFactory(causes=[garden])
    long_start = day(2)
    SlotFactory(
        mission=missions["long period"],
        starts_at=long_start,
        ends_at=long_start + timedelta(days=4),
    )
    # Nobody can join these: never listed.
    missions["draft"] = MissionFactory(status=Mission.Status.DRAFT)
    dated(missions["draft"], 2)
    missions["only past"] = MissionFactory()
    SlotFactory(mission=missions["only past"], starts_at=past, ends_at=past + timedelta(hours=1))
    missions["only cancelled"] = MissionFactory()
    dated(missions["only cancelled"], 2, status=Slot.Status.CANCELLED)
    return missions


BROAD_SHAPES = {
    "no filter": {},
    "dates only": days_ahead(4, 10),
    "from a date on": {"date_from": today_in_paris() + timedelta(days=6)},
    "until a date": {"date_to": today_in_paris() + timedelta(days=4)},
    "one cause": {"causes": ("b-food",)},
    "cause + dates": {"causes": ("b-garden",), **days_ahead(0, 8)},
    "availability": {"availability": 1 << (3 * 0 + 0) | 1 << (3 * 1 + 0) | 1 << (3 * 2 + 0)},
    "remote": {"remote": True},
    "explicit soonest": {"sort": "soonest"},
}


@pytest.mark.parametrize("shape", BROAD_SHAPES)
@pytest.mark.parametrize("size", [1, 2, 5, 50])
def test_soonest_pages_walk_the_slots_in_the_reference_order(world, shape, size):
    filters = MissionSearchFilters(**BROAD_SHAPES[shape])
    expected = ids(mission_search(filters=filters))

    assert every_page(filters, size=size) == expected
    assert mission_search_page(filters=filters, offset=0, limit=size).total == len(expected)


def test_the_walk_lists_dated_missions_by_next_date_then_ongoing_ones_by_id(world):
    page = mission_search_page(filters=MissionSearchFilters(), offset=0, limit=50)

    dated = [row for row in page.results if row.next_slot_starts_at is not None]
    ongoing = [row for row in page.results if row.next_slot_starts_at is None]
    assert page.results == dated + ongoing
    assert [row.next_slot_starts_at for row in dated] == sorted(
        row.next_slot_starts_at for row in dated
    )
    assert ids(ongoing) == sorted(ids(ongoing))
    listed = set(ids(page.results))
    assert {world["draft"].pk, world["only past"].pk, world["only cancelled"].pk} & listed == set()
    assert ids(page.results).count(world["same start twice"].pk) == 1
    first = page.results[ids(page.results).index(world["three dates"].pk)]
    assert (
        first.next_slot_starts_at == world["three dates"].slots.order_by("starts_at")[0].starts_at
    )


SOONEST_WITH_A_PLACE_OR_WORDS = {
    "box": {"bbox": (2.30, 48.83, 2.40, 48.89)},
    "box + dates": {"bbox": (2.30, 48.83, 2.40, 48.89), **days_ahead(4, 10)},
    "empty box": {"bbox": (2.0, 48.0, 2.01, 48.01)},
    "words": {"q": "coup de main", "sort": "soonest"},
    "radius, soonest": {"lat": 48.8566, "lng": 2.3522, "radius_km": 2, "sort": "soonest"},
}


@pytest.fixture(params=PLANS)
def walk_budget(request, monkeypatch):  # type: ignore[no-untyped-def]
    use_plan(request.param, monkeypatch)
    return request.param


@pytest.mark.parametrize("shape", SOONEST_WITH_A_PLACE_OR_WORDS)
@pytest.mark.parametrize("size", [1, 2, 5, 50])
def test_a_place_or_words_soonest_first_pages_in_the_reference_order(
    world, walk_budget, shape, size
):
    """Under each plan; broad shapes have one plan, tested above."""
    filters = MissionSearchFilters(**SOONEST_WITH_A_PLACE_OR_WORDS[shape])
    expected = ids(mission_search(filters=filters))

    assert every_page(filters, size=size) == expected


def test_with_many_missions_a_box_searched_soonest_first_is_one_query_with_a_capped_total(
    world, cap_of_three, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(search, "_tenant_has_many_missions", lambda: True)
    filters = MissionSearchFilters(bbox=(2.30, 48.83, 2.40, 48.89))
    with django_assert_num_queries(1):
        page = mission_search_page(filters=filters, offset=0, limit=2)

    assert ids(page.results) == ids(mission_search(filters=filters))[:2]
    assert (page.total, page.total_is_exact, page.has_next) == (3, False, True)


def test_a_slot_running_on_the_first_day_of_the_range_comes_by_its_start(world):
    filters = MissionSearchFilters(**days_ahead(4, 10))

    rows = mission_search_page(filters=filters, offset=0, limit=50).results

    assert rows[0].pk == world["long period"].pk
    assert rows[0].next_slot_starts_at == world["long period"].slots.get().starts_at


def test_a_mission_with_an_ongoing_slot_and_a_date_is_listed_by_its_date(world):
    rows = mission_search_page(filters=MissionSearchFilters(), offset=0, limit=50).results
    row = rows[ids(rows).index(world["ongoing and dated"].pk)]

    assert row.next_slot_starts_at is not None


@pytest.mark.parametrize("size", [1, 3, 50])
@pytest.mark.parametrize("causes", [(), ("b-food",)])
def test_nearest_first_over_the_whole_tenant_pages_in_the_reference_order(in_paris, size, causes):
    food = CauseFactory(slug="b-food")
    for index in range(7):
        mission = MissionFactory(
            location=point_at(300 * (7 - index), 40 * index), causes=[food] if index % 2 else []
        )
        SlotFactory(mission=mission)
    remote = MissionFactory(is_remote=True, location=None, causes=[food])
    SlotFactory(mission=remote)
    filters = MissionSearchFilters(lat=48.8566, lng=2.3522, causes=causes)
    expected = ids(mission_search(filters=filters))

    assert every_page(filters, size=size) == expected
    assert expected[-1] == remote.pk


def test_a_soonest_page_is_one_query(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        page = mission_search_page(
            filters=MissionSearchFilters(**days_ahead(0, 30)), offset=2, limit=3
        )

    assert len(page.results) == 3


def test_the_walk_stays_in_the_current_tenant(world, montreal):
    paris = connection.tenant
    soon = timezone.now() + timedelta(hours=1)
    connection.set_tenant(montreal)
    try:
        SlotFactory(
            mission=MissionFactory(title="Only in Montreal"),
            starts_at=soon,
            ends_at=soon + timedelta(hours=2),
        )
        in_montreal = mission_search_page(filters=MissionSearchFilters(), offset=0, limit=50)
    finally:
        connection.set_tenant(paris)
    in_paris = mission_search_page(filters=MissionSearchFilters(), offset=0, limit=50)

    assert [row.title for row in in_montreal.results] == ["Only in Montreal"]
    assert "Only in Montreal" not in {row.title for row in in_paris.results}
    assert ids(in_paris.results) == ids(mission_search(filters=MissionSearchFilters()))


# --- Totals beyond the cap ----------------------------------------------------------------------


@pytest.fixture
def cap_of_three(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(search, "SEARCH_EXACT_TOTAL_LIMIT", 3)


@pytest.mark.parametrize("shape", ["no filter", "dates only", "one cause"])
def test_beyond_the_cap_the_total_is_a_lower_bound_and_pages_go_on(world, cap_of_three, shape):
    filters = MissionSearchFilters(**BROAD_SHAPES[shape])
    expected = ids(mission_search(filters=filters))
    assert len(expected) > 4

    first = mission_search_page(filters=filters, offset=0, limit=2)
    beyond_the_cap = mission_search_page(filters=filters, offset=4, limit=2)

    assert (first.total, first.total_is_exact, first.has_next) == (3, False, True)
    assert ids(beyond_the_cap.results) == expected[4:6]
    assert (beyond_the_cap.total, beyond_the_cap.total_is_exact) == (3, False)
    assert every_page(filters, size=2) == expected


def test_at_the_cap_the_total_is_exact(in_paris, cap_of_three):
    for _index in range(3):
        SlotFactory(mission=MissionFactory())

    page = mission_search_page(filters=MissionSearchFilters(), offset=0, limit=2)
    past_the_end = mission_search_page(filters=MissionSearchFilters(), offset=10, limit=2)

    assert (page.total, page.total_is_exact, page.has_next) == (3, True, True)
    assert (past_the_end.results, past_the_end.total, past_the_end.total_is_exact) == ([], 3, True)


def test_pages_beyond_the_cap_say_more_than_and_stop_at_its_last_page(world, cap_of_three):
    first = mission_search_paginated(filters=MissionSearchFilters(), page="1", size=2)
    far = mission_search_paginated(filters=MissionSearchFilters(), page="9", size=2)

    assert (first.paginator.count, first.paginator.count_is_exact) == (3, False)
    assert (first.paginator.num_pages, far.number) == (2, 2)
    assert ids(far.object_list) == ids(mission_search(filters=MissionSearchFilters()))[2:4]


# --- Filters on the missions: walks with a budget -------------------------------------------------


@pytest.fixture
def skilled(world):  # type: ignore[no-untyped-def]
    """The world, with a skill on a few of its missions (one of them remote)."""
    cook = SkillFactory(slug="b-cook")
    for name in ("three dates", "cancelled first", "ongoing 1", "one date 2", "long period"):
        world[name].skills.set([cook])
    mission_search_columns_refresh(mission_ids=[mission.pk for mission in world.values()])
    return world


PARIS = {"lat": 48.8566, "lng": 2.3522}
MISSION_FILTERED_SHAPES = {
    "one cause": {"causes": ("b-food",)},
    "one skill": {"skills": ("b-cook",)},
    "skill + remote": {"skills": ("b-cook",), "remote": True},
    "cause + skill": {"causes": ("b-food",), "skills": ("b-cook",)},
    "cause + dates": {"causes": ("b-garden",), **days_ahead(0, 8)},
    "remote": {"remote": True},
    "point + cause": {**PARIS, "causes": ("b-food",)},
    "point + skill + remote": {**PARIS, "skills": ("b-cook",), "remote": True},
}


@pytest.mark.parametrize("shape", MISSION_FILTERED_SHAPES)
@pytest.mark.parametrize("size", [1, 2, 5])
def test_with_causes_skills_or_remote_a_walk_out_of_budget_sorts_the_candidates(
    skilled, shape, size, monkeypatch
):
    use_plan("many missions, tiny budget", monkeypatch)
    filters = MissionSearchFilters(**MISSION_FILTERED_SHAPES[shape])
    expected = ids(mission_search(filters=filters))
    assert expected

    assert every_page(filters, size=size) == expected


def _page_statements(filters: MissionSearchFilters, *, offset: int = 0) -> str:
    with CaptureQueriesContext(connection) as captured:
        mission_search_page(filters=filters, offset=offset, limit=2)
    return "\n".join(query["sql"] for query in captured.captured_queries)


@pytest.mark.parametrize(
    ("shape", "budgeted"),
    [
        ({"causes": ("b-food",)}, True),
        ({"skills": ("b-cook",)}, True),
        ({"remote": True}, True),
        ({}, False),
        (days_ahead(4, 10), False),
        ({"step_free": True, "beginner_friendly": True}, False),
        ({"remote": False}, False),
    ],
)
def test_a_broad_walk_has_a_budget_with_causes_skills_or_remote(skilled, shape, budgeted):
    """Their candidates come from an index (cause_ids, skill_ids, the remote missions'), so a
    walk that meets few of them stops and sorts them; the access flags have none."""
    soonest = _page_statements(MissionSearchFilters(**shape))
    nearest = _page_statements(MissionSearchFilters(**PARIS, **shape))

    assert ("gate AS MATERIALIZED" in soonest) is budgeted
    assert ("AS walk WHERE walk.distance IS NOT NULL" in nearest) is budgeted


def test_a_skill_is_searched_in_the_current_tenant_only(skilled, montreal):
    """The skills' ids are each schema's own (Montréal's `b-cook` may have Paris's id)."""
    paris = connection.tenant
    by_skill = MissionSearchFilters(skills=("b-cook",), remote=None)
    connection.set_tenant(montreal)
    try:
        cook = SkillFactory(slug="b-cook")
        only_here = MissionFactory(title="Cooking in Montreal", skills=[cook])
        SlotFactory(mission=only_here)
        in_montreal = mission_search_page(filters=by_skill, offset=0, limit=50)
    finally:
        connection.set_tenant(paris)
    in_paris = mission_search_page(filters=by_skill, offset=0, limit=50)

    assert [row.title for row in in_montreal.results] == ["Cooking in Montreal"]
    assert "Cooking in Montreal" not in {row.title for row in in_paris.results}
    assert ids(in_paris.results) == ids(mission_search(filters=by_skill))
    assert len(in_paris.results) == 5


def test_a_deep_page_reads_at_most_the_largest_budget(skilled, monkeypatch):
    monkeypatch.setattr(search, "SOONEST_MAX_VISITS", 3)
    monkeypatch.setattr(search, "NEAREST_MAX_VISITS", 4)
    cause = {"causes": ("b-food",)}

    soonest = _page_statements(MissionSearchFilters(**cause), offset=40)
    nearest = _page_statements(MissionSearchFilters(**PARIS, **cause), offset=40)

    assert "LIMIT 3) AS w WHERE" in soonest
    assert "ORDER BY 2 ASC LIMIT 4) AS walk" in nearest
    for filters in (MissionSearchFilters(**cause), MissionSearchFilters(**PARIS, **cause)):
        assert every_page(filters, size=2) == ids(mission_search(filters=filters))


def test_a_deep_walk_of_copied_filters_reads_more_slots_in_a_large_tenant(skilled, monkeypatch):
    """A walk whose budget is for a cause (tested on the slots' copies) reads up to a share of
    the tenant's missions on a deep page, within SOONEST_MAX_COPIED_VISITS; a place's walk keeps
    SOONEST_MAX_VISITS. The pages are the reference order either way."""
    monkeypatch.setattr(search, "SOONEST_MAX_VISITS", 3)
    monkeypatch.setattr(search, "SOONEST_MAX_COPIED_VISITS", 7)
    monkeypatch.setattr(search, "_tenant_missions", lambda: 1_000_000.0)
    cause = {"causes": ("b-food",)}

    copied = _page_statements(MissionSearchFilters(**cause), offset=40)
    placed = _page_statements(
        MissionSearchFilters(**PARIS, radius_km=50, **cause, sort="soonest"), offset=40
    )

    assert "LIMIT 7) AS w WHERE" in copied
    assert "LIMIT 3) AS w WHERE" in placed
    assert every_page(MissionSearchFilters(**cause), size=2) == ids(
        mission_search(filters=MissionSearchFilters(**cause))
    )


@pytest.mark.parametrize(
    ("wanted", "copies_only", "missions", "visits"),
    [
        (21, False, 1_000_000, 4_200),
        (5, True, 1_000_000, 2_000),
        (1_001, False, 1_000_000, 20_000),
        (1_001, True, 100_000, 20_000),
        (1_001, True, 500_000, 100_000),
        (1_001, True, 1_000_000, 200_000),
        (1_001, True, 5_000_000, 200_000),
        (400, True, 5_000_000, 80_000),
    ],
)
def test_the_soonest_budget(monkeypatch, wanted, copies_only, missions, visits):
    monkeypatch.setattr(search, "_tenant_missions", lambda: float(missions))

    assert search._soonest_visits(wanted=wanted, copies_only=copies_only) == visits


# --- The result window ---------------------------------------------------------------------------


@pytest.fixture
def window_of_three(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(search, "SEARCH_RESULT_WINDOW", 3)


@pytest.mark.parametrize("shape", ["no filter", "dates only", "one cause"])
@pytest.mark.parametrize("plan", PLANS)
def test_pages_reach_the_window_and_stop_there(world, window_of_three, shape, plan, monkeypatch):
    use_plan(plan, monkeypatch)
    filters = MissionSearchFilters(**BROAD_SHAPES[shape])
    expected = ids(mission_search(filters=filters))
    assert len(expected) > 4

    cut = mission_search_page(filters=filters, offset=2, limit=2)
    beyond = mission_search_page(filters=filters, offset=3, limit=2)

    assert (ids(cut.results), cut.has_next) == (expected[2:3], False)
    assert (beyond.results, beyond.has_next) == ([], False)
    assert (beyond.total, beyond.total_is_exact) == (len(expected), True)
    assert every_page(filters, size=2) == expected[:3]


def test_a_page_ending_before_the_window_has_a_next_one(world, window_of_three):
    expected = ids(mission_search(filters=MissionSearchFilters()))

    page = mission_search_page(filters=MissionSearchFilters(), offset=0, limit=2)

    assert (ids(page.results), page.has_next) == (expected[:2], True)


def test_a_page_number_beyond_the_window_shows_its_last_page_in_one_search(
    world, window_of_three, django_assert_num_queries
):
    expected = ids(mission_search(filters=MissionSearchFilters()))

    with django_assert_num_queries(1):
        far = mission_search_paginated(filters=MissionSearchFilters(), page="900000", size=2)

    assert (far.number, far.paginator.num_pages, far.has_next()) == (2, 2, False)
    assert (far.paginator.count, far.paginator.count_is_exact) == (len(expected), True)
    assert ids(far.object_list) == expected[2:3]
    # The page is cut by the window: it ends at its one row, the window's last, not at the
    # total as Django's last page says.
    assert (far.start_index(), far.end_index()) == (3, 3)


def test_a_page_ends_at_its_last_row(world):
    expected = ids(mission_search(filters=MissionSearchFilters()))
    size = 4
    last_number = -(-len(expected) // size)

    first = mission_search_paginated(filters=MissionSearchFilters(), page=1, size=size)
    last = mission_search_paginated(filters=MissionSearchFilters(), page=last_number, size=size)

    assert (first.start_index(), first.end_index()) == (1, size)
    assert (last.start_index(), last.end_index()) == ((last_number - 1) * size + 1, len(expected))


@pytest.mark.parametrize("size", [1, 2, 3])
def test_nearest_first_keeps_the_id_order_of_missions_at_one_address_across_pages(in_paris, size):
    """Ties in distance across a page's edge: the distance-only prefix is not enough there, so
    the candidates are sorted whole (the gate of _nearest_page_ids)."""
    same_place = point_at(500, 90)
    for _index in range(5):
        SlotFactory(mission=MissionFactory(location=same_place))
    SlotFactory(mission=MissionFactory(location=point_at(100, 0)))
    SlotFactory(mission=MissionFactory(location=point_at(900, 0)))
    filters = MissionSearchFilters(lat=48.8566, lng=2.3522)
    expected = ids(mission_search(filters=filters))

    assert every_page(filters, size=size) == expected
    assert len(expected) == 7


WRITTEN_AS_SQL = {
    **SOONEST_WITH_A_PLACE_OR_WORDS,
    "no filter": {},
    "dates only": days_ahead(4, 10),
    "point + cause": {"lat": 48.86, "lng": 2.34, "causes": ("b-food",)},
    "radius + cause, nearest": {"lat": 48.86, "lng": 2.34, "radius_km": 3, "causes": ("b-food",)},
    "box + dates, nearest": {
        "bbox": (2.30, 48.83, 2.40, 48.89),
        "lat": 48.86,
        "lng": 2.34,
        **days_ahead(4, 10),
    },
    "words, by relevance": {"q": "coup de main"},
}


@pytest.mark.parametrize("shape", WRITTEN_AS_SQL)
@pytest.mark.parametrize("plan", PLANS[:2])
def test_a_page_holds_what_mission_search_gives_value_for_value(world, shape, plan, monkeypatch):
    """A page's statement is written as SQL (search._page_rows_sql) for walked pages and for
    sorted pages nearest or soonest first, around the ranked matches by relevance
    (search._ranked_page_rows), and by the ORM newest first with words or a place: every value
    of every row is the reference's (the ORM's annotations and relations), under each plan."""
    use_plan(plan, monkeypatch)
    filters = MissionSearchFilters(**WRITTEN_AS_SQL[shape])
    page = mission_search_page(filters=filters, offset=0, limit=50)

    assert page.results == reference_rows(filters)
    assert bool(page.results) is (shape != "empty box")


# --- Newest first -------------------------------------------------------------------------------

NEWEST_SHAPES = {
    "newest": {"sort": "newest"},
    "newest, dates": {"sort": "newest", **days_ahead(4, 10)},
    "newest, one cause": {"sort": "newest", "causes": ("b-food",)},
    "newest, cause + dates": {"sort": "newest", "causes": ("b-garden",), **days_ahead(0, 8)},
    "newest, from a point": {"sort": "newest", "lat": 48.86, "lng": 2.34},
    "newest, remote": {"sort": "newest", "remote": True},
}


@pytest.fixture
def published_in_turns(world):  # type: ignore[no-untyped-def]
    """The world's missions published at a few moments, several at once (ties broken by id),
    and one published mission with no date (last)."""
    moments = [timezone.now() - timedelta(days=days) for days in (3, 1, 2)]
    listed = Mission.objects.filter(status=Mission.Status.PUBLISHED).order_by("pk")
    for index, mission in enumerate(listed):
        Mission.objects.filter(pk=mission.pk).update(published_at=moments[index % 3])
    Mission.objects.filter(pk=world["one date 0"].pk).update(published_at=None)
    return world


@pytest.mark.parametrize("shape", NEWEST_SHAPES)
@pytest.mark.parametrize("size", [1, 2, 5, 50])
def test_newest_pages_are_read_from_the_index_in_the_reference_order(
    published_in_turns, shape, size
):
    filters = MissionSearchFilters(**NEWEST_SHAPES[shape])
    expected = ids(mission_search(filters=filters))

    assert every_page(filters, size=size) == expected
    assert mission_search_page(filters=filters, offset=0, limit=size).total == len(expected)
    assert search._walks_newest(filters)


@pytest.mark.parametrize("shape", NEWEST_SHAPES)
def test_a_newest_page_holds_what_mission_search_gives_value_for_value(published_in_turns, shape):
    filters = MissionSearchFilters(**NEWEST_SHAPES[shape])

    page = mission_search_page(filters=filters, offset=0, limit=50)

    assert page.results == reference_rows(filters)
    assert page.results


def test_newest_first_lists_the_latest_publication_first_and_the_undated_last(published_in_turns):
    rows = mission_search_page(
        filters=MissionSearchFilters(sort="newest"), offset=0, limit=50
    ).results
    published = list(Mission.objects.filter(pk__in=ids(rows)).values_list("pk", "published_at"))
    moment = dict(published)

    assert moment[rows[-1].pk] is None
    dated = [moment[row.pk] for row in rows[:-1]]
    assert dated == sorted(dated, reverse=True)
    first_day = [row.pk for row in rows if moment[row.pk] == dated[0]]
    assert first_day == sorted(first_day, reverse=True)
    assert len(first_day) > 1


def test_with_a_place_or_words_newest_first_sorts_its_candidates(published_in_turns):
    """A radius, a box or words keep the sorted plan (and its exact total)."""
    for shape in ({"radius_km": 3, "lat": 48.86, "lng": 2.34}, {"q": "coup de main"}):
        filters = MissionSearchFilters(sort="newest", **shape)

        assert not search._walks_newest(filters)
        assert every_page(filters, size=2) == ids(mission_search(filters=filters))


def test_a_newest_page_is_one_query_with_a_capped_total(
    published_in_turns, cap_of_three, django_assert_num_queries
):
    filters = MissionSearchFilters(sort="newest")
    expected = ids(mission_search(filters=filters))
    assert len(expected) > 4
    with django_assert_num_queries(1):
        page = mission_search_page(filters=filters, offset=2, limit=2)

    assert ids(page.results) == expected[2:4]
    assert (page.total, page.total_is_exact, page.has_next) == (3, False, True)
    assert every_page(filters, size=2) == expected


def test_the_newest_walk_reads_the_index_in_its_order(published_in_turns):
    """The page's ids come from mission_published_newest in its own order: no sort of the
    candidates (the planner is told to avoid scans and sorts where it can, so a plan that
    still sorts means no index has the order)."""
    filters = MissionSearchFilters(sort="newest", **days_ahead(4, 10))
    page_ids = search._newest_page_ids(search._search_candidates(filters), offset=0, limit=3)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + page_ids.sql, page_ids.params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "mission_published_newest" in plan
    assert "Sort" not in plan


def _copies_with_varied_flags(mission: Mission, count: int) -> None:
    """`count` copies of the mission, with the access flags in the benches' shares (step-free
    1 in 3, open to minors 1 in 4, for beginners 2 in 3), then the table analyzed: the
    planner's choices below follow from statistics like a tenant's."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO engagement_mission
            SELECT (jsonb_populate_record(m, jsonb_build_object(
                'id', nextval(pg_get_serial_sequence('engagement_mission', 'id')),
                'is_step_free', g %% 3 = 0,
                'is_open_to_minors', g %% 4 = 0,
                'is_beginner_friendly', g %% 3 <> 1
            ))).*
            FROM engagement_mission AS m, generate_series(1, %s) AS g
            WHERE m.id = %s
            """,
            [count, mission.pk],
        )
        cursor.execute("ANALYZE engagement_mission")


@pytest.mark.parametrize(
    "flags",
    [
        {"step_free": True, "open_to_minors": True, "beginner_friendly": True},
        {"step_free": True, "open_to_minors": True},
        {"open_to_minors": True, "beginner_friendly": False},
    ],
)
def test_the_access_flags_are_counted_from_their_index(in_paris, flags):
    """The capped count of a search by access flags is found from mission_published_access,
    the flags as its index conditions. The planner is told to avoid scanning the table where it
    can, and that reading rows at random costs what reading them in order does: a test's table
    was never vacuumed, so every index scan reads its rows, and its rows lie in id order, so
    reading all of mission_published_by_id looked cheaper than the matches at random."""
    mission = MissionFactory(is_step_free=True, is_open_to_minors=True, is_beginner_friendly=True)
    SlotFactory(mission=mission, starts_at=None, ends_at=None)
    _copies_with_varied_flags(mission, 3_000)
    sql, params = search._capped_count_sql(search._search_candidates(MissionSearchFilters(**flags)))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SET LOCAL random_page_cost = 1")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "using mission_published_access" in plan, plan
    assert re.search(r"Index Cond: \(.*is_open_to_minors", plan), plan


GIN_FILTER_INDEXES = ("mission_published_search_taxa", "mission_remote_search")


def _copies_with_causes_and_skills(
    mission: Mission,
    causes: tuple[int, int],
    skills: tuple[int, int],
    *,
    words_every: int = 1,
    remote_every: int = 0,
) -> None:
    """3,000 copies of `mission`: copy g has the first cause when g % 4 == 0 (else the second),
    the first skill when g % 6 == 0 (else the second), the mission's words when
    g % words_every == 0 (else none) and is remote when g % remote_every == 0 (never for 0);
    then the GIN indexes' pending lists are emptied and the table analysed, as a vacuum would
    (the planner counts a pending list as pages to read)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO engagement_mission
            SELECT (jsonb_populate_record(m, jsonb_build_object(
                'id', nextval(pg_get_serial_sequence('engagement_mission', 'id')),
                'cause_ids', jsonb_build_array(CASE WHEN g %% 4 = 0 THEN %s ELSE %s END),
                'skill_ids', jsonb_build_array(CASE WHEN g %% 6 = 0 THEN %s ELSE %s END),
                'search_vector', CASE WHEN g %% %s = 0 THEN m.search_vector::text END,
                'is_remote', coalesce(g %% nullif(%s, 0) = 0, false)
            ))).*
            FROM engagement_mission AS m, generate_series(1, 3000) AS g
            WHERE m.id = %s
            """,
            [*causes, *skills, words_every, remote_every, mission.pk],
        )
        for index in GIN_FILTER_INDEXES:
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
        cursor.execute("ANALYZE engagement_mission")


def _capped_count_plan(filters: MissionSearchFilters) -> str:
    """EXPLAIN of the search's capped count, the planner told to avoid scanning the table."""
    sql, params = search._capped_count_sql(search._search_candidates(filters))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_a_cause_and_a_skill_are_counted_from_one_index(in_paris):
    """The capped count of a search by a cause and a skill is found from one index holding
    both (mission_published_search_taxa: words, causes and skills), both as its index
    conditions, among 3,000 missions where each alone is common (1 in 4 and 1 in 6) and both
    together rare (1 in 12)."""
    cause, other_cause = CauseFactory(), CauseFactory()
    skill, other_skill = SkillFactory(), SkillFactory()
    mission = MissionFactory(causes=[cause], skills=[skill])
    SlotFactory(mission=mission, starts_at=None, ends_at=None)
    _copies_with_causes_and_skills(mission, (cause.pk, other_cause.pk), (skill.pk, other_skill.pk))
    filters = MissionSearchFilters(causes=(cause.slug,), skills=(skill.slug,))

    plan = _capped_count_plan(filters)

    assert "on mission_published_search_taxa" in plan, plan
    assert re.search(r"Index Cond: \(\(cause_ids && .*skill_ids &&", plan), plan
    assert search._capped_count(search._search_candidates(filters)) == 3000 // 12 + 1


@pytest.mark.parametrize("kind", ["cause", "skill"])
def test_words_with_a_cause_or_a_skill_are_counted_from_one_index(in_paris, kind):
    """The capped count of words with a cause (or a skill) is found from
    mission_published_search_taxa, the words and the cause both as its index conditions,
    among 3,000 missions where the words (1 in 5) and the cause (1 in 4; the skill 1 in 6) are
    each common and both together rare (1 in 20; 1 in 30)."""
    cause, other_cause = CauseFactory(), CauseFactory()
    skill, other_skill = SkillFactory(), SkillFactory()
    mission = MissionFactory(title="Accueil des réfugiés", causes=[cause], skills=[skill])
    SlotFactory(mission=mission, starts_at=None, ends_at=None)
    _copies_with_causes_and_skills(
        mission, (cause.pk, other_cause.pk), (skill.pk, other_skill.pk), words_every=5
    )
    asked = {"causes": (cause.slug,)} if kind == "cause" else {"skills": (skill.slug,)}
    filters = MissionSearchFilters(q="réfugiés", **asked)

    plan = _capped_count_plan(filters)

    assert "on mission_published_search_taxa" in plan, plan
    assert re.search(rf"Index Cond: \(\(search_vector @@ .*{kind}_ids &&", plan), plan
    expected = 3000 // 20 + 1 if kind == "cause" else 3000 // 30 + 1
    assert search._capped_count(search._search_candidates(filters)) == expected


def test_words_with_remote_are_counted_from_the_remote_missions_words(in_paris):
    """The capped count of words with `remote` is found from mission_remote_search (the remote
    missions' words), its expression as the index condition, among 3,000 missions where the
    words (1 in 5) are common and remote missions rare (1 in 20, as in the benches): 1 in 20
    has both. Not by reading every remote mission in id order (mission_published_remote) and
    testing its words, which PostgreSQL costs as cheaper than it is."""
    cause, skill = CauseFactory(), SkillFactory()
    mission = MissionFactory(title="Accueil des réfugiés", causes=[cause], skills=[skill])
    SlotFactory(mission=mission, starts_at=None, ends_at=None)
    _copies_with_causes_and_skills(
        mission, (cause.pk, cause.pk), (skill.pk, skill.pk), words_every=5, remote_every=20
    )
    filters = MissionSearchFilters(q="réfugiés", remote=True)

    plan = _capped_count_plan(filters)

    assert "on mission_remote_search" in plan, plan
    assert re.search(r"Index Cond: \(CASE WHEN is_remote THEN search_vector .* @@ ", plan), plan
    assert "mission_published_remote" not in plan, plan
    assert search._capped_count(search._search_candidates(filters)) == 3000 // 20


@pytest.mark.parametrize(
    "flags", [{}, {"step_free": True, "open_to_minors": True}, {"remote": False}]
)
def test_a_soonest_walk_tests_each_slots_mission_from_an_index(world, flags):
    """Walking the slots in start order, each slot's mission is tested on its flags and on
    whether it can be joined from mission_published_by_id alone, without reading its row (the
    planner is told to read no row through an index where it can)."""
    base = search._search_candidates(MissionSearchFilters(**flags))
    page_ids = search._soonest_page_ids(base, budgeted=False, offset=0, limit=3)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + page_ids.sql, page_ids.params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "Index Only Scan using mission_published_by_id" in plan, plan


def _plan_nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    nodes = [plan]
    for child in plan.get("Plans", []):
        nodes += _plan_nodes(child)
    return nodes


def _walked_slot_filters(page_ids: RawSQL) -> list[str]:
    """The conditions tested on the walked slots (`w`) in the plan of a walk's statement, one
    per plan node that reads them (the planner told to avoid scanning tables)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN (FORMAT JSON) " + page_ids.sql, page_ids.params)
        (plan,) = cursor.fetchone()
    if isinstance(plan, str):
        plan = json.loads(plan)
    return [
        node.get("Filter", "") for node in _plan_nodes(plan[0]["Plan"]) if node.get("Alias") == "w"
    ]


@pytest.mark.parametrize("budgeted", [True, False])
@pytest.mark.parametrize(
    "shape", [{"causes": ("b-food",)}, {"causes": ("b-food",), "skills": ("b-cook",)}]
)
def test_a_soonest_walk_tests_the_causes_and_skills_on_the_slots(world, shape, budgeted):
    """The slots walked are tested on their copies of the mission's causes and skills before
    their mission is probed: the test sits on the walked slots (`w`), in or right above the
    index they are read from."""
    SkillFactory(slug="b-cook")
    base = search._search_candidates(MissionSearchFilters(**shape))
    page_ids = search._soonest_page_ids(base, budgeted=budgeted, offset=0, limit=3)

    on_walked_slots = _walked_slot_filters(page_ids)
    tested = [f for f in on_walked_slots if "cause_ids &&" in f]
    assert tested, on_walked_slots
    if "skills" in shape:
        assert all("skill_ids &&" in f for f in tested), tested


@pytest.mark.parametrize(
    "shape",
    [
        {"step_free": True, "open_to_minors": True, "beginner_friendly": True},
        {"beginner_friendly": False},
        {"remote": True, "step_free": False},
        {"causes": ("b-food",), "open_to_minors": True},
    ],
)
def test_a_soonest_walk_tests_the_flags_on_the_slots(world, shape):
    """The flags asked for are tested on the walked slots' copies of their mission's, whether
    the walk has a budget (remote, a cause) or not (the access flags alone)."""
    filters = MissionSearchFilters(**shape)
    base = search._search_candidates(filters)
    page_ids = search._soonest_page_ids(
        base, budgeted=search._walk_has_a_budget(filters), offset=0, limit=3
    )

    on_walked_slots = " ".join(_walked_slot_filters(page_ids))
    flags = {"remote", "step_free", "open_to_minors", "beginner_friendly"} & set(shape)
    for flag in flags:
        assert f"is_{flag}" in on_walked_slots, on_walked_slots


def test_the_newest_walk_stays_in_the_current_tenant(published_in_turns, montreal):
    newest = MissionSearchFilters(sort="newest")
    in_montreal = page_in_another_tenant(montreal, newest, title="Only in Montreal")
    in_paris = mission_search_page(filters=MissionSearchFilters(sort="newest"), offset=0, limit=50)

    assert [row.title for row in in_montreal.results] == ["Only in Montreal"]
    assert "Only in Montreal" not in {row.title for row in in_paris.results}
    assert ids(in_paris.results) == ids(mission_search(filters=MissionSearchFilters(sort="newest")))
