"""A volunteer's participations as the mission page shows them
(engagement/participations/selectors.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from engagement.missions.models import Mission
from engagement.participations.models import Participation
from engagement.participations.selectors import (
    participation_list_for_volunteer,
    participation_list_upcoming_on_mission,
    participations_of_volunteer,
)
from tenants.context import tenant_context
from tests.engagement.factories import (
    MissionFactory,
    ParticipationFactory,
    SlotFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _in_days(days: int):  # type: ignore[no-untyped-def]
    return timezone.now() + timedelta(days=days)


def test_upcoming_on_a_mission_are_the_upcoming_ones_of_that_mission_soonest_first(
    in_paris, django_assert_num_queries
):
    volunteer, other_person = UserFactory(), UserFactory()
    mission, other_mission = MissionFactory(), MissionFactory()
    later = SlotFactory(mission=mission, starts_at=_in_days(9), ends_at=_in_days(9.1))
    sooner = SlotFactory(mission=mission, starts_at=_in_days(2), ends_at=_in_days(2.1))
    ongoing = SlotFactory(mission=mission, ongoing=True)
    over = SlotFactory(mission=mission, starts_at=_in_days(-3), ends_at=_in_days(-2.9))
    cancelled_on = SlotFactory(mission=mission, starts_at=_in_days(5), ends_at=_in_days(5.1))
    expected = [
        ParticipationFactory(slot=sooner, volunteer=volunteer),
        ParticipationFactory(
            slot=later, volunteer=volunteer, status=Participation.Status.WAITLISTED
        ),
        ParticipationFactory(
            slot=ongoing, volunteer=volunteer, status=Participation.Status.REQUESTED
        ),
    ]
    ParticipationFactory(slot=over, volunteer=volunteer)
    ParticipationFactory(
        slot=cancelled_on, volunteer=volunteer, status=Participation.Status.CANCELLED
    )
    ParticipationFactory(slot=SlotFactory(mission=other_mission), volunteer=volunteer)
    ParticipationFactory(slot=sooner, volunteer=other_person)

    with django_assert_num_queries(1):
        found = participation_list_upcoming_on_mission(user=volunteer, mission=mission)
        # What the page reads of each: its slot and that slot's mission, no query more.
        assert [(p.slot.starts_at, p.slot.mission.title) for p in found]

    assert [participation.pk for participation in found] == [p.pk for p in expected]
    # The same rows as the volunteer's upcoming list narrowed to the mission.
    assert [p.pk for p in found] == [
        p.pk
        for p in participation_list_for_volunteer(user=volunteer, scope="upcoming")
        if p.slot.mission_id == mission.pk
    ]


def _values(instance) -> dict:  # type: ignore[no-untyped-def]
    return {
        field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields
    }


def test_upcoming_on_a_mission_reads_every_column_as_the_orm_does(in_paris):
    """The selector is SQL built from the models: each participation and slot it makes holds
    what the ORM's own query loads (types included: the dates, the slot's arrays)."""
    volunteer = UserFactory()
    mission = MissionFactory()
    slot = SlotFactory(mission=mission, starts_at=_in_days(3), ends_at=_in_days(3.2))
    participation = ParticipationFactory(
        slot=slot, volunteer=volunteer, message="À bientôt", waitlisted_at=timezone.now()
    )

    (found,) = participation_list_upcoming_on_mission(user=volunteer, mission=mission)

    loaded = Participation.objects.select_related("slot").get(pk=participation.pk)
    assert _values(found) == _values(loaded)
    assert _values(found.slot) == _values(loaded.slot)
    assert found.slot.mission is mission
    assert found._state.adding is False
    assert found._state.db == loaded._state.db


def test_another_tenants_volunteer_has_nothing_on_a_mission_here(paris, montreal):
    with tenant_context(paris):
        volunteer = UserFactory()
        slot = SlotFactory()
        ParticipationFactory(slot=slot, volunteer=volunteer)
        assert participation_list_upcoming_on_mission(user=volunteer, mission=slot.mission)
    with tenant_context(montreal):
        assert participation_list_upcoming_on_mission(user=volunteer, mission=slot.mission) == []


# --- "Mes engagements": participations_of_volunteer, the queryset's rows as SQL -----------------


@pytest.fixture
def history(in_paris):  # type: ignore[no-untyped-def]
    """A volunteer with a participation of each kind, on two missions, and someone else's."""
    volunteer = UserFactory()
    mission, other_mission = MissionFactory(), MissionFactory()
    slots = [
        SlotFactory(mission=mission, starts_at=_in_days(9), ends_at=_in_days(9.1)),
        SlotFactory(mission=mission, starts_at=_in_days(2), ends_at=_in_days(2.1)),
        SlotFactory(mission=other_mission, ongoing=True),
        SlotFactory(mission=mission, starts_at=_in_days(-3), ends_at=_in_days(-2.9)),
        SlotFactory(mission=other_mission, starts_at=_in_days(-1), ends_at=_in_days(-0.9)),
        SlotFactory(mission=other_mission, starts_at=_in_days(5), ends_at=_in_days(5.1)),
        # Started, its end running on: still upcoming.
        SlotFactory(mission=mission, starts_at=_in_days(-0.1), ends_at=_in_days(0.1)),
    ]
    Status = Participation.Status
    statuses = [
        Status.CONFIRMED,
        Status.WAITLISTED,
        Status.REQUESTED,
        Status.CONFIRMED,
        Status.ATTENDED,
        Status.CANCELLED,
        Status.CONFIRMED,
    ]
    for slot, status in zip(slots, statuses, strict=True):
        ParticipationFactory(slot=slot, volunteer=volunteer, status=status)
    ParticipationFactory(slot=slots[1], volunteer=UserFactory())
    return volunteer


