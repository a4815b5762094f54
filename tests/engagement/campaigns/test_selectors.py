from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from engagement.campaigns.models import Campaign
from engagement.campaigns.selectors import (
    campaign_progress,
    campaign_team_standings,
    campaigns_published_current,
    running_campaign_banners,
)
from tests.engagement.factories import MissionFactory, ParticipationFactory, SlotFactory
from tests.engagement.programmes.conftest import attended, declared

pytestmark = pytest.mark.django_db


def test_progress_counts_attended_hours_declarations_and_participations(company, campaign):
    attended(company.past_slot, company.alice, "3")
    ParticipationFactory(slot=company.next_slot, volunteer=company.bruno)
    declared(company.chloe, "2.5", organization=company.mission.organization)
    declared(company.chloe, "9")  # no partner organization: not the campaign's
    # Another mission, not featured, and its organization not a partner: not counted.
    ParticipationFactory(slot=SlotFactory(mission=MissionFactory()), volunteer=company.alice)

    assert campaign_progress(campaign).hours == Decimal("3")  # the declaration's org is no partner
    campaign.partner_organizations.add(company.mission.organization)
    progress = campaign_progress(campaign)

    assert (progress.hours, progress.participations, progress.value, progress.percent) == (
        Decimal("5.5"),
        2,
        Decimal("5.5"),
        27,
    )
    campaign.goal_kind = Campaign.GoalKind.PARTICIPATIONS
    campaign.goal_value = 1
    over = campaign_progress(campaign)
    assert (over.value, over.percent, over.bar_value) == (Decimal("2"), 100, Decimal("1"))


def test_team_standings_of_a_campaign_follow_its_goal(company, campaign):
    attended(company.past_slot, company.chloe, "6")
    ParticipationFactory(slot=company.next_slot, volunteer=company.alice)
    ParticipationFactory(slot=company.next_slot, volunteer=company.bruno)

    by_hours = campaign_team_standings(campaign)
    assert [(s.name, s.hours, s.participations) for s in by_hours] == [
        ("Marketing", Decimal("6"), 1),
        ("Finance", Decimal("0"), 2),
    ]
    campaign.goal_kind = Campaign.GoalKind.PARTICIPATIONS
    assert [s.name for s in campaign_team_standings(campaign)] == ["Finance", "Marketing"]


def test_only_published_campaigns_running_or_to_come_are_listed(company, campaign):
    today = timezone.localdate()
    Campaign.objects.create(
        title="Passée",
        slug="passee",
        starts_on=today - timedelta(days=30),
        ends_on=today - timedelta(days=1),
        goal_value=1,
        is_published=True,
    )
    Campaign.objects.create(
        title="Brouillon", slug="brouillon", starts_on=today, ends_on=today, goal_value=1
    )
    later = Campaign.objects.create(
        title="Printemps",
        slug="printemps",
        starts_on=today + timedelta(days=60),
        ends_on=today + timedelta(days=70),
        goal_value=1,
        is_published=True,
    )

    assert list(campaigns_published_current()) == [campaign, later]
    assert [banner.slug for banner in running_campaign_banners()] == ["decembre-solidaire"]


def test_the_banners_are_read_once_a_minute(company, campaign, django_assert_num_queries):
    with django_assert_num_queries(3):
        running_campaign_banners()
    with django_assert_num_queries(0):
        [banner] = running_campaign_banners()
    assert (banner.title, banner.percent) == ("Décembre solidaire", 0)
