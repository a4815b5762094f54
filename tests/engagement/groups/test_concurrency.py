"""Group sign-ups, claims, declines, expiries and plain sign-ups racing for the same seats.

As in tests/engagement/participations/test_concurrency.py, each thread has its own connection
and transaction, so the data is committed from separate threads and deleted afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from celery._state import _set_task_join_will_block
from django.db import connection
from django.utils import timezone

from accounts.models import User
from engagement.emails.models import EmailDelivery
from engagement.errors import EngagementError
from engagement.friends.models import Friendship
from engagement.groups.models import SeatHold
from engagement.groups.services import (
    group_signup,
    seat_hold_claim,
    seat_hold_decline,
    seat_holds_expire,
)
from engagement.missions.models import Mission, Slot
from engagement.organizations.models import Organization
from engagement.participations.models import Participation
from engagement.participations.services import participation_cancel, participation_request
from tenants.audit.models import AuditEvent
from tests.engagement.factories import MembershipFactory, MissionFactory, SlotFactory, UserFactory
from tests.engagement.groups.conftest import befriend
from tests.engagement.participations.test_concurrency import in_own_connection, run_at_once

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]

PLAIN = 8


@pytest.fixture
def committed(paris) -> Iterator[dict[str, Any]]:
    """A slot of 5 seats, an organizer with 3 friends, and 8 other volunteers — committed."""
    assert connection.settings_dict["NAME"].startswith("test_")

    def create() -> dict[str, Any]:
        membership = MembershipFactory(user__email="organizer-groups@example.org")
        slot = SlotFactory(mission=MissionFactory(organization=membership.organization), capacity=5)
        organizer = UserFactory(email="group-organizer@example.org")
        friends = [UserFactory(email=f"group-friend{index}@example.org") for index in range(3)]
        for friend in friends:
            befriend(organizer, friend)
        return {
            "last_audit_id": AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
            or 0,
            "last_delivery_id": EmailDelivery.objects.order_by("-id")
            .values_list("id", flat=True)
            .first()
            or 0,
            "organization_id": membership.organization_id,
            "slot": slot,
            "organizer": organizer,
            "friends": friends,
            "user_ids": [membership.user_id, organizer.pk, *(f.pk for f in friends)],
            "volunteers": [
                UserFactory(email=f"group-racer{index}@example.org") for index in range(PLAIN)
            ],
        }

    data = in_own_connection(paris, create)

    def delete() -> None:
        organization_id = data["organization_id"]
        SeatHold.objects.filter(slot__mission__organization_id=organization_id).delete()
        Participation.objects.filter(slot__mission__organization_id=organization_id).delete()
        Slot.objects.filter(mission__organization_id=organization_id).delete()
        Mission.objects.filter(organization_id=organization_id).delete()
        Organization.objects.filter(pk=organization_id).delete()
        user_ids = [*data["user_ids"], *(volunteer.pk for volunteer in data["volunteers"])]
        Friendship.objects.filter(requester_id__in=user_ids).delete()
        User.objects.filter(pk__in=user_ids).delete()
        AuditEvent.objects.filter(id__gt=data["last_audit_id"]).delete()
        EmailDelivery.objects.filter(id__gt=data["last_delivery_id"]).delete()

    try:
        yield data
    finally:
        in_own_connection(paris, delete)
        _set_task_join_will_block(False)


def ledger(paris, slot: Slot) -> dict[str, int]:
    """The slot's counters and what its rows say."""

    def read() -> dict[str, int]:
        slot.refresh_from_db()
        return {
            "capacity": slot.capacity,
            "confirmed_count": slot.confirmed_count,
            "held_count": slot.held_count,
            "confirmed_rows": Participation.objects.filter(slot=slot, status="confirmed").count(),
            "held_rows": SeatHold.objects.filter(slot=slot, status="held").count(),
            "waitlisted_rows": Participation.objects.filter(slot=slot, status="waitlisted").count(),
        }

    return in_own_connection(paris, read)


def assert_exact(found: dict[str, int]) -> None:
    assert found["confirmed_count"] == found["confirmed_rows"]
    assert found["held_count"] == found["held_rows"]
    assert found["confirmed_count"] + found["held_count"] <= found["capacity"]


