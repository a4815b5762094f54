from __future__ import annotations

import pytest

from engagement.groups.models import SeatHold
from engagement.groups.services import group_signup
from engagement.participations.models import Participation
from tenants.context import tenant_context
from tests.engagement.conftest import error_body
from tests.engagement.factories import MissionFactory, SlotFactory, UserFactory
from tests.engagement.groups.conftest import befriend

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]


def test_group_signup_through_the_api(paris, api_for, volunteer, friends, group_slot):
    api = api_for(paris, volunteer)

    response = api.post(
        f"slots/{group_slot.pk}/group-signup/", {"friend_ids": [f.pk for f in friends]}
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["participation"]["status"] == "confirmed"
    assert [hold["for_user_name"] for hold in body["holds"]] == ["Léa", "Noé"]
    assert {hold["status"] for hold in body["holds"]} == {"held"}
    assert "lea@example.org" not in response.content.decode()
    group_slot.refresh_from_db()
    assert (group_slot.held_count, group_slot.seats_left) == (2, 1)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "friend_ids"),
        ({"friend_ids": []}, "friend_ids"),
        ({"friend_ids": "abc"}, "friend_ids"),
        ({"friend_ids": ["x"]}, "friend_ids"),
        ({"friend_ids": list(range(1, 20))}, "friend_ids"),
    ],
)
def test_bad_input_is_a_400_with_field_errors(paris, api_for, volunteer, group_slot, body, field):
    response = api_for(paris, volunteer).post(f"slots/{group_slot.pk}/group-signup/", body)

    assert response.status_code == 400
    assert field in error_body(response)["fields"]
    assert not SeatHold.objects.exists()


def test_a_non_friend_or_too_big_a_group_is_a_400_that_changes_nothing(
    paris, api_for, volunteer, friends, mission
):
    slot = SlotFactory(mission=mission, capacity=2)
    api = api_for(paris, volunteer)

    stranger = api.post(f"slots/{slot.pk}/group-signup/", {"friend_ids": [UserFactory().pk]})
    too_many = api.post(f"slots/{slot.pk}/group-signup/", {"friend_ids": [f.pk for f in friends]})

    assert (stranger.status_code, error_body(stranger)["code"]) == (400, "not_a_friend")
    assert (too_many.status_code, error_body(too_many)["code"]) == (400, "group_too_large")
    assert error_body(too_many)["fields"] == {
        "friend_ids": ["Il ne reste que 2 places à cette date pour votre groupe de 3."]
    }
    assert not SeatHold.objects.exists() and not Participation.objects.exists()


def test_anonymous_is_401_and_an_unpublished_mission_404(paris, api_for, volunteer, friends):
    draft = SlotFactory(mission=MissionFactory(status="draft"))

    anonymous = api_for(paris).post(
        f"slots/{draft.pk}/group-signup/", {"friend_ids": [friends[0].pk]}
    )
    hidden = api_for(paris, volunteer).post(
        f"slots/{draft.pk}/group-signup/", {"friend_ids": [friends[0].pk]}
    )

    assert anonymous.status_code == 401
    assert hidden.status_code == 404


def test_the_friend_lists_claims_and_declines_seats(paris, api_for, volunteer, friends, group_slot):
    holds = group_signup(
        volunteer=volunteer, slot=group_slot, friend_ids=[f.pk for f in friends]
    ).holds
    lea = api_for(paris, friends[0])

    listed = lea.get("seat-holds/").json()
    claimed = lea.post(f"seat-holds/{holds[0].pk}/claim/")
    again = lea.post(f"seat-holds/{holds[0].pk}/claim/")
    declined = api_for(paris, friends[1]).post(f"seat-holds/{holds[1].pk}/decline/")

    assert [row["id"] for row in listed["results"]] == [holds[0].pk]
    assert listed["results"][0]["held_by_name"] == "Camille"
    assert (claimed.status_code, claimed.json()["status"]) == (201, "confirmed")
    assert (again.status_code, error_body(again)["code"]) == (409, "seat_hold_ended")
    assert (declined.status_code, declined.json()["status"]) == (200, "declined")
    organizer_list = api_for(paris, volunteer).get("seat-holds/").json()
    assert organizer_list["count"] == 2


def test_someone_elses_seat_is_a_404(paris, api_for, volunteer, friends, group_slot):
    hold = group_signup(volunteer=volunteer, slot=group_slot, friend_ids=[friends[0].pk]).holds[0]

    for user in (volunteer, friends[1]):
        api = api_for(paris, user)
        assert api.post(f"seat-holds/{hold.pk}/claim/").status_code == 404
        assert api.post(f"seat-holds/{hold.pk}/decline/").status_code == 404
    hold.refresh_from_db()
    assert hold.status == "held"


def test_a_paris_seat_or_slot_is_a_404_on_montreal(
    paris, montreal, api_for, volunteer, friends, group_slot
):
    hold = group_signup(volunteer=volunteer, slot=group_slot, friend_ids=[friends[0].pk]).holds[0]
    with tenant_context(montreal):
        someone = UserFactory()
        friend = UserFactory()
        befriend(someone, friend)
    api = api_for(montreal, someone)

    assert api.post(f"seat-holds/{hold.pk}/decline/").status_code == 404
    assert (
        api.post(f"slots/{group_slot.pk}/group-signup/", {"friend_ids": [friend.pk]}).status_code
        == 404
    )
    # Léa's Paris token means nothing on Montréal.
    token_api = api_for(paris, friends[0], token=True)
    assert token_api.on(montreal).post(f"seat-holds/{hold.pk}/claim/").status_code == 401
    hold.refresh_from_db()
    assert hold.status == "held"


def test_the_list_costs_the_same_with_more_seats(
    paris, api_for, volunteer, mission, django_assert_max_num_queries
):
    api = api_for(paris, volunteer)
    api.get("seat-holds/")

    def hold_seats(count: int) -> None:
        for _ in range(count):
            organizer = UserFactory()
            befriend(organizer, volunteer)
            group_signup(
                volunteer=organizer,
                slot=SlotFactory(mission=MissionFactory(organization=mission.organization)),
                friend_ids=[volunteer.pk],
            )

    hold_seats(1)
    with django_assert_max_num_queries(100) as few:
        assert api.get("seat-holds/").json()["count"] == 1
    hold_seats(4)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert api.get("seat-holds/").json()["count"] == 5
