"""Volunteering time: an employee's requests for work time, the manager's decision, and hours
declared for volunteering outside the platform.

Rules:
- the policy is the tenant's ProgrammeSettings: hours per employee per allowance year, whether a
  manager approves, the month the year starts in;
- an employee asks for one of their own participations, confirmed or attended, on a dated slot,
  not asked yet (a cancelled request may be asked again, a refused one not): by default the slot's
  duration, or fewer hours in quarters of an hour; the allowance year is the one containing the
  slot's start;
- pending + approved hours of an employee's year never pass the allowance: every request of that
  year locks the same WorkTimeBalance row (SELECT … FOR UPDATE) and sums the counting requests
  under the lock. More than what is left is refused (400, with the hours left), nothing written;
- without manager approval a request within the balance is approved at once; otherwise the
  employee's manager (EmployeeProfile.manager; if none, the tenant admins) is e-mailed signed
  approve/refuse links and sees the request on /temps-benevole/equipe/. Nobody else decides
  (not the employee, not another manager); the employee is told of the decision by e-mail and
  by an in-app notification (engagement.inbox);
- a cancelled (or declined, or no-show) participation frees its hours: see selectors.py;
- declarations of hours volunteered outside the platform (0.25 to 24 hours, a date not in the
  future) are confirmed or refused by an admin of the named organization or by a tenant admin;
  only confirmed ones count as confirmed hours. Nobody confirms their own.
"""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from engagement.access import require_authenticated
from engagement.errors import EngagementError, EngagementErrorCode
from engagement.inbox.models import Notification
from engagement.inbox.services import notification_create
from engagement.organizations.access import user_organization_role
from engagement.organizations.models import Organization, OrganizationMembership
from engagement.participations.models import Participation
from engagement.programmes.selectors import programme_settings
from engagement.sanitizing import sanitize_text
from engagement.taxonomy.models import Cause
from engagement.validation import copy_fields
from engagement.worktime.models import HoursDeclaration, WorkTimeBalance, WorkTimeRequest
from engagement.worktime.selectors import (
    COUNTING_PARTICIPATION_STATUSES,
    HOURS_STEP,
    allowance_year,
    allowance_year_label,
    default_hours,
    hours_taken,
    is_approver,
    slot_hours,
)
from tenants.audit.services import audit_record
from tenants.outbox.services import outbox_enqueue

logger = logging.getLogger("engagement.services")

Status = WorkTimeRequest.Status
REASON_MAX_LENGTH = 300
DESCRIPTION_MAX_LENGTH = 500
ORGANIZATION_NAME_MAX_LENGTH = 160
DECLARATION_MIN_HOURS = Decimal("0.25")
DECLARATION_MAX_HOURS = Decimal("24")
# The e-mails of this package (engagement/worktime/tasks.py).
APPROVAL_EMAIL_TASK = "engagement.work_time_approval_email_send"
DECISION_EMAIL_TASK = "engagement.work_time_decision_email_send"


def _hours_error(message: str) -> EngagementError:
    return EngagementError(
        message, code=EngagementErrorCode.HOURS_INVALID, fields={"hours": [message]}
    )


def _as_hours(value: object) -> Decimal:
    try:
        hours = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise _hours_error(_("Give a number of hours, such as 2.5.")) from None
    if not hours.is_finite():
        raise _hours_error(_("Give a number of hours, such as 2.5."))
    return hours


def _in_quarters(hours: Decimal) -> None:
    if hours % HOURS_STEP != 0:
        raise _hours_error(_("Give the hours in quarters of an hour (0.25, 0.5, 0.75…)."))


def request_hours_clean(value: object | None, *, participation: Participation) -> Decimal:
    """The hours of a request: the slot's duration when none are given; otherwise more than 0,
    in quarters of an hour, at most the slot's duration."""
    if value is None or value == "":
        hours = default_hours(participation)
    else:
        hours = _as_hours(value)
    maximum = slot_hours(participation)
    if hours <= 0 or hours > maximum:
        raise _hours_error(
            _("Ask for more than 0 and at most %(max)s hours (the length of the date).")
            % {"max": _hours_text(maximum)}
        )
    _in_quarters(hours)
    return hours


