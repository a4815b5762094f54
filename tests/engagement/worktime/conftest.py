"""Fixtures of the volunteering-time tests, in Acme (a company): a policy of 10 hours a year with
manager approval, a manager and two of their direct reports, another manager, a tenant admin,
and dated participations to ask work time for.

Pages are requested as signed-in members (Acme becomes a private tenant): `Pages` puts the
connection back on Acme after each request (the routing middleware leaves it on public)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import User
from engagement.participations.models import Participation
from engagement.programmes.models import EmployeeProfile, ProgrammeSettings
from engagement.programmes.selectors import programme_settings
from tests.engagement.factories import (
    MissionFactory,
    ParticipationFactory,
    SlotFactory,
    TenantAdminFactory,
    UserFactory,
)


@pytest.fixture
def policy(in_acme: Any) -> ProgrammeSettings:
    settings_row = programme_settings()
    settings_row.work_hours_per_year = Decimal("10")
    settings_row.manager_approval_required = True
    settings_row.year_starts_month = 1
    settings_row.save()
    return settings_row


@dataclass
class Company:
    tenant: Any
    manager: User
    employee: User
    colleague: User  # another direct report of `manager`
    other_manager: User
    outsider: User  # an employee of someone else
    tenant_admin: User

    def participation(
        self, user: User | None = None, *, days: int = 7, hours: float = 3
    ) -> Participation:
        starts = timezone.now().replace(microsecond=0) + timedelta(days=days)
        return ParticipationFactory(
            volunteer=user or self.employee,
            slot=SlotFactory(
                mission=MissionFactory(title="Atelier réparation"),
                starts_at=starts,
                ends_at=starts + timedelta(hours=hours),
            ),
        )


@pytest.fixture
def company(policy: ProgrammeSettings, in_acme: Any) -> Company:
    manager = UserFactory(email="manon.manager@acme.example", first_name="Manon", last_name="Roy")
    other_manager = UserFactory(email="autre.manager@acme.example", first_name="Oscar")
    employee = UserFactory(email="emma.employee@acme.example", first_name="Emma", last_name="Petit")
    colleague = UserFactory(email="colin.colleague@acme.example", first_name="Colin")
    outsider = UserFactory(email="omar.outsider@acme.example", first_name="Omar")
    for report, boss in ((employee, manager), (colleague, manager), (outsider, other_manager)):
        EmployeeProfile.objects.create(user=report, manager=boss)
    tenant_admin = TenantAdminFactory(email="rh.admin@acme.example")
    # Tenant admins use a second factor (the back office asks for it).
    TOTP.activate(tenant_admin, generate_totp_secret())
    return Company(
        tenant=in_acme,
        manager=manager,
        employee=employee,
        colleague=colleague,
        other_manager=other_manager,
        outsider=outsider,
        tenant_admin=tenant_admin,
    )


class Pages:
    """A signed-in browser on a tenant's host; the test's connection keeps its schema."""

    def __init__(self, tenant: Any, user: User | None = None) -> None:
        self.tenant = tenant
        self.client = Client(HTTP_HOST=tenant.primary_host)
        if user is not None:
            with tenant_context(tenant):
                self.client.force_login(user)

    def _keeping_schema(self, call: Any) -> Any:
        tenant = connection.tenant
        try:
            return call()
        finally:
            connection.set_tenant(tenant)

    def get(self, path: str, **params: Any) -> Any:
        return self._keeping_schema(lambda: self.client.get(path, params))

    def post(self, path: str, data: dict[str, Any] | None = None) -> Any:
        return self._keeping_schema(lambda: self.client.post(path, data or {}))


@pytest.fixture
def pages() -> Any:
    def make(tenant: Any, user: User | None = None) -> Pages:
        return Pages(tenant, user)

    return make


def queries_of(call: Any) -> int:
    """The SQL queries of one request. The request's start clears the connection's query log
    (django.db.reset_queries), so it is cleared before too: the count is the request's own."""
    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        response = call()
    assert response.status_code == 200
    assert len(captured) > 0
    return len(captured)
