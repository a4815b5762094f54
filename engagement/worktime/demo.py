"""Volunteering time of a company's demo (called by the demo seed for Acme).

Written directly, without the services, so that seeding sends no e-mail; the rows are what the
services would have written. Idempotent: an employee who already has requests or declarations
is left as is.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from engagement.organizations.models import Organization
from engagement.programmes.models import EmployeeProfile, ProgrammeSettings
from engagement.worktime.models import HoursDeclaration, WorkTimeRequest
from engagement.worktime.selectors import allowance_year, requestable_participations

DEMO_ALLOWANCE = Decimal("16")


def work_time_demo(
    *,
    employee: User,
    manager: User,
    organization: Organization,
    confirmed_by: User | None = None,
) -> dict[str, int]:
    """For `employee` (whose manager becomes `manager`): an approved request on their first
    requestable participation and a pending one on the next (so the employee needs two confirmed
    participations on dated slots), one confirmed declaration for `organization` (confirmed by
    `confirmed_by`, the manager by default) and one pending for an outside organization. Sets the
    allowance to 16 h a year if the company has none. Returns how many rows of each it wrote."""
    written = {"requests": 0, "declarations": 0}
    with transaction.atomic():
        policy, _created = ProgrammeSettings.objects.get_or_create(pk=1)
        if policy.work_hours_per_year == 0:
            policy.work_hours_per_year = DEMO_ALLOWANCE
            policy.save(update_fields=["work_hours_per_year", "updated_at"])
        EmployeeProfile.objects.update_or_create(user=employee, defaults={"manager": manager})
        now = timezone.now()
        if not WorkTimeRequest.objects.filter(employee=employee).exists():
            participations = requestable_participations(employee=employee)[:2]
            for index, participation in enumerate(participations):
                slot = participation.slot
                assert slot.starts_at is not None and slot.ends_at is not None
                hours = Decimal(int((slot.ends_at - slot.starts_at).total_seconds() // 900)) / 4
                approved = index == 0
                WorkTimeRequest.objects.create(
                    participation=participation,
                    employee=employee,
                    hours=min(hours, Decimal("4")),
                    year=allowance_year(slot.starts_at, policy=policy),
                    status=WorkTimeRequest.Status.APPROVED
                    if approved
                    else WorkTimeRequest.Status.REQUESTED,
                    approver=manager if approved else None,
                    decided_at=now if approved else None,
                )
                written["requests"] += 1
        if not HoursDeclaration.objects.filter(volunteer=employee).exists():
            HoursDeclaration.objects.create(
                volunteer=employee,
                organization=organization,
                description="Tri des dons de vêtements",
                date=timezone.localdate() - timedelta(days=20),
                hours=Decimal("3"),
                status=HoursDeclaration.Status.CONFIRMED,
                decided_by=confirmed_by or manager,
                decided_at=now,
            )
            HoursDeclaration.objects.create(
                volunteer=employee,
                organization_name="Banque alimentaire du quartier",
                description="Collecte du samedi au supermarché",
                date=timezone.localdate() - timedelta(days=6),
                hours=Decimal("2.5"),
            )
            written["declarations"] += 2
    return written
