"""The campaign page, the home page's banners, and the campaigns' back-office pages."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from engagement.campaigns.models import Campaign
from engagement.campaigns.selectors import running_campaign_banners_forget
from tests.engagement.conftest import audit_actions
from tests.engagement.factories import (
    MissionFactory,
    SlotFactory,
    TenantAdminFactory,
    UserFactory,
)
from tests.engagement.programmes.conftest import (
    admin_client,
    attended,
    get,
    leaderboards,
    post,
    signed_in,
)

pytestmark = pytest.mark.django_db


def test_the_campaign_page_shows_its_goal_progress_and_missions(company, campaign):
    attended(company.past_slot, company.alice, "5")
    client = signed_in(company.tenant, company.chloe)

    response = get(client, reverse("campaign-detail", args=[campaign.slug]))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'role="progressbar"' in page
    assert 'aria-valuemin="0" aria-valuemax="20" aria-valuenow="5"' in page
    assert "5 of 20 hours" in page and "(25 %)" in page
    assert "Maraude du soir" in page and "Tout le mois" in page
    assert "Team standings" not in page  # leaderboards are off

    leaderboards(True)
    page = get(client, reverse("campaign-detail", args=[campaign.slug])).content.decode()
    assert "Team standings" in page and page.index("Finance") < page.index("Marketing")


def test_a_draft_is_for_admins_only(company, campaign):
    Campaign.objects.filter(pk=campaign.pk).update(is_published=False)
    url = reverse("campaign-detail", args=[campaign.slug])

    assert get(signed_in(company.tenant, company.alice), url).status_code == 404
    response = get(admin_client(company.tenant, company.admin), url)
    assert response.status_code == 200 and "Draft" in response.content.decode()


def test_the_home_page_shows_running_campaigns_at_a_fixed_cost(
    company, campaign, django_assert_num_queries
):
    client = signed_in(company.tenant, company.alice)
    Campaign.objects.filter(pk=campaign.pk).update(is_published=False)
    get(client, "/")  # warms the routing cache and the (empty) banners
    # A signed-in employee's home: the page's own queries and the cities' missions near the
    # offices (engagement.sharing, one query).
    home = 9
    with django_assert_num_queries(home):
        page = get(client, "/").content.decode()
    assert "campaign-banner" not in page

    Campaign.objects.filter(pk=campaign.pk).update(is_published=True)
    running_campaign_banners_forget()
    with django_assert_num_queries(home + 3):  # the campaign and its progress, once a minute
        get(client, "/")
    with django_assert_num_queries(home):
        page = get(client, "/").content.decode()

    assert 'class="card campaign-banner"' in page and 'role="progressbar"' in page
    assert reverse("campaign-detail", args=[campaign.slug]) in page


def test_another_tenants_campaign_is_not_found(company, campaign, paris):
    slug = campaign.slug
    connection.set_tenant(paris)
    client = signed_in(paris, UserFactory(email="resident-campaign@paris.example"))
    assert get(client, reverse("campaign-detail", args=[slug])).status_code == 404
    assert "campaign-banner" not in get(client, "/").content.decode()


def test_the_campaigns_back_office_creates_publishes_and_announces(
    company, smtp_inbox, django_capture_on_commit_callbacks
):
    client = admin_client(company.tenant, company.admin)
    assert get(client, reverse("backoffice:campaign-create")).status_code == 200
    refused = post(
        client,
        reverse("backoffice:campaign-create"),
        {"title": "Giving week", "goal_kind": "hours"},
    )
    assert refused.status_code == 400 and Campaign.objects.count() == 0

    response = post(
        client,
        reverse("backoffice:campaign-create"),
        {
            "title": "Giving week",
            "description": "Une semaine pour donner.\n\nRejoignez-nous.",
            "starts_on": "2026-12-01",
            "ends_on": "2027-01-31",
            "goal_kind": "participations",
            "goal_value": "40",
            "featured_missions": [str(company.mission.pk)],
        },
    )
    campaign = Campaign.objects.get()
    assert response["Location"] == reverse("backoffice:campaign", args=[campaign.pk])
    assert campaign.description == "<p>Une semaine pour donner.</p>\n\n<p>Rejoignez-nous.</p>"
    post(
        client,
        reverse("backoffice:campaign-publication", args=[campaign.pk]),
        {"is_published": "1"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        post(client, reverse("backoffice:campaign-announcement", args=[campaign.pk]))
    again = post(
        client, reverse("backoffice:campaign-announcement", args=[campaign.pk]), follow=True
    )

    assert "This campaign was announced already." in again.content.decode()
    assert len(smtp_inbox.to("alice@acme.example")) == 1
    listing = get(client, reverse("backoffice:campaigns")).content.decode()
    assert "Giving week" in listing and "Announced" in listing
    assert audit_actions() == ["campaign.created", "campaign.published", "campaign.announced"]


def test_another_tenants_campaign_is_not_found_in_the_back_office(company, campaign, paris):
    campaign_id = campaign.pk
    connection.set_tenant(paris)
    client = admin_client(paris, TenantAdminFactory(email="admin-campaign@paris.example"))
    assert get(client, reverse("backoffice:campaign", args=[campaign_id])).status_code == 404
    assert (
        post(client, reverse("backoffice:campaign-announcement", args=[campaign_id])).status_code
        == 404
    )
    connection.set_tenant(company.tenant)
    campaign.refresh_from_db()
    assert campaign.announced_at is None


def test_the_campaign_page_costs_the_same_queries_for_one_or_many_missions(
    company, campaign, django_assert_max_num_queries
):
    leaderboards(True)
    client = signed_in(company.tenant, company.alice)
    url = reverse("campaign-detail", args=[campaign.slug])
    get(client, url)
    with django_assert_max_num_queries(20) as few:
        get(client, url)
    few_count = len(few.captured_queries)
    for index in range(5):
        mission = MissionFactory(title=f"Collecte {index}")
        SlotFactory(mission=mission)
        campaign.featured_missions.add(mission)
        campaign.partner_organizations.add(mission.organization)
    with django_assert_max_num_queries(few_count):
        page = get(client, url).content.decode()
    assert page.count('class="card mission-card"') == 6
