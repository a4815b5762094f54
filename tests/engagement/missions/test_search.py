import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from engagement.api.fields import _datetime
from engagement.missions.models import Mission, Slot
from engagement.missions.search import (
    MissionSearchFilters,
    mission_search,
    mission_search_page,
    mission_search_paginated,
)
from engagement.missions.services import mission_search_columns_refresh
from engagement.organizations.models import Organization
from tests.engagement.factories import (
    PARIS_CENTRE,
    CauseFactory,
    MissionFactory,
    OrganizationFactory,
    ParticipationFactory,
    SkillFactory,
    SlotFactory,
    UserFactory,
    VolunteerProfileFactory,
    paris_point,
)
from tests.engagement.missions.search_support import (
    map_pin,
    map_pins,
    next_weekday,
    paris_time,
    point_at,
    today_in_paris,
)

pytestmark = pytest.mark.django_db

LNG, LAT = PARIS_CENTRE
SAT, SUN, MON = 5, 6, 0
MORNING, AFTERNOON, EVENING = 0, 1, 2


def bit(weekday: int, period: int) -> int:
    return 1 << (weekday * 3 + period)


def mission_with_slot(**mission_fields):  # type: ignore[no-untyped-def]
    slot_fields = {
        key.removeprefix("slot_"): mission_fields.pop(key)
        for key in list(mission_fields)
        if key.startswith("slot_")
    }
    mission = MissionFactory(**mission_fields)
    SlotFactory(mission=mission, **slot_fields)
    return mission


def ids(queryset) -> list[int]:  # type: ignore[no-untyped-def]
    return [mission.pk for mission in queryset]


def near(**fields) -> MissionSearchFilters:  # type: ignore[no-untyped-def]
    return MissionSearchFilters(lat=LAT, lng=LNG, **fields)


# --- Geography ----------------------------------------------------------------------------------


def test_radius_search_orders_by_distance_with_exact_distances(in_paris):
    three = mission_with_slot(location=point_at(3000, 90))
    one = mission_with_slot(location=point_at(1000, 200))
    six = mission_with_slot(location=point_at(6000, 10))
    two = mission_with_slot(location=point_at(2000, 315))

    results = list(mission_search(filters=near(radius_km=5)))

    assert ids(results) == [one.pk, two.pk, three.pk]
    assert [round(mission.distance_km, 3) for mission in results] == [1.0, 2.0, 3.0]
    assert six.pk not in ids(mission_search(filters=near(radius_km=5)))


def test_radius_boundary_keeps_4_9_km_and_drops_5_1_km(in_paris):
    inside = mission_with_slot(location=point_at(4900, 45))
    mission_with_slot(location=point_at(5100, 45))
    mission_with_slot(location=point_at(5100, 225))

    assert ids(mission_search(filters=near(radius_km=5))) == [inside.pk]


def test_point_without_radius_only_sorts_and_puts_remote_missions_last(in_paris):
    far = mission_with_slot(location=point_at(40_000, 0))
    remote = mission_with_slot(location=None, is_remote=True)
    close = mission_with_slot(location=point_at(500, 0))

    results = list(mission_search(filters=near()))

    assert ids(results) == [close.pk, far.pk, remote.pk]
    assert results[2].distance_km is None


def test_bbox_matches_missions_inside_the_rectangle_only(in_paris):
    inside = mission_with_slot(location=paris_point(2.35, 48.86))
    on_edge = mission_with_slot(location=paris_point(2.40, 48.87))
    mission_with_slot(location=paris_point(2.41, 48.86))  # east of the box
    mission_with_slot(location=paris_point(2.35, 48.80))  # south of the box
    mission_with_slot(location=None, is_remote=True)

    filters = MissionSearchFilters(bbox=(2.30, 48.84, 2.40, 48.88), sort="newest")

    assert sorted(ids(mission_search(filters=filters))) == sorted([inside.pk, on_edge.pk])


def test_bbox_combines_with_radius(in_paris):
    north = mission_with_slot(location=point_at(2000, 0))
    mission_with_slot(location=point_at(2000, 180))

    filters = near(radius_km=5, bbox=(LNG - 0.1, LAT, LNG + 0.1, LAT + 0.1))

    assert ids(mission_search(filters=filters)) == [north.pk]


# --- Taxonomy, flags, remote --------------------------------------------------------------------


