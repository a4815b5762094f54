"""A company with sites, teams, missions, participations and declared hours in 2025, whose
figures were computed by hand (tests/engagement/reports/test_selectors.py lists them).

People: Alice (team Finance, site Lyon), Bob (teams Finance and Tech, site Paris HQ), Carol
(team Tech, no site), Dave (no team, no site). Causes: Env [10, 13], Edu [4, 10], Soli [1, 10].
Organizations: Alpha Restos (missions M1 with causes Env and Edu, M3 without cause), Beta Green
(mission M2 with cause Soli).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import User
from engagement.campaigns.models import Campaign
from engagement.missions.models import Mission, Slot
from engagement.organizations.models import Organization
from engagement.participations.models import Participation
from engagement.programmes.models import EmployeeProfile, Site, Team, TeamMembership
from engagement.taxonomy.models import Cause
from engagement.worktime.models import HoursDeclaration

# The back office's signed-in clients (admin with its second factor, moderator, volunteer).
from tests.engagement.backoffice.conftest import (  # noqa: F401 (fixtures)
    backoffice_admin,
    backoffice_moderator,
    backoffice_volunteer,
)
from tests.engagement.factories import (
    CauseFactory,
    MissionFactory,
    OrganizationFactory,
    ParticipationFactory,
    SlotFactory,
    UserFactory,
)

Status = Participation.Status
YEAR = 2025


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


@dataclass
class ReportWorld:
    alice: User
    bob: User
    carol: User
    dave: User
    env: Cause
    edu: Cause
    soli: Cause
    alpha: Organization
    beta: Organization
    m1: Mission
    m2: Mission
    m3: Mission
    lyon: Site
    hq: Site
    finance: Team
    tech: Team
    campaign: Campaign
    s1: Slot


def participation(slot: Slot, volunteer: User, status: str, hours: str | None = None) -> Any:
    return ParticipationFactory(
        slot=slot,
        volunteer=volunteer,
        status=status,
        hours=Decimal(hours) if hours is not None else None,
        decided_at=timezone.now() if status in (Status.ATTENDED, Status.NO_SHOW) else None,
    )


def declaration(volunteer: User, day: date, hours: str, status: str, **fields: Any) -> Any:
    return HoursDeclaration.objects.create(
        volunteer=volunteer,
        date=day,
        hours=Decimal(hours),
        status=status,
        description=f"Declared on {day}",
        decided_at=timezone.now() if status != HoursDeclaration.Status.PENDING else None,
        **fields,
    )


def build_report_world() -> ReportWorld:
    alice = UserFactory(first_name="Alice", last_name="Martin", email="alice@acme.example")
    bob = UserFactory(first_name="Bob", last_name="Durand", email="bob@acme.example")
    carol = UserFactory(first_name="Carol", last_name="Petit", email="carol@acme.example")
    dave = UserFactory(first_name="Dave", last_name="Roux", email="dave@acme.example")
    env = CauseFactory(slug="report-env", name_fr="Env", name_en="Env", sdg_goals=[10, 13])
    edu = CauseFactory(slug="report-edu", name_fr="Edu", name_en="Edu", sdg_goals=[4, 10])
    soli = CauseFactory(slug="report-soli", name_fr="Soli", name_en="Soli", sdg_goals=[1, 10])
    alpha = OrganizationFactory(name="Alpha Restos")
    beta = OrganizationFactory(name="Beta Green")
    m1 = MissionFactory(organization=alpha, title="Repas solidaires", causes=[env, edu])
    m2 = MissionFactory(organization=beta, title="Nettoyage des berges", causes=[soli])
    m3 = MissionFactory(organization=alpha, title="Tri des dons")
    lyon = Site.objects.create(name="Lyon")
    hq = Site.objects.create(name="Paris HQ")
    finance = Team.objects.create(name="Finance", site=lyon)
    tech = Team.objects.create(name="Tech")
    for team, user in ((finance, alice), (finance, bob), (tech, bob), (tech, carol)):
        TeamMembership.objects.create(team=team, user=user)
    EmployeeProfile.objects.create(user=alice, site=lyon)
    EmployeeProfile.objects.create(user=bob, site=hq)
    EmployeeProfile.objects.create(user=carol)

    s1 = SlotFactory(mission=m1, starts_at=at(date(YEAR, 3, 10)), ends_at=at(date(YEAR, 3, 10), 14))
    s2 = SlotFactory(mission=m2, starts_at=at(date(YEAR, 6, 15)), ends_at=at(date(YEAR, 6, 15), 16))
    s3 = SlotFactory(mission=m3, starts_at=at(date(YEAR, 6, 20)), ends_at=at(date(YEAR, 6, 20), 12))
    s4 = SlotFactory(
        mission=m1, starts_at=at(date(YEAR - 1, 12, 30)), ends_at=at(date(YEAR - 1, 12, 30), 16)
    )
    s5 = SlotFactory(mission=m2, starts_at=at(date(YEAR + 1, 1, 5)))
    participation(s1, alice, Status.ATTENDED, "3")
    participation(s1, bob, Status.ATTENDED, "2.5")
    participation(s2, bob, Status.ATTENDED, "4")
    participation(s2, carol, Status.CONFIRMED)
    participation(s3, carol, Status.CANCELLED)
    participation(s3, dave, Status.NO_SHOW)
    participation(s4, dave, Status.ATTENDED, "5")
    participation(s5, alice, Status.ATTENDED, "2")

    Confirmed = HoursDeclaration.Status.CONFIRMED
    declaration(alice, date(YEAR, 9, 1), "1.5", Confirmed, organization=beta, cause=env)
    declaration(dave, date(YEAR, 11, 11), "2", Confirmed, organization_name="Croix-Rouge")
    declaration(bob, date(YEAR, 6, 18), "1", Confirmed, organization=beta, cause=soli)
    declaration(carol, date(YEAR, 5, 5), "6", HoursDeclaration.Status.PENDING, organization=alpha)
    declaration(bob, date(YEAR, 5, 6), "7", HoursDeclaration.Status.REFUSED, organization=alpha)

    campaign = Campaign.objects.create(
        title="Juin solidaire",
        slug="juin-solidaire",
        starts_on=date(YEAR, 6, 1),
        ends_on=date(YEAR, 6, 30),
        goal_value=100,
        is_published=True,
    )
    campaign.featured_missions.set([m2])
    campaign.partner_organizations.set([beta])
    return ReportWorld(
        alice=alice,
        bob=bob,
        carol=carol,
        dave=dave,
        env=env,
        edu=edu,
        soli=soli,
        alpha=alpha,
        beta=beta,
        m1=m1,
        m2=m2,
        m3=m3,
        lyon=lyon,
        hq=hq,
        finance=finance,
        tech=tech,
        campaign=campaign,
        s1=s1,
    )


@pytest.fixture
def report_world(in_acme: Any) -> ReportWorld:
    return build_report_world()
