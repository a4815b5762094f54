"""engagement.emails.delivery over a real SMTP server on loopback: what arrives, from whom, once,
and only when the recipient wants it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client

from engagement.emails.delivery import (
    EmailCategory,
    branding_context,
    deliver_email,
    sender_address,
)
from engagement.emails.models import EmailDigestItem, EmailPreferences
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
    # Friends' news as a digest: nothing sent as it happens, the message is kept for it.
    EmailPreferences.objects.filter(user=person).update(friends=EmailPreferences.Frequency.DAILY)
    assert _send(in_paris, person, key="k4", category=EmailCategory.FRIENDS)
    [kept] = EmailDigestItem.objects.filter(recipient=person)
    assert kept.category == EmailCategory.FRIENDS
    assert kept.subject.startswith("Mission publiée")
    assert "-- " not in kept.text
    # ... once per key, like a sent e-mail.
    assert not _send(in_paris, person, key="k4", category=EmailCategory.FRIENDS)
    assert EmailDigestItem.objects.filter(recipient=person).count() == 1
    EmailPreferences.objects.filter(user=person).update(friends=EmailPreferences.Frequency.NEVER)
    assert not _send(in_paris, person, key="k5", category=EmailCategory.FRIENDS)
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


def test_an_optional_email_offers_its_preferences_and_a_one_click_unsubscribe(in_paris, smtp_inbox):
    person = UserFactory(email="ines@example.org", language="fr")
    assert _send(in_paris, person, key="u1", category=EmailCategory.REMINDERS)

    [received] = smtp_inbox.to("ines@example.org")
    assert received.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    header = received.header("List-Unsubscribe").strip()  # folded: the URL is long
    assert header.startswith(f"<{in_paris.base_url}/e-mails/desabonnement/") and header.endswith(
        ">"
    )
    url = header[1:-1]
    assert url in received.text and url in received.html
    assert f"{in_paris.base_url}/profil/notifications/" in received.text
    assert f"{in_paris.base_url}/profil/notifications/" in received.html

    # RFC 8058: a POST without session nor CSRF token turns the category off, and only it.
    client = Client(HTTP_HOST=in_paris.primary_host, enforce_csrf_checks=True)
    path = url.removeprefix(in_paris.base_url)
    assert client.get(path).status_code == 200
    connection.set_tenant(in_paris)
    assert not EmailPreferences.objects.filter(user=person).exists()
    response = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    connection.set_tenant(in_paris)
    preferences = EmailPreferences.objects.get(user=person)
    assert (preferences.reminders, preferences.alerts, preferences.organization_messages) == (
        False,
        True,
        True,
    )
    assert not _send(in_paris, person, key="u2", category=EmailCategory.REMINDERS)


def test_a_transactional_email_has_no_unsubscribe_and_a_caller_may_give_its_own(
    in_paris, smtp_inbox
):
    person = UserFactory(email="jo@example.org")
    assert _send(in_paris, person, key="t1", category=EmailCategory.TRANSACTIONAL)
    [received] = smtp_inbox.to("jo@example.org")
    assert received.header("List-Unsubscribe") is None
    assert "/profil/notifications/" not in received.text

    slot = SlotFactory(starts_at=STARTS, ends_at=STARTS + timedelta(hours=2))
    own = f"{in_paris.base_url}/alertes/desabonnement/abc/"
    assert deliver_email(
        key="t2",
        tenant=in_paris,
        template="mission_published",
        recipient=person,
        language="en",
        context={"mission": slot.mission, "organization": slot.mission.organization},
        category=EmailCategory.ALERTS,
        unsubscribe=own,
    )
    second = smtp_inbox.to("jo@example.org")[1]
    assert second.header("List-Unsubscribe").strip() == f"<{own}>"
    assert own in second.text


def test_a_tenants_logo_shows_in_its_emails_by_absolute_url(in_paris, smtp_inbox):
    context = branding_context(in_paris)
    assert context["logo_url"] == ""
    in_paris.logo.name = "branding/paris/logo.png"
    context = branding_context(in_paris)
    assert context["logo_url"].startswith(f"{in_paris.base_url}/branding/logo?v=")