def test_causes_match_any_of_the_given_ones(in_paris):
    seniors, sport, culture = (
        CauseFactory(slug=slug) for slug in ("t-seniors", "t-sport", "t-art")
    )
    with_seniors = mission_with_slot(causes=[seniors, culture], location=point_at(100, 0))
    with_sport = mission_with_slot(causes=[sport], location=point_at(200, 0))
    mission_with_slot(causes=[culture], location=point_at(300, 0))
    mission_with_slot(location=point_at(400, 0))

    results = mission_search(filters=near(causes=("t-seniors", "t-sport")))

    assert ids(results) == [with_seniors.pk, with_sport.pk]
    assert ids(mission_search(filters=near(causes=("no-such-cause",)))) == []


def test_skills_filter(in_paris):
    cooking = SkillFactory(slug="t-cooking")
    cooks = mission_with_slot(skills=[cooking])
    mission_with_slot()

    assert ids(mission_search(filters=MissionSearchFilters(skills=("t-cooking",)))) == [cooks.pk]


def test_remote_filter_true_false_and_absent(in_paris):
    remote = mission_with_slot(location=None, is_remote=True)
    on_site = mission_with_slot()

    assert ids(mission_search(filters=MissionSearchFilters(remote=True))) == [remote.pk]
    assert ids(mission_search(filters=MissionSearchFilters(remote=False))) == [on_site.pk]
    assert sorted(ids(mission_search(filters=MissionSearchFilters()))) == sorted(
        [remote.pk, on_site.pk]
    )


def test_accessibility_flags(in_paris):
    step_free = mission_with_slot(is_step_free=True, is_beginner_friendly=False)
    minors = mission_with_slot(is_open_to_minors=True, is_beginner_friendly=True)
    plain = mission_with_slot(is_beginner_friendly=False)

    def found(**flags):  # type: ignore[no-untyped-def]
        return sorted(ids(mission_search(filters=MissionSearchFilters(**flags))))

    assert found(step_free=True) == [step_free.pk]
    assert found(open_to_minors=True) == [minors.pk]
    assert found(beginner_friendly=True) == [minors.pk]
    assert found(beginner_friendly=False) == sorted([step_free.pk, plain.pk])
    assert found(step_free=True, open_to_minors=True) == []


def test_combined_filters_need_every_condition(in_paris):
    food = CauseFactory(slug="t-food")
    saturday = next_weekday(SAT)
    match = mission_with_slot(
        causes=[food],
        is_step_free=True,
        location=point_at(1500, 30),
        slot_starts_at=paris_time(saturday, 9),
        slot_ends_at=paris_time(saturday, 12),
    )
    mission_with_slot(  # too far
        causes=[food],
        is_step_free=True,
        location=point_at(7000, 30),
        slot_starts_at=paris_time(saturday, 9),
        slot_ends_at=paris_time(saturday, 12),
    )
    mission_with_slot(  # wrong day
        causes=[food],
        is_step_free=True,
        location=point_at(1000, 30),
        slot_starts_at=paris_time(saturday + timedelta(days=1), 9),
        slot_ends_at=paris_time(saturday + timedelta(days=1), 12),
    )
    mission_with_slot(  # not step-free
        causes=[food],
        location=point_at(1000, 30),
        slot_starts_at=paris_time(saturday, 9),
        slot_ends_at=paris_time(saturday, 12),
    )

    filters = near(
        radius_km=5,
        causes=("t-food",),
        step_free=True,
        date_from=saturday,
        date_to=saturday,
        availability=bit(SAT, MORNING),
    )

    assert ids(mission_search(filters=filters)) == [match.pk]


# --- Full text ----------------------------------------------------------------------------------


def test_text_search_ignores_accents_both_ways(in_paris):
    hospital = mission_with_slot(title="Accueil à l'hôpital Necker")
    school = mission_with_slot(title="Aide aux devoirs", summary="Ecole élémentaire")
    mission_with_slot(title="Collecte alimentaire")

    assert ids(mission_search(filters=MissionSearchFilters(q="hopital"))) == [hospital.pk]
    assert ids(mission_search(filters=MissionSearchFilters(q="HÔPITAL"))) == [hospital.pk]
    assert ids(mission_search(filters=MissionSearchFilters(q="école"))) == [school.pk]


def test_text_search_stems_french_and_english(in_paris):
    garden = mission_with_slot(title="Community garden", summary="Planting vegetables")
    volunteers = mission_with_slot(title="Les bénévoles du quartier")
    mission_with_slot(title="Maraude du soir")

    assert ids(mission_search(filters=MissionSearchFilters(q="gardening"))) == [garden.pk]
    assert ids(mission_search(filters=MissionSearchFilters(q="vegetable"))) == [garden.pk]
    assert ids(mission_search(filters=MissionSearchFilters(q="bénévole"))) == [volunteers.pk]
    assert ids(mission_search(filters=MissionSearchFilters(q="benevoles quartier"))) == [
        volunteers.pk
    ]


