"""Cancelling with a reason: the volunteer may say why (optional, plain text, at most 500
characters); the organization reads it on its participants page, in the CSV, in the e-mail that
tells it of the cancellation, and in the API."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from django_tenants.utils import tenant_context

from engagement.errors import EngagementError
from engagement.participations.models import Participation
from engagement.participations.services import participation_cancel
from tenants.audit.models import AuditEvent
from tests.engagement.conftest import error_body
from tests.engagement.factories import MembershipFactory, ParticipationFactory, UserFactory
from tests.engagement.test_resident_pages import html, local, signed_in

pytestmark = pytest.mark.django_db

Status = Participation.Status


@pytest.fixture
def booked(in_paris):
    organizer = MembershipFactory(
        user=UserFactory(email="orga@restos.example", first_name="Olga", last_name="Orga")
    ).user
    participation = ParticipationFactory(
        volunteer=UserFactory(first_name="Léa", last_name="Martin"),
        slot__mission__organization=organizer.memberships.get().organization,
        slot__mission__title="Atelier vélo",
        slot__starts_at=local(4, 10),
        slot__ends_at=local(4, 12),
    )
    return participation, organizer


def test_the_service_keeps_a_cleaned_reason_and_audits_only_that_there_is_one(booked):
    participation, _organizer = booked

    cancelled = participation_cancel(
        participation=participation,
        actor=participation.volunteer,
        reason="  <b>Malade</b>, désolée <script>alert(1)</script>\x07 ",
    )

    assert cancelled.status == Status.CANCELLED
    assert Participation.objects.get(pk=participation.pk).cancel_reason == "Malade, désolée"
    event = AuditEvent.objects.get(action="participation.cancelled")
    assert event.data["with_reason"] is True
    assert "Malade" not in str(event.data)


def test_a_reason_over_500_characters_is_refused_and_nothing_changes(booked):
    participation, _organizer = booked

    with pytest.raises(EngagementError) as error:
        participation_cancel(
            participation=participation, actor=participation.volunteer, reason="x" * 501
        )

    assert list(error.value.fields) == ["reason"]
    unchanged = Participation.objects.get(pk=participation.pk)
    assert (unchanged.status, unchanged.cancel_reason) == (Status.CONFIRMED, "")
    assert not AuditEvent.objects.filter(action="participation.cancelled").exists()


def test_without_a_reason_nothing_is_kept(booked):
    participation, _organizer = booked

    participation_cancel(participation=participation, actor=participation.volunteer)

    assert Participation.objects.get(pk=participation.pk).cancel_reason == ""


def test_the_page_asks_for_an_optional_reason_and_passes_it_on(paris, booked):
    participation, _organizer = booked
    client = signed_in(paris, participation.volunteer)

    page = html(client.get("/mes-engagements/"))
    assert f'id="cancel-reason-{participation.pk}" name="reason"' in page
    assert 'maxlength="500"' in page

    client.post(f"/mes-engagements/{participation.pk}/annuler/", {"reason": "Un imprévu"})

    with tenant_context(paris):
        stored = Participation.objects.get(pk=participation.pk)
    assert (stored.status, stored.cancel_reason) == (Status.CANCELLED, "Un imprévu")


def test_the_page_refuses_a_too_long_reason_without_cancelling(paris, booked):
    participation, _organizer = booked
    client = signed_in(paris, participation.volunteer)

    page = html(
        client.post(
            f"/mes-engagements/{participation.pk}/annuler/", {"reason": "x" * 600}, follow=True
        )
    )

    assert "500" in page
    with tenant_context(paris):
        assert Participation.objects.get(pk=participation.pk).status == Status.CONFIRMED


def test_the_organization_sees_the_reason_on_its_page_and_in_the_csv(paris, booked):
    participation, organizer = booked
    with tenant_context(paris):
        participation_cancel(
            participation=participation, actor=participation.volunteer, reason="Malade"
        )
        mission_id = participation.slot.mission_id
    client = signed_in(paris, organizer)

    page = html(client.get(reverse("engagement:organization-mission", args=[mission_id])))
    response = client.get(reverse("engagement:organization-participants-csv", args=[mission_id]))

    assert "Malade" in page
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][-1] == "Malade"


def test_the_organizer_email_says_why(
    paris, booked, smtp_inbox, django_capture_on_commit_callbacks
):
    participation, organizer = booked

    with django_capture_on_commit_callbacks(execute=True):
        participation_cancel(
            participation=participation, actor=participation.volunteer, reason="Malade, désolée"
        )

    [received] = smtp_inbox.to("orga@restos.example")
    assert "Motif indiqué : Malade, désolée" in received.text
    assert "Malade, désolée" in received.html


def test_the_organizer_email_without_a_reason_has_no_reason_line(
    paris, booked, smtp_inbox, django_capture_on_commit_callbacks
):
    participation, _organizer = booked

    with django_capture_on_commit_callbacks(execute=True):
        participation_cancel(participation=participation, actor=participation.volunteer)

    [received] = smtp_inbox.to("orga@restos.example")
    assert "Motif" not in received.text


def test_the_api_accepts_a_reason_and_refuses_a_too_long_one(world, api_for):
    client = api_for(world.tenant, world.volunteer)
    path = f"me/participations/{world.own_participation.pk}/cancel/"

    too_long = client.post(path, {"reason": "x" * 501})
    assert too_long.status_code == 400
    assert "reason" in error_body(too_long)["fields"]
    assert Participation.objects.get(pk=world.own_participation.pk).status == Status.CONFIRMED

    response = client.post(path, {"reason": "Empêchée"})
    assert response.status_code == 200
    assert response.json()["cancel_reason"] == "Empêchée"

    organizer_view = api_for(world.tenant, world.editor).get(
        f"missions/{world.published.pk}/participations/"
    )
    assert organizer_view.status_code == 200
    reasons = {row["id"]: row["cancel_reason"] for row in organizer_view.json()["results"]}
    assert reasons[world.own_participation.pk] == "Empêchée"
