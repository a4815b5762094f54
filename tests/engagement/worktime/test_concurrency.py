"""Many requests of one employee at the same moment, on separate connections: pending + approved
hours never pass the allowance, even for the first requests of a year (no balance row yet).

As in tests/engagement/participations/test_concurrency.py, the data is committed from separate
threads, each on its own autocommit connection, and deleted afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone, translation

from accounts.models import User
from engagement.errors import EngagementError, EngagementErrorCode
from engagement.missions.models import Mission, Slot
from engagement.organizations.models import Organization
from engagement.participations.models import Participation
from engagement.programmes.selectors import programme_settings
from engagement.worktime.models import WorkTimeBalance, WorkTimeRequest
from engagement.worktime.services import work_time_request_create
from tenants.audit.models import AuditEvent
from tests.engagement.factories import (
    MissionFactory,
    OrganizationFactory,
    ParticipationFactory,
    SlotFactory,
    UserFactory,
)
from tests.engagement.participations.test_concurrency import in_own_connection, run_at_once

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]

THREADS = 8


@pytest.fixture
def committed(acme) -> Iterator[dict[str, Any]]:
    """An employee with 8 confirmed 3-hour participations, an allowance of 10 hours approved at
    once (no e-mail) — committed in Acme, deleted (and the policy put back) afterwards."""
    assert connection.settings_dict["NAME"].startswith("test_")

    def create() -> dict[str, Any]:
        policy = programme_settings()
        previous = (policy.work_hours_per_year, policy.manager_approval_required)
        policy.work_hours_per_year = Decimal("10")
        policy.manager_approval_required = False
        policy.save()
        organization = OrganizationFactory(name="Concurrence temps bénévole")
        employee = UserFactory(email="concurrent.employee@acme.example")
        starts = timezone.now() + timedelta(days=5)
        participations = [
            ParticipationFactory(
                volunteer=employee,
                slot=SlotFactory(
                    mission=MissionFactory(organization=organization),
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=3),
                ),
            )
            for _ in range(THREADS)
        ]
        return {
            "previous": previous,
            "organization_id": organization.pk,
            "employee": employee,
            "participations": participations,
            "last_audit_id": AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
            or 0,
        }

    data = in_own_connection(acme, create)

    def delete() -> None:
        WorkTimeRequest.objects.filter(employee_id=data["employee"].pk).delete()
        WorkTimeBalance.objects.filter(employee_id=data["employee"].pk).delete()
        Participation.objects.filter(volunteer_id=data["employee"].pk).delete()
        Slot.objects.filter(mission__organization_id=data["organization_id"]).delete()
        Mission.objects.filter(organization_id=data["organization_id"]).delete()
        Organization.objects.filter(pk=data["organization_id"]).delete()
        User.objects.filter(pk=data["employee"].pk).delete()
        AuditEvent.objects.filter(id__gt=data["last_audit_id"]).delete()
        policy = programme_settings()
        policy.work_hours_per_year, policy.manager_approval_required = data["previous"]
        policy.save()

    try:
        yield data
    finally:
        in_own_connection(acme, delete)


def test_simultaneous_requests_never_pass_the_allowance(acme, committed):
    employee = committed["employee"]

    def ask(participation: Participation) -> Any:
        # Each thread activates its own language: the messages are asserted in English.
        with translation.override("en"):
            return work_time_request_create(employee=employee, participation=participation)

    calls = [
        (lambda participation=participation: ask(participation))
        for participation in committed["participations"]
    ]

    results = run_at_once(acme, calls)

    created = [result for result in results if isinstance(result, WorkTimeRequest)]
    refused = [result for result in results if isinstance(result, EngagementError)]
    assert (len(created), len(refused)) == (3, THREADS - 3), results
    assert {error.code for error in refused} == {EngagementErrorCode.WORK_TIME_BALANCE_EXCEEDED}
    assert {error.detail for error in refused} == {
        f"You have 1 h of work time left for {created[0].year}: ask for at most that."
    }

    def totals() -> tuple[int, Decimal, int]:
        rows = WorkTimeRequest.objects.filter(employee_id=employee.pk)
        return (
            rows.count(),
            sum((row.hours for row in rows), Decimal(0)),
            WorkTimeBalance.objects.filter(employee_id=employee.pk).count(),
        )

    assert in_own_connection(acme, totals) == (3, Decimal("9"), 1)
