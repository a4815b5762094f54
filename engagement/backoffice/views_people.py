"""People and roles in the back office (tenant admins only): find people, see a person's
participations and organizations, change their role, suspend or reactivate them, invite someone
or send an invitation again; organizations and their admins.

Views parse and present; the rules are the services' (accounts.roles and accounts.invitations
for people, engagement.organizations.services for organization admins). A refused change renders
the page again with the reason next to the field, and the status says why: 400 bad input, 403
not allowed, 409 the state forbids it (last admin, plan limit).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.errors import AccountsError, AccountsErrorCode
from accounts.invitations import (
    Invitation,
    user_invitation_resend,
    user_invite,
    user_pending_invitation,
)
from accounts.requests import SignedInRequest
from accounts.roles import user_reactivate, user_role_change, user_suspend
from engagement.backoffice.access import backoffice_page
from engagement.backoffice.forms_people import (
    InviteForm,
    MemberRemoveForm,
    OrganizationAdminAddForm,
    OrganizationSearchForm,
    PeopleSearchForm,
    RoleChangeForm,
    SuspendForm,
)
from engagement.backoffice.rendering import backoffice_render
from engagement.backoffice.selectors_people import (
    organization_memberships,
    organization_search,
    people_search,
    person_get,
    person_memberships,
    person_participations,
)
from engagement.errors import EngagementError
from engagement.form_fields import SummarisedErrorsForm
from engagement.organizations.access import (
    membership_get_for_tenant_admin,
    organization_get_for_moderator,
)
from engagement.organizations.models import Organization, OrganizationMembership
from engagement.organizations.services import membership_remove, organization_admin_add

PEOPLE_PER_PAGE = 25
PARTICIPATIONS_PER_PAGE = 20
ORGANIZATIONS_PER_PAGE = 25

_CONFLICTS = frozenset(
    {
        AccountsErrorCode.LAST_TENANT_ADMIN,
        AccountsErrorCode.TENANT_ADMIN_LIMIT_REACHED,
        AccountsErrorCode.INVITATION_NOT_PENDING,
        AccountsErrorCode.ACCOUNT_SUSPENDED,
    }
)


def _status_of(error: AccountsError) -> int:
    if error.code == AccountsErrorCode.FORBIDDEN:
        return 403
    return 409 if error.code in _CONFLICTS else 400


def _attach(form: SummarisedErrorsForm, error: AccountsError) -> None:
    """A refused service call, next to its field (or on top of the form)."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


# --- People --------------------------------------------------------------------------------------


@require_GET
@backoffice_page(admins_only=True)
def people_list(request: HttpRequest) -> HttpResponse:
    """Find people by name or e-mail (`q`), role and status; newest first, paginated."""
    form = PeopleSearchForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return backoffice_render(
            request, "backoffice/people/list.html", {"form": form, "page": None}, status=400
        )
    filters = form.cleaned_data if form.is_bound else {}
    page = Paginator(
        people_search(
            q=filters.get("q", ""), role=filters.get("role", ""), status=filters.get("status", "")
        ),
        PEOPLE_PER_PAGE,
    ).get_page(request.GET.get("page"))
    return backoffice_render(
        request,
        "backoffice/people/list.html",
        {"form": form, "page": page, "searched": any(filters.values())},
    )


