import pytest

from engagement.missions.models import Mission, Slot
from engagement.participations.models import Participation
from tests.engagement.factories import (
    MembershipFactory,
    MissionFactory,
    ParticipationFactory,
    SlotFactory,
    VolunteerProfileFactory,
)

pytestmark = pytest.mark.django_db


def test_factories_build_a_consistent_published_mission_with_a_taken_seat(in_paris):
    membership = MembershipFactory()
    mission = MissionFactory(organization=membership.organization, causes=["solidarite"])
    slot = SlotFactory(mission=mission, capacity=2)
    participation = ParticipationFactory(slot=slot)
    ParticipationFactory(slot=slot, status=Participation.Status.WAITLISTED)
    VolunteerProfileFactory(user=participation.volunteer, causes=["environnement"])

    slot.refresh_from_db()
    mission.refresh_from_db()
    assert mission.status == Mission.Status.PUBLISHED
    assert mission.organization.is_verified
    assert mission.search_vector is not None
    assert list(mission.causes.values_list("slug", flat=True)) == ["solidarite"]
    assert slot.confirmed_count == 1
    assert slot.time_bit == Slot.time_bit_for(slot.starts_at, "Europe/Paris")
    assert participation.volunteer.volunteer_profile.causes.count() == 1
    assert SlotFactory(ongoing=True).is_ongoing