def test_text_search_reads_the_description_without_its_markup(in_paris):
    found = mission_with_slot(description="<p>Distribution de <strong>repas</strong></p>")
    mission_with_slot(description="<p>Autre chose</p>")

    assert ids(mission_search(filters=MissionSearchFilters(q="repas"))) == [found.pk]
    assert ids(mission_search(filters=MissionSearchFilters(q="strong"))) == []


# --- Dates and availability ---------------------------------------------------------------------


def test_dates_match_slots_overlapping_the_local_days_and_ongoing_slots(in_paris):
    saturday = next_weekday(SAT)
    late_saturday = mission_with_slot(
        slot_starts_at=paris_time(saturday, 23, 30),
        slot_ends_at=paris_time(saturday, 23, 30) + timedelta(hours=2),
    )
    ongoing = mission_with_slot(slot_ongoing=True)
    mission_with_slot(  # the Monday after
        slot_starts_at=paris_time(saturday + timedelta(days=2), 10),
        slot_ends_at=paris_time(saturday + timedelta(days=2), 12),
    )
    mission_with_slot(  # the Friday before
        slot_starts_at=paris_time(saturday - timedelta(days=1), 10),
        slot_ends_at=paris_time(saturday - timedelta(days=1), 12),
    )

    filters = MissionSearchFilters(date_from=saturday, date_to=saturday + timedelta(days=1))

    assert ids(mission_search(filters=filters)) == [late_saturday.pk, ongoing.pk]


def test_open_ended_date_ranges(in_paris):
    saturday = next_weekday(SAT)
    early = mission_with_slot(
        slot_starts_at=paris_time(saturday, 10), slot_ends_at=paris_time(saturday, 12)
    )
    later = mission_with_slot(
        slot_starts_at=paris_time(saturday + timedelta(days=14), 10),
        slot_ends_at=paris_time(saturday + timedelta(days=14), 12),
    )

    from_filter = MissionSearchFilters(date_from=saturday + timedelta(days=1))
    to_filter = MissionSearchFilters(date_to=saturday)

    assert ids(mission_search(filters=from_filter)) == [later.pk]
    assert ids(mission_search(filters=to_filter)) == [early.pk]


def test_availability_matches_slot_start_in_the_tenant_zone(in_paris):
    saturday = next_weekday(SAT)
    sunday = saturday + timedelta(days=1)
    saturday_morning = mission_with_slot(
        slot_starts_at=paris_time(saturday, 9), slot_ends_at=paris_time(saturday, 11)
    )
    sunday_afternoon = mission_with_slot(
        slot_starts_at=paris_time(sunday, 14), slot_ends_at=paris_time(sunday, 17)
    )
    mission_with_slot(  # Saturday evening
        slot_starts_at=paris_time(saturday, 19), slot_ends_at=paris_time(saturday, 21)
    )
    ongoing = mission_with_slot(slot_ongoing=True)

    mask = bit(SAT, MORNING) | bit(SUN, AFTERNOON)

    assert ids(mission_search(filters=MissionSearchFilters(availability=mask))) == [
        saturday_morning.pk,
        sunday_afternoon.pk,
        ongoing.pk,
    ]
    assert ids(mission_search(filters=MissionSearchFilters(availability=0))) == [ongoing.pk]


def test_availability_mine_uses_the_profile_grid(in_paris):
    monday = next_weekday(MON)
    evening = mission_with_slot(
        slot_starts_at=paris_time(monday, 19), slot_ends_at=paris_time(monday, 21)
    )
    mission_with_slot(slot_starts_at=paris_time(monday, 9), slot_ends_at=paris_time(monday, 11))
    volunteer = UserFactory()
    VolunteerProfileFactory(user=volunteer, availability_mask=bit(MON, EVENING))
    no_profile = UserFactory()

    mine = MissionSearchFilters(availability_mine=True, user=volunteer)
    assert ids(mission_search(filters=mine)) == [evening.pk]
    nothing = MissionSearchFilters(availability_mine=True, user=no_profile)
    assert ids(mission_search(filters=nothing)) == []


def test_availability_mine_needs_a_user(in_paris):
    with pytest.raises(ValueError):
        list(mission_search(filters=MissionSearchFilters(availability_mine=True)))


# --- What is listed, next slot, seats, sorts ----------------------------------------------------


def test_only_published_missions_with_a_slot_still_open_are_listed(in_paris):
    listed = mission_with_slot()
    for status in (
        Mission.Status.DRAFT,
        Mission.Status.IN_REVIEW,
        Mission.Status.CLOSED,
        Mission.Status.CANCELLED,
    ):
        mission_with_slot(status=status)
    MissionFactory()  # no slot at all
    past = MissionFactory()
    SlotFactory(
        mission=past,
        starts_at=timezone.now() - timedelta(days=2),
        ends_at=timezone.now() - timedelta(days=2, hours=-2),
    )
    cancelled = MissionFactory()
    SlotFactory(mission=cancelled, status=Slot.Status.CANCELLED)

    assert ids(mission_search(filters=MissionSearchFilters())) == [listed.pk]