def _person_page(
    request: HttpRequest,
    person: Any,
    *,
    role_form: RoleChangeForm | None = None,
    suspend_form: SuspendForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    participations = Paginator(person_participations(user=person), PARTICIPATIONS_PER_PAGE)
    return backoffice_render(
        request,
        "backoffice/people/detail.html",
        {
            "person": person,
            "is_self": person.pk == request.user.pk,
            "invitation": user_pending_invitation(person, email_verified=person.email_verified),
            "role_form": role_form
            or RoleChangeForm(initial={"role": person.role}, auto_id="role-%s"),
            "suspend_form": suspend_form or SuspendForm(auto_id="suspend-%s"),
            "participations": participations.get_page(request.GET.get("page")),
            "memberships": person_memberships(user=person),
            "error": error,
        },
        status=status,
    )


@require_GET
@backoffice_page(admins_only=True)
def person_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    return _person_page(request, person_get(user_id=user_id))


@require_POST
@backoffice_page(admins_only=True)
def person_role(request: SignedInRequest, user_id: int) -> HttpResponse:
    person = person_get(user_id=user_id)
    form = RoleChangeForm(request.POST, auto_id="role-%s")
    if not form.is_valid():
        return _person_page(request, person, role_form=form, status=400)
    previous = person.role
    try:
        user_role_change(
            user=person,
            actor=request.user,
            role=form.cleaned_data["role"],
            confirm_self=form.cleaned_data["confirm_self"],
        )
    except AccountsError as error:
        _attach(form, error)
        return _person_page(request, person, role_form=form, status=_status_of(error))
    values = {"person": person.get_full_name(), "role": person.get_role_display()}
    if person.role == previous:
        messages.info(request, _("%(person)s is already: %(role)s.") % values)
    else:
        messages.success(request, _("%(person)s is now: %(role)s.") % values)
    if person.pk == request.user.pk and not person.is_tenant_admin:
        # They no longer run the back office.
        return redirect("home")
    return redirect("backoffice:person", person.pk)


@require_POST
@backoffice_page(admins_only=True)
def person_suspend(request: SignedInRequest, user_id: int) -> HttpResponse:
    person = person_get(user_id=user_id)
    form = SuspendForm(request.POST, auto_id="suspend-%s")
    form.is_valid()  # a single optional checkbox: always valid
    try:
        user_suspend(
            user=person, actor=request.user, confirm_self=form.cleaned_data["confirm_self"]
        )
    except AccountsError as error:
        _attach(form, error)
        return _person_page(request, person, suspend_form=form, status=_status_of(error))
    if person.pk == request.user.pk:
        # Their session ended with the suspension: start a fresh, anonymous one.
        logout(request)
        return redirect("home")
    messages.success(
        request,
        _("%(person)s is suspended: they are signed out and cannot sign in.")
        % {"person": person.get_full_name()},
    )
    return redirect("backoffice:person", person.pk)


@require_POST
@backoffice_page(admins_only=True)
def person_reactivate(request: SignedInRequest, user_id: int) -> HttpResponse:
    person = person_get(user_id=user_id)
    try:
        user_reactivate(user=person, actor=request.user)
    except AccountsError as error:
        return _person_page(request, person, error=error.message, status=_status_of(error))
    messages.success(
        request, _("%(person)s can sign in again.") % {"person": person.get_full_name()}
    )
    return redirect("backoffice:person", person.pk)


@require_POST
@backoffice_page(admins_only=True)
def person_invitation_resend(request: SignedInRequest, user_id: int) -> HttpResponse:
    person = person_get(user_id=user_id)
    try:
        kind = user_invitation_resend(user=person, actor=request.user)
    except AccountsError as error:
        return _person_page(request, person, error=error.message, status=_status_of(error))
    message = (
        _("The invitation was sent again to %(email)s.")
        if kind is Invitation.SET_PASSWORD
        else _("The confirmation of the address was sent again to %(email)s.")
    )
    messages.success(request, message % {"email": person.email})
    return redirect("backoffice:person", person.pk)


@require_http_methods(["GET", "POST"])
@backoffice_page(admins_only=True)
def person_invite(request: SignedInRequest) -> HttpResponse:
    """Create a person's account with a role; they get an e-mail to choose their password."""
    form = InviteForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                person = user_invite(actor=request.user, **form.cleaned_data)
            except AccountsError as error:
                _attach(form, error)
                status = _status_of(error)
            else:
                messages.success(
                    request,
                    _("The account is created and an invitation was sent to %(email)s.")
                    % {"email": person.email},
                )
                return redirect("backoffice:person", person.pk)
    return backoffice_render(
        request, "backoffice/people/invite.html", {"form": form}, status=status
    )


# --- Organizations and their admins ---------------------------------------------------------------


@require_GET
@backoffice_page(admins_only=True)
def organization_list(request: HttpRequest) -> HttpResponse:
    form = OrganizationSearchForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return backoffice_render(
            request,
            "backoffice/people/organizations.html",
            {"form": form, "page": None},
            status=400,
        )
    q = form.cleaned_data.get("q", "") if form.is_bound else ""
    page = Paginator(organization_search(q=q), ORGANIZATIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return backoffice_render(
        request, "backoffice/people/organizations.html", {"form": form, "page": page, "q": q}
    )


def _organization_page(
    request: HttpRequest,
    organization: Organization,
    *,
    add_form: OrganizationAdminAddForm | None = None,
    remove_form: MemberRemoveForm | None = None,
    remove_membership_id: int | None = None,
    status: int = 200,
) -> HttpResponse:
    memberships = list(organization_memberships(organization=organization))
    return backoffice_render(
        request,
        "backoffice/people/organization.html",
        {
            "organization": organization,
            "memberships": memberships,
            "admin_count": sum(
                membership.role == OrganizationMembership.Role.ADMIN for membership in memberships
            ),
            "add_form": add_form or OrganizationAdminAddForm(auto_id="add-%s"),
            # One last admin at most: its confirmation box has ids of its own.
            "remove_form": remove_form or MemberRemoveForm(auto_id="remove-last-%s"),
            "remove_membership_id": remove_membership_id,
        },
        status=status,
    )


@require_GET
@backoffice_page(admins_only=True)
def organization_detail(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = organization_get_for_moderator(
        organization_id=organization_id, user=request.user
    )
    return _organization_page(request, organization)


@require_POST
@backoffice_page(admins_only=True)
def organization_admin_appoint(request: SignedInRequest, organization_id: int) -> HttpResponse:
    organization = organization_get_for_moderator(
        organization_id=organization_id, user=request.user
    )
    form = OrganizationAdminAddForm(request.POST, auto_id="add-%s")
    if not form.is_valid():
        return _organization_page(request, organization, add_form=form, status=400)
    try:
        membership = organization_admin_add(
            organization=organization, actor=request.user, email=form.cleaned_data["email"]
        )
    except EngagementError as error:
        for field, field_messages in (error.fields or {}).items():
            form.add_error(field if field in form.fields else None, field_messages)
        if not error.fields:
            form.add_error(None, str(error.detail))
        return _organization_page(
            request, organization, add_form=form, status=int(error.status_code)
        )
    messages.success(
        request,
        _("%(person)s is now an administrator of %(organization)s.")
        % {"person": membership.user.get_full_name(), "organization": organization.name},
    )
    return redirect("backoffice:organization", organization.pk)


@require_POST
@backoffice_page(admins_only=True)
def organization_member_remove(
    request: SignedInRequest, organization_id: int, membership_id: int
) -> HttpResponse:
    organization = organization_get_for_moderator(
        organization_id=organization_id, user=request.user
    )
    membership = membership_get_for_tenant_admin(
        organization=organization, membership_id=membership_id
    )
    form = MemberRemoveForm(request.POST, auto_id="remove-last-%s")
    form.is_valid()  # a single optional checkbox: always valid
    try:
        membership_remove(
            membership=membership,
            actor=request.user,
            confirm_last_admin=form.cleaned_data["confirm_last_admin"],
        )
    except EngagementError as error:
        form.add_error(
            "confirm_last_admin" if error.fields else None,
            str(error.detail),
        )
        return _organization_page(
            request,
            organization,
            remove_form=form,
            remove_membership_id=membership.pk,
            status=int(error.status_code),
        )
    messages.success(
        request,
        _("%(person)s no longer belongs to %(organization)s.")
        % {"person": membership.user.get_full_name(), "organization": organization.name},
    )
    return redirect("backoffice:organization", organization.pk)
