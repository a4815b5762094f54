"""Group sign-up fixtures: a slot, a volunteer and their accepted friends."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts.models import User
from engagement.friends.models import Friendship
from tests.engagement.factories import SlotFactory, UserFactory


def befriend(one: User, other: User) -> Friendship:
    """An accepted friendship, as the friends' pages leave it."""
    return Friendship.objects.create(
        requester=one,
        addressee=other,
        status=Friendship.Status.ACCEPTED,
        answered_at=timezone.now(),
    )


@pytest.fixture
def group_slot(mission):
    return SlotFactory(mission=mission, capacity=4)


@pytest.fixture
def friends(volunteer):
    """Two accepted friends of the volunteer: Léa and Noé."""
    lea = UserFactory(email="lea@example.org", first_name="Léa")
    noe = UserFactory(email="noe@example.org", first_name="Noé")
    befriend(volunteer, lea)
    befriend(noe, volunteer)
    return [lea, noe]