def test_a_slot_that_has_started_can_no_longer_be_joined_so_is_not_listed(in_paris):
    mission_with_slot(
        slot_starts_at=timezone.now() - timedelta(hours=1),
        slot_ends_at=timezone.now() + timedelta(hours=1),
    )

    assert ids(mission_search(filters=MissionSearchFilters())) == []


def test_next_slot_is_the_earliest_matching_one_with_its_seats_left(in_paris):
    saturday = next_weekday(SAT)
    mission = MissionFactory()
    SlotFactory(mission=mission, ongoing=True)
    later = SlotFactory(
        mission=mission,
        starts_at=paris_time(saturday + timedelta(days=7), 10),
        ends_at=paris_time(saturday + timedelta(days=7), 12),
        capacity=4,
    )
    first = SlotFactory(
        mission=mission,
        starts_at=paris_time(saturday, 10),
        ends_at=paris_time(saturday, 12),
        capacity=3,
    )
    ParticipationFactory(slot=first)
    ParticipationFactory(slot=first)

    [found] = mission_search(filters=MissionSearchFilters())
    assert (found.next_slot_id, found.next_slot_starts_at, found.seats_left) == (
        first.pk,
        first.starts_at,
        1,
    )
    assert found.next_slot_ends_at == first.ends_at

    [later_only] = mission_search(
        filters=MissionSearchFilters(date_from=saturday + timedelta(days=3))
    )
    assert (later_only.next_slot_id, later_only.seats_left) == (later.pk, 4)


def test_ongoing_slot_is_next_when_nothing_is_dated(in_paris):
    mission = MissionFactory()
    ongoing = SlotFactory(mission=mission, ongoing=True, capacity=5)

    [found] = mission_search(filters=MissionSearchFilters())

    assert (found.next_slot_id, found.next_slot_starts_at, found.seats_left) == (
        ongoing.pk,
        None,
        5,
    )


def test_full_slot_shows_zero_seats_left(in_paris):
    slot = SlotFactory(capacity=1)
    ParticipationFactory(slot=slot)

    [found] = mission_search(filters=MissionSearchFilters())

    assert (found.next_slot_id, found.seats_left) == (slot.pk, 0)


def test_soonest_sort_puts_dated_missions_first_then_ongoing(in_paris):
    now = timezone.now()
    in_three_days = mission_with_slot(
        slot_starts_at=now + timedelta(days=3), slot_ends_at=now + timedelta(days=3, hours=2)
    )
    ongoing = mission_with_slot(slot_ongoing=True)
    tomorrow = mission_with_slot(
        slot_starts_at=now + timedelta(days=1), slot_ends_at=now + timedelta(days=1, hours=2)
    )

    assert ids(mission_search(filters=MissionSearchFilters(sort="soonest"))) == [
        tomorrow.pk,
        in_three_days.pk,
        ongoing.pk,
    ]
    assert ids(mission_search(filters=MissionSearchFilters())) == [
        tomorrow.pk,
        in_three_days.pk,
        ongoing.pk,
    ]


def test_newest_sort_uses_publication_date(in_paris):
    now = timezone.now()
    old = mission_with_slot(published_at=now - timedelta(days=10))
    new = mission_with_slot(published_at=now - timedelta(days=1))
    middle = mission_with_slot(published_at=now - timedelta(days=5))

    assert ids(mission_search(filters=MissionSearchFilters(sort="newest"))) == [
        new.pk,
        middle.pk,
        old.pk,
    ]


def test_distance_sort_needs_a_point(in_paris):
    with pytest.raises(ValueError):
        mission_search(filters=MissionSearchFilters(sort="distance"))
    with pytest.raises(ValueError):
        mission_search(filters=MissionSearchFilters(radius_km=3))


def test_search_results_carry_organization_and_causes_in_three_queries(
    in_paris, django_assert_num_queries
):
    cause = CauseFactory(slug="t-q")
    for index in range(4):
        mission_with_slot(causes=[cause], location=point_at(100 * (index + 1), 0))

    with django_assert_num_queries(3):  # missions, organizations, causes
        results = list(mission_search(filters=near(radius_km=5)))
        assert [mission.organization.name for mission in results]
        assert [[c.slug for c in mission.causes.all()] for mission in results] == [["t-q"]] * 4


