from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from engagement.missions.models import Mission, Slot
from engagement.participations.models import Participation
from tests.engagement.api.endpoints import state_snapshot
from tests.engagement.conftest import error_body
from tests.engagement.factories import MissionFactory, ParticipationFactory, SlotFactory

pytestmark = pytest.mark.django_db


def join(api_for, world, user, slot, **body):  # type: ignore[no-untyped-def]
    return api_for(world.tenant, user).post(
        f"missions/{slot.mission_id}/participations/", {"slot": slot.pk, **body}
    )


def test_join_confirms_while_seats_are_left(world, api_for, other_volunteer):
    response = join(api_for, world, other_volunteer, world.free_slot, message="<b>Bonjour</b>")

    assert response.status_code == 201, response.content
    body = response.json()
    participation = Participation.objects.get(pk=body["id"])
    assert (participation.volunteer, participation.status) == (
        other_volunteer,
        Participation.Status.CONFIRMED,
    )
    assert body["status"] == "confirmed"
    assert body["message"] == "Bonjour"
    assert body["slot"]["id"] == world.free_slot.pk
    assert body["mission"]["id"] == world.published.pk
    assert body["mission"]["organization"]["id"] == world.organization.pk
    world.free_slot.refresh_from_db()
    assert world.free_slot.confirmed_count == 1


def test_join_a_full_date_waitlists(world, api_for, other_volunteer):
    full = SlotFactory(mission=world.published, capacity=1)
    ParticipationFactory(slot=full)

    response = join(api_for, world, other_volunteer, full)

    assert (response.status_code, response.json()["status"]) == (201, "waitlisted")


def test_join_a_mission_needing_approval_is_requested(world, api_for, other_volunteer):
    mission = MissionFactory(organization=world.organization, requires_approval=True)
    slot = SlotFactory(mission=mission)

    response = join(api_for, world, other_volunteer, slot)

    assert (response.status_code, response.json()["status"]) == (201, "requested")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "slot"),
        ({"slot": "abc"}, "slot"),
        ({"slot": 0}, "slot"),
        ({"slot": -4}, "slot"),
        ({"slot": 2**63}, "slot"),
        ({"slot": None}, "slot"),
        ({"slot": 999_999_999}, "slot"),
        ({"slot": "FREE", "message": "x" * 2001}, "message"),
    ],
)
def test_bad_join_input_is_a_400(body, field, world, api_for, other_volunteer):
    before = state_snapshot()
    payload = {**body, "slot": world.free_slot.pk} if body.get("slot") == "FREE" else body

    response = api_for(world.tenant, other_volunteer).post(
        f"missions/{world.published.pk}/participations/", payload
    )

    assert response.status_code == 400, response.content
    assert field in error_body(response)["fields"]
    assert state_snapshot() == before


def test_a_date_of_another_mission_is_a_400(world, api_for, other_volunteer):
    other_slot = SlotFactory(mission=MissionFactory(organization=world.organization))
    before = state_snapshot()

    response = api_for(world.tenant, other_volunteer).post(
        f"missions/{world.published.pk}/participations/", {"slot": other_slot.pk}
    )

    assert response.status_code == 400
    assert list(error_body(response)["fields"]) == ["slot"]
    assert state_snapshot() == before


@pytest.mark.parametrize(
    ("slot_name", "code", "status"),
    [
        ("slot", "already_participating", 409),
        ("started_slot", "slot_started", 409),
    ],
)
def test_join_refusals_keep_the_error_shape(slot_name, code, status, world, api_for):
    before = state_snapshot()

    response = join(api_for, world, world.volunteer, getattr(world, slot_name))

    assert response.status_code == status
    assert error_body(response)["code"] == code
    assert state_snapshot() == before


def test_join_a_cancelled_date_or_unpublished_mission(world, api_for, other_volunteer):
    cancelled = SlotFactory(mission=world.published, status=Slot.Status.CANCELLED)
    draft_slot = world.draft.slots.get()

    refused = join(api_for, world, other_volunteer, cancelled)
    hidden = join(api_for, world, other_volunteer, draft_slot)

    assert (refused.status_code, error_body(refused)["code"]) == (409, "slot_cancelled")
    assert hidden.status_code == 404


def test_my_participations_upcoming_past_and_all(world, api_for):
    now = timezone.now()
    later = SlotFactory(mission=world.published, starts_at=now + timedelta(days=30))
    later_participation = ParticipationFactory(slot=later, volunteer=world.volunteer)
    over = SlotFactory(
        mission=world.published,
        starts_at=now - timedelta(days=3),
        ends_at=now - timedelta(days=3) + timedelta(hours=2),
    )
    past = ParticipationFactory(slot=over, volunteer=world.volunteer)
    cancelled = ParticipationFactory(
        slot=world.free_slot, volunteer=world.volunteer, status=Participation.Status.CANCELLED
    )
    client = api_for(world.tenant, world.volunteer)

    def ids(scope):  # type: ignore[no-untyped-def]
        response = client.get("me/participations/", {"scope": scope} if scope else {})
        assert response.status_code == 200
        return [item["id"] for item in response.json()["results"]]

    assert ids(None) == [world.own_participation.pk, later_participation.pk]
    assert ids("upcoming") == [world.own_participation.pk, later_participation.pk]
    assert ids("past") == [cancelled.pk, past.pk]
    assert sorted(ids("all")) == sorted(
        [world.own_participation.pk, later_participation.pk, past.pk, cancelled.pk]
    )
    bad = client.get("me/participations/", {"scope": "future"})
    assert bad.status_code == 400
    assert list(error_body(bad)["fields"]) == ["scope"]


