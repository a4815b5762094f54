"""The pages behind the reminder links: a GET changes nothing (mail scanners open links), the
POST of the page does it once, and a forged, altered, expired or other tenant's link is a
readable 4xx page. The answers show on the volunteer's page and the organization's list."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from engagement.participations.models import Participation
from engagement.reminders import services
from engagement.reminders.models import Reminder
from tests.engagement.factories import (
    MembershipFactory,
    ParticipationFactory,
    SlotFactory,
    UserFactory,
)
from tests.engagement.reminders.conftest import local_at

pytestmark = pytest.mark.django_db

Status = Participation.Status


def _reminder(tenant, *, days: int = 12, kind: str = Reminder.Kind.STILL_COMING, **kwargs):  # type: ignore[no-untyped-def]
    starts = local_at(tenant, days, 10)
    slot = SlotFactory(starts_at=starts, ends_at=starts + timedelta(hours=3), **kwargs)
    participation = ParticipationFactory(slot=slot, volunteer=UserFactory(first_name="Léa"))
    return Reminder.objects.create(participation=participation, kind=kind)


def _path(reminder: Reminder, action: services.Action) -> str:
    return f"/rappels/{services.reminder_answer_token(reminder=reminder, action=action)}/"


def _signed_in(tenant, user) -> Client:  # type: ignore[no-untyped-def]
    client = Client(HTTP_HOST=tenant.primary_host)
    with tenant_context(tenant):
        client.force_login(user)
    return client


def test_opening_the_cancel_link_changes_nothing_and_its_form_cancels_once(
    in_paris, client_for, django_capture_on_commit_callbacks
):
    reminder = _reminder(in_paris, capacity=1)
    waiting = ParticipationFactory(slot=reminder.participation.slot, status=Status.WAITLISTED)
    client = client_for(in_paris)
    path = _path(reminder, services.Action.CANCEL)

    page = client.get(path)
    connection.set_tenant(in_paris)
    assert page.status_code == 200
    assert 'method="post"' in page.content.decode()
    reminder.participation.refresh_from_db()
    assert reminder.participation.status == Status.CONFIRMED

    with django_capture_on_commit_callbacks(execute=True):
        answered = client.post(path)
        connection.set_tenant(in_paris)
    assert answered.status_code == 302
    again = client.post(path)
    connection.set_tenant(in_paris)
    assert again.status_code == 302
    shown = client.get(path)
    connection.set_tenant(in_paris)
    assert shown.status_code == 200
    assert 'method="post"' not in shown.content.decode()
    reminder.participation.refresh_from_db()
    waiting.refresh_from_db()
    assert (reminder.participation.status, waiting.status) == (Status.CANCELLED, Status.CONFIRMED)


def test_yes_is_recorded_by_the_pages_form_and_shown_to_both_sides(in_paris, client_for):
    reminder = _reminder(in_paris)
    participation = reminder.participation
    path = _path(reminder, services.Action.YES)
    client = client_for(in_paris)
    assert client.get(path).status_code == 200
    connection.set_tenant(in_paris)
    reminder.refresh_from_db()
    assert reminder.answered_at is None

    assert client.post(path).status_code == 302
    connection.set_tenant(in_paris)
    reminder.refresh_from_db()
    assert reminder.answer == Reminder.Answer.COMING and reminder.answered_at is not None

    mine = _signed_in(in_paris, participation.volunteer).get("/mes-engagements/")
    connection.set_tenant(in_paris)
    assert "You confirmed you are coming" in mine.content.decode() or (
        "Vous avez confirmé votre venue" in mine.content.decode()
    )
    admin = MembershipFactory(organization=participation.slot.mission.organization).user
    listing = _signed_in(in_paris, admin).get(
        f"/organisation/missions/{participation.slot.mission_id}/"
    )
    connection.set_tenant(in_paris)
    assert listing.status_code == 200
    assert 'data-answer="coming"' in listing.content.decode()


def test_declared_hours_are_bounded_and_prefill_the_organizations_attendance(in_paris, client_for):
    reminder = _reminder(in_paris, days=-1, kind=Reminder.Kind.HOW_WAS_IT)
    participation = reminder.participation
    path = _path(reminder, services.Action.HOURS)
    client = client_for(in_paris)
    form = client.get(path)
    connection.set_tenant(in_paris)
    assert form.status_code == 200
    assert 'value="3.00"' in form.content.decode() or 'value="3,00"' in form.content.decode()

    refused = client.post(path, {"hours": "9"})
    connection.set_tenant(in_paris)
    assert refused.status_code == 400
    assert 'aria-invalid="true"' in refused.content.decode() or "errorlist" in (
        refused.content.decode()
    )
    assert client.post(path, {"hours": "abc"}).status_code == 400
    connection.set_tenant(in_paris)
    reminder.refresh_from_db()
    assert reminder.declared_hours is None

    assert client.post(path, {"hours": "2.5"}).status_code == 302
    connection.set_tenant(in_paris)
    reminder.refresh_from_db()
    assert reminder.declared_hours == Decimal("2.50")

    admin = MembershipFactory(organization=participation.slot.mission.organization).user
    listing = (
        _signed_in(in_paris, admin)
        .get(f"/organisation/missions/{participation.slot.mission_id}/")
        .content.decode()
    )
    connection.set_tenant(in_paris)
    assert 'data-answer="hours"' in listing
    assert f'name="p{participation.pk}-hours" value="2.50"' in listing or (
        f'name="p{participation.pk}-hours" value="2,50"' in listing
    )


def test_a_link_of_one_kind_never_does_another(in_paris, client_for):
    reminder = _reminder(in_paris, days=-1, kind=Reminder.Kind.HOW_WAS_IT)
    # A "cancel" link minted for a "How was it?" reminder names nothing.
    path = _path(reminder, services.Action.CANCEL)
    assert client_for(in_paris).post(path).status_code == 404
    connection.set_tenant(in_paris)
    reminder.participation.refresh_from_db()
    assert reminder.participation.status == Status.CONFIRMED


@pytest.mark.parametrize("token", ["nonsense", "eyJyIjoxfQ:1abc:forged"])
def test_a_forged_link_is_a_readable_404(in_paris, client_for, token):
    for method in ("get", "post"):
        response = getattr(client_for(in_paris), method)(f"/rappels/{token}/")
        connection.set_tenant(in_paris)
        assert response.status_code == 404
        assert "<h1>" in response.content.decode()


def test_another_tenants_link_is_nothing_here(in_paris, client_for, montreal):
    reminder = _reminder(in_paris)
    path = _path(reminder, services.Action.CANCEL)
    response = client_for(montreal).post(path)
    connection.set_tenant(in_paris)
    assert response.status_code == 404
    reminder.participation.refresh_from_db()
    assert reminder.participation.status == Status.CONFIRMED


def test_an_expired_link_is_a_readable_410(in_paris, client_for, settings):
    reminder = _reminder(in_paris)
    path = _path(reminder, services.Action.YES)
    settings.REMINDERS_LINK_SECONDS = 0
    response = client_for(in_paris).post(path)
    connection.set_tenant(in_paris)
    assert response.status_code == 410
    assert "<h1>" in response.content.decode()
    reminder.refresh_from_db()
    assert reminder.answered_at is None


def test_cancelling_after_the_start_is_refused_readably(in_paris, client_for):
    reminder = _reminder(in_paris, days=-1)
    response = client_for(in_paris).post(_path(reminder, services.Action.CANCEL))
    connection.set_tenant(in_paris)
    assert response.status_code == 409
    reminder.participation.refresh_from_db()
    assert reminder.participation.status == Status.CONFIRMED
