from __future__ import annotations

import pytest

from accounts.models import User
from engagement.campaigns.models import Campaign
from engagement.campaigns.selectors import campaign_is_running
from engagement.demo.seed import demo_seed
from engagement.missions.models import Mission
from engagement.programmes.models import EmployeeProfile, ProgrammeSettings, Site, Team

pytestmark = pytest.mark.django_db


def test_the_demo_company_is_a_programme(in_acme):
    summary = demo_seed(tenant=in_acme)

    assert "/campagnes/decembre-solidaire/" in summary
    assert sorted(Site.objects.values_list("name", flat=True)) == [
        "Lyon Part-Dieu",
        "Paris La Défense",
    ]
    lyon = Site.objects.get(name="Lyon Part-Dieu")
    assert (round(lyon.point.y, 2), round(lyon.point.x, 2)) == (45.76, 4.86)
    assert Team.objects.count() == 4
    volunteer = User.objects.get(email="benevole@acme.example")
    assert volunteer.team_memberships.get().team.name == "Finance"
    assert (
        EmployeeProfile.objects.get(user=volunteer).manager.email == "sophie.lambert@acme.example"
    )
    settings_row = ProgrammeSettings.objects.get()
    assert (
        settings_row.leaderboards_enabled,
        settings_row.work_hours_per_year,
        settings_row.manager_approval_required,
    ) == (
        True,
        16,
        True,
    )
    campaign = Campaign.objects.get()
    assert campaign.title == "Décembre solidaire" and campaign_is_running(campaign)
    assert campaign.featured_missions.count() == Mission.objects.filter(status="published").count()


def test_a_city_demo_has_no_programme(in_paris):
    demo_seed(tenant=in_paris)
    assert (Site.objects.count(), Team.objects.count(), Campaign.objects.count()) == (0, 0, 0)