def test_my_participations_cost_the_same_queries_for_3_and_30(world, api_for):
    client = api_for(world.tenant, world.volunteer)
    for _ in range(2):
        ParticipationFactory(slot=SlotFactory(mission=world.published), volunteer=world.volunteer)
    client.get("me/participations/")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get("me/participations/", {"page_size": 50})
        assert response.status_code == 200
        return len(captured)

    with_three = queries()
    for _ in range(27):
        mission = MissionFactory(organization=world.other_organization)
        ParticipationFactory(slot=SlotFactory(mission=mission), volunteer=world.volunteer)
    with_thirty = queries()

    assert client.get("me/participations/").json()["count"] == 30
    assert with_three == with_thirty == 5  # search_path, session, user, count, page


def test_cancel_my_participation_frees_the_seat(world, api_for):
    client = api_for(world.tenant, world.volunteer)

    response = client.post(f"me/participations/{world.own_participation.pk}/cancel/")
    again = client.post(f"me/participations/{world.own_participation.pk}/cancel/")

    assert (response.status_code, response.json()["status"]) == (200, "cancelled")
    world.slot.refresh_from_db()
    assert world.slot.confirmed_count == 0
    assert again.status_code == 409
    assert error_body(again)["code"] == "invalid_transition"


def test_organizer_confirms_declines_and_records_attendance(world, api_for):
    client = api_for(world.tenant, world.editor)
    other_request = ParticipationFactory(slot=world.slot, status=Participation.Status.REQUESTED)
    no_show = ParticipationFactory(slot=world.started_slot)

    confirmed = client.post(f"participations/{world.requested.pk}/confirm/")
    declined = client.post(
        f"participations/{other_request.pk}/decline/", {"reason": "Plus de place"}
    )
    attended = client.post(
        f"participations/{world.confirmed_started.pk}/attended/", {"hours": "1.75"}
    )
    absent = client.post(f"participations/{no_show.pk}/no-show/")

    assert (confirmed.status_code, confirmed.json()["status"]) == (200, "confirmed")
    assert (declined.status_code, declined.json()["status"]) == (200, "declined")
    assert (attended.status_code, attended.json()["status"]) == (200, "attended")
    assert attended.json()["hours"] == "1.75"
    assert (absent.status_code, absent.json()["status"]) == (200, "no_show")
    world.confirmed_started.refresh_from_db()
    assert world.confirmed_started.hours == Decimal("1.75")
    # A name and (while they take part) a phone, never an e-mail address.
    assert confirmed.json()["volunteer"] == {
        "id": world.requested.volunteer.pk,
        "name": world.requested.volunteer.get_full_name(),
        "phone": "",
    }


@pytest.mark.parametrize("hours", ["-1", "abc", "1000", "1.234", None])
def test_bad_hours_are_a_400(hours, world, api_for):
    before = state_snapshot()

    response = api_for(world.tenant, world.admin).post(
        f"participations/{world.confirmed_started.pk}/attended/", {"hours": hours}
    )

    assert response.status_code == 400
    assert list(error_body(response)["fields"]) == ["hours"]
    assert state_snapshot() == before


def test_decline_reason_is_bounded(world, api_for):
    response = api_for(world.tenant, world.admin).post(
        f"participations/{world.requested.pk}/decline/", {"reason": "x" * 501}
    )

    assert response.status_code == 400
    assert list(error_body(response)["fields"]) == ["reason"]


def test_mission_participants_grouped_by_date_with_status_filter(world, api_for):
    client = api_for(world.tenant, world.admin)

    everyone = client.get(f"missions/{world.published.pk}/participations/").json()
    requested = client.get(
        f"missions/{world.published.pk}/participations/", {"status": "requested,waitlisted"}
    ).json()
    bad = client.get(f"missions/{world.published.pk}/participations/", {"status": "maybe"})
    per_slot = client.get(f"slots/{world.started_slot.pk}/participations/").json()

    # The started date comes first (earliest), then the next date in arrival order.
    assert [item["id"] for item in everyone["results"]] == [
        world.confirmed_started.pk,
        world.own_participation.pk,
        world.requested.pk,
    ]
    assert [item["id"] for item in requested["results"]] == [world.requested.pk]
    assert bad.status_code == 400
    assert list(error_body(bad)["fields"]) == ["status"]
    assert [item["id"] for item in per_slot["results"]] == [world.confirmed_started.pk]


def test_anonymised_volunteer_shows_as_null(world, api_for):
    Participation.objects.filter(pk=world.requested.pk).update(volunteer=None, is_anonymised=True)

    body = api_for(world.tenant, world.admin).get(f"slots/{world.slot.pk}/participations/").json()

    assert [item["volunteer"] for item in body["results"] if item["id"] == world.requested.pk] == [
        None
    ]


@pytest.mark.parametrize(
    "path", ["missions/{mission}/participations/", "slots/{slot}/participations/"]
)
def test_participant_lists_cost_the_same_queries_for_3_and_30(path, world, api_for):
    client = api_for(world.tenant, world.admin)
    url = path.format(mission=world.published.pk, slot=world.slot.pk)
    client.get(url)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, {"page_size": 50})
        assert response.status_code == 200
        return len(captured)

    with_few = queries()
    for _ in range(27):
        ParticipationFactory(slot=world.slot, status=Participation.Status.WAITLISTED)
    with_many = queries()

    assert with_few == with_many


def test_a_closed_mission_still_lists_its_participants(world, api_for):
    Mission.objects.filter(pk=world.published.pk).update(status=Mission.Status.CLOSED)

    response = api_for(world.tenant, world.admin).get(
        f"missions/{world.published.pk}/participations/"
    )

    assert response.status_code == 200
    assert response.json()["count"] == 3


@pytest.fixture
def other_volunteer(world):  # type: ignore[no-untyped-def]
    from tests.engagement.factories import UserFactory

    return UserFactory()