def test_search_is_scoped_to_the_current_tenant(in_paris, montreal):
    from django_tenants.utils import tenant_context

    paris_mission = mission_with_slot()
    with tenant_context(montreal):
        montreal_mission = mission_with_slot(location=paris_point(-73.5674, 45.5019))
        assert ids(mission_search(filters=MissionSearchFilters())) == [montreal_mission.pk]
    assert ids(mission_search(filters=MissionSearchFilters())) == [paris_mission.pk]


# --- Map points ---------------------------------------------------------------------------------


def test_map_points_are_light_and_skip_missions_without_location(in_paris):
    located = mission_with_slot(title="Potager", location=paris_point(2.3, 48.85))
    mission_with_slot(location=None, is_remote=True)
    slot = located.slots.get()

    points = map_pins(MissionSearchFilters())

    assert points == [map_pin(located.pk, "Potager", 2.3, 48.85, slot.starts_at)]


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("Europe/Paris", "2031-01-15T10:30:00.250000+01:00"),
        ("Europe/Paris", "2031-07-15T11:30:00+02:00"),  # summer time
        ("America/Montreal", "2031-01-15T04:30:00-05:00"),
        ("Asia/Kolkata", "2031-01-15T15:00:00+05:30"),
        ("UTC", "2031-01-15T09:30:00Z"),
        ("Europe/London", "2031-01-15T09:30:00Z"),  # an offset of 0 reads "Z", as in the API
    ],
)
def test_a_pins_date_is_written_as_the_api_writes_datetimes(in_paris, zone, expected):
    starts_at = datetime.fromisoformat(expected).astimezone(ZoneInfo("UTC"))
    mission = mission_with_slot(
        title='Say "hi" \\ à tous',
        location=paris_point(2.3456789, 48.8712349),
        slot_starts_at=starts_at,
        slot_ends_at=starts_at + timedelta(hours=2),
    )

    (pin,) = map_pins(MissionSearchFilters(), zone=ZoneInfo(zone))

    assert pin["properties"]["next_slot_starts_at"] == _datetime(starts_at, ZoneInfo(zone))
    assert pin["properties"]["next_slot_starts_at"] == expected
    assert pin["properties"]["title"] == mission.title
    assert pin["geometry"]["coordinates"] == [2.345679, 48.871235]


def test_a_pin_without_a_dated_slot_has_no_date(in_paris):
    mission = mission_with_slot(location=paris_point(2.3, 48.85), slot_ongoing=True)

    assert map_pins(MissionSearchFilters()) == [
        map_pin(mission.pk, mission.title, 2.3, 48.85, None)
    ]


def test_map_points_follow_filters_order_and_limit(in_paris):
    far = mission_with_slot(location=point_at(3000, 0))
    close = mission_with_slot(location=point_at(1000, 0))
    mid = mission_with_slot(location=point_at(2000, 0))
    mission_with_slot(location=point_at(9000, 0))

    points = map_pins(near(radius_km=5), limit=2)

    assert [point["id"] for point in points] == [close.pk, mid.pk]
    assert far.pk not in [point["id"] for point in points]


def test_radius_keeps_every_direction_just_inside(in_paris):
    inside = [mission_with_slot(location=point_at(4950, azimuth)) for azimuth in range(0, 360, 45)]
    for azimuth in range(0, 360, 45):
        mission_with_slot(location=point_at(5050, azimuth))

    found = ids(mission_search(filters=near(radius_km=5)))

    assert sorted(found) == sorted(mission.pk for mission in inside)


@pytest.mark.parametrize(
    ("lng", "lat"),
    [(179.99, 10.0), (-179.99, -10.0), (2.35, 89.5), (0.0, -89.5), (2.35, 48.85)],
)
def test_radius_search_works_across_the_antimeridian_and_near_the_poles(lng, lat, in_paris):
    centre = (lng, lat)
    inside = mission_with_slot(location=point_at(2900, 90, origin=centre))
    mission_with_slot(location=point_at(3100, 270, origin=centre))

    filters = MissionSearchFilters(lat=lat, lng=lng, radius_km=3)

    assert ids(mission_search(filters=filters)) == [inside.pk]


def test_radius_box_contains_the_circle_or_gives_up():
    from engagement.missions.geo import radius_box

    west, south, east, north = radius_box(2.3522, 48.8566, 5)
    assert (round(north - 48.8566, 4), round(48.8566 - south, 4)) == (0.0452, 0.0452)
    assert 2.3522 - west == pytest.approx(east - 2.3522)
    assert east - 2.3522 > 5 / (111.32 * 0.6579)  # wider than the true half-width
    assert radius_box(179.99, 0, 5) is None
    assert radius_box(0, 88.99, 5) is None


