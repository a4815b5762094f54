from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from engagement.emails.models import EmailPreferences
from engagement.groups.models import SeatHold
from engagement.groups.services import group_signup
from engagement.participations.models import Participation
from tenants.context import tenant_context
from tests.engagement.factories import MissionFactory, SlotFactory, UserFactory
from tests.engagement.groups.conftest import befriend
from tests.engagement.test_resident_pages import html, signed_in, warm_routing_cache

pytestmark = pytest.mark.django_db


def get(client: Client, url: str, **extra: str):  # type: ignore[no-untyped-def]
    """A page, then back in Paris's schema (a request leaves the connection on public)."""
    tenant = connection.tenant
    try:
        return client.get(url, **extra)
    finally:
        connection.set_tenant(tenant)


def post(client: Client, url: str, data: object = None, **extra: str):  # type: ignore[no-untyped-def]
    tenant = connection.tenant
    try:
        return client.post(url, data or {}, **extra)
    finally:
        connection.set_tenant(tenant)


def test_the_mission_page_offers_going_with_friends(paris, volunteer, friends, group_slot):
    client = signed_in(paris, volunteer)

    page = html(get(client, reverse("mission-detail", args=[group_slot.mission_id])))

    assert reverse("mission-group-signup", args=[group_slot.mission_id]) in page


def test_the_group_page_lists_my_friends_and_the_seats_left(paris, volunteer, friends, group_slot):
    stranger = UserFactory(first_name="Inconnu")
    client = signed_in(paris, volunteer)

    response = get(client, reverse("mission-group-signup", args=[group_slot.mission_id]))

    page = html(response)
    assert response.status_code == 200
    assert "Léa" in page and "Noé" in page and stranger.first_name not in page
    assert "4 places restantes" in page
    assert "lea@example.org" not in page


def test_signing_up_as_a_group_without_javascript(
    paris, volunteer, friends, group_slot, smtp_inbox, django_capture_on_commit_callbacks
):
    client = signed_in(paris, volunteer)
    url = reverse("mission-group-signup", args=[group_slot.mission_id])

    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            client, url, {"slot": group_slot.pk, "friends": [friends[0].pk, friends[1].pk]}
        )

    assert response.status_code == 302 and response["Location"] == reverse("my-engagements")
    group_slot.refresh_from_db()
    assert (group_slot.confirmed_count, group_slot.held_count, group_slot.seats_left) == (1, 2, 1)
    hold = SeatHold.objects.get(for_user=friends[0])
    [received] = smtp_inbox.to("lea@example.org")
    assert group_slot.mission.title in received.subject
    claim = f"{paris.base_url}{reverse('seat-hold', args=[hold.pk])}"
    assert claim in received.text and claim in received.html
    assert len(smtp_inbox.to("noe@example.org")) == 1
    mine = html(get(client, reverse("my-engagements")))
    assert "Places que vous gardez pour vos amis" in mine and "Pour Léa" in mine


def test_the_friends_e_mail_follows_their_preferences(
    paris, volunteer, friends, group_slot, smtp_inbox, django_capture_on_commit_callbacks
):
    EmailPreferences.objects.create(user=friends[0], friends=EmailPreferences.Frequency.NEVER)

    with django_capture_on_commit_callbacks(execute=True):
        group_signup(volunteer=volunteer, slot=group_slot, friend_ids=[f.pk for f in friends])

    assert smtp_inbox.to("lea@example.org") == []
    assert len(smtp_inbox.to("noe@example.org")) == 1


def test_a_refused_group_shows_the_form_with_its_error_and_changes_nothing(
    paris, volunteer, friends, mission
):
    slot = SlotFactory(mission=mission, capacity=2)
    client = signed_in(paris, volunteer)

    response = post(
        client,
        reverse("mission-group-signup", args=[mission.pk]),
        {"slot": slot.pk, "friends": [friends[0].pk, friends[1].pk]},
    )

    assert response.status_code == 200
    page = html(response)
    assert "Il ne reste que 2 places à cette date pour votre groupe de 3." in page
    assert 'class="error-summary"' in page
    assert not SeatHold.objects.exists() and not Participation.objects.exists()


