"""The welcome wizard (/gestion/bienvenue/), for tenant admins: the first things a new instance
needs, one step a page, each skippable, with the progress shown.

`/gestion/bienvenue/` opens on the first step not done yet (engagement/backoffice/welcome.py
reads that from the data), so the wizard can be left and taken up again. Each step writes through
the service its back-office page uses (tenants.settings_services.tenant_branding_update,
engagement.organizations.services.organization_create); the SSO step leads to the sign-in
settings pages (accounts:saml-settings, accounts:oidc-settings). A refusal re-renders the step
with a 400 and the messages next to their fields; nothing is saved.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from engagement.backoffice.access import backoffice_page
from engagement.backoffice.forms_welcome import WelcomeBrandingForm, WelcomeOrganizationForm
from engagement.backoffice.rendering import backoffice_render
from engagement.backoffice.views_settings import SettingsRequest
from engagement.backoffice.welcome import (
    STEP_LABELS,
    STEP_URL_NAMES,
    WelcomeProgress,
    WelcomeStep,
    welcome_progress,
)
from engagement.errors import EngagementError
from engagement.form_fields import SummarisedErrorsForm
from engagement.organization_pages import show_service_error
from engagement.organizations.models import Organization
from engagement.organizations.services import organization_create
from tenants.branding import brand_preview
from tenants.settings_services import tenant_branding_update


def _render(
    request: SettingsRequest,
    step: WelcomeStep,
    progress: WelcomeProgress,
    context: dict[str, Any] | None = None,
    *,
    form: SummarisedErrorsForm | None = None,
) -> HttpResponse:
    steps = [
        {
            "key": key.value,
            "label": STEP_LABELS[key],
            "url": reverse(STEP_URL_NAMES[key]),
            "is_done": key in progress.done,
            "is_current": key == step,
        }
        for key in progress.steps
    ]
    following = progress.next_after(step)
    return backoffice_render(
        request,
        f"backoffice/welcome/{step.value}.html",
        {
            "form": form,
            "step": step.value,
            "steps": steps,
            "position": progress.position(step),
            "step_count": len(progress.steps),
            "step_label": STEP_LABELS[step],
            "is_done": step in progress.done,
            "next_url": reverse(STEP_URL_NAMES[following]),
            **(context or {}),
        },
        status=400 if form is not None and form.errors else 200,
    )


def _next(request: SettingsRequest, step: WelcomeStep) -> HttpResponse:
    messages.success(request, _("Saved."))
    progress = welcome_progress(tenant=request.tenant)
    return redirect(STEP_URL_NAMES[progress.next_after(step)])


@require_GET
@backoffice_page(admins_only=True)
def welcome(request: SettingsRequest) -> HttpResponse:
    """The wizard's entry: the first step not done yet."""
    progress = welcome_progress(tenant=request.tenant)
    step = progress.first_open
    if step == WelcomeStep.BRANDING:
        return _branding_page(request, progress, _branding_form(request))
    if step == WelcomeStep.ORGANIZATION:
        return _organization_page(request, progress, _organization_form(request))
    return _render(request, step, progress)


def _branding_form(request: SettingsRequest) -> WelcomeBrandingForm:
    tenant = request.tenant
    return WelcomeBrandingForm(
        request.POST or None,
        request.FILES or None,
        initial=WelcomeBrandingForm.initial_from(tenant),
        tenant=tenant,
    )


def _branding_page(
    request: SettingsRequest, progress: WelcomeProgress, form: WelcomeBrandingForm
) -> HttpResponse:
    tenant = request.tenant
    return _render(
        request,
        WelcomeStep.BRANDING,
        progress,
        {"preview": brand_preview(tenant.primary_color, tenant.accent_color)},
        form=form,
    )


@require_http_methods(["GET", "POST"])
@backoffice_page(admins_only=True)
def welcome_branding(request: SettingsRequest) -> HttpResponse:
    form = _branding_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            tenant_branding_update(
                tenant=request.tenant, actor=request.user, **form.service_kwargs()
            )
        except (ValidationError, EngagementError) as error:
            show_service_error(form, error)
        else:
            return _next(request, WelcomeStep.BRANDING)
    return _branding_page(request, welcome_progress(tenant=request.tenant), form)


def _organization_form(request: SettingsRequest) -> WelcomeOrganizationForm:
    # On a company's site, organizations are mostly its own teams.
    kind = (
        Organization.Kind.COMPANY_TEAM
        if request.tenant.kind == request.tenant.Kind.COMPANY
        else Organization.Kind.ASSOCIATION
    )
    return WelcomeOrganizationForm(request.POST or None, initial={"kind": kind})


def _organization_page(
    request: SettingsRequest, progress: WelcomeProgress, form: WelcomeOrganizationForm
) -> HttpResponse:
    return _render(request, WelcomeStep.ORGANIZATION, progress, form=form)


@require_http_methods(["GET", "POST"])
@backoffice_page(admins_only=True)
def welcome_organization(request: SettingsRequest) -> HttpResponse:
    form = _organization_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            organization_create(creator=request.user, **form.service_kwargs())
        except (ValidationError, EngagementError) as error:
            show_service_error(form, error)
        else:
            return _next(request, WelcomeStep.ORGANIZATION)
    return _organization_page(request, welcome_progress(tenant=request.tenant), form)


@require_GET
@backoffice_page(admins_only=True)
def welcome_sso(request: SettingsRequest) -> HttpResponse:
    """The way to the SAML and OpenID Connect pages (a company's step; a city goes on)."""
    progress = welcome_progress(tenant=request.tenant)
    if WelcomeStep.SSO not in progress.steps:
        return redirect(STEP_URL_NAMES[WelcomeStep.DONE])
    return _render(request, WelcomeStep.SSO, progress)


@require_GET
@backoffice_page(admins_only=True)
def welcome_done(request: SettingsRequest) -> HttpResponse:
    return _render(request, WelcomeStep.DONE, welcome_progress(tenant=request.tenant))
