"""engagement.emails.delivery over a real SMTP server on loopback: what arrives, from whom, once,
and only when the recipient wants it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engagement.emails.delivery import EmailCategory, deliver_email, sender_address
from engagement.emails.models import EmailPreferences
from engagement.participations.services import participation_request
from tests.engagement.factories import MissionFactory, SlotFactory, UserFactory

pytestmark = pytest.mark.django_db

STARTS = datetime(2031, 6, 14, 8, 0, tzinfo=UTC)


def test_a_confirmation_arrives_over_smtp_branded_with_text_html_and_calendar(
    in_paris, smtp_inbox, django_capture_on_commit_callbacks
):
    volunteer = UserFactory(email="lea@example.org", first_name="Léa")
    slot = SlotFactory(
        mission=MissionFactory(title="Maraude du soir"),
        starts_at=STARTS,
        ends_at=STARTS + timedelta(hours=2),
    )
    with django_capture_on_commit_callbacks(execute=True):
        participation_request(volunteer=volunteer, slot=slot)

    [received] = smtp_inbox.to("lea@example.org")
    assert received.envelope_to == ["lea@example.org"]
    assert received.header("From") == sender_address(in_paris)
    assert in_paris.name in received.header("From")
    assert received.subject.startswith(f"[{in_paris.name}]")
    assert "Maraude du soir" in received.text
    assert "Maraude du soir" in received.html and "<html" in received.html
    assert received.header("X-Entraide-Tenant") == in_paris.slug
    [(filename, content_type, content)] = received.attachments()
    assert (filename, content_type) == ("mission.ics", "text/calendar")
    assert b"BEGIN:VEVENT" in content


def _send(tenant, recipient, *, key: str, category: EmailCategory) -> bool:
    slot = SlotFactory(starts_at=STARTS, ends_at=STARTS + timedelta(hours=2))
    return deliver_email(
        key=key,
        tenant=tenant,
        template="mission_published",
        recipient=recipient,
        language="fr",
        context={"mission": slot.mission, "organization": slot.mission.organization},
        category=category,
        headers={"List-Id": f"<test.{tenant.slug}>"},
    )


def test_an_optional_category_follows_the_recipients_preferences(in_paris, smtp_inbox):
    person = UserFactory(email="sam@example.org")
    assert _send(in_paris, person, key="k1", category=EmailCategory.REMINDERS)
    EmailPreferences.objects.create(user=person, reminders=False)
    assert not _send(in_paris, person, key="k2", category=EmailCategory.REMINDERS)
    # Transactional messages are the service itself: always sent.
    assert _send(in_paris, person, key="k3", category=EmailCategory.TRANSACTIONAL)
    # Friends' news as a digest: nothing sent as it happens.
    EmailPreferences.objects.filter(user=person).update(friends=EmailPreferences.Frequency.DAILY)
    assert not _send(in_paris, person, key="k4", category=EmailCategory.FRIENDS)
    received = smtp_inbox.to("sam@example.org")
    assert len(received) == 2
    assert received[0].header("List-Id") == "<test.paris>"


def test_a_key_is_delivered_once_and_an_inactive_person_gets_no_optional_mail(in_paris, smtp_inbox):
    person = UserFactory(email="noa@example.org")
    assert _send(in_paris, person, key="once", category=EmailCategory.ALERTS)
    assert not _send(in_paris, person, key="once", category=EmailCategory.ALERTS)
    person.is_active = False
    person.save(update_fields=["is_active"])
    assert not _send(in_paris, person, key="twice", category=EmailCategory.ALERTS)
    assert len(smtp_inbox.to("noa@example.org")) == 1