@pytest.mark.parametrize(
    "data", [{}, {"slot": "x", "friends": ["1"]}, {"slot": "999999", "friends": ["abc"]}]
)
def test_bad_form_input_is_a_readable_page(paris, volunteer, friends, group_slot, data):
    client = signed_in(paris, volunteer)

    response = post(client, reverse("mission-group-signup", args=[group_slot.mission_id]), data)

    assert response.status_code == 200
    assert 'class="error-summary"' in html(response)
    assert not SeatHold.objects.exists()


def test_the_friend_claims_the_seat_on_its_page(paris, volunteer, friends, group_slot):
    hold = group_signup(volunteer=volunteer, slot=group_slot, friend_ids=[friends[0].pk]).holds[0]
    client = signed_in(paris, friends[0])

    page = html(get(client, reverse("seat-hold", args=[hold.pk])))
    assert "Camille y va et vous a gardé cette place." in page
    assert "Places gardées pour vous" in html(get(client, reverse("my-engagements")))
    response = post(client, reverse("seat-hold-claim", args=[hold.pk]))

    assert response.status_code == 302
    assert Participation.objects.get(volunteer=friends[0]).status == "confirmed"
    group_slot.refresh_from_db()
    assert (group_slot.confirmed_count, group_slot.held_count) == (2, 0)
    assert "Vous avez pris cette place" in html(get(client, reverse("seat-hold", args=[hold.pk])))


def test_the_friend_declines_the_seat_on_its_page(paris, volunteer, friends, group_slot):
    hold = group_signup(volunteer=volunteer, slot=group_slot, friend_ids=[friends[0].pk]).holds[0]
    client = signed_in(paris, friends[0])

    post(client, reverse("seat-hold-decline", args=[hold.pk]))

    hold.refresh_from_db()
    assert hold.status == SeatHold.Status.DECLINED
    group_slot.refresh_from_db()
    assert group_slot.held_count == 0


def test_nobody_else_sees_or_claims_a_held_seat(paris, volunteer, friends, group_slot):
    hold = group_signup(volunteer=volunteer, slot=group_slot, friend_ids=[friends[0].pk]).holds[0]

    for user in (volunteer, friends[1]):
        client = signed_in(paris, user)
        assert get(client, reverse("seat-hold", args=[hold.pk])).status_code == 404
        assert post(client, reverse("seat-hold-claim", args=[hold.pk])).status_code == 404
        assert post(client, reverse("seat-hold-decline", args=[hold.pk])).status_code == 404
    anonymous = Client(HTTP_HOST=paris.primary_host)
    response = post(anonymous, reverse("seat-hold-claim", args=[hold.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    hold.refresh_from_db()
    assert hold.status == SeatHold.Status.HELD


def test_a_held_seat_of_paris_is_nothing_on_montreal(
    paris, montreal, volunteer, friends, group_slot
):
    hold = group_signup(volunteer=volunteer, slot=group_slot, friend_ids=[friends[0].pk]).holds[0]
    with tenant_context(montreal):
        montreal_user = UserFactory(email="lea@example.org")
    montreal_client = signed_in(montreal, montreal_user)
    # The friend's Paris session, sent to Montréal's host, is nobody there.
    paris_session = signed_in(paris, friends[0])

    for client in (montreal_client, paris_session):
        response = post(
            client, reverse("seat-hold-claim", args=[hold.pk]), HTTP_HOST=montreal.primary_host
        )
        assert response.status_code in (302, 404)
        assert "/accounts/login/" in response.get("Location", "") or response.status_code == 404
    assert get(montreal_client, reverse("seat-hold", args=[hold.pk])).status_code == 404
    hold.refresh_from_db()
    assert hold.status == SeatHold.Status.HELD


def test_the_organizations_slot_list_shows_held_seats(
    paris, volunteer, friends, group_slot, org_admin
):
    group_signup(volunteer=volunteer, slot=group_slot, friend_ids=[f.pk for f in friends])
    client = signed_in(paris, org_admin)

    response = get(client, reverse("engagement:organization-mission", args=[group_slot.mission_id]))

    assert "2 places gardées pour des amis de bénévoles" in html(response)


def test_the_my_engagements_page_costs_the_same_with_more_held_seats(
    paris, volunteer, mission, django_assert_max_num_queries
):
    client = signed_in(paris, volunteer)
    warm_routing_cache(client, paris)

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
        get(client, reverse("my-engagements"))
    hold_seats(4)
    with django_assert_max_num_queries(len(few.captured_queries)):
        get(client, reverse("my-engagements"))
