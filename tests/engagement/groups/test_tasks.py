from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from config.celery import app
from engagement.groups.models import SeatHold
from engagement.groups.services import group_signup, seat_holds_expire_everywhere
from engagement.participations.services import participation_request
from engagement.tasks import seat_holds_expire
from tenants.context import tenant_context
from tests.engagement.factories import SlotFactory, UserFactory
from tests.engagement.groups.conftest import befriend

pytestmark = pytest.mark.django_db


def _overdue_hold(tenant, capacity: int = 2):  # type: ignore[no-untyped-def]
    """A slot in `tenant` with one seat held (now overdue) and someone waiting."""
    with tenant_context(tenant):
        slot = SlotFactory(capacity=capacity)
        organizer, friend = UserFactory(), UserFactory()
        befriend(organizer, friend)
        hold = group_signup(volunteer=organizer, slot=slot, friend_ids=[friend.pk]).holds[0]
        waiting = participation_request(volunteer=UserFactory(), slot=slot)
        SeatHold.objects.filter(pk=hold.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    return hold, waiting


def test_overdue_seats_are_released_in_every_tenant(paris, montreal):
    in_paris = _overdue_hold(paris)
    in_montreal = _overdue_hold(montreal)

    assert seat_holds_expire_everywhere() == 2

    for tenant, (hold, waiting) in ((paris, in_paris), (montreal, in_montreal)):
        with tenant_context(tenant):
            hold.refresh_from_db()
            waiting.refresh_from_db()
            assert (hold.status, waiting.status) == ("expired", "confirmed")
    assert seat_holds_expire_everywhere() == 0


def test_beat_releases_overdue_seats_every_five_minutes_as_a_platform_task(paris):
    hold, waiting = _overdue_hold(paris)

    assert settings.CELERY_BEAT_SCHEDULE["seat-holds-expire"] == {
        "task": "engagement.seat_holds_expire",
        "schedule": 300,
    }
    assert "engagement.seat_holds_expire" in app.tasks
    assert seat_holds_expire.delay().get() == 1
    assert connection.schema_name == "public"
    with tenant_context(paris):
        waiting.refresh_from_db()
        assert waiting.status == "confirmed"


def test_the_promoted_volunteer_is_told_by_e_mail(
    paris, smtp_inbox, django_capture_on_commit_callbacks
):
    with tenant_context(paris):
        slot = SlotFactory(capacity=2)
        organizer, friend = UserFactory(), UserFactory()
        befriend(organizer, friend)
        group_signup(volunteer=organizer, slot=slot, friend_ids=[friend.pk])
        waiting = participation_request(
            volunteer=UserFactory(email="attente@example.org"), slot=slot
        )
        with django_capture_on_commit_callbacks(execute=True):
            assert seat_holds_expire_everywhere(now=timezone.now() + timedelta(days=2)) == 1
        waiting.refresh_from_db()
        assert waiting.status == "confirmed"
    [promoted] = [m for m in smtp_inbox.to("attente@example.org") if "libérée" in m.subject]
    assert slot.mission.title in promoted.subject
