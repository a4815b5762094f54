"""Fixtures of mission sharing: Paris (a city) shares the missions of its verified organizations,
Acme (a company) has an office near the Hôtel de Ville and one in Lyon; Montréal is a city that
does not share. Objects are made in their own schema; the test runs in the public schema unless
it switches."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.gis.geos import Point
from django_tenants.utils import tenant_context

from accounts.models import User
from engagement.missions.models import Mission, Slot
from engagement.organizations.models import Organization
from engagement.programmes.models import Site
from engagement.sharing.models import SharingSettings
from tests.engagement.factories import (
    MissionFactory,
    OrganizationFactory,
    SlotFactory,
    TenantAdminFactory,
    UserFactory,
    paris_point,
)

# About 1.5 km from the Hôtel de Ville (the missions' default place).
NEAR_OFFICE = Point(2.3700, 48.8640, srid=4326)
LYON_OFFICE = Point(4.8357, 45.7640, srid=4326)


@dataclass
class City:
    tenant: Any
    admin: User
    organization: Organization
    unverified: Organization
    near: Mission  # published, verified organization, near Acme's Paris office
    far: Mission  # the same, 20 km away
    unverified_mission: Mission
    draft: Mission
    slot: Slot  # a date of `near` with one seat
    other_slot: Slot  # another date of `near`


@dataclass
class Company:
    tenant: Any
    admin: User
    employee: User
    colleague: User
    site: Site
    lyon: Site


@pytest.fixture
def city(paris) -> City:
    with tenant_context(paris):
        admin = TenantAdminFactory()
        organization = OrganizationFactory(name="Restos du Cœur")
        unverified = OrganizationFactory(
            name="Pas encore vérifiée",
            verification_status=Organization.Verification.PENDING,
            verified_at=None,
        )
        near = MissionFactory(organization=organization, title="Distribution de repas")
        slot = SlotFactory(mission=near, capacity=1)
        other_slot = SlotFactory(mission=near, capacity=5)
        far = MissionFactory(
            organization=organization,
            title="Jardin à Versailles",
            location=paris_point(2.13, 48.80),
        )
        SlotFactory(mission=far)
        unverified_mission = MissionFactory(organization=unverified, title="Non vérifiée")
        SlotFactory(mission=unverified_mission)
        draft = MissionFactory(
            organization=organization, title="Brouillon", status=Mission.Status.DRAFT
        )
        SlotFactory(mission=draft)
        SharingSettings.objects.create(pk=1, is_sharing=True)
    return City(
        tenant=paris,
        admin=admin,
        organization=organization,
        unverified=unverified,
        near=near,
        far=far,
        unverified_mission=unverified_mission,
        draft=draft,
        slot=slot,
        other_slot=other_slot,
    )


@pytest.fixture
def company(acme) -> Company:
    with tenant_context(acme):
        admin = TenantAdminFactory()
        employee = UserFactory(first_name="Léa", last_name="Martin")
        colleague = UserFactory(first_name="Tom", last_name="Petit")
        site = Site.objects.create(name="Siège Paris", address="Rue de Rivoli", point=NEAR_OFFICE)
        lyon = Site.objects.create(name="Lyon", address="Part-Dieu", point=LYON_OFFICE)
    return Company(
        tenant=acme, admin=admin, employee=employee, colleague=colleague, site=site, lyon=lyon
    )