def test_search_page_carries_the_total_in_one_query(in_paris, django_assert_num_queries):
    missions = [mission_with_slot(location=point_at(100 * (index + 1), 0)) for index in range(5)]

    with django_assert_num_queries(1):
        first = mission_search_page(filters=near(), offset=0, limit=2)
    last = mission_search_page(filters=near(), offset=4, limit=2)
    with django_assert_num_queries(2):  # the empty page, then a COUNT
        beyond = mission_search_page(filters=near(), offset=10, limit=2)
    empty = mission_search_page(filters=near(q="introuvable"), offset=0, limit=2)

    assert (ids(first.results), first.total, first.has_next) == (
        [missions[0].pk, missions[1].pk],
        5,
        True,
    )
    assert (ids(last.results), last.total, last.has_next) == ([missions[4].pk], 5, False)
    assert (beyond.results, beyond.total, beyond.has_next) == ([], 5, False)
    assert (empty.results, empty.total, empty.has_next) == ([], 0, False)
    assert first.total_is_exact and last.total_is_exact and beyond.total_is_exact


def test_search_page_rows_carry_their_organization_and_causes_in_order(in_paris):
    second = CauseFactory(slug="p-second", name_fr="Deuxième", name_en="Second", position=2)
    first = CauseFactory(slug="p-first", name_fr="Première", name_en="First", position=1)
    pending = OrganizationFactory(
        name="Collectif en attente",
        slug="collectif-en-attente",
        kind=Organization.Kind.COLLECTIVE,
        verification_status=Organization.Verification.PENDING,
    )
    mission = mission_with_slot(
        organization=pending, causes=[second, first], location=point_at(1000, 0)
    )
    bare = mission_with_slot(location=point_at(2000, 0))

    found = mission_search_page(filters=near(), offset=0, limit=5)
    with_causes, without = found.results

    assert found.total == 2
    assert (with_causes.pk, without.pk) == (mission.pk, bare.pk)
    assert with_causes.organization == {
        "id": pending.pk,
        "name": "Collectif en attente",
        "slug": "collectif-en-attente",
        "kind": "collectif",
        "verification_status": "pending",
        "logo": "",
    }
    assert [cause["slug"] for cause in with_causes.causes] == ["p-first", "p-second"]
    assert with_causes.causes[0] == {
        "id": first.pk,
        "slug": "p-first",
        "name_fr": "Première",
        "name_en": "First",
    }
    assert without.causes == []
    assert with_causes.distance_km == pytest.approx(1.0, abs=0.001)
    assert (with_causes.lat, with_causes.lng) == pytest.approx(
        (mission.location.y, mission.location.x)
    )


@pytest.mark.parametrize("sort", ["distance", "soonest", "newest", "relevance"])
def test_search_page_total_counts_every_match_whatever_the_sort(in_paris, sort):
    """The total counts the whole result, whatever the page's plan."""
    matching = [
        mission_with_slot(title=f"Atelier couture {index}", location=point_at(100 * index, 0))
        for index in range(1, 8)
    ]
    mission_with_slot(title="Collecte alimentaire", location=point_at(50, 0))
    filters = near(q="couture", sort=sort)

    page = mission_search_page(filters=filters, offset=2, limit=3)

    assert (page.total, page.total_is_exact, page.has_next) == (7, True, True)
    assert ids(page.results) == ids(mission_search(filters=filters))[2:5]
    assert set(ids(page.results)) <= {mission.pk for mission in matching}


def test_search_pages_for_the_pages_read_rows_and_total_in_one_query(
    in_paris, django_assert_num_queries
):
    missions = [mission_with_slot(location=point_at(100 * (index + 1), 0)) for index in range(5)]

    with django_assert_num_queries(1):
        second = mission_search_paginated(filters=near(), page="2", size=2)
    past_the_end = mission_search_paginated(filters=near(), page="9", size=2)
    not_a_number = mission_search_paginated(filters=near(), page="deux", size=2)
    zero = mission_search_paginated(filters=near(), page=0, size=2)
    nothing = mission_search_paginated(filters=near(q="introuvable"), page="3", size=2)

    assert (second.number, second.paginator.count, second.paginator.num_pages) == (2, 5, 3)
    assert ids(second.object_list) == [missions[2].pk, missions[3].pk]
    assert (second.has_previous(), second.has_next()) == (True, True)
    assert (past_the_end.number, ids(past_the_end.object_list)) == (3, [missions[4].pk])
    assert (not_a_number.number, zero.number) == (1, 1)
    assert ids(not_a_number.object_list) == [missions[0].pk, missions[1].pk]
    assert (nothing.number, nothing.paginator.count, list(nothing.object_list)) == (1, 0, [])