def test_a_group_and_eight_volunteers_racing_for_five_seats(committed, paris):
    slot, organizer, friends = committed["slot"], committed["organizer"], committed["friends"]
    calls = [
        lambda: group_signup(volunteer=organizer, slot=slot, friend_ids=[f.pk for f in friends])
    ] + [
        (lambda volunteer=volunteer: participation_request(volunteer=volunteer, slot=slot))
        for volunteer in committed["volunteers"]
    ]

    results = run_at_once(paris, calls)

    group, plain = results[0], results[1:]
    assert not any(isinstance(result, Exception) for result in plain)
    found = ledger(paris, slot)
    assert_exact(found)
    confirmed_plain = sum(result.status == "confirmed" for result in plain)
    if isinstance(group, EngagementError):
        # The plain sign-ups came first and left fewer than 4 seats: the group took none.
        assert (found["held_count"], confirmed_plain) == (0, 5)
    else:
        # The group got its 4 seats (1 confirmed, 3 held): one seat was left for the others.
        assert (found["held_count"], confirmed_plain) == (3, found["confirmed_count"] - 1)
        assert found["confirmed_count"] + found["held_count"] == 5
    assert found["waitlisted_rows"] == PLAIN - confirmed_plain


def test_claims_declines_expiries_cancellations_and_sign_ups_racing(committed, paris):
    slot, organizer, friends = committed["slot"], committed["organizer"], committed["friends"]
    volunteers = committed["volunteers"]

    def prepare() -> dict[str, Any]:
        result = group_signup(volunteer=organizer, slot=slot, friend_ids=[f.pk for f in friends])
        first = participation_request(volunteer=volunteers[0], slot=slot)  # the last seat
        waiting = [participation_request(volunteer=v, slot=slot) for v in volunteers[1:4]]
        # The third friend's seat is overdue: the sweep will release it.
        SeatHold.objects.filter(pk=result.holds[2].pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
        return {"holds": result.holds, "first": first, "waiting": waiting}

    state = in_own_connection(paris, prepare)
    assert ledger(paris, slot)["confirmed_count"] == 2
    holds = state["holds"]
    calls = [
        lambda: seat_hold_claim(hold=holds[0], actor=friends[0]),
        lambda: seat_hold_decline(hold=holds[1], actor=friends[1]),
        lambda: seat_hold_claim(hold=holds[2], actor=friends[2]),  # overdue: refused
        seat_holds_expire,
        lambda: participation_cancel(participation=state["first"], actor=volunteers[0]),
        *[
            (lambda volunteer=volunteer: participation_request(volunteer=volunteer, slot=slot))
            for volunteer in volunteers[4:]
        ],
    ]

    results = run_at_once(paris, calls)

    assert isinstance(results[0], Participation) and results[0].status == "confirmed"
    assert isinstance(results[1], SeatHold)
    assert isinstance(results[2], EngagementError)
    assert not any(isinstance(result, Exception) for result in results[3:])
    found = ledger(paris, slot)
    assert_exact(found)
    # Nothing is held any more; every freed seat went to someone waiting: the slot is full.
    assert found["held_count"] == 0
    assert found["confirmed_count"] == 5
    statuses = in_own_connection(
        paris, lambda: sorted(SeatHold.objects.filter(slot=slot).values_list("status", flat=True))
    )
    assert statuses == ["claimed", "declined", "expired"]


def test_two_organizers_naming_the_same_friend_at_once_hold_one_seat(committed, paris):
    slot, friend = committed["slot"], committed["friends"][0]
    organizers = committed["volunteers"][:6]
    in_own_connection(paris, lambda: [befriend(o, friend) for o in organizers])

    results = run_at_once(
        paris,
        [
            (lambda o=o: group_signup(volunteer=o, slot=slot, friend_ids=[friend.pk]))
            for o in organizers
        ],
    )

    refused = [r for r in results if isinstance(r, EngagementError)]
    assert len(refused) >= len(organizers) - 2
    found = ledger(paris, slot)
    assert_exact(found)
    assert found["held_count"] == 1
