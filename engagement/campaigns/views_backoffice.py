"""The campaigns' back-office pages (/gestion/campagnes/), for tenant admins only: the list,
create and edit, publish or withdraw, and announce by e-mail (once)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.requests import SignedInRequest
from engagement.backoffice.access import backoffice_page
from engagement.backoffice.rendering import backoffice_render
from engagement.campaigns import services
from engagement.campaigns.access import campaign_get_for_admin
from engagement.campaigns.forms import CampaignForm
from engagement.campaigns.models import Campaign
from engagement.campaigns.selectors import (
    campaign_is_running,
    campaign_list_for_admin,
    campaign_progress,
    partner_organization_choices,
    published_mission_choices,
)
from engagement.errors import EngagementError
from engagement.organization_pages import flash_error, show_service_error


def _form(request: SignedInRequest, *, campaign: Campaign | None = None) -> CampaignForm:
    return CampaignForm(
        request.POST or None,
        initial=CampaignForm.initial_from(campaign) if campaign else {"goal_kind": "hours"},
        mission_choices=published_mission_choices(),
        organization_choices=partner_organization_choices(),
    )


@require_GET
@backoffice_page(admins_only=True)
def campaign_list(request: SignedInRequest) -> HttpResponse:
    campaigns = list(campaign_list_for_admin())
    return backoffice_render(
        request,
        "campaigns/backoffice/list.html",
        {"campaigns": [(c, campaign_is_running(c)) for c in campaigns]},
    )


@require_http_methods(["GET", "POST"])
@backoffice_page(admins_only=True)
def campaign_create(request: SignedInRequest) -> HttpResponse:
    form = _form(request)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(actor=request.user, **form.service_kwargs())
        except (EngagementError, ValidationError) as error:
            show_service_error(form, error)
        else:
            messages.success(request, _("The campaign is saved as a draft."))
            return redirect("backoffice:campaign", campaign_id=campaign.pk)
    return backoffice_render(
        request,
        "campaigns/backoffice/form.html",
        {"form": form, "campaign": None},
        status=400 if form.is_bound and form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@backoffice_page(admins_only=True)
def campaign_edit(request: SignedInRequest, campaign_id: int) -> HttpResponse:
    campaign = campaign_get_for_admin(campaign_id=campaign_id, user=request.user)
    form = _form(request, campaign=campaign)
    if request.method == "POST" and form.is_valid():
        try:
            services.campaign_update(actor=request.user, campaign=campaign, **form.service_kwargs())
        except (EngagementError, ValidationError) as error:
            show_service_error(form, error)
        else:
            messages.success(request, _("The campaign is saved."))
            return redirect("backoffice:campaign", campaign_id=campaign.pk)
    return backoffice_render(
        request,
        "campaigns/backoffice/form.html",
        {
            "form": form,
            "campaign": campaign,
            "progress": campaign_progress(campaign),
            "is_running": campaign_is_running(campaign),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@require_POST
@backoffice_page(admins_only=True)
def campaign_publication(request: SignedInRequest, campaign_id: int) -> HttpResponse:
    campaign = campaign_get_for_admin(campaign_id=campaign_id, user=request.user)
    is_published = request.POST.get("is_published") == "1"
    services.campaign_set_published(
        actor=request.user, campaign=campaign, is_published=is_published
    )
    messages.success(
        request,
        _("The campaign is published.") if is_published else _("The campaign is back to draft."),
    )
    return redirect("backoffice:campaign", campaign_id=campaign.pk)


@require_POST
@backoffice_page(admins_only=True)
def campaign_announcement(request: SignedInRequest, campaign_id: int) -> HttpResponse:
    campaign = campaign_get_for_admin(campaign_id=campaign_id, user=request.user)
    try:
        count = services.campaign_announce(actor=request.user, campaign=campaign)
    except EngagementError as error:
        flash_error(request, error)
    else:
        messages.success(
            request,
            ngettext(
                "The announcement is on its way to %(count)d member.",
                "The announcement is on its way to %(count)d members.",
                count,
            )
            % {"count": count},
        )
    return redirect("backoffice:campaign", campaign_id=campaign.pk)
