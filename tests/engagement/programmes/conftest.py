"""Programme fixtures: Acme (a company) with a tenant admin, two teams of employees, a published
mission with a past slot, and helpers to request pages as a signed-in person.

Requests go through the whole middleware stack on the tenant's host; `get`/`post` put back the
schema the test was using afterwards (the routing middleware leaves the connection on public).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.models import User
from engagement.missions.models import Mission, Slot
from engagement.participations.models import Participation
from engagement.programmes.models import EmployeeProfile, ProgrammeSettings, Team, TeamMembership
from engagement.worktime.models import HoursDeclaration
from tenants.context import tenant_context
from tests.engagement.factories import (
    MissionFactory,
    OrganizationFactory,
    ParticipationFactory,
    SlotFactory,
    TenantAdminFactory,
    UserFactory,
)


def signed_in(tenant: Any, user: User) -> Client:
    client = Client(HTTP_HOST=tenant.primary_host)
    with tenant_context(tenant):
        client.force_login(user)
    return client


def admin_client(tenant: Any, admin: User) -> Client:
    """A tenant admin with a second factor (the back office asks admins for one)."""
    with tenant_context(tenant):
        TOTP.activate(admin, generate_totp_secret())
    return signed_in(tenant, admin)


def get(client: Client, url: str, **extra: Any):  # type: ignore[no-untyped-def]
    tenant = connection.tenant
    try:
        return client.get(url, **extra)
    finally:
        connection.set_tenant(tenant)


def post(client: Client, url: str, data: Any = None, **extra: Any):  # type: ignore[no-untyped-def]
    tenant = connection.tenant
    try:
        return client.post(url, data or {}, **extra)
    finally:
        connection.set_tenant(tenant)


def attended(slot: Slot, volunteer: User, hours: str) -> Participation:
    participation = ParticipationFactory(slot=slot, volunteer=volunteer)
    Participation.objects.filter(pk=participation.pk).update(
        status=Participation.Status.ATTENDED, hours=Decimal(hours), decided_at=timezone.now()
    )
    participation.refresh_from_db()
    return participation


def declared(
    volunteer: User, hours: str, *, days_ago: int = 1, organization=None
) -> HoursDeclaration:  # type: ignore[no-untyped-def]
    return HoursDeclaration.objects.create(
        volunteer=volunteer,
        organization=organization,
        organization_name="" if organization else "Banque alimentaire",
        description="Collecte",
        date=timezone.localdate() - timedelta(days=days_ago),
        hours=Decimal(hours),
        status=HoursDeclaration.Status.CONFIRMED,
        decided_at=timezone.now(),
    )


@dataclass
class Company:
    tenant: Any
    admin: User
    alice: User  # Finance, shows her activity
    bruno: User  # Finance, hides his activity
    chloe: User  # Marketing
    outsider: User  # in no team
    finance: Team
    marketing: Team
    mission: Mission
    past_slot: Slot  # started two days ago
    next_slot: Slot  # in a week


@pytest.fixture
def company(in_acme: Any) -> Company:
    admin = TenantAdminFactory(email="rh@acme.example", first_name="Rose", last_name="Admin")
    alice = UserFactory(email="alice@acme.example", first_name="Alice", last_name="Arnaud")
    bruno = UserFactory(email="bruno@acme.example", first_name="Bruno", last_name="Blanc")
    chloe = UserFactory(email="chloe@acme.example", first_name="Chloé", last_name="Colin")
    outsider = UserFactory(email="olga@acme.example", first_name="Olga", last_name="Ours")
    EmployeeProfile.objects.create(user=bruno, shows_activity_to_team=False)
    finance = Team.objects.create(name="Finance")
    marketing = Team.objects.create(
        name="Marketing", source=Team.Source.DIRECTORY, external_id="mkt"
    )
    TeamMembership.objects.create(team=finance, user=alice, is_lead=True)
    TeamMembership.objects.create(team=finance, user=bruno)
    TeamMembership.objects.create(team=marketing, user=chloe)
    mission = MissionFactory(
        organization=OrganizationFactory(name="Les Amis d'Acme"), title="Maraude du soir"
    )
    now = timezone.now()
    past_slot = SlotFactory(
        mission=mission,
        starts_at=now - timedelta(days=2),
        ends_at=now - timedelta(days=2, hours=-3),
    )
    next_slot = SlotFactory(mission=mission)
    return Company(
        tenant=in_acme,
        admin=admin,
        alice=alice,
        bruno=bruno,
        chloe=chloe,
        outsider=outsider,
        finance=finance,
        marketing=marketing,
        mission=mission,
        past_slot=past_slot,
        next_slot=next_slot,
    )


def leaderboards(on: bool) -> None:
    ProgrammeSettings.objects.update_or_create(pk=1, defaults={"leaderboards_enabled": on})
