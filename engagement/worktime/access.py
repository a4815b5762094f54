"""Who may see which work-time request or hours declaration.

A request is seen by its employee and its approver (the employee's manager, or the tenant admins
for an employee without one); to anyone else its id is the same 404 as a missing one. The
employee opening the decision of their own request gets a 403 with a message.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _

from accounts.permissions import Viewer, get_or_404, id_or_404, user_is_signed_in
from engagement.errors import EngagementError, EngagementErrorCode
from engagement.organizations.models import Organization, OrganizationMembership
from engagement.participations.models import Participation
from engagement.worktime.models import HoursDeclaration, WorkTimeRequest
from engagement.worktime.selectors import is_approver


def work_time_request_get_for_approver(*, request_id: int | str, user: Viewer) -> WorkTimeRequest:
    """A request the user decides; 403 (with why) for its own employee, 404 for anyone else."""
    pk = id_or_404(request_id)
    if not user_is_signed_in(user):
        raise Http404
    found = get_or_404(
        WorkTimeRequest.objects.select_related(
            "participation__slot__mission__organization", "employee", "approver"
        ),
        pk,
    )
    if found.employee_id == user.pk:
        raise EngagementError(
            _("You cannot decide on your own request: your manager does."),
            code=EngagementErrorCode.NOT_ALLOWED,
        )
    if not is_approver(user, found):
        raise Http404
    return found


def work_time_request_get_for_employee(*, request_id: int | str, user: Viewer) -> WorkTimeRequest:
    """One of the user's own requests; anyone else's is a 404."""
    pk = id_or_404(request_id)
    if not user_is_signed_in(user):
        raise Http404
    return get_or_404(
        WorkTimeRequest.objects.select_related("participation__slot__mission").filter(
            employee_id=user.pk
        ),
        pk,
    )


def participation_get_for_work_time(*, participation_id: int | str, user: Viewer) -> Participation:
    """One of the user's own participations (anyone else's is a 404)."""
    pk = id_or_404(participation_id)
    if not user_is_signed_in(user):
        raise Http404
    return get_or_404(
        Participation.objects.select_related("slot__mission").filter(volunteer_id=user.pk), pk
    )


def organization_get_for_declarations(*, organization_id: int | str, user: Viewer) -> Organization:
    """An organization the user administers (its declarations to confirm); else a 404."""
    pk = id_or_404(organization_id)
    if not user_is_signed_in(user):
        raise Http404
    return get_or_404(
        Organization.objects.filter(
            memberships__user_id=user.pk,
            memberships__role=OrganizationMembership.Role.ADMIN,
        ),
        pk,
    )


def declaration_get_for_organization(
    *, organization: Organization, declaration_id: int | str
) -> HoursDeclaration:
    return get_or_404(
        HoursDeclaration.objects.select_related("volunteer", "organization").filter(
            organization_id=organization.pk
        ),
        id_or_404(declaration_id),
    )


def declaration_get_for_tenant_admin(*, declaration_id: int | str) -> HoursDeclaration:
    """Any declaration of the tenant (the back office's views are guarded for tenant admins)."""
    return get_or_404(
        HoursDeclaration.objects.select_related("volunteer", "organization"),
        id_or_404(declaration_id),
    )
