"""Digests of friends' news: one e-mail per person and period, at 08:00 in the tenant's time zone,
nothing when there is nothing, once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django_tenants.utils import tenant_context

from engagement.emails.delivery import EmailCategory, deliver_email
from engagement.emails.digests import (
    digest_frequencies_due,
    digests_schedule_everywhere,
    digests_send,
)
from engagement.emails.models import EmailDigestItem, EmailPreferences
from tenants.outbox.models import OutboxMessage
from tests.engagement.factories import MissionFactory, UserFactory

pytestmark = pytest.mark.django_db

Frequency = EmailPreferences.Frequency
# Monday 1 September 2031, 06:00 UTC: 08:00 in Paris (summer time), 02:00 in Montréal.
MONDAY_8_IN_PARIS = datetime(2031, 9, 1, 6, 0, tzinfo=UTC)


def _news(tenant, person, key: str, title: str) -> bool:
    mission = MissionFactory(title=title)
    return deliver_email(
        key=key,
        tenant=tenant,
        template="mission_published",
        recipient=person,
        language="fr",
        context={"mission": mission, "organization": mission.organization},
        category=EmailCategory.FRIENDS,
        link=f"{tenant.base_url}/missions/{mission.pk}/",
    )


def test_digests_are_due_at_eight_in_the_tenants_time_zone(paris, montreal):
    assert digest_frequencies_due(paris, MONDAY_8_IN_PARIS) == ["daily", "weekly"]
    assert digest_frequencies_due(montreal, MONDAY_8_IN_PARIS) == []
    tuesday = datetime(2031, 9, 2, 6, 0, tzinfo=UTC)
    assert digest_frequencies_due(paris, tuesday) == ["daily"]
    # 08:00 in Montréal (EDT) is 12:00 UTC.
    assert digest_frequencies_due(montreal, datetime(2031, 9, 2, 12, 0, tzinfo=UTC)) == ["daily"]


def test_the_beat_task_schedules_the_tenants_where_it_is_the_hour(paris, montreal):
    # Paris (and any other tenant on Paris time) gets its two tasks; Montréal none.
    assert digests_schedule_everywhere(now=MONDAY_8_IN_PARIS) >= 2
    with tenant_context(paris):
        tasks = sorted(
            (
                message.args
                for message in OutboxMessage.objects.filter(
                    task_name="engagement.email_digests_send"
                )
            ),
        )
        assert tasks == [["daily", "2031-09-01"], ["weekly", "2031-09-01"]]
    with tenant_context(montreal):
        assert not OutboxMessage.objects.filter(task_name="engagement.email_digests_send").exists()


def test_one_digest_per_person_with_every_item_then_nothing(in_paris, smtp_inbox):
    daily = UserFactory(email="daily@example.org")
    weekly = UserFactory(email="weekly@example.org")
    EmailPreferences.objects.create(user=daily, friends=Frequency.DAILY)
    EmailPreferences.objects.create(user=weekly, friends=Frequency.WEEKLY)
    assert _news(in_paris, daily, "n1", "Jardin partagé")
    assert _news(in_paris, daily, "n2", "Repair café")
    assert _news(in_paris, weekly, "n3", "Maraude")
    assert smtp_inbox.all() == []

    assert digests_send(frequency="daily", day="2031-09-01") == 1
    [digest] = smtp_inbox.to("daily@example.org")
    assert digest.subject == "[Paris] Vos amis aujourd’hui (2)"
    assert "Jardin partagé" in digest.text and "Repair café" in digest.text
    assert "Jardin partagé" in digest.html and "Repair café" in digest.html
    assert digest.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    assert "/profil/notifications/" in digest.text
    assert not EmailDigestItem.objects.filter(recipient=daily).exists()
    # The weekly person waits for their day.
    assert EmailDigestItem.objects.filter(recipient=weekly).count() == 1

    # Run again: nothing left, nothing sent.
    assert digests_send(frequency="daily", day="2031-09-01") == 0
    assert len(smtp_inbox.to("daily@example.org")) == 1

    assert digests_send(frequency="weekly", day="2031-09-01") == 1
    [weekly_digest] = smtp_inbox.to("weekly@example.org")
    assert weekly_digest.subject == "[Paris] Vos amis cette semaine (1)"


def test_the_same_digest_is_not_sent_twice_and_newer_news_waits(in_paris, smtp_inbox):
    person = UserFactory(email="twice@example.org")
    EmailPreferences.objects.create(user=person, friends=Frequency.DAILY)
    _news(in_paris, person, "a", "Premier")
    assert digests_send(frequency="daily", day="2031-09-01") == 1
    _news(in_paris, person, "b", "Second")
    assert digests_send(frequency="daily", day="2031-09-01") == 0
    assert EmailDigestItem.objects.filter(recipient=person).count() == 1
    assert digests_send(frequency="daily", day="2031-09-02") == 1
    assert len(smtp_inbox.to("twice@example.org")) == 2


def test_news_of_a_closed_account_is_dropped(in_paris, smtp_inbox):
    person = UserFactory(email="gone@example.org")
    EmailPreferences.objects.create(user=person, friends=Frequency.DAILY)
    _news(in_paris, person, "c", "Troisième")
    person.is_active = False
    person.save(update_fields=["is_active"])
    assert digests_send(frequency="daily", day="2031-09-01") == 0
    assert not EmailDigestItem.objects.exists()
    assert smtp_inbox.all() == []
