from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from engagement.campaigns.models import Campaign
from tests.engagement.factories import UserFactory
from tests.engagement.programmes.conftest import attended, leaderboards

pytestmark = pytest.mark.django_db


def test_the_list_has_published_campaigns_running_or_to_come(company, campaign, api_for):
    today = timezone.localdate()
    Campaign.objects.create(
        title="Brouillon", slug="brouillon", starts_on=today, ends_on=today, goal_value=1
    )

    response = api_for(company.tenant, company.alice).get("campaigns/")

    assert response.status_code == 200
    [item] = response.json()["results"]
    assert item == {
        "slug": "decembre-solidaire",
        "title": "Décembre solidaire",
        "description": "<p>Tout le mois, on s'engage.</p>",
        "starts_on": (today - timedelta(days=7)).isoformat(),
        "ends_on": (today + timedelta(days=21)).isoformat(),
        "goal_kind": "hours",
        "goal_value": 20,
        "is_running": True,
    }


def test_a_campaign_comes_with_its_progress_and_standings(company, campaign, api_for):
    attended(company.past_slot, company.alice, "5")
    api = api_for(company.tenant, company.alice)

    body = api.get("campaigns/decembre-solidaire/").json()
    assert body["progress"] == {"hours": "5.00", "participations": 1, "percent": 25}
    assert body["featured_mission_ids"] == [company.mission.pk]
    assert body["team_standings"] is None

    leaderboards(True)
    standings = api.get("campaigns/decembre-solidaire/").json()["team_standings"]
    assert [(row["rank"], row["name"], row["hours"]) for row in standings] == [
        (1, "Finance", "5.00"),
        (2, "Marketing", "0.00"),
    ]


def test_a_draft_or_another_tenants_campaign_is_not_found(company, campaign, api_for, paris):
    Campaign.objects.filter(pk=campaign.pk).update(is_published=False)
    assert (
        api_for(company.tenant, company.alice).get("campaigns/decembre-solidaire/").status_code
        == 404
    )
    assert (
        api_for(company.tenant, company.admin).get("campaigns/decembre-solidaire/").status_code
        == 200
    )
    Campaign.objects.filter(pk=campaign.pk).update(is_published=True)

    connection.set_tenant(paris)
    resident = UserFactory(email="resident-campaign-api@paris.example")
    assert api_for(paris, resident).get("campaigns/decembre-solidaire/").status_code == 404
    assert api_for(paris, resident).get("campaigns/").json()["count"] == 0
