"""Declared hours in the organization space (/organisation/<id>/heures-declarees/): an admin of
the organization confirms or refuses (with a reason) the hours people declared for it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.requests import SignedInRequest
from engagement.errors import EngagementError
from engagement.worktime import services
from engagement.worktime.access import (
    declaration_get_for_organization,
    organization_get_for_declarations,
)
from engagement.worktime.forms import ReasonForm
from engagement.worktime.models import HoursDeclaration
from engagement.worktime.selectors import pending_declarations_for_organization


@login_required
@require_GET
def organization_declarations(request: SignedInRequest, organization_id: int) -> HttpResponse:
    organization = organization_get_for_declarations(
        organization_id=organization_id, user=request.user
    )
    return render(
        request,
        "worktime/organization_declarations.html",
        {
            "organization": organization,
            "declarations": list(
                pending_declarations_for_organization(organization_id=organization.pk)
            ),
            "reason_form": ReasonForm(),
            "confirm_url_name": "engagement:organization-declaration-confirm",
            "refuse_url_name": "engagement:organization-declaration-refuse",
        },
    )


def _decide(
    request: SignedInRequest, organization_id: int, declaration_id: int, *, confirm: bool
) -> HttpResponse:
    organization = organization_get_for_declarations(
        organization_id=organization_id, user=request.user
    )
    declaration = declaration_get_for_organization(
        organization=organization, declaration_id=declaration_id
    )
    decide_declaration(request, declaration, confirm=confirm)
    return redirect("engagement:organization-declarations", organization_id=organization.pk)


def decide_declaration(
    request: SignedInRequest, declaration: HoursDeclaration, *, confirm: bool
) -> None:
    """Confirm or refuse from a page's POST, the outcome told in a message."""
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The reason is too long (at most 300 characters)."))
        return
    try:
        services.hours_declaration_decide(
            declaration=declaration,
            actor=request.user,
            confirm=confirm,
            reason=form.cleaned_data["reason"],
        )
    except EngagementError as error:
        messages.error(request, error.detail)
        return
    messages.success(
        request, _("The hours are confirmed.") if confirm else _("The hours are refused.")
    )


@login_required
@require_POST
def organization_declaration_confirm(
    request: SignedInRequest, organization_id: int, declaration_id: int
) -> HttpResponse:
    return _decide(request, organization_id, declaration_id, confirm=True)


@login_required
@require_POST
def organization_declaration_refuse(
    request: SignedInRequest, organization_id: int, declaration_id: int
) -> HttpResponse:
    return _decide(request, organization_id, declaration_id, confirm=False)
