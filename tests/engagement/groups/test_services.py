from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from engagement.errors import EngagementError, EngagementErrorCode
from engagement.friends.models import FriendBlock, Friendship
from engagement.groups import services
from engagement.groups.models import SeatHold
from engagement.groups.services import (
    GROUP_MAX_FRIENDS,
    group_signup,
    seat_hold_claim,
    seat_hold_decline,
    seat_holds_expire,
)
from engagement.missions.models import Mission, Slot
from engagement.missions.services import slot_cancel, slot_update
from engagement.participations.models import Participation
from engagement.participations.services import participation_cancel, participation_request
from tests.engagement.conftest import audit_actions
from tests.engagement.factories import ParticipationFactory, SlotFactory, UserFactory
from tests.engagement.groups.conftest import befriend

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]

Status = SeatHold.Status


def seats(slot: Slot) -> tuple[int, int, int]:
    slot.refresh_from_db()
    return slot.confirmed_count, slot.held_count, slot.seats_left


def nothing_written(slot: Slot, volunteer) -> None:
    assert seats(slot) == (0, 0, slot.capacity)
    assert not SeatHold.objects.exists()
    assert not Participation.objects.filter(volunteer=volunteer).exists()


# --- Sign-up ------------------------------------------------------------------------------------


def test_group_signup_confirms_the_organizer_and_holds_a_seat_per_friend(
    volunteer, friends, group_slot
):
    before = timezone.now()
    result = group_signup(volunteer=volunteer, slot=group_slot, friend_ids=[f.pk for f in friends])

    assert result.participation.status == Participation.Status.CONFIRMED
    assert result.participation.volunteer == volunteer
    assert [(h.for_user, h.held_by, h.status) for h in result.holds] == [
        (friends[0], volunteer, Status.HELD),
        (friends[1], volunteer, Status.HELD),
    ]
    expiry = result.holds[0].expires_at
    assert before + timedelta(hours=24) <= expiry <= timezone.now() + timedelta(hours=24)
    assert seats(group_slot) == (1, 2, 1)
    assert audit_actions()[-1] == "seat_hold.group_signup"


def test_a_confirmed_volunteer_adds_friends_without_a_second_participation(
    volunteer, friends, group_slot
):
    participation_request(volunteer=volunteer, slot=group_slot)

    result = group_signup(volunteer=volunteer, slot=group_slot, friend_ids=[friends[0].pk])

    assert Participation.objects.filter(volunteer=volunteer).count() == 1
    assert result.participation.volunteer == volunteer
    assert seats(group_slot) == (1, 1, 2)


def test_a_hold_ends_at_the_slot_start_when_that_is_sooner(volunteer, friends, mission):
    soon = timezone.now() + timedelta(hours=3)
    slot = SlotFactory(mission=mission, starts_at=soon, ends_at=soon + timedelta(hours=2))

    result = group_signup(volunteer=volunteer, slot=slot, friend_ids=[friends[0].pk])

    assert result.holds[0].expires_at == soon


@pytest.mark.parametrize(
    ("friend_ids", "code", "message"),
    [
        ("none", EngagementErrorCode.INVALID, "Choose at least one friend."),
        ("twice", EngagementErrorCode.INVALID, "Each friend can be named only once."),
        ("stranger", EngagementErrorCode.NOT_A_FRIEND, "You can only hold seats for your friends."),
        ("self", EngagementErrorCode.NOT_A_FRIEND, "You can only hold seats for your friends."),
    ],
)
def test_a_wrong_list_of_friends_changes_nothing(
    volunteer, friends, group_slot, friend_ids, code, message
):
    ids = {
        "twice": [friends[0].pk, friends[0].pk],
        "stranger": [friends[0].pk, UserFactory().pk],
        "self": [volunteer.pk],
        "none": [],
    }[friend_ids]

    with pytest.raises(EngagementError) as caught:
        group_signup(volunteer=volunteer, slot=group_slot, friend_ids=ids)

    assert (caught.value.code, caught.value.detail) == (code, message)
    assert caught.value.fields == {"friend_ids": [message]}
    nothing_written(group_slot, volunteer)


