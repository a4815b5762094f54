from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from engagement.missions.models import Slot
from engagement.participations.models import Participation
from tests.engagement.api.endpoints import state_snapshot
from tests.engagement.conftest import error_body
from tests.engagement.factories import ParticipationFactory, SlotFactory
from tests.engagement.missions.search_support import next_weekday, paris_time

pytestmark = pytest.mark.django_db


def test_create_a_dated_slot_in_local_time(world, api_for):
    saturday = next_weekday(5)
    response = api_for(world.tenant, world.editor).post(
        f"missions/{world.published.pk}/slots/",
        {
            "starts_at": f"{saturday.isoformat()}T09:30:00",
            "ends_at": f"{saturday.isoformat()}T12:00:00",
            "capacity": 6,
        },
    )

    assert response.status_code == 201, response.content
    slot = Slot.objects.get(pk=response.json()["id"])
    assert slot.starts_at == paris_time(saturday, 9, 30)
    assert slot.time_bit == 5 * 3 + 0
    assert (slot.capacity, slot.mission_id) == (6, world.published.pk)
    assert response.json()["seats_left"] == 6


def test_create_an_ongoing_slot(world, api_for):
    response = api_for(world.tenant, world.admin).post(
        f"missions/{world.published.pk}/slots/", {"capacity": 3}
    )

    assert response.status_code == 201
    assert response.json()["is_ongoing"] is True
    assert response.json()["starts_at"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"capacity": 0}, "capacity"),
        ({"capacity": 10_001}, "capacity"),
        ({"capacity": "many"}, "capacity"),
        ({}, "capacity"),
        ({"capacity": 2, "starts_at": "2030-01-01T10:00:00"}, "ends_at"),
        ({"capacity": 2, "ends_at": "2030-01-01T10:00:00"}, "starts_at"),
        ({"capacity": 2, "starts_at": "tomorrow", "ends_at": "2030-01-01T10:00:00"}, "starts_at"),
        (
            {"capacity": 2, "starts_at": "2030-01-01T12:00:00", "ends_at": "2030-01-01T10:00:00"},
            "ends_at",
        ),
        (
            {"capacity": 2, "starts_at": "2020-01-01T10:00:00", "ends_at": "2020-01-01T12:00:00"},
            "starts_at",
        ),
    ],
)
def test_bad_slot_input_is_a_400(body, field, world, api_for):
    before = state_snapshot()

    response = api_for(world.tenant, world.admin).post(
        f"missions/{world.published.pk}/slots/", body
    )

    assert response.status_code == 400, response.content
    assert field in error_body(response)["fields"]
    assert state_snapshot() == before


def test_raising_capacity_promotes_the_waiting_list(world, api_for):
    full = SlotFactory(mission=world.published, capacity=1)
    ParticipationFactory(slot=full)
    waiting = ParticipationFactory(slot=full, status=Participation.Status.WAITLISTED)

    response = api_for(world.tenant, world.admin).patch(f"slots/{full.pk}/", {"capacity": 2})

    assert response.status_code == 200
    assert (response.json()["capacity"], response.json()["seats_left"]) == (2, 0)
    waiting.refresh_from_db()
    assert waiting.status == Participation.Status.CONFIRMED


def test_capacity_never_below_confirmed(world, api_for):
    ParticipationFactory(slot=world.free_slot)
    ParticipationFactory(slot=world.free_slot)
    before = state_snapshot()

    response = api_for(world.tenant, world.admin).patch(
        f"slots/{world.free_slot.pk}/", {"capacity": 1}
    )

    assert response.status_code == 400
    assert error_body(response)["code"] == "capacity_below_confirmed"
    assert state_snapshot() == before


def test_empty_slot_update_is_a_400(world, api_for):
    response = api_for(world.tenant, world.admin).patch(f"slots/{world.slot.pk}/", {})

    assert response.status_code == 400


def test_cancel_a_slot_cancels_its_participations(world, api_for):
    response = api_for(world.tenant, world.admin).post(f"slots/{world.slot.pk}/cancel/")

    assert (response.status_code, response.json()["status"]) == (200, "cancelled")
    world.own_participation.refresh_from_db()
    assert world.own_participation.status == Participation.Status.CANCELLED


def test_members_see_every_date_the_public_only_upcoming_ones(world, api_for):
    cancelled = SlotFactory(mission=world.published, status=Slot.Status.CANCELLED)
    ongoing = SlotFactory(mission=world.published, ongoing=True)
    path = f"missions/{world.published.pk}/slots/"

    public = api_for(world.tenant).get(path).json()
    member = api_for(world.tenant, world.editor).get(path).json()

    assert [slot["id"] for slot in public["results"]] == [
        world.slot.pk,
        world.free_slot.pk,
        ongoing.pk,
    ]
    assert sorted(slot["id"] for slot in member["results"]) == sorted(
        [world.started_slot.pk, world.slot.pk, world.free_slot.pk, cancelled.pk, ongoing.pk]
    )


def test_slot_list_costs_the_same_queries_for_2_and_29(world, api_for):
    client = api_for(world.tenant)
    path = f"missions/{world.published.pk}/slots/"
    client.get(path)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, {"page_size": 50})
        assert response.status_code == 200
        return len(captured)

    with_three = queries()
    start = timezone.now() + timedelta(days=40)
    for index in range(27):
        SlotFactory(mission=world.published, starts_at=start + timedelta(days=index))
    with_thirty = queries()

    assert client.get(path).json()["count"] == 29
    assert with_three == with_thirty