@pytest.mark.parametrize(("scope", "limit"), [("upcoming", None), ("past", None), ("past", 2)])
def test_a_volunteers_list_is_the_querysets(history, scope, limit, django_assert_num_queries):
    expected = participation_list_for_volunteer(user=history, scope=scope)
    expected = list(expected[:limit] if limit else expected)

    with django_assert_num_queries(1):
        found = participations_of_volunteer(user=history, scope=scope, limit=limit)
        # What the page reads of each: its slot, mission and organization, no query more.
        assert [p.slot.mission.organization.name for p in found]

    assert [p.pk for p in found] == [p.pk for p in expected]
    assert len(found) == (4 if scope == "upcoming" else limit or 3)
    for mine, theirs in zip(found, expected, strict=True):
        assert _values(mine) == _values(theirs)
        assert _values(mine.slot) == _values(theirs.slot)
        assert mine.get_deferred_fields() == theirs.get_deferred_fields() == set()
        assert mine.slot.mission.get_deferred_fields() == theirs.slot.mission.get_deferred_fields()
        organization, their_organization = (
            mine.slot.mission.organization,
            theirs.slot.mission.organization,
        )
        assert organization.get_deferred_fields() == their_organization.get_deferred_fields()
        loaded = mine.slot.mission.get_deferred_fields()
        assert loaded == {"search_vector", "description"}
        assert {
            name: getattr(mine.slot.mission, name)
            for name in (f.attname for f in Mission._meta.concrete_fields)
            if name not in loaded
        } == {
            name: getattr(theirs.slot.mission, name)
            for name in (f.attname for f in Mission._meta.concrete_fields)
            if name not in loaded
        }


def test_another_tenants_volunteer_has_no_list_here(paris, montreal):
    with tenant_context(paris):
        volunteer = UserFactory()
        ParticipationFactory(slot=SlotFactory(), volunteer=volunteer)
        assert participations_of_volunteer(user=volunteer, scope="upcoming")
    with tenant_context(montreal):
        assert participations_of_volunteer(user=volunteer, scope="upcoming") == []
        assert participations_of_volunteer(user=volunteer, scope="past") == []
