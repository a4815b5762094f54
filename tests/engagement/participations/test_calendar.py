"""A participation's .ics: its STATUS, UID, SEQUENCE and the rest, read back with icalendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from django.utils import timezone

from engagement.missions.models import Slot
from engagement.participations.calendar import Method, participation_status, slot_ics
from engagement.participations.models import Participation
from tests.engagement.factories import (
    MissionFactory,
    OrganizationFactory,
    ParticipationFactory,
    SlotFactory,
    UserFactory,
    paris_point,
)

pytestmark = pytest.mark.django_db

STARTS = datetime(2031, 6, 14, 8, 0, tzinfo=UTC)
Status = Participation.Status


def _parsed(content: bytes | None) -> tuple[icalendar.Calendar, icalendar.Event]:
    assert content is not None
    calendar = icalendar.Calendar.from_ical(content)
    [event] = calendar.walk("VEVENT")
    return calendar, event


@pytest.fixture
def slot(in_paris):
    organization = OrganizationFactory(
        name="Les Restos du Quartier", contact_email="fondatrice.perso@example.org"
    )
    mission = MissionFactory(
        organization=organization,
        title="Distribution du soir",
        summary="Servir les repas",
        location=paris_point(2.3795, 48.8720),
        address="12 rue de Belleville",
        postcode="75020",
        city="Paris",
    )
    return SlotFactory(mission=mission, starts_at=STARTS, ends_at=STARTS + timedelta(hours=2))


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (Status.REQUESTED, "TENTATIVE"),
        (Status.WAITLISTED, "TENTATIVE"),
        (Status.CONFIRMED, "CONFIRMED"),
        (Status.ATTENDED, "CONFIRMED"),
        (Status.CANCELLED, "CANCELLED"),
        (Status.DECLINED, "CANCELLED"),
    ],
)
def test_status_follows_the_participation(slot, in_paris, status, expected):
    participation = ParticipationFactory(slot=slot, status=status)

    _, event = _parsed(slot_ics(tenant=in_paris, participation=participation))

    assert participation_status(participation) == expected
    assert str(event["STATUS"]) == expected
    assert str(event["TRANSP"]) == ("OPAQUE" if expected == "CONFIRMED" else "TRANSPARENT")


def test_a_cancelled_slot_cancels_every_participation_event(slot, in_paris):
    participation = ParticipationFactory(slot=slot)
    Slot.objects.filter(pk=slot.pk).update(status=Slot.Status.CANCELLED)
    participation.slot.refresh_from_db()

    _, event = _parsed(slot_ics(tenant=in_paris, participation=participation))

    assert str(event["STATUS"]) == "CANCELLED"


def test_the_event_carries_versions_place_and_the_organization_without_an_address(slot, in_paris):
    participation = ParticipationFactory(slot=slot)
    changed = timezone.now().replace(microsecond=0) + timedelta(minutes=5)
    Slot.objects.filter(pk=slot.pk).update(sequence=3, changed_at=changed)
    participation.slot.refresh_from_db()

    calendar, event = _parsed(slot_ics(tenant=in_paris, participation=participation))

    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/Paris"
    assert str(event["UID"]) == f"participation-{participation.pk}@paris.entraide.test"
    assert event["SEQUENCE"] == 3
    assert event.decoded("DTSTAMP") == changed
    assert event.decoded("LAST-MODIFIED") == changed
    assert event["DTSTART"].to_ical() == b"20310614T080000Z"
    assert event["DTEND"].to_ical() == b"20310614T100000Z"
    assert str(event["SUMMARY"]) == "Distribution du soir"
    assert str(event["LOCATION"]) == "12 rue de Belleville, 75020 Paris"
    geo = event["GEO"]
    assert (round(geo.latitude, 4), round(geo.longitude, 4)) == (48.872, 2.3795)
    assert str(event["URL"]) == f"http://paris.entraide.test:8000/missions/{slot.mission.pk}/"
    organizer = event["ORGANIZER"]
    assert str(organizer.params["CN"]) == "Les Restos du Quartier"
    assert str(organizer).startswith("mailto:")
    # Nobody's own address: neither the organization's contact nor the volunteer's.
    content = slot_ics(tenant=in_paris, participation=participation).decode()
    assert "fondatrice.perso@example.org" not in content
    assert participation.volunteer.email not in content
    assert "ATTENDEE" not in content


def test_the_uid_stays_when_the_participation_and_slot_change(slot, in_paris):
    participation = ParticipationFactory(slot=slot, status=Status.WAITLISTED)
    _, before = _parsed(slot_ics(tenant=in_paris, participation=participation))

    Participation.objects.filter(pk=participation.pk).update(
        status=Status.CONFIRMED, waitlisted_at=None
    )
    later = timezone.now() + timedelta(minutes=1)
    Slot.objects.filter(pk=slot.pk).update(sequence=1, changed_at=later)
    participation.refresh_from_db()
    _, after = _parsed(slot_ics(tenant=in_paris, participation=participation))

    assert before["UID"] == after["UID"]
    assert (before["SEQUENCE"], after["SEQUENCE"]) == (0, 1)
    assert after.decoded("DTSTAMP") > before.decoded("DTSTAMP")


def test_an_e_mail_invitation_names_its_recipient_and_a_cancel_says_cancelled(slot, in_paris):
    volunteer = UserFactory(email="lea@example.org", first_name="Léa", last_name="Martin")
    participation = ParticipationFactory(slot=slot, volunteer=volunteer)

    request, invited = _parsed(
        slot_ics(
            tenant=in_paris, participation=participation, method=Method.REQUEST, attendee=volunteer
        )
    )
    cancel, cancelled = _parsed(
        slot_ics(
            tenant=in_paris, participation=participation, method=Method.CANCEL, attendee=volunteer
        )
    )

    assert str(request["METHOD"]) == "REQUEST"
    assert str(invited["STATUS"]) == "CONFIRMED"
    attendee = invited["ATTENDEE"]
    assert str(attendee) == "mailto:lea@example.org"
    assert str(attendee.params["CN"]) == "Léa Martin"
    assert str(attendee.params["PARTSTAT"]) == "ACCEPTED"
    assert str(cancel["METHOD"]) == "CANCEL"
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert str(cancelled["ATTENDEE"].params["PARTSTAT"]) == "DECLINED"
    assert cancelled["UID"] == invited["UID"]


def test_a_remote_mission_has_no_geo_and_an_ongoing_slot_no_file(in_paris):
    remote = SlotFactory(mission=MissionFactory(is_remote=True, location=None))
    ongoing = SlotFactory(ongoing=True)

    _, event = _parsed(slot_ics(tenant=in_paris, participation=ParticipationFactory(slot=remote)))

    assert str(event["LOCATION"]) == "À distance"
    assert "GEO" not in event
    assert slot_ics(tenant=in_paris, participation=ParticipationFactory(slot=ongoing)) is None
