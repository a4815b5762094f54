"""engagement.friends.selectors.friends_going and its wording: friends only, their privacy and
blocks respected, one query for a whole page of missions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from engagement.friends import services
from engagement.friends.selectors import Person, friends_going
from engagement.friends.wording import going_sentence
from engagement.participations.models import Participation
from tenants.context import tenant_context
from tests.engagement.factories import (
    MissionFactory,
    ParticipationFactory,
    SlotFactory,
    UserFactory,
    VolunteerProfileFactory,
)

pytestmark = pytest.mark.django_db


def befriend(first, second) -> None:  # type: ignore[no-untyped-def]
    services.friend_request_send(requester=first, addressee=second)
    services.friend_request_answer(user=second, requester_id=first.pk, accept=True)


def _going(viewer, *missions) -> dict[int, list[str]]:  # type: ignore[no-untyped-def]
    result = friends_going(viewer=viewer, mission_ids=[mission.pk for mission in missions])
    return {mission_id: [person.name for person in people] for mission_id, people in result.items()}


def test_only_friends_who_hold_or_wait_for_a_seat_are_going(in_paris):
    viewer = UserFactory()
    lea = UserFactory(first_name="Léa", last_name="")
    sam = UserFactory(first_name="Sam", last_name="")
    kim = UserFactory(first_name="Kim", last_name="")
    stranger = UserFactory(first_name="Zoé", last_name="")
    for friend in (lea, sam, kim):
        befriend(viewer, friend)
    slot = SlotFactory()
    ParticipationFactory(slot=slot, volunteer=lea)
    ParticipationFactory(slot=slot, volunteer=sam, status=Participation.Status.WAITLISTED)
    ParticipationFactory(slot=slot, volunteer=kim, status=Participation.Status.REQUESTED)
    ParticipationFactory(slot=slot, volunteer=stranger)

    assert _going(viewer, slot.mission) == {slot.mission.pk: ["Léa", "Sam"]}


def test_a_pending_request_shows_nothing(in_paris):
    viewer, lea = UserFactory(), UserFactory()
    services.friend_request_send(requester=viewer, addressee=lea)
    slot = SlotFactory()
    ParticipationFactory(slot=slot, volunteer=lea)

    assert _going(viewer, slot.mission) == {}
    assert _going(lea, slot.mission) == {}


def test_privacy_blocks_suspension_and_past_or_cancelled_slots_hide_friends(in_paris):
    viewer = UserFactory()
    private, blocked, suspended, past, cancelled = (UserFactory() for _ in range(5))
    for friend in (private, blocked, suspended, past, cancelled):
        befriend(viewer, friend)
    services.friends_privacy_set(user=private, friends_see_participations=False)
    services.friend_block(user=blocked, other_id=viewer.pk)
    suspended.is_active = False
    suspended.save(update_fields=["is_active"])
    mission = MissionFactory()
    slot = SlotFactory(mission=mission)
    for person in (private, blocked, suspended):
        ParticipationFactory(slot=slot, volunteer=person)
    started = timezone.now() - timedelta(days=2)
    ParticipationFactory(
        slot=SlotFactory(mission=mission, starts_at=started, ends_at=started + timedelta(hours=2)),
        volunteer=past,
    )
    ParticipationFactory(slot=SlotFactory(mission=mission, status="cancelled"), volunteer=cancelled)

    assert _going(viewer, mission) == {}


def test_a_friend_on_two_slots_of_a_mission_counts_once(in_paris):
    viewer, lea = UserFactory(), UserFactory(first_name="Léa", last_name="")
    befriend(viewer, lea)
    mission = MissionFactory()
    ParticipationFactory(slot=SlotFactory(mission=mission), volunteer=lea)
    ParticipationFactory(slot=SlotFactory(mission=mission), volunteer=lea)

    assert _going(viewer, mission) == {mission.pk: ["Léa"]}


def test_friends_either_way_ongoing_dates_and_profiles_in_name_order(in_paris):
    viewer = UserFactory()
    # Asked by the friend (the viewer accepted), no profile; a profile that lets friends see;
    # one the viewer blocked (a block either way hides); a friend on another mission only.
    ana = UserFactory(first_name="Ana", last_name="")
    services.friend_request_send(requester=ana, addressee=viewer)
    services.friend_request_answer(user=viewer, requester_id=ana.pk, accept=True)
    bob = VolunteerProfileFactory(user__first_name="Bob", user__last_name="").user
    services.friends_privacy_set(user=bob, friends_see_participations=True)
    befriend(viewer, bob)
    cut = UserFactory(first_name="Cut", last_name="")
    befriend(viewer, cut)
    services.friend_block(user=viewer, other_id=cut.pk)
    elsewhere = UserFactory(first_name="Eve", last_name="")
    befriend(viewer, elsewhere)
    mission, other = MissionFactory(), MissionFactory()
    ongoing = SlotFactory(mission=mission, ongoing=True)
    for person in (bob, ana, cut):
        ParticipationFactory(slot=ongoing, volunteer=person)
    ParticipationFactory(slot=SlotFactory(mission=other), volunteer=elsewhere)

    assert _going(viewer, mission) == {mission.pk: ["Ana", "Bob"]}
    assert _going(viewer, mission, other) == {mission.pk: ["Ana", "Bob"], other.pk: ["Eve"]}
    # The friend's side reads the same friendship.
    assert _going(ana, mission) == {}
    assert _going(bob, other) == {}


def test_another_tenants_viewer_and_missions_are_nobody_here(paris, montreal):
    with tenant_context(paris):
        viewer, lea = UserFactory(), UserFactory(first_name="Léa", last_name="")
        befriend(viewer, lea)
        slot = SlotFactory()
        ParticipationFactory(slot=slot, volunteer=lea)
        assert _going(viewer, slot.mission) == {slot.mission.pk: ["Léa"]}
    with tenant_context(montreal):
        # The same ids name nobody and nothing in Montréal's schema.
        assert friends_going(viewer=viewer, mission_ids=[slot.mission.pk]) == {}


def test_a_whole_page_costs_one_query(in_paris, django_assert_num_queries):
    viewer = UserFactory()
    missions = [MissionFactory() for _ in range(20)]
    for index in range(10):
        friend = UserFactory()
        befriend(viewer, friend)
        ParticipationFactory(slot=SlotFactory(mission=missions[index]), volunteer=friend)

    with django_assert_num_queries(1):
        result = friends_going(viewer=viewer, mission_ids=[mission.pk for mission in missions])

    assert len(result) == 10


def test_anonymous_viewers_cost_no_query(in_paris, django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    with django_assert_num_queries(0):
        assert friends_going(viewer=AnonymousUser(), mission_ids=[1, 2]) == {}


@pytest.mark.parametrize(
    ("names", "english", "french"),
    [
        ([], "", ""),
        (["Léa"], "Léa is going", "Léa y va"),
        (["Léa", "Sam"], "Léa and Sam are going", "Léa et Sam y vont"),
        (["Léa", "Sam", "Kim"], "Léa and 2 friends are going", "Léa et 2 ami·es y vont"),
    ],
)
def test_the_sentence_names_one_or_two_and_counts_the_others(names, english, french):
    people = [Person(id=index, name=name) for index, name in enumerate(names)]
    with translation.override("en"):
        assert going_sentence(people) == english
    with translation.override("fr"):
        assert going_sentence(people) == french
