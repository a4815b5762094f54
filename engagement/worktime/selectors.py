"""Reads of volunteering time: the allowance year of a date, an employee's balance, their
requests and declarations, who decides a request, and what a manager has to decide.

Which requests count in a balance: `requested` or `approved` ones whose participation is still
confirmed or attended. A participation cancelled, declined or marked as a no-show frees its
hours at once without any write in this package (engagement.participations knows nothing of
work time, and the import-linter "cascades" contract keeps it so); such a request shows as
cancelled (`effective_status`).
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from engagement.organizations.models import Organization
from engagement.participations.models import Participation
from engagement.programmes.models import EmployeeProfile, ProgrammeSettings
from engagement.programmes.selectors import programme_settings
from engagement.worktime.models import HoursDeclaration, WorkTimeRequest
from tenants.context import current_tenant

# A participation in one of these states still takes the work time it was given.
COUNTING_PARTICIPATION_STATUSES = (
    Participation.Status.CONFIRMED,
    Participation.Status.ATTENDED,
)
# Work time is asked (and counted) in quarters of an hour.
HOURS_STEP = Decimal("0.25")
ZERO = Decimal("0")


def counting_filter(prefix: str = "") -> Q:
    """The requests that take hours from a balance (see the module docstring)."""
    return Q(
        **{
            f"{prefix}status__in": WorkTimeRequest.ACTIVE_STATUSES,
            f"{prefix}participation__status__in": COUNTING_PARTICIPATION_STATUSES,
        }
    )


def effective_status(work_time_request: WorkTimeRequest) -> str:
    """The request's status as people see it: an active request whose participation no longer
    counts (cancelled, declined, no-show) is cancelled."""
    if (
        work_time_request.status in WorkTimeRequest.ACTIVE_STATUSES
        and work_time_request.participation.status not in COUNTING_PARTICIPATION_STATUSES
    ):
        return WorkTimeRequest.Status.CANCELLED
    return work_time_request.status


def _tenant_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(current_tenant().timezone)


def allowance_year(moment: datetime | date, *, policy: ProgrammeSettings) -> int:
    """The allowance year containing `moment` (in the tenant's time zone), named by the calendar
    year it starts in: with years starting in September, 2026-10-01 and 2027-08-31 are both 2026."""
    if isinstance(moment, datetime):
        moment = moment.astimezone(_tenant_zone()).date()
    return moment.year if moment.month >= policy.year_starts_month else moment.year - 1


def allowance_year_label(year: int, *, policy: ProgrammeSettings) -> str:
    """ "2026" for calendar years, "2026–2027" when the year starts in another month."""
    return str(year) if policy.year_starts_month == 1 else f"{year}–{year + 1}"


def current_allowance_year(policy: ProgrammeSettings) -> int:
    return allowance_year(timezone.now(), policy=policy)


@dataclass(frozen=True)
class Balance:
    year: int
    year_label: str
    allowance: Decimal
    approved: Decimal
    pending: Decimal

    @property
    def used(self) -> Decimal:
        return self.approved + self.pending

    @property
    def left(self) -> Decimal:
        return max(ZERO, self.allowance - self.used)


def hours_taken(*, employee_id: int, year: int) -> tuple[Decimal, Decimal]:
    """(approved, pending) hours of the employee's counting requests of `year` (one query)."""
    totals = WorkTimeRequest.objects.filter(
        counting_filter(), employee_id=employee_id, year=year
    ).aggregate(
        approved=Coalesce(Sum("hours", filter=Q(status=WorkTimeRequest.Status.APPROVED)), ZERO),
        pending=Coalesce(Sum("hours", filter=Q(status=WorkTimeRequest.Status.REQUESTED)), ZERO),
    )
    return totals["approved"], totals["pending"]


def work_time_balance(
    *, employee: User, year: int | None = None, policy: ProgrammeSettings | None = None
) -> Balance:
    """The employee's allowance, approved, pending and left hours of `year` (the current
    allowance year by default): two queries."""
    policy = policy or programme_settings()
    year = current_allowance_year(policy) if year is None else year
    approved, pending = hours_taken(employee_id=employee.pk, year=year)
    return Balance(
        year=year,
        year_label=allowance_year_label(year, policy=policy),
        allowance=policy.work_hours_per_year,
        approved=approved,
        pending=pending,
    )


def _with_details(queryset: QuerySet[WorkTimeRequest]) -> QuerySet[WorkTimeRequest]:
    return queryset.select_related(
        "participation__slot__mission__organization", "employee", "approver"
    )


def work_time_requests_of(*, employee: User) -> QuerySet[WorkTimeRequest]:
    """The employee's requests, newest first (one query)."""
    return _with_details(WorkTimeRequest.objects.filter(employee_id=employee.pk)).order_by(
        "-created_at", "-id"
    )


def slot_hours(participation: Participation) -> Decimal:
    """The duration of the participation's slot in hours (0 for an undated slot)."""
    slot = participation.slot
    if slot.starts_at is None or slot.ends_at is None:
        return ZERO
    seconds = Decimal(int((slot.ends_at - slot.starts_at).total_seconds()))
    return (seconds / Decimal(3600)).quantize(Decimal("0.01"))


def default_hours(participation: Participation) -> Decimal:
    """What a request asks by default: the slot's duration, down to a quarter of an hour."""
    duration = slot_hours(participation)
    return (duration / HOURS_STEP).to_integral_value(rounding="ROUND_FLOOR") * HOURS_STEP


def requestable_participations(*, employee: User) -> list[Participation]:
    """The employee's confirmed or attended participations on dated slots that have no request
    yet (a cancelled request can be asked again), soonest first (one query)."""
    asked = WorkTimeRequest.objects.exclude(status=WorkTimeRequest.Status.CANCELLED).filter(
        participation_id__in=Participation.objects.filter(volunteer_id=employee.pk).values("pk")
    )
    return list(
        Participation.objects.filter(
            volunteer_id=employee.pk,
            status__in=COUNTING_PARTICIPATION_STATUSES,
            slot__starts_at__isnull=False,
            slot__ends_at__isnull=False,
        )
        .exclude(pk__in=asked.values("participation_id"))
        .select_related("slot__mission__organization")
        .order_by("slot__starts_at", "pk")
    )


# --- Who decides ---------------------------------------------------------------------------------


def manager_of(employee_id: int | None) -> User | None:
    """The employee's manager if they have one with an active account (one query)."""
    if employee_id is None:
        return None
    profile = (
        EmployeeProfile.objects.filter(user_id=employee_id, manager__is_active=True)
        .select_related("manager")
        .first()
    )
    return profile.manager if profile is not None else None


def approvers_of(work_time_request: WorkTimeRequest) -> list[User]:
    """Who decides this request: the employee's manager; an employee without one (or whose
    manager left) is decided by the tenant admins, never by the employee themself."""
    manager = manager_of(work_time_request.employee_id)
    if manager is not None:
        return [manager]
    admins = User.objects.filter(role=User.Role.ADMIN, is_active=True).order_by("pk")
    return [admin for admin in admins if admin.pk != work_time_request.employee_id]


def is_approver(user: User, work_time_request: WorkTimeRequest) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if work_time_request.employee_id is None or user.pk == work_time_request.employee_id:
        return False
    manager = manager_of(work_time_request.employee_id)
    if manager is not None:
        return manager.pk == user.pk
    return bool(user.is_tenant_admin)


def pending_requests_for_approver(*, approver: User) -> QuerySet[WorkTimeRequest]:
    """The requests waiting for this person: their direct reports', and for a tenant admin those
    of employees who have no (active) manager. Oldest first, one query."""
    reports = Q(employee__employee_profile__manager_id=approver.pk)
    mine = reports
    if approver.is_tenant_admin:
        without_manager = ~Q(employee__employee_profile__manager__is_active=True)
        mine = reports | (without_manager & ~Q(employee_id=approver.pk))
    return _with_details(
        WorkTimeRequest.objects.filter(
            mine,
            counting_filter(),
            status=WorkTimeRequest.Status.REQUESTED,
            employee__isnull=False,
        )
    ).order_by("created_at", "id")


# --- Declared hours ------------------------------------------------------------------------------


def _declaration_details(queryset: QuerySet[HoursDeclaration]) -> QuerySet[HoursDeclaration]:
    return queryset.select_related("organization", "cause", "volunteer", "decided_by")


def hours_declarations_of(*, volunteer: User) -> QuerySet[HoursDeclaration]:
    """The person's declarations, latest date first (one query)."""
    return _declaration_details(HoursDeclaration.objects.filter(volunteer_id=volunteer.pk))


def pending_declarations_for_organization(*, organization_id: int) -> QuerySet[HoursDeclaration]:
    return _declaration_details(
        HoursDeclaration.objects.filter(
            organization_id=organization_id, status=HoursDeclaration.Status.PENDING
        )
    ).order_by("date", "id")


def pending_declarations() -> QuerySet[HoursDeclaration]:
    """Every pending declaration of the tenant (the back office's list), oldest date first."""
    return _declaration_details(
        HoursDeclaration.objects.filter(status=HoursDeclaration.Status.PENDING)
    ).order_by("date", "id")


def confirmed_declared_hours(*, volunteer: User) -> Decimal:
    """Hours of the person's confirmed declarations (what counts as confirmed hours)."""
    total = HoursDeclaration.objects.filter(
        volunteer_id=volunteer.pk, status=HoursDeclaration.Status.CONFIRMED
    ).aggregate(total=Coalesce(Sum("hours"), ZERO))["total"]
    return Decimal(total)


def declarable_organizations() -> QuerySet[Organization]:
    """The organizations of this site hours can be declared for (they confirm them): verified
    ones, by name. The form's choices and the API's lookup both read it."""
    return Organization.objects.filter(
        verification_status=Organization.Verification.VERIFIED
    ).order_by("name")
