"""The search reads "can still be joined" and the causes from Mission's search columns: the
result is the same as reading the slots and the cause links, at any instant."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Exists, OuterRef
from django.utils import timezone

from engagement.missions.models import Mission, Slot
from engagement.missions.search import (
    MissionSearchFilters,
    joinable_condition,
    mission_search,
    mission_search_page,
    open_slot_condition,
)
from engagement.missions.services import (
    mission_cancel,
    mission_update,
    slot_cancel,
    slot_create,
    slot_update,
)
from tests.engagement.factories import (
    CauseFactory,
    MembershipFactory,
    MissionFactory,
    OrganizationFactory,
    SlotFactory,
)

pytestmark = pytest.mark.django_db


def ids(queryset) -> list[int]:  # type: ignore[no-untyped-def]
    return sorted(mission.pk for mission in queryset)


def joinable_by_slots(now) -> list[int]:  # type: ignore[no-untyped-def]
    """The definition: an open slot not started yet (or ongoing)."""
    slots = Slot.objects.filter(open_slot_condition(now=now), mission=OuterRef("pk"))
    return sorted(Mission.objects.filter(Exists(slots)).values_list("pk", flat=True))


def joinable_by_columns(now) -> list[int]:  # type: ignore[no-untyped-def]
    return sorted(Mission.objects.filter(joinable_condition(now=now)).values_list("pk", flat=True))


def test_a_slot_that_started_a_minute_ago_no_longer_counts_but_a_later_one_does(in_paris):
    now = timezone.now()
    started_only = MissionFactory(title="Started only")
    SlotFactory(
        mission=started_only,
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(hours=2),
    )
    started_then_later = MissionFactory(title="Started then later")
    SlotFactory(
        mission=started_then_later,
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(hours=2),
    )
    later = SlotFactory(mission=started_then_later, starts_at=now + timedelta(days=1))
    started_then_cancelled = MissionFactory(title="Later one cancelled")
    SlotFactory(
        mission=started_then_cancelled,
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(hours=2),
    )
    SlotFactory(
        mission=started_then_cancelled,
        starts_at=now + timedelta(days=1),
        status=Slot.Status.CANCELLED,
    )

    results = list(mission_search(filters=MissionSearchFilters()))

    assert [mission.pk for mission in results] == [started_then_later.pk]
    assert results[0].next_slot_id == later.pk


def test_joinability_flips_exactly_when_the_latest_open_slot_starts(in_paris):
    start = timezone.now() + timedelta(days=2)
    mission = MissionFactory()
    SlotFactory(mission=mission, starts_at=start - timedelta(days=1))
    SlotFactory(mission=mission, starts_at=start)

    for now in (start - timedelta(days=1, microseconds=1), start - timedelta(microseconds=1)):
        assert joinable_by_columns(now) == joinable_by_slots(now) == [mission.pk]
    for now in (start, start + timedelta(microseconds=1), start + timedelta(days=1)):
        assert joinable_by_columns(now) == joinable_by_slots(now) == []


def test_column_joinability_equals_the_slot_definition_at_every_instant(in_paris):
    base = timezone.now().replace(microsecond=0) + timedelta(days=1)
    hours = (-5, -1, 0, 2, 6)
    with_open_ongoing = []
    # Every combination of a dated slot (at each hour, open or cancelled) and an ongoing one.
    for hour in hours:
        for status in (Slot.Status.OPEN, Slot.Status.CANCELLED):
            for ongoing in (None, Slot.Status.OPEN, Slot.Status.CANCELLED):
                mission = MissionFactory()
                SlotFactory(mission=mission, starts_at=base + timedelta(hours=hour), status=status)
                SlotFactory(mission=mission, starts_at=base + timedelta(hours=-3))
                if ongoing is not None:
                    SlotFactory(mission=mission, ongoing=True, status=ongoing)
                if ongoing == Slot.Status.OPEN:
                    with_open_ongoing.append(mission.pk)
    MissionFactory()  # no slot at all

    for hour in (-6, -5, -3, -1, 0, 1, 2, 6, 7):
        for offset in (timedelta(microseconds=-1), timedelta(0), timedelta(microseconds=1)):
            now = base + timedelta(hours=hour) + offset
            assert joinable_by_columns(now) == joinable_by_slots(now)
    # Once every date has started, only the open ongoing slots are left.
    assert len(with_open_ongoing) == 10
    assert joinable_by_columns(base + timedelta(hours=7)) == sorted(with_open_ongoing)


def _admin_of(mission: Mission):  # type: ignore[no-untyped-def]
    return MembershipFactory(organization=mission.organization, role="admin").user


def test_the_search_follows_slot_services(in_paris):
    mission = MissionFactory(organization=OrganizationFactory())
    admin = _admin_of(mission)
    everything = MissionSearchFilters()
    assert ids(mission_search(filters=everything)) == []

    start = timezone.now() + timedelta(days=3)
    slot = slot_create(
        mission=mission,
        actor=admin,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        capacity=2,
    )
    assert ids(mission_search(filters=everything)) == [mission.pk]

    moved = start + timedelta(days=10)
    slot_update(slot=slot, actor=admin, starts_at=moved, ends_at=moved + timedelta(hours=2))
    page = mission_search_page(filters=everything, offset=0, limit=20)
    assert ([m.pk for m in page.results], page.total) == ([mission.pk], 1)
    assert page.results[0].next_slot_starts_at == moved

    slot_cancel(slot=slot, actor=admin)
    assert ids(mission_search(filters=everything)) == []

    slot_create(mission=mission, actor=admin, capacity=4)
    assert ids(mission_search(filters=everything)) == [mission.pk]

    mission_cancel(mission=mission, actor=admin)
    Mission.objects.filter(pk=mission.pk).update(status=Mission.Status.PUBLISHED)
    assert ids(mission_search(filters=everything)) == []


def test_the_cause_filter_follows_mission_update(in_paris):
    food, shelter = CauseFactory(slug="j-food"), CauseFactory(slug="j-shelter")
    mission = MissionFactory(causes=[food])
    SlotFactory(mission=mission)
    admin = _admin_of(mission)
    assert ids(mission_search(filters=MissionSearchFilters(causes=("j-food",)))) == [mission.pk]

    mission_update(mission=mission, actor=admin, cause_ids=[shelter.pk])

    assert ids(mission_search(filters=MissionSearchFilters(causes=("j-food",)))) == []
    assert ids(mission_search(filters=MissionSearchFilters(causes=("j-shelter",)))) == [mission.pk]
    assert ids(
        mission_search(filters=MissionSearchFilters(causes=("j-food", "j-shelter", "nope")))
    ) == [mission.pk]
