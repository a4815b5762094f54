"""A volunteer's participations as the mission page shows them
(engagement/participations/selectors.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from engagement.participations.models import Participation
from engagement.participations.selectors import (
    participation_list_for_volunteer,
    participation_list_upcoming_on_mission,
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


def test_another_tenants_volunteer_has_nothing_on_a_mission_here(paris, montreal):
    with tenant_context(paris):
        volunteer = UserFactory()
        slot = SlotFactory()
        ParticipationFactory(slot=slot, volunteer=volunteer)
        assert participation_list_upcoming_on_mission(user=volunteer, mission=slot.mission)
    with tenant_context(montreal):
        assert participation_list_upcoming_on_mission(user=volunteer, mission=slot.mission) == []