def _hours_text(hours: Decimal) -> str:
    """2, 2.5, 1.75: the hours without trailing zeros."""
    text = f"{hours.normalize():f}"
    return text


# --- Requests ------------------------------------------------------------------------------------


def _lock_balance(*, employee_id: int, year: int) -> WorkTimeBalance:
    """The employee's balance row of `year`, created if missing (INSERT … ON CONFLICT DO NOTHING:
    two first requests at once both end up waiting on the same row), locked until commit."""
    WorkTimeBalance.objects.bulk_create(
        [WorkTimeBalance(employee_id=employee_id, year=year)], ignore_conflicts=True
    )
    return WorkTimeBalance.objects.select_for_update().get(employee_id=employee_id, year=year)


def work_time_request_create(
    *, employee: User, participation: Participation, hours: object | None = None
) -> WorkTimeRequest:
    """Ask for work time for one of the employee's participations (rules in the module
    docstring). Approved at once when the policy has no manager approval."""
    require_authenticated(employee)
    if participation.volunteer_id != employee.pk:
        raise EngagementError(
            _("You can only ask for work time for your own participations."),
            code=EngagementErrorCode.NOT_OWN_PARTICIPATION,
        )
    policy = programme_settings()
    now = timezone.now()
    try:
        with transaction.atomic():
            locked = (
                Participation.objects.select_for_update(of=("self",))
                .select_related("slot__mission")
                .get(pk=participation.pk)
            )
            if locked.status not in COUNTING_PARTICIPATION_STATUSES:
                raise EngagementError(
                    _("Work time is asked for a confirmed or attended participation."),
                    code=EngagementErrorCode.INVALID_TRANSITION,
                )
            if locked.slot.starts_at is None or locked.slot.ends_at is None:
                raise EngagementError(
                    _("Work time is asked for a date with a start and an end."),
                    code=EngagementErrorCode.MISSION_WITHOUT_DATES,
                )
            if (
                WorkTimeRequest.objects.filter(participation_id=locked.pk)
                .exclude(status=Status.CANCELLED)
                .exists()
            ):
                raise EngagementError(
                    _("You already asked for work time for this participation."),
                    code=EngagementErrorCode.WORK_TIME_ALREADY_REQUESTED,
                )
            asked = request_hours_clean(hours, participation=locked)
            year = allowance_year(locked.slot.starts_at, policy=policy)
            _lock_balance(employee_id=employee.pk, year=year)
            approved, pending = hours_taken(employee_id=employee.pk, year=year)
            left = max(Decimal("0"), policy.work_hours_per_year - approved - pending)
            if asked > left:
                message = _(
                    "You have %(left)s h of work time left for %(year)s: ask for at most that."
                ) % {"left": _hours_text(left), "year": allowance_year_label(year, policy=policy)}
                raise EngagementError(
                    message,
                    code=EngagementErrorCode.WORK_TIME_BALANCE_EXCEEDED,
                    fields={"hours": [message]},
                )
            at_once = not policy.manager_approval_required
            created = WorkTimeRequest.objects.create(
                participation=locked,
                employee=employee,
                hours=asked,
                year=year,
                status=Status.APPROVED if at_once else Status.REQUESTED,
                decided_at=now if at_once else None,
            )
            audit_record(
                actor=employee,
                action="work_time.requested",
                target=created,
                data={
                    "participation_id": locked.pk,
                    "hours": str(asked),
                    "year": year,
                    "status": created.status,
                },
            )
            if not at_once:
                outbox_enqueue(APPROVAL_EMAIL_TASK, created.pk)
    except IntegrityError:
        # The other request for this participation committed first (one active per
        # participation, a database constraint).
        raise EngagementError(
            _("You already asked for work time for this participation."),
            code=EngagementErrorCode.WORK_TIME_ALREADY_REQUESTED,
        ) from None
    logger.info(
        "work_time.requested", extra={"work_time_request_id": created.pk, "status": created.status}
    )
    return created