@pytest.mark.parametrize("kind", ["pending", "declined", "blocked", "blocking"])
def test_only_accepted_unblocked_friends_get_seats(volunteer, group_slot, kind):
    other = UserFactory()
    friendship = befriend(volunteer, other)
    if kind in ("pending", "declined"):
        friendship.status = {"pending": Friendship.Status.PENDING, "declined": "declined"}[kind]
        friendship.save()
    elif kind == "blocked":
        FriendBlock.objects.create(blocker=other, blocked=volunteer)
    else:
        FriendBlock.objects.create(blocker=volunteer, blocked=other)

    with pytest.raises(EngagementError) as caught:
        group_signup(volunteer=volunteer, slot=group_slot, friend_ids=[other.pk])

    assert caught.value.code == EngagementErrorCode.NOT_A_FRIEND
    nothing_written(group_slot, volunteer)


def test_more_friends_than_seats_left_changes_nothing(volunteer, friends, mission):
    slot = SlotFactory(mission=mission, capacity=2)

    with pytest.raises(EngagementError) as caught:
        group_signup(volunteer=volunteer, slot=slot, friend_ids=[f.pk for f in friends])

    assert caught.value.code == EngagementErrorCode.GROUP_TOO_LARGE
    assert caught.value.detail == "Only 2 seats are left on this date for your group of 3."
    nothing_written(slot, volunteer)


def test_more_friends_than_a_group_may_hold_changes_nothing(volunteer, mission):
    slot = SlotFactory(mission=mission, capacity=50)
    many = [UserFactory() for _ in range(GROUP_MAX_FRIENDS + 1)]
    for friend in many:
        befriend(volunteer, friend)

    with pytest.raises(EngagementError) as caught:
        group_signup(volunteer=volunteer, slot=slot, friend_ids=[f.pk for f in many])

    assert caught.value.code == EngagementErrorCode.GROUP_TOO_LARGE
    assert caught.value.detail == f"You can hold seats for at most {GROUP_MAX_FRIENDS} friends."
    nothing_written(slot, volunteer)


def test_a_friend_already_signed_up_or_held_for_changes_nothing(volunteer, friends, group_slot):
    ParticipationFactory(slot=group_slot, volunteer=friends[1], status="waitlisted")

    with pytest.raises(EngagementError) as caught:
        group_signup(volunteer=volunteer, slot=group_slot, friend_ids=[f.pk for f in friends])

    assert caught.value.code == EngagementErrorCode.FRIEND_ALREADY_PARTICIPATING
    assert "Noé" in caught.value.detail
    assert SeatHold.objects.count() == 0
    assert not Participation.objects.filter(volunteer=volunteer).exists()

    # A seat held for Léa by someone else.
    other = UserFactory()
    befriend(other, friends[0])
    group_signup(volunteer=other, slot=group_slot, friend_ids=[friends[0].pk])
    with pytest.raises(EngagementError) as caught:
        group_signup(volunteer=volunteer, slot=group_slot, friend_ids=[friends[0].pk])
    assert caught.value.code == EngagementErrorCode.FRIEND_ALREADY_PARTICIPATING
    assert SeatHold.objects.count() == 1


@pytest.mark.parametrize("state", ["cancelled", "started", "unpublished", "approval"])
def test_a_slot_that_cannot_take_a_group_changes_nothing(volunteer, friends, mission, state):
    now = timezone.now()
    slot = SlotFactory(mission=mission, capacity=4)
    if state == "cancelled":
        Slot.objects.filter(pk=slot.pk).update(status=Slot.Status.CANCELLED)
    elif state == "started":
        Slot.objects.filter(pk=slot.pk).update(
            starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1)
        )
    elif state == "unpublished":
        Mission.objects.filter(pk=mission.pk).update(status=Mission.Status.CLOSED)
    else:
        Mission.objects.filter(pk=mission.pk).update(requires_approval=True)

    with pytest.raises(EngagementError) as caught:
        group_signup(volunteer=volunteer, slot=slot, friend_ids=[friends[0].pk])

    assert (
        caught.value.code
        == {
            "cancelled": EngagementErrorCode.SLOT_CANCELLED,
            "started": EngagementErrorCode.SLOT_STARTED,
            "unpublished": EngagementErrorCode.MISSION_NOT_PUBLISHED,
            "approval": EngagementErrorCode.GROUP_SIGNUP_UNAVAILABLE,
        }[state]
    )
    nothing_written(slot, volunteer)


