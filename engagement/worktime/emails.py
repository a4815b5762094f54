"""The e-mails of volunteering time: to the approver(s) of a new request (signed approve and
refuse links), and to the employee once it is decided. Rendered and sent by
engagement.emails.delivery (once per key, in the recipient's language); run by the tasks of
engagement/worktime/tasks.py, safe to run twice."""

from __future__ import annotations

from accounts.models import User
from engagement.emails.delivery import deliver_email
from engagement.links import language_for, page_url
from engagement.worktime.links import (
    MY_WORK_TIME_PATH,
    TEAM_PATH,
    Decision,
    work_time_decision_url,
)
from engagement.worktime.models import WorkTimeRequest
from engagement.worktime.selectors import approvers_of, effective_status
from tenants.context import current_tenant
from tenants.models import Tenant


def _tenant() -> Tenant:
    # Every link reads the canonical origin (Tenant.base_url): load the domains once.
    return Tenant.objects.prefetch_related("domains").get(pk=current_tenant().pk)


def _request(request_id: int) -> WorkTimeRequest | None:
    return (
        WorkTimeRequest.objects.select_related(
            "participation__slot__mission__organization", "employee", "approver"
        )
        .filter(pk=request_id)
        .first()
    )


def _person(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_short_name()


def send_approval_emails(*, request_id: int) -> int:
    """Ask the request's approver(s) to decide; how many e-mails left now."""
    found = _request(request_id)
    if found is None or effective_status(found) != WorkTimeRequest.Status.REQUESTED:
        return 0
    tenant = _tenant()
    context = {
        "work_time_request": found,
        "employee_name": _person(found.employee),
        "slot": found.participation.slot,
        "mission": found.participation.slot.mission,
        "organization": found.participation.slot.mission.organization,
        "approve_url": work_time_decision_url(tenant, found, Decision.APPROVE),
        "refuse_url": work_time_decision_url(tenant, found, Decision.REFUSE),
        "team_url": page_url(tenant, "work-time-team", TEAM_PATH),
    }
    sent = 0
    for approver in approvers_of(found):
        sent += deliver_email(
            key=f"work-time:{found.pk}:approval:{approver.pk}",
            tenant=tenant,
            template="work_time_approval",
            recipient=approver,
            language=language_for(tenant, approver),
            context={**context, "approver": approver},
        )
    return sent


def send_decision_email(*, request_id: int) -> bool:
    """Tell the employee their request was approved or refused."""
    found = _request(request_id)
    if found is None or found.employee is None:
        return False
    if found.status not in (WorkTimeRequest.Status.APPROVED, WorkTimeRequest.Status.REFUSED):
        return False
    tenant = _tenant()
    return deliver_email(
        key=f"work-time:{found.pk}:{found.status}",
        tenant=tenant,
        template="work_time_decided",
        recipient=found.employee,
        language=language_for(tenant, found.employee),
        context={
            "work_time_request": found,
            "employee": found.employee,
            "is_approved": found.status == WorkTimeRequest.Status.APPROVED,
            "approver_name": _person(found.approver),
            "slot": found.participation.slot,
            "mission": found.participation.slot.mission,
            "work_time_url": page_url(tenant, "work-time", MY_WORK_TIME_PATH),
        },
    )
