"""Seats held for or by a volunteer, as "Mes engagements" lists them
(engagement/groups/selectors.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from engagement.groups.models import SeatHold
from engagement.groups.selectors import seat_holds_current
from engagement.groups.services import group_signup
from tenants.context import tenant_context
from tests.engagement.factories import SlotFactory

pytestmark = pytest.mark.django_db


def test_no_seat_held_costs_one_short_query(volunteer, django_assert_num_queries):
    with django_assert_num_queries(1) as captured:
        assert seat_holds_current(user=volunteer) == ([], [])
    assert "JOIN" not in captured.captured_queries[0]["sql"]


def test_current_holds_either_way_soonest_first_with_what_the_page_shows(
    volunteer, friends, mission, django_assert_num_queries
):
    lea, noe = friends
    later = SlotFactory(mission=mission, capacity=4)
    sooner = SlotFactory(mission=mission, capacity=4)
    group_signup(volunteer=volunteer, slot=later, friend_ids=[lea.pk])
    group_signup(volunteer=noe, slot=sooner, friend_ids=[volunteer.pk])
    held_by_me = SeatHold.objects.get(held_by=volunteer)
    held_for_me = SeatHold.objects.get(for_user=volunteer)
    SeatHold.objects.filter(pk=held_by_me.pk).update(expires_at=timezone.now() + timedelta(hours=5))
    SeatHold.objects.filter(pk=held_for_me.pk).update(
        expires_at=timezone.now() + timedelta(hours=1)
    )
    # An expired hold and a released one are no longer current.
    group_signup(
        volunteer=volunteer, slot=SlotFactory(mission=mission, capacity=4), friend_ids=[noe.pk]
    )
    SeatHold.objects.filter(held_by=volunteer, for_user=noe).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )

    with django_assert_num_queries(2):
        mine, theirs = seat_holds_current(user=volunteer)
        assert [hold.slot.mission.organization.name for hold in mine + theirs]
        assert [hold.held_by.pk for hold in mine] == [noe.pk]

    assert [hold.pk for hold in mine] == [held_for_me.pk]
    assert [hold.pk for hold in theirs] == [held_by_me.pk]

    SeatHold.objects.filter(pk=held_by_me.pk).update(
        status=SeatHold.Status.RELEASED, ended_at=timezone.now()
    )
    assert seat_holds_current(user=volunteer) == ([held_for_me], [])


def test_another_tenants_volunteer_holds_nothing_here(volunteer, friends, mission, montreal):
    group_signup(volunteer=volunteer, slot=SlotFactory(mission=mission), friend_ids=[friends[0].pk])
    assert seat_holds_current(user=volunteer)[1]
    with tenant_context(montreal):
        assert seat_holds_current(user=volunteer) == ([], [])