def _lock_request(work_time_request: WorkTimeRequest) -> WorkTimeRequest:
    return (
        WorkTimeRequest.objects.select_for_update(of=("self",))
        .select_related("participation__slot__mission", "employee")
        .get(pk=work_time_request.pk)
    )


def work_time_request_decide(
    *, work_time_request: WorkTimeRequest, actor: User, approve: bool, reason: str = ""
) -> WorkTimeRequest:
    """The manager (or, for an employee without one, a tenant admin) approves or refuses a
    pending request; anyone else is refused and nothing changes. The employee is e-mailed."""
    require_authenticated(actor)
    reason = sanitize_text(reason, field="reason", max_length=REASON_MAX_LENGTH)
    now = timezone.now()
    with transaction.atomic():
        current = _lock_request(work_time_request)
        if current.employee_id == actor.pk:
            raise EngagementError(
                _("You cannot decide on your own request: your manager does."),
                code=EngagementErrorCode.NOT_ALLOWED,
            )
        if not is_approver(actor, current):
            raise EngagementError(
                _("Only the employee's manager can decide on this request."),
                code=EngagementErrorCode.NOT_ALLOWED,
            )
        if current.participation.status not in COUNTING_PARTICIPATION_STATUSES:
            raise EngagementError(
                _("The participation was cancelled: there is nothing left to decide."),
                code=EngagementErrorCode.INVALID_TRANSITION,
            )
        if current.status != Status.REQUESTED:
            raise EngagementError(
                _("This request was already decided (%(status)s).")
                % {"status": current.get_status_display()},
                code=EngagementErrorCode.INVALID_TRANSITION,
            )
        current.status = Status.APPROVED if approve else Status.REFUSED
        current.approver = actor
        current.decided_at = now
        current.reason = reason
        current.save(update_fields=["status", "approver", "decided_at", "reason", "updated_at"])
        audit_record(
            actor=actor,
            action="work_time.approved" if approve else "work_time.refused",
            target=current,
            data={"hours": str(current.hours), "with_reason": bool(reason)},
        )
        if current.employee is not None:
            notification_create(
                recipient=current.employee,
                kind=Notification.Kind.WORK_TIME_APPROVED
                if approve
                else Notification.Kind.WORK_TIME_REFUSED,
                actor=actor,
                mission=current.participation.slot.mission,
            )
        outbox_enqueue(DECISION_EMAIL_TASK, current.pk)
    copy_fields(work_time_request, current)
    logger.info(
        "work_time.decided",
        extra={"work_time_request_id": current.pk, "status": current.status},
    )
    return current


def work_time_request_cancel(*, work_time_request: WorkTimeRequest, actor: User) -> WorkTimeRequest:
    """The employee withdraws a pending request, or an approved one before the date starts: its
    hours go back to the balance."""
    require_authenticated(actor)
    now = timezone.now()
    with transaction.atomic():
        current = _lock_request(work_time_request)
        if current.employee_id != actor.pk:
            raise EngagementError(
                _("You can only withdraw your own requests."),
                code=EngagementErrorCode.NOT_ALLOWED,
            )
        starts_at = current.participation.slot.starts_at
        started = starts_at is not None and starts_at <= now
        if current.status not in WorkTimeRequest.ACTIVE_STATUSES or (
            current.status == Status.APPROVED and started
        ):
            raise EngagementError(
                _("This request can no longer be withdrawn."),
                code=EngagementErrorCode.INVALID_TRANSITION,
            )
        current.status = Status.CANCELLED
        current.approver = actor
        current.decided_at = now
        current.save(update_fields=["status", "approver", "decided_at", "updated_at"])
        audit_record(actor=actor, action="work_time.cancelled", target=current)
    copy_fields(work_time_request, current)
    return current


# --- Declared hours ------------------------------------------------------------------------------


