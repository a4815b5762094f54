"""Fixtures of the engagement service tests: a verified organization with an admin and an editor,
a published mission and a slot, all in Paris."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from engagement.audit import AuditEvent
from engagement.organizations.models import OrganizationMembership
from tests.engagement.factories import (
    MembershipFactory,
    MissionFactory,
    OrganizationFactory,
    SlotFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def _english_messages():
    """Error messages are asserted in English, their source language (catalogs translate them)."""
    with translation.override("en"):
        yield


@pytest.fixture
def organization(in_paris):
    return OrganizationFactory(name="Les Restos du Cœur Paris 11")


@pytest.fixture
def org_admin(organization):
    return MembershipFactory(organization=organization, role=OrganizationMembership.Role.ADMIN).user


@pytest.fixture
def org_editor(organization):
    return MembershipFactory(
        organization=organization, role=OrganizationMembership.Role.EDITOR
    ).user


@pytest.fixture
def outsider(in_paris):
    """An admin of another organization."""
    return MembershipFactory(role=OrganizationMembership.Role.ADMIN).user


@pytest.fixture
def volunteer(in_paris):
    return UserFactory(email="camille@example.org", first_name="Camille")


@pytest.fixture
def mission(organization):
    return MissionFactory(organization=organization, title="Distribution de repas")


@pytest.fixture
def slot(mission):
    return SlotFactory(mission=mission, capacity=2)


@pytest.fixture
def started_slot(mission):
    now = timezone.now()
    return SlotFactory(
        mission=mission, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=2)
    )


def audit_actions() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
