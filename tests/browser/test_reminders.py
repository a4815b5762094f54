"""A "Still coming?" reminder in a real browser: on a full date, the confirmed volunteer opens
"I can't come" from the e-mail that arrived over SMTP, confirms on the page (opening the link
alone changes nothing), and the first person on the waiting list is confirmed and told by
e-mail at once."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from engagement.missions.models import Slot
from engagement.participations.models import Participation
from engagement.reminders import services
from engagement.reminders.models import Reminder
from tenants.models import Tenant
from tests.browser.conftest import axe_violations, unique_email
from tests.engagement.factories import (
    MissionFactory,
    ParticipationFactory,
    SlotFactory,
    UserFactory,
)
from tests.engagement.reminders.conftest import local_at

pytestmark = pytest.mark.browser

Status = Participation.Status


@pytest.fixture
def paris_date():  # type: ignore[no-untyped-def]
    """The committed mission of the test, removed after it (other tests list Paris's missions)."""
    paris = Tenant.objects.get(slug="paris")
    created: list[Slot] = []
    yield paris, created
    with tenant_context(paris):
        for slot in created:
            mission = slot.mission
            volunteers = [p.volunteer for p in slot.participations.all()]
            Reminder.objects.filter(participation__slot=slot).delete()
            slot.participations.all().delete()
            slot.delete()
            mission.delete()
            mission.organization.delete()
            for volunteer in volunteers:
                volunteer.delete()


def test_i_cant_come_from_the_reminder_frees_the_seat_for_the_waiting_list(
    pages, url, world, smtp_inbox, paris_date
):
    paris, created = paris_date
    leaving_email, waiting_email = unique_email("partant"), unique_email("attente")
    with tenant_context(paris):
        starts = local_at(paris, 2, 10)
        slot = SlotFactory(
            mission=MissionFactory(title="Collecte solidaire du samedi"),
            starts_at=starts,
            ends_at=starts + timedelta(hours=3),
            capacity=1,
        )
        created.append(slot)
        leaving = ParticipationFactory(
            slot=slot, volunteer=UserFactory(email=leaving_email, first_name="Léa")
        )
        waiting = ParticipationFactory(
            slot=slot,
            status=Status.WAITLISTED,
            volunteer=UserFactory(email=waiting_email, first_name="Sam"),
        )
        # The beat's run for this tenant, at noon local time today (two days before the date).
        assert services.reminders_plan(now=local_at(paris, 0, 12)) >= 1
        assert Reminder.objects.get(participation=leaving).status == Reminder.Status.SENT

    [reminder_email] = smtp_inbox.to(leaving_email)
    assert "Collecte solidaire du samedi" in reminder_email.subject
    links = re.findall(r"https?://\S+/rappels/[^/\s]+/", reminder_email.text)
    assert len(links) == 2
    cancel_path = urlsplit(links[1]).path

    page = pages.new()
    page.goto(url("paris", cancel_path))
    expect(page.locator("h1")).to_have_text("Toujours partant·e ?")
    assert axe_violations(page) == []
    with tenant_context(paris):
        leaving.refresh_from_db()
        assert leaving.status == Status.CONFIRMED  # opening the link changed nothing

    page.get_by_role("button", name="Confirmer : je ne peux pas venir").click()
    expect(page.locator("main")).to_contain_text("Votre participation est annulée")
    expect(page.get_by_role("button", name="Confirmer : je ne peux pas venir")).to_have_count(0)

    with tenant_context(paris):
        leaving.refresh_from_db()
        waiting.refresh_from_db()
        slot.refresh_from_db()
        assert (leaving.status, waiting.status, slot.confirmed_count) == (
            Status.CANCELLED,
            Status.CONFIRMED,
            1,
        )
    [promoted] = smtp_inbox.to(waiting_email)
    assert "Une place s'est libérée" in promoted.subject
    assert "Collecte solidaire du samedi" in promoted.text

    # The link opened again: the same page, nothing more done, no second e-mail.
    page.goto(url("paris", cancel_path))
    expect(page.locator("main")).to_contain_text("Cette participation est annulée.")
    assert len(smtp_inbox.to(waiting_email)) == 1