def test_capped_map_points_keep_those_nearest_the_centre_of_the_box(in_paris):
    centre = mission_with_slot(location=paris_point(2.35, 48.86))
    near_centre = mission_with_slot(location=paris_point(2.352, 48.861))
    mission_with_slot(location=paris_point(2.301, 48.841))  # a corner of the box

    points = map_pins(MissionSearchFilters(bbox=(2.30, 48.84, 2.40, 48.88)), limit=2)

    assert [point["id"] for point in points] == [centre.pk, near_centre.pk]


def test_text_search_does_not_index_html_entities(in_paris):
    found = mission_with_slot(description="<p>Restos &amp; compagnie &lt;b&gt;</p>")

    assert ids(mission_search(filters=MissionSearchFilters(q="compagnie"))) == [found.pk]
    assert ids(mission_search(filters=MissionSearchFilters(q="amp"))) == []


def test_words_without_a_place_rank_title_matches_first(in_paris):
    in_description = mission_with_slot(
        title="Après-midi jeux", description="<p>Avec un atelier vélo en fin de journée</p>"
    )
    in_title = mission_with_slot(title="Atelier vélo solidaire")

    filters = MissionSearchFilters(q="vélo")

    assert filters.effective_sort == "relevance"
    assert ids(mission_search(filters=filters)) == [in_title.pk, in_description.pk]


def test_words_and_dates_probe_the_slots_of_each_match(in_paris):
    """Words bound the candidates: their slots are probed one match at a time (a subplan),
    never hashed whole for a semi-join, and the dates still decide."""
    saturday = next_weekday(SAT)
    on_saturday = mission_with_slot(
        title="Atelier vélo",
        slot_starts_at=paris_time(saturday, 10),
        slot_ends_at=paris_time(saturday, 12),
    )
    ongoing = mission_with_slot(title="Vélo partagé", slot_ongoing=True)
    mission_with_slot(
        title="Vélo du lundi",
        slot_starts_at=paris_time(saturday + timedelta(days=2), 10),
        slot_ends_at=paris_time(saturday + timedelta(days=2), 12),
    )
    mission_with_slot(  # the right day, other words
        slot_starts_at=paris_time(saturday, 14), slot_ends_at=paris_time(saturday, 16)
    )
    filters = MissionSearchFilters(q="vélo", date_from=saturday, date_to=saturday)

    with CaptureQueriesContext(connection) as captured:
        page = mission_search_page(filters=filters, offset=0, limit=20)

    assert sorted(ids(page.results)) == sorted([on_saturday.pk, ongoing.pk])
    assert page.total == 2
    statement = captured.captured_queries[-1]["sql"]  # after the tenant's size, now and then
    assert " OFFSET 0)" in statement
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {statement}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Semi Join" not in plan
    # Probed per match, after the ongoing slot's test and the periods' (the index it takes
    # depends on statistics).
    assert re.search(
        r"has_open_ongoing_slot OR \(\(open_slot_periods && .*\) AND \(SubPlan \d+\)\)", plan
    ), plan


@pytest.mark.parametrize(
    "narrowing",
    [
        {"dates": (0, 0)},
        {"dates": (0, 2)},
        {"dates": (1, None)},
        {"dates": (None, 0)},
        {"availability": bit(SAT, MORNING) | bit(MON, EVENING)},
        {"dates": (0, 2), "availability": bit(SAT, MORNING)},
    ],
)
def test_words_narrowed_by_dates_find_the_matches_the_dates_find(in_paris, narrowing):
    """A search with words probes each match's slots its own way (an ongoing slot from the
    mission row, dated slots within the dates' bounds): it finds exactly the word matches among
    what the same dates find without words."""
    saturday = next_weekday(SAT)
    slots = {
        "saturday morning": (paris_time(saturday, 9), paris_time(saturday, 11)),
        "saturday late": (paris_time(saturday, 23, 30), paris_time(saturday, 23, 30)),
        "sunday": (paris_time(saturday + timedelta(days=1), 14), None),
        "monday evening": (paris_time(saturday + timedelta(days=2), 19), None),
        "friday before": (paris_time(saturday - timedelta(days=1), 10), None),
        "three weeks on": (paris_time(saturday + timedelta(days=21), 10), None),
    }
    for words in ("Atelier vélo", "Jardin partagé"):
        for name, (starts_at, ends_at) in slots.items():
            mission_with_slot(
                title=f"{words} {name}",
                slot_starts_at=starts_at,
                slot_ends_at=(ends_at or starts_at) + timedelta(hours=2),
            )
        mission_with_slot(title=f"{words} ongoing", slot_ongoing=True)
        closed = mission_with_slot(title=f"{words} closed ongoing", slot_ongoing=True)
        closed.slots.update(status=Slot.Status.CANCELLED)
        SlotFactory(
            mission=closed,
            starts_at=paris_time(saturday + timedelta(days=21), 10),
            ends_at=paris_time(saturday + timedelta(days=21), 12),
        )
        cancelled = mission_with_slot(
            title=f"{words} cancelled saturday",
            slot_starts_at=paris_time(saturday, 10),
            slot_ends_at=paris_time(saturday, 12),
        )
        cancelled.slots.update(status=Slot.Status.CANCELLED)
        SlotFactory(mission=cancelled, starts_at=paris_time(saturday + timedelta(days=21), 10))
    mission_search_columns_refresh(mission_ids=list(Mission.objects.values_list("pk", flat=True)))
    fields: dict = {}  # type: ignore[type-arg]
    if "dates" in narrowing:
        start, end = narrowing["dates"]
        fields["date_from"] = None if start is None else saturday + timedelta(days=start)
        fields["date_to"] = None if end is None else saturday + timedelta(days=end)
    if "availability" in narrowing:
        fields["availability"] = narrowing["availability"]

    by_dates = mission_search(filters=MissionSearchFilters(**fields))
    with_words = mission_search(filters=MissionSearchFilters(q="vélo", **fields))

    expected = {mission.title for mission in by_dates if mission.title.startswith("Atelier")}
    assert expected, "the dates find some of the word's matches"
    assert expected != {m.title for m in by_dates}, "and some missions without the word"
    assert {mission.title for mission in with_words} == expected


