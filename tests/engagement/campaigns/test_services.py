from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from engagement.campaigns import services
from engagement.campaigns.models import Campaign
from engagement.emails.models import EmailPreferences
from engagement.errors import EngagementError
from engagement.missions.models import Mission
from tests.engagement.conftest import audit_actions
from tests.engagement.factories import MissionFactory
from tests.engagement.programmes.conftest import post

pytestmark = pytest.mark.django_db


def _create(company, **changes):  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    values = {
        "title": "Giving week",
        "description": (
            '<p>Une semaine <script>alert(1)</script><a href="javascript:x">pour</a> donner.</p>'
        ),
        "starts_on": today,
        "ends_on": today + timedelta(days=6),
        "goal_kind": "participations",
        "goal_value": 50,
        "featured_mission_ids": [company.mission.pk],
        "partner_organization_ids": [company.mission.organization_id],
        **changes,
    }
    return services.campaign_create(actor=company.admin, **values)


def test_a_campaign_gets_a_unique_slug_and_a_clean_description(company):
    first = _create(company)
    second = _create(company)

    assert (first.slug, second.slug) == ("giving-week", "giving-week-2")
    assert "script" not in first.description and "javascript" not in first.description
    assert first.is_published is False
    assert list(first.featured_missions.all()) == [company.mission]
    assert audit_actions() == ["campaign.created", "campaign.created"]


@pytest.mark.parametrize(
    "changes,field",
    [
        ({"title": "  "}, "title"),
        ({"goal_value": 0}, "goal_value"),
        ({"goal_kind": "euros"}, "goal_kind"),
        ({"ends_on": timezone.localdate() - timedelta(days=1)}, "ends_on"),
        ({"partner_organization_ids": [999999]}, "partner_organizations"),
    ],
)
def test_bad_campaigns_are_refused_with_their_field(company, changes, field):
    with pytest.raises(EngagementError) as refused:
        _create(company, **changes)
    assert field in refused.value.fields
    assert Campaign.objects.count() == 0


def test_only_published_missions_are_featured(company):
    draft = MissionFactory(organization=company.mission.organization, status=Mission.Status.DRAFT)
    with pytest.raises(EngagementError) as refused:
        _create(company, featured_mission_ids=[company.mission.pk, draft.pk])
    assert list(refused.value.fields) == ["featured_missions"]


def test_only_admins_write_campaigns(company):
    with pytest.raises(EngagementError):
        services.campaign_create(
            actor=company.alice,
            title="x",
            description="",
            starts_on=timezone.localdate(),
            ends_on=timezone.localdate(),
            goal_kind="hours",
            goal_value=1,
        )
    assert Campaign.objects.count() == 0


def test_the_announcement_goes_once_to_each_member_who_wants_it(
    company, smtp_inbox, django_capture_on_commit_callbacks
):
    campaign = _create(company)
    with pytest.raises(EngagementError) as draft:
        services.campaign_announce(actor=company.admin, campaign=campaign)
    assert draft.value.code == "invalid_transition"
    services.campaign_set_published(actor=company.admin, campaign=campaign, is_published=True)
    EmailPreferences.objects.create(user=company.bruno, campaigns=False)

    with django_capture_on_commit_callbacks(execute=True):
        count = services.campaign_announce(actor=company.admin, campaign=campaign)

    campaign.refresh_from_db()
    assert campaign.announced_at is not None
    received = {address for message in smtp_inbox.all() for address in message.envelope_to}
    assert "alice@acme.example" in received and "chloe@acme.example" in received
    assert "bruno@acme.example" not in received
    assert len(received) == count - 1
    [alice] = smtp_inbox.to("alice@acme.example")
    assert "Giving week" in alice.subject
    assert f"{company.tenant.base_url}/campagnes/giving-week/" in alice.text
    assert alice.header("List-Unsubscribe") is not None

    with pytest.raises(EngagementError) as again:
        services.campaign_announce(actor=company.admin, campaign=campaign)
    assert again.value.code == "invalid_transition"
    # A batch run twice sends nothing twice.
    assert (
        services.campaign_announcement_deliver(
            campaign_id=campaign.pk, first_user_id=1, last_user_id=company.outsider.pk
        )
        == 0
    )
    assert len(smtp_inbox.all()) == count - 1
    assert audit_actions().count("campaign.announced") == 1


def test_one_click_stops_the_campaign_announcements(
    company, smtp_inbox, django_capture_on_commit_callbacks
):
    campaign = _create(company)
    services.campaign_set_published(actor=company.admin, campaign=campaign, is_published=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.campaign_announce(actor=company.admin, campaign=campaign)
    [received] = smtp_inbox.to("alice@acme.example")
    url = received.header("List-Unsubscribe").strip("<>")

    response = post(Client(HTTP_HOST=company.tenant.primary_host), url.split(":8000", 1)[-1])

    assert response.status_code in (200, 302)
    assert EmailPreferences.objects.get(user=company.alice).campaigns is False
