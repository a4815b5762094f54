"""Organizations: the dashboard of one's organizations, registration, editing, members and
invitations (and accepting one)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.permissions import user_is_moderator
from accounts.requests import SignedInRequest
from engagement.errors import EngagementError
from engagement.missions.selectors import mission_list_for_organization
from engagement.organization_pages import ADMIN_ONLY, flash_error, show_service_error
from engagement.organizations import services as organizations_services
from engagement.organizations.access import (
    membership_get_for_member,
    organization_get_for_member,
    user_has_organization_role,
    user_membership,
)
from engagement.organizations.forms import InvitationForm, OrganizationEditForm, OrganizationForm
from engagement.organizations.models import Organization, OrganizationMembership
from engagement.organizations.selectors import (
    invitation_list_for_organization,
    membership_list_for_organization,
    organization_list_for_user,
)
from engagement.organizations.services import (
    membership_remove,
    organization_create,
    organization_invite,
    organization_update,
)
from engagement.volunteers.selectors import volunteer_display_name


@login_required
@require_GET
def dashboard(request: SignedInRequest) -> HttpResponse:
    organizations = organization_list_for_user(user=request.user)
    return render(
        request,
        "organizations/organization/dashboard.html",
        {
            "organizations": organizations,
            "is_moderator": user_is_moderator(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def organization_register(request: SignedInRequest) -> HttpResponse:
    # On a company's site, organizations are mostly its own teams.
    kind = (
        Organization.Kind.COMPANY_TEAM
        if request.tenant.kind == request.tenant.Kind.COMPANY
        else Organization.Kind.ASSOCIATION
    )
    form = OrganizationForm(request.POST or None, initial={"kind": kind})
    if request.method == "POST" and form.is_valid():
        try:
            organization = organization_create(creator=request.user, **form.service_kwargs())
        except (EngagementError, ValidationError) as error:
            show_service_error(form, error)
        else:
            messages.success(
                request,
                _(
                    "Your organization is registered. The team of %(tenant)s will verify it; "
                    "meanwhile you can prepare missions."
                )
                % {"tenant": request.tenant.name},
            )
            return redirect("engagement:organization-detail", organization.pk)
    return render(
        request,
        "organizations/organization/organization_form.html",
        {"form": form, "organization": None},
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def organization_detail(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = organization_get_for_member(organization_id=organization_id, user=request.user)
    membership = user_membership(request.user, organization)
    missions = mission_list_for_organization(organization=organization)
    return render(
        request,
        "organizations/organization/organization_detail.html",
        {
            "organization": organization,
            "membership": membership,
            "role": membership.role if membership else None,
            "is_admin": membership is not None
            and membership.role == OrganizationMembership.Role.ADMIN,
            "missions": missions,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def organization_edit(request: SignedInRequest, organization_id: int) -> HttpResponse:
    organization = organization_get_for_member(
        organization_id=organization_id, user=request.user, roles=ADMIN_ONLY
    )
    form = OrganizationEditForm(
        request.POST or None,
        request.FILES or None,
        initial=OrganizationForm.initial_from(organization),
    )
    if request.method == "POST" and form.is_valid():
        try:
            organization_update(
                organization=organization, actor=request.user, **form.service_kwargs()
            )
        except (EngagementError, ValidationError) as error:
            show_service_error(form, error)
        else:
            messages.success(request, _("The organization is saved."))
            return redirect("engagement:organization-detail", organization.pk)
    return render(
        request,
        "organizations/organization/organization_form.html",
        {"form": form, "organization": organization},
        status=400 if form.errors else 200,
    )


def _members_and_invitations(organization: Organization) -> dict[str, Any]:
    """The members (with their users) and the invitations still waiting: two queries."""
    memberships = list(membership_list_for_organization(organization=organization))
    return {
        "memberships": memberships,
        # The last admin cannot leave (organizations.services.membership_remove): no button then.
        "admin_count": sum(
            membership.role == OrganizationMembership.Role.ADMIN for membership in memberships
        ),
        "invitations": invitation_list_for_organization(organization=organization),
    }


@login_required
@require_http_methods(["GET", "POST"])
def organization_members(request: SignedInRequest, organization_id: int) -> HttpResponse:
    organization = organization_get_for_member(
        organization_id=organization_id, user=request.user, roles=ADMIN_ONLY
    )
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = organization_invite(
                organization=organization,
                actor=request.user,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
            )
        except (EngagementError, ValidationError) as error:
            show_service_error(form, error)
        else:
            messages.success(
                request,
                _("An invitation was sent to %(email)s.") % {"email": invitation.email},
            )
            return redirect("engagement:organization-members", organization.pk)
    return render(
        request,
        "organizations/organization/members.html",
        {
            "organization": organization,
            **_members_and_invitations(organization),
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def organization_member_remove(
    request: SignedInRequest, organization_id: int, membership_id: int
) -> HttpResponse:
    """An admin removes a member, or a member leaves (the service keeps the last admin)."""
    membership = membership_get_for_member(
        organization_id=organization_id, membership_id=membership_id, user=request.user
    )
    leaving = membership.user_id == request.user.pk
    try:
        membership_remove(membership=membership, actor=request.user)
    except EngagementError as error:
        flash_error(request, error)
        if user_has_organization_role(request.user, organization_id, ADMIN_ONLY):
            return redirect("engagement:organization-members", organization_id)
        return redirect("engagement:organization-detail", organization_id)
    if leaving:
        messages.success(
            request,
            _("You left %(organization)s.") % {"organization": membership.organization.name},
        )
        return redirect("engagement:organization-dashboard")
    messages.success(
        request,
        _("%(person)s no longer belongs to the organization.")
        % {"person": volunteer_display_name(membership.user)},
    )
    return redirect("engagement:organization-members", organization_id)


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Anyone with the link sees the page; accepting needs an account of this tenant, and the
    sign-in and sign-up links bring the invitee back here (`?next=`)."""
    context: dict[str, Any] = {"token": token, "error": None}
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        try:
            membership = organizations_services.invitation_accept(token=token, user=request.user)
        except EngagementError as error:
            context["error"] = error.detail
            return render(
                request,
                "organizations/organization/invitation_accept.html",
                context,
                status=error.status_code,
            )
        messages.success(
            request,
            _("Welcome to %(organization)s.") % {"organization": membership.organization.name},
        )
        return redirect("engagement:organization-detail", membership.organization_id)
    return render(request, "organizations/organization/invitation_accept.html", context)
