"""A changed or cancelled date: its SEQUENCE rises under the change's locks, and its
participants get one e-mail each (through real SMTP on loopback) with the updated event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import pytest

from engagement.calendars.tasks import slot_change_notices_send
from engagement.missions.models import Slot
from engagement.missions.services import mission_cancel, mission_update, slot_cancel, slot_update
from engagement.participations.models import Participation
from tests.engagement.factories import (
    MembershipFactory,
    MissionFactory,
    OrganizationFactory,
    ParticipationFactory,
    SlotFactory,
    UserFactory,
    paris_point,
)

pytestmark = pytest.mark.django_db

STARTS = datetime(2031, 6, 14, 8, 0, tzinfo=UTC)  # Saturday 10:00 in Paris
MOVED = datetime(2031, 6, 21, 12, 0, tzinfo=UTC)  # Saturday 14:00 in Paris
Status = Participation.Status


@pytest.fixture
def setting(in_paris):
    organization = OrganizationFactory(name="L'Atelier Solidaire")
    admin = MembershipFactory(organization=organization).user
    mission = MissionFactory(
        organization=organization,
        title="Repair café",
        location=paris_point(2.3795, 48.8720),
        address="12 rue de Belleville",
        postcode="75020",
        city="Paris",
    )
    slot = SlotFactory(
        mission=mission, starts_at=STARTS, ends_at=STARTS + timedelta(hours=3), capacity=1
    )
    confirmed = ParticipationFactory(slot=slot, volunteer=UserFactory(email="lea@example.org"))
    waiting = ParticipationFactory(
        slot=slot, status=Status.WAITLISTED, volunteer=UserFactory(email="sam@example.org")
    )
    gone = ParticipationFactory(
        slot=slot, status=Status.CANCELLED, volunteer=UserFactory(email="noa@example.org")
    )
    return {
        "tenant": in_paris,
        "admin": admin,
        "mission": mission,
        "slot": slot,
        "confirmed": confirmed,
        "waiting": waiting,
        "gone": gone,
    }


def _event(received) -> tuple[icalendar.Calendar, icalendar.Event]:
    [(filename, content_type, content)] = received.attachments()
    assert (filename, content_type) == ("mission.ics", "text/calendar")
    calendar = icalendar.Calendar.from_ical(content)
    [event] = calendar.walk("VEVENT")
    return calendar, event


def _sequence(slot: Slot) -> int:
    return Slot.objects.get(pk=slot.pk).sequence


def test_moved_dates_raise_the_sequence_and_tell_each_participant_once(
    setting, smtp_inbox, django_capture_on_commit_callbacks
):
    slot = setting["slot"]
    with django_capture_on_commit_callbacks(execute=True):
        slot_update(
            slot=slot, actor=setting["admin"], starts_at=MOVED, ends_at=MOVED + timedelta(hours=2)
        )

    assert _sequence(slot) == 1
    [to_lea] = smtp_inbox.to("lea@example.org")
    assert to_lea.subject == "[Paris] Nouvel horaire : Repair café"
    assert "a déplacé la date de « Repair café »" in to_lea.text
    assert "le samedi 21 juin 2031, de 14:00 à 16:00" in to_lea.text
    assert "de 14:00 à 16:00" in to_lea.html
    calendar, event = _event(to_lea)
    assert str(calendar["METHOD"]) == "REQUEST"
    assert event["SEQUENCE"] == 1
    assert str(event["UID"]) == f"participation-{setting['confirmed'].pk}@paris.entraide.test"
    assert event.decoded("DTSTART") == MOVED
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["ATTENDEE"]) == "mailto:lea@example.org"
    [to_sam] = smtp_inbox.to("sam@example.org")
    assert "pas encore confirmée" in to_sam.text
    assert str(_event(to_sam)[1]["STATUS"]) == "TENTATIVE"
    assert smtp_inbox.to("noa@example.org") == []

    # The task again (a retry, a duplicate): nothing more.
    assert slot_change_notices_send.delay(slot.pk, 1, "dates").get() == 0
    assert len(smtp_inbox.to("lea@example.org")) == 1


def test_a_stale_notice_is_not_sent(setting, smtp_inbox, django_capture_on_commit_callbacks):
    slot = setting["slot"]
    Slot.objects.filter(pk=slot.pk).update(sequence=2)

    assert slot_change_notices_send.delay(slot.pk, 1, "dates").get() == 0
    assert smtp_inbox.all() == []


def test_a_new_place_tells_the_participants_of_dates_to_come(
    setting, smtp_inbox, django_capture_on_commit_callbacks
):
    past = SlotFactory(mission=setting["mission"])
    Slot.objects.filter(pk=past.pk).update(
        starts_at=datetime(2020, 1, 1, tzinfo=UTC), ends_at=datetime(2020, 1, 1, 2, tzinfo=UTC)
    )
    with django_capture_on_commit_callbacks(execute=True):
        mission_update(
            mission=setting["mission"],
            actor=setting["admin"],
            address="40 rue de Ménilmontant",
            location=paris_point(2.3880, 48.8680),
        )

    assert _sequence(setting["slot"]) == 1
    assert _sequence(past) == 0
    [to_lea] = smtp_inbox.to("lea@example.org")
    assert to_lea.subject == "[Paris] Nouveau lieu : Repair café"
    assert "40 rue de Ménilmontant, 75020 Paris" in to_lea.text
    _, event = _event(to_lea)
    assert str(event["LOCATION"]) == "40 rue de Ménilmontant, 75020 Paris"
    assert round(event["GEO"].longitude, 4) == 2.388


def test_cosmetic_edits_and_seats_change_no_version_and_tell_no_one(
    setting, smtp_inbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        mission_update(
            mission=setting["mission"],
            actor=setting["admin"],
            summary="Réparer ensemble",
            description="<p>Apportez vos objets cassés (typo corrigée).</p>",
        )
        slot_update(slot=setting["slot"], actor=setting["admin"], capacity=5)

    assert _sequence(setting["slot"]) == 0
    # The seats promoted Sam: only that news, no change notice.
    assert [m.subject for m in smtp_inbox.to("sam@example.org")] == [
        "[Paris] Une place s'est libérée : Repair café"
    ]
    assert smtp_inbox.to("lea@example.org") == []


def test_a_cancelled_mission_sends_one_cancellation_with_the_cancel_event(
    setting, smtp_inbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        mission_cancel(mission=setting["mission"], actor=setting["admin"])

    assert _sequence(setting["slot"]) == 1
    for address in ("lea@example.org", "sam@example.org"):
        [received] = smtp_inbox.to(address)
        assert received.subject == "[Paris] Annulation : Repair café"
        assert "pour le retirer de votre agenda" in received.text
        calendar, event = _event(received)
        assert str(calendar["METHOD"]) == "CANCEL"
        assert str(event["STATUS"]) == "CANCELLED"
        assert event["SEQUENCE"] == 1
    assert smtp_inbox.to("noa@example.org") == []


def test_a_cancelled_date_sends_one_cancellation_with_the_cancel_event(
    setting, smtp_inbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        slot_cancel(slot=setting["slot"], actor=setting["admin"])

    assert _sequence(setting["slot"]) == 1
    [received] = smtp_inbox.to("lea@example.org")
    calendar, event = _event(received)
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["UID"]) == f"participation-{setting['confirmed'].pk}@paris.entraide.test"
    assert len(smtp_inbox.all()) == 2


def test_a_refused_change_raises_nothing(setting, smtp_inbox, django_capture_on_commit_callbacks):
    from engagement.errors import EngagementError

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(EngagementError):
            slot_update(
                slot=setting["slot"],
                actor=setting["admin"],
                starts_at=MOVED,
                ends_at=MOVED - timedelta(hours=1),
            )

    assert _sequence(setting["slot"]) == 0
    assert smtp_inbox.all() == []


def test_the_notice_is_in_english_on_the_company_tenant(
    in_acme, smtp_inbox, django_capture_on_commit_callbacks
):
    organization = OrganizationFactory(name="Green Team")
    admin = MembershipFactory(organization=organization).user
    slot = SlotFactory(
        mission=MissionFactory(organization=organization, title="Beach clean-up"),
        starts_at=STARTS,
        ends_at=STARTS + timedelta(hours=3),
    )
    ParticipationFactory(slot=slot, volunteer=UserFactory(email="kim@example.org"))

    with django_capture_on_commit_callbacks(execute=True):
        slot_update(slot=slot, actor=admin, starts_at=MOVED, ends_at=MOVED + timedelta(hours=2))

    [received] = smtp_inbox.to("kim@example.org")
    assert received.subject == "[Acme Corp] New time: Beach clean-up"
    assert "Green Team moved the date of “Beach clean-up”." in received.text
    assert '<html lang="en">' in received.html
    assert _event(received)[1]["SEQUENCE"] == 1