def test_a_waitlisted_volunteer_cannot_bring_a_group(volunteer, friends, group_slot):
    ParticipationFactory(slot=group_slot, volunteer=volunteer, status="waitlisted")

    with pytest.raises(EngagementError) as caught:
        group_signup(volunteer=volunteer, slot=group_slot, friend_ids=[friends[0].pk])

    assert caught.value.code == EngagementErrorCode.ALREADY_PARTICIPATING
    assert seats(group_slot) == (0, 0, 4)


def test_the_database_refuses_more_held_and_confirmed_seats_than_capacity(group_slot):
    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.filter(pk=group_slot.pk).update(confirmed_count=2, held_count=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        SeatHold.objects.create(
            slot=group_slot, status=Status.EXPIRED, expires_at=timezone.now()
        )  # ended without an end date
    Slot.objects.filter(pk=group_slot.pk).update(confirmed_count=2, held_count=2)
    assert seats(group_slot) == (2, 2, 0)


def test_plain_sign_ups_do_not_take_held_seats(volunteer, friends, mission):
    slot = SlotFactory(mission=mission, capacity=3)
    group_signup(volunteer=volunteer, slot=slot, friend_ids=[f.pk for f in friends])

    other = participation_request(volunteer=UserFactory(), slot=slot)

    assert other.status == Participation.Status.WAITLISTED
    assert seats(slot) == (1, 2, 0)


# --- Claim and decline --------------------------------------------------------------------------


def test_the_friend_claims_the_held_seat(volunteer, friends, group_slot):
    hold = group_signup(volunteer=volunteer, slot=group_slot, friend_ids=[friends[0].pk]).holds[0]

    participation = seat_hold_claim(hold=hold, actor=friends[0])

    assert (participation.volunteer, participation.status) == (friends[0], "confirmed")
    hold.refresh_from_db()
    assert (hold.status, hold.participation) == (Status.CLAIMED, participation)
    assert seats(group_slot) == (2, 0, 2)
    assert audit_actions()[-1] == "seat_hold.claimed"


def test_only_the_named_friend_claims_and_only_once(volunteer, friends, group_slot):
    hold = group_signup(volunteer=volunteer, slot=group_slot, friend_ids=[friends[0].pk]).holds[0]

    for intruder in (friends[1], volunteer):
        with pytest.raises(EngagementError) as caught:
            seat_hold_claim(hold=hold, actor=intruder)
        assert caught.value.code == EngagementErrorCode.NOT_ALLOWED
    seat_hold_claim(hold=hold, actor=friends[0])
    with pytest.raises(EngagementError) as caught:
        seat_hold_claim(hold=hold, actor=friends[0])
    assert caught.value.code == EngagementErrorCode.SEAT_HOLD_ENDED
    assert seats(group_slot) == (2, 0, 2)


def test_an_expired_hold_cannot_be_claimed(volunteer, friends, group_slot):
    hold = group_signup(volunteer=volunteer, slot=group_slot, friend_ids=[friends[0].pk]).holds[0]
    SeatHold.objects.filter(pk=hold.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    hold.refresh_from_db()

    with pytest.raises(EngagementError) as caught:
        seat_hold_claim(hold=hold, actor=friends[0])

    assert caught.value.code == EngagementErrorCode.SEAT_HOLD_ENDED
    assert seats(group_slot) == (1, 1, 2)


def test_declining_gives_the_seat_to_the_first_waitlisted(volunteer, friends, mission):
    slot = SlotFactory(mission=mission, capacity=2)
    hold = group_signup(volunteer=volunteer, slot=slot, friend_ids=[friends[0].pk]).holds[0]
    first = participation_request(volunteer=UserFactory(), slot=slot)
    second = participation_request(volunteer=UserFactory(), slot=slot)

    seat_hold_decline(hold=hold, actor=friends[0])

    hold.refresh_from_db()
    first.refresh_from_db()
    second.refresh_from_db()
    assert hold.status == Status.DECLINED
    assert (first.status, second.status) == ("confirmed", "waitlisted")
    assert seats(slot) == (2, 0, 0)
    assert "seat_hold.declined" in audit_actions()


# --- Expiry -------------------------------------------------------------------------------------


def test_expired_holds_are_released_to_the_waiting_list(volunteer, friends, mission):
    slot = SlotFactory(mission=mission, capacity=3)
    holds = group_signup(volunteer=volunteer, slot=slot, friend_ids=[f.pk for f in friends]).holds
    waiting = participation_request(volunteer=UserFactory(), slot=slot)
    SeatHold.objects.filter(pk=holds[0].pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert seat_holds_expire() == 1
    assert seat_holds_expire() == 0

    waiting.refresh_from_db()
    assert waiting.status == "confirmed"
    assert sorted(SeatHold.objects.values_list("status", flat=True)) == ["expired", "held"]
    assert seats(slot) == (2, 1, 0)


def test_expiry_works_in_batches(volunteer, mission, monkeypatch):
    slot = SlotFactory(mission=mission, capacity=20)
    many = [UserFactory() for _ in range(5)]
    for friend in many:
        befriend(volunteer, friend)
    group_signup(volunteer=volunteer, slot=slot, friend_ids=[f.pk for f in many])

    later = timezone.now() + timedelta(hours=25)
    assert seat_holds_expire(now=later, batch_size=2) == 5
    assert seats(slot) == (1, 0, 19)


def test_the_hold_duration_is_24_hours():
    assert services.HOLD_DURATION == timedelta(hours=24)


# --- Cancellations and capacity -----------------------------------------------------------------


def test_the_organizer_cancelling_releases_unclaimed_seats_to_the_waiting_list(
    volunteer, friends, mission
):
    slot = SlotFactory(mission=mission, capacity=3)
    result = group_signup(volunteer=volunteer, slot=slot, friend_ids=[f.pk for f in friends])
    seat_hold_claim(hold=result.holds[0], actor=friends[0])
    waiting = participation_request(volunteer=UserFactory(), slot=slot)

    participation_cancel(participation=result.participation, actor=volunteer)

    statuses = dict(SeatHold.objects.values_list("for_user_id", "status"))
    assert statuses == {friends[0].pk: "claimed", friends[1].pk: "released"}
    waiting.refresh_from_db()
    assert waiting.status == "confirmed"
    # Léa keeps her seat; Noé's and the organizer's went to the waiting list (one waiting).
    assert seats(slot) == (2, 0, 1)


def test_a_cancelled_slot_releases_its_held_seats(volunteer, friends, group_slot, org_admin):
    group_signup(volunteer=volunteer, slot=group_slot, friend_ids=[f.pk for f in friends])

    slot_cancel(slot=group_slot, actor=org_admin)

    assert set(SeatHold.objects.values_list("status", flat=True)) == {"released"}
    assert seats(group_slot) == (0, 0, 4)


def test_capacity_cannot_go_below_confirmed_and_held_seats(
    volunteer, friends, group_slot, org_admin
):
    group_signup(volunteer=volunteer, slot=group_slot, friend_ids=[f.pk for f in friends])

    with pytest.raises(EngagementError) as caught:
        slot_update(slot=group_slot, actor=org_admin, capacity=2)

    assert caught.value.code == EngagementErrorCode.CAPACITY_BELOW_CONFIRMED
    assert "2 seats are held" in caught.value.detail
    slot_update(slot=group_slot, actor=org_admin, capacity=3)
    assert seats(group_slot) == (1, 2, 0)