def hours_declaration_create(
    *,
    volunteer: User,
    description: str,
    day: date,
    hours: object,
    organization: Organization | None = None,
    organization_name: str = "",
    cause: Cause | None = None,
) -> HoursDeclaration:
    """Declare hours volunteered outside the platform, for an organization of this tenant (its
    admins confirm) or a named one (the tenant admins confirm)."""
    require_authenticated(volunteer)
    description = sanitize_text(description, field="description", max_length=DESCRIPTION_MAX_LENGTH)
    organization_name = sanitize_text(
        organization_name, field="organization_name", max_length=ORGANIZATION_NAME_MAX_LENGTH
    )
    errors: dict[str, list[str]] = {}
    if not description:
        errors["description"] = [_("Say what you did.")]
    if organization is None and not organization_name:
        errors["organization_name"] = [_("Choose the organization or write its name.")]
    if organization is not None:
        organization_name = ""
        if organization.verification_status != Organization.Verification.VERIFIED:
            errors["organization"] = [_("Choose a verified organization of this site.")]
    if day > timezone.localdate():
        errors["date"] = [_("The date cannot be in the future.")]
    try:
        amount = _as_hours(hours)
        if amount < DECLARATION_MIN_HOURS or amount > DECLARATION_MAX_HOURS:
            raise _hours_error(_("Declare from 0.25 to 24 hours."))
        _in_quarters(amount)
    except EngagementError as error:
        errors.update(error.fields or {"hours": [str(error.detail)]})
    if errors:
        first = next(iter(errors.values()))[0]
        raise EngagementError(first, code=EngagementErrorCode.INVALID, fields=errors)
    with transaction.atomic():
        declaration = HoursDeclaration.objects.create(
            volunteer=volunteer,
            organization=organization,
            organization_name=organization_name,
            cause=cause,
            description=description,
            date=day,
            hours=amount,
        )
        audit_record(
            actor=volunteer,
            action="hours_declaration.created",
            target=declaration,
            data={
                "hours": str(amount),
                "organization_id": organization.pk if organization else None,
            },
        )
    return declaration


def may_decide_declaration(user: User, declaration: HoursDeclaration) -> bool:
    """A tenant admin, or an admin of the declaration's organization; never its author."""
    if not user.is_authenticated or not user.is_active or user.pk == declaration.volunteer_id:
        return False
    if user.is_tenant_admin:
        return True
    return (
        declaration.organization_id is not None
        and user_organization_role(user, declaration.organization_id)
        == OrganizationMembership.Role.ADMIN
    )


def hours_declaration_decide(
    *, declaration: HoursDeclaration, actor: User, confirm: bool, reason: str = ""
) -> HoursDeclaration:
    """Confirm a pending declaration (its hours then count) or refuse it with a reason."""
    require_authenticated(actor)
    reason = sanitize_text(reason, field="reason", max_length=REASON_MAX_LENGTH)
    with transaction.atomic():
        current = HoursDeclaration.objects.select_for_update().get(pk=declaration.pk)
        if not may_decide_declaration(actor, current):
            raise EngagementError(
                _("Only an administrator of the organization or of this site can decide."),
                code=EngagementErrorCode.NOT_ALLOWED,
            )
        if current.status != HoursDeclaration.Status.PENDING:
            raise EngagementError(
                _("This declaration was already decided."),
                code=EngagementErrorCode.INVALID_TRANSITION,
            )
        if not confirm and not reason:
            message = _("Say why the hours are refused.")
            raise EngagementError(
                message, code=EngagementErrorCode.NOTE_REQUIRED, fields={"reason": [message]}
            )
        current.status = (
            HoursDeclaration.Status.CONFIRMED if confirm else HoursDeclaration.Status.REFUSED
        )
        current.decided_by = actor
        current.decided_at = timezone.now()
        current.refusal_reason = "" if confirm else reason
        current.save(update_fields=["status", "decided_by", "decided_at", "refusal_reason"])
        audit_record(
            actor=actor,
            action="hours_declaration.confirmed" if confirm else "hours_declaration.refused",
            target=current,
            data={"hours": str(current.hours)},
        )
    copy_fields(declaration, current)
    return current
