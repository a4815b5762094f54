"""The demo's volunteering time (engagement/worktime/demo.py): one approved and one pending
request, one confirmed and one pending declaration; a second run writes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from engagement.programmes.models import EmployeeProfile
from engagement.worktime.demo import work_time_demo
from engagement.worktime.models import HoursDeclaration, WorkTimeRequest
from engagement.worktime.selectors import work_time_balance
from tests.engagement.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def test_the_demo_gives_one_of_each_once(company, policy):
    policy.work_hours_per_year = 0
    policy.save()
    first, second = company.participation(days=3), company.participation(days=10)
    organization = OrganizationFactory(name="Banque alimentaire")

    written = work_time_demo(
        employee=company.employee, manager=company.other_manager, organization=organization
    )

    assert written == {"requests": 2, "declarations": 2}
    assert sorted(
        WorkTimeRequest.objects.filter(employee=company.employee).values_list(
            "participation_id", "status"
        )
    ) == sorted([(first.pk, "approved"), (second.pk, "requested")])
    assert sorted(
        HoursDeclaration.objects.filter(volunteer=company.employee).values_list("status", flat=True)
    ) == ["confirmed", "pending"]
    assert EmployeeProfile.objects.get(user=company.employee).manager == company.other_manager
    balance = work_time_balance(
        employee=company.employee, year=WorkTimeRequest.objects.first().year
    )
    assert balance.allowance == Decimal("16")
    assert work_time_demo(
        employee=company.employee, manager=company.other_manager, organization=organization
    ) == {"requests": 0, "declarations": 0}