def test_dates_without_words_leave_the_slots_join_to_the_planner(in_paris):
    saturday = next_weekday(SAT)
    filters = MissionSearchFilters(date_from=saturday, date_to=saturday)

    assert " OFFSET 0" not in str(mission_search(filters=filters).query)


@pytest.mark.parametrize("words", ["", "vélo"])
def test_dates_test_the_open_slot_periods_before_the_slots(in_paris, words):
    """Given dates, a mission is found only if its open_slot_periods overlap them (or it has an
    open ongoing slot): the column is read, and its slots only for those that pass."""
    saturday = next_weekday(SAT)
    found, hidden = (
        mission_with_slot(
            title=f"Atelier vélo {name}",
            slot_starts_at=paris_time(saturday, 10),
            slot_ends_at=paris_time(saturday, 12),
        )
        for name in ("found", "hidden")
    )
    ongoing = mission_with_slot(title="Vélo partagé", slot_ongoing=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE engagement_mission SET open_slot_periods = '{}' WHERE id = ANY(%s)",
            [[hidden.pk, ongoing.pk]],
        )
    q = words or None

    on_saturday = MissionSearchFilters(q=q, date_from=saturday, date_to=saturday)
    any_day = MissionSearchFilters(q=q)

    assert sorted(ids(mission_search(filters=on_saturday))) == sorted([found.pk, ongoing.pk])
    assert sorted(ids(mission_search(filters=any_day))) == sorted([found.pk, hidden.pk, ongoing.pk])


@pytest.mark.parametrize("words", ["", "vélo"])
def test_past_dates_find_only_ongoing_slots(in_paris, words):
    """Dates before today leave an empty period for the dated slots, never an error."""
    today = today_in_paris()
    mission_with_slot(title="Atelier vélo")  # a week from now
    ongoing = mission_with_slot(title="Vélo partagé", slot_ongoing=True)
    q = words or None

    last_week = MissionSearchFilters(
        q=q, date_from=today - timedelta(days=9), date_to=today - timedelta(days=2)
    )
    until_yesterday = MissionSearchFilters(q=q, date_to=today - timedelta(days=1))

    assert ids(mission_search(filters=last_week)) == [ongoing.pk]
    assert ids(mission_search(filters=until_yesterday)) == [ongoing.pk]
    assert mission_search_page(filters=last_week, offset=0, limit=20).total == 1


def test_an_explicit_sort_wins_over_relevance(in_paris):
    now = timezone.now()
    later = mission_with_slot(
        title="Atelier vélo solidaire",
        slot_starts_at=now + timedelta(days=3),
        slot_ends_at=now + timedelta(days=3, hours=2),
    )
    sooner = mission_with_slot(
        title="Après-midi jeux",
        summary="Atelier vélo",
        slot_starts_at=now + timedelta(hours=2),
        slot_ends_at=now + timedelta(hours=4),
    )

    filters = MissionSearchFilters(q="vélo", sort="soonest")

    assert ids(mission_search(filters=filters)) == [sooner.pk, later.pk]


def test_relevance_needs_words():
    with pytest.raises(ValueError, match="relevance needs q"):
        list(mission_search(filters=MissionSearchFilters(sort="relevance")))
