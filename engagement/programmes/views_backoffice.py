"""The programme's back-office pages (/gestion/programme/, /gestion/sites/, /gestion/equipes/),
for tenant admins only: the programme's settings, the offices, the teams and their members.

Each page reads through engagement.programmes.selectors and writes through one service of
engagement.programmes.services; a refusal re-renders the page with a 400 and the message next to
its field (or on top); a change redirects with a message.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.requests import SignedInRequest
from engagement.backoffice.access import backoffice_page
from engagement.backoffice.rendering import backoffice_render
from engagement.errors import EngagementError
from engagement.form_fields import SummarisedErrorsForm
from engagement.organization_pages import flash_error, show_service_error
from engagement.places.geocoding import geocode
from engagement.programmes import selectors, services
from engagement.programmes.access import site_get_for_admin, team_get_for_admin
from engagement.programmes.forms import (
    PersonForm,
    PersonSearchForm,
    ProgrammeSettingsForm,
    SiteForm,
    TeamForm,
)
from engagement.programmes.models import Team
from tenants.models import Tenant


class ProgrammeRequest(SignedInRequest):
    """A signed-in tenant admin (backoffice_page) on a tenant host."""

    tenant: Tenant


def _try(form: SummarisedErrorsForm, change: Callable[[], object]) -> bool:
    try:
        change()
    except (ValidationError, EngagementError) as error:
        show_service_error(form, error)
        return False
    return True


def _status(form: SummarisedErrorsForm) -> int:
    return 400 if form.is_bound and form.errors else 200


# --- Settings -----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@backoffice_page(admins_only=True)
def programme_settings(request: SignedInRequest) -> HttpResponse:
    row = selectors.programme_settings()
    form = ProgrammeSettingsForm(
        request.POST or None, initial=ProgrammeSettingsForm.initial_from(row)
    )
    if request.method == "POST" and form.is_valid():
        if _try(
            form,
            lambda: services.programme_settings_update(actor=request.user, **form.cleaned_data),
        ):
            messages.success(request, _("The settings are saved."))
            return redirect("backoffice:programme")
    return backoffice_render(
        request, "programmes/backoffice/settings.html", {"form": form}, status=_status(form)
    )


# --- Sites --------------------------------------------------------------------------------------


@require_http_methods(["GET"])
@backoffice_page(admins_only=True)
def site_list(request: SignedInRequest) -> HttpResponse:
    return backoffice_render(
        request, "programmes/backoffice/sites.html", {"sites": list(selectors.site_list())}
    )


def _site_fields(request: ProgrammeRequest, form: SiteForm) -> dict[str, object]:
    data = form.cleaned_data
    latitude, longitude = data.get("latitude"), data.get("longitude")
    if latitude is None and longitude is None and data.get("address"):
        # The same place lookup as the missions' (engagement.places).
        place = geocode(data["address"], tenant=request.tenant)
        if place is not None:
            latitude, longitude = place.lat, place.lng
    return {
        "name": data["name"],
        "address": data.get("address", ""),
        "latitude": latitude,
        "longitude": longitude,
        "external_id": data.get("external_id", ""),
    }


@require_http_methods(["GET", "POST"])
@backoffice_page(admins_only=True)
def site_create(request: ProgrammeRequest) -> HttpResponse:
    form = SiteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _try(
            form,
            lambda: services.site_create(actor=request.user, **_site_fields(request, form)),  # type: ignore[arg-type]
        ):
            messages.success(request, _("The site is added."))
            return redirect("backoffice:sites")
    return backoffice_render(
        request,
        "programmes/backoffice/site_form.html",
        {"form": form, "site": None},
        status=_status(form),
    )


@require_http_methods(["GET", "POST"])
@backoffice_page(admins_only=True)
def site_edit(request: ProgrammeRequest, site_id: int) -> HttpResponse:
    site = site_get_for_admin(site_id=site_id, user=request.user)
    form = SiteForm(request.POST or None, initial=SiteForm.initial_from(site))
    if request.method == "POST" and form.is_valid():
        if _try(
            form,
            lambda: services.site_update(
                actor=request.user,
                site=site,
                **_site_fields(request, form),  # type: ignore[arg-type]
            ),
        ):
            messages.success(request, _("The site is saved."))
            return redirect("backoffice:sites")
        site.refresh_from_db()
    return backoffice_render(
        request,
        "programmes/backoffice/site_form.html",
        {"form": form, "site": site},
        status=_status(form),
    )


@require_POST
@backoffice_page(admins_only=True)
def site_activation(request: SignedInRequest, site_id: int) -> HttpResponse:
    site = site_get_for_admin(site_id=site_id, user=request.user)
    is_active = request.POST.get("is_active") == "1"
    services.site_set_active(actor=request.user, site=site, is_active=is_active)
    messages.success(
        request, _("The site is active again.") if is_active else _("The site is deactivated.")
    )
    return redirect("backoffice:sites")


# --- Teams --------------------------------------------------------------------------------------


@require_http_methods(["GET"])
@backoffice_page(admins_only=True)
def team_list(request: SignedInRequest) -> HttpResponse:
    return backoffice_render(
        request, "programmes/backoffice/teams.html", {"teams": list(selectors.team_list())}
    )


@require_http_methods(["GET", "POST"])
@backoffice_page(admins_only=True)
def team_create(request: SignedInRequest) -> HttpResponse:
    form = TeamForm(request.POST or None, site_choices=selectors.site_choices())
    if request.method == "POST" and form.is_valid():
        created: list[Team] = []
        if _try(
            form,
            lambda: created.append(
                services.team_create(
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    site_id=form.cleaned_data["site"],
                )
            ),
        ):
            messages.success(request, _("The team is created: add its members."))
            return redirect("backoffice:team", team_id=created[0].pk)
    return backoffice_render(
        request, "programmes/backoffice/team_create.html", {"form": form}, status=_status(form)
    )


def _team_page(
    request: SignedInRequest,
    team: Team,
    *,
    form: TeamForm | None = None,
    status: int = 200,
) -> HttpResponse:
    search = PersonSearchForm(request.GET or None)
    found = (
        selectors.people_search(query=search.cleaned_data["q"], exclude_team=team)
        if search.is_valid() and search.cleaned_data["q"]
        else []
    )
    if form is None:
        form = TeamForm(
            initial={"name": team.name, "site": team.site_id},
            site_choices=selectors.site_choices(),
        )
    return backoffice_render(
        request,
        "programmes/backoffice/team.html",
        {
            "team": team,
            "is_manual": team.source == Team.Source.MANUAL,
            "form": form,
            "search": search,
            "found": found,
            "memberships": selectors.team_memberships(team),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@backoffice_page(admins_only=True)
def team_detail(request: SignedInRequest, team_id: int) -> HttpResponse:
    """A team: its name and site (manual teams), its members, a search to add people."""
    team = team_get_for_admin(team_id=team_id, user=request.user)
    if request.method == "POST":
        form = TeamForm(request.POST, site_choices=selectors.site_choices())
        if form.is_valid() and _try(
            form,
            lambda: services.team_update(
                actor=request.user,
                team=team,
                name=form.cleaned_data["name"],
                site_id=form.cleaned_data["site"],
            ),
        ):
            messages.success(request, _("The team is saved."))
            return redirect("backoffice:team", team_id=team.pk)
        team.refresh_from_db()
        return _team_page(request, team, form=form, status=400)
    return _team_page(request, team)


@require_POST
@backoffice_page(admins_only=True)
def team_delete(request: SignedInRequest, team_id: int) -> HttpResponse:
    team = team_get_for_admin(team_id=team_id, user=request.user)
    try:
        services.team_delete(actor=request.user, team=team)
    except EngagementError as error:
        flash_error(request, error)
        return redirect("backoffice:team", team_id=team.pk)
    messages.success(request, _("The team is deleted."))
    return redirect("backoffice:teams")


@require_POST
@backoffice_page(admins_only=True)
def team_member_add(request: SignedInRequest, team_id: int) -> HttpResponse:
    team = team_get_for_admin(team_id=team_id, user=request.user)
    form = PersonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a person of this site."))
        return redirect("backoffice:team", team_id=team.pk)
    try:
        services.team_member_add(actor=request.user, team=team, user_id=form.cleaned_data["user"])
    except EngagementError as error:
        flash_error(request, error)
    else:
        messages.success(request, _("The person is added to the team."))
    return redirect("backoffice:team", team_id=team.pk)


@require_POST
@backoffice_page(admins_only=True)
def team_member_remove(request: SignedInRequest, team_id: int, user_id: int) -> HttpResponse:
    team = team_get_for_admin(team_id=team_id, user=request.user)
    try:
        services.team_member_remove(actor=request.user, team=team, user_id=user_id)
    except EngagementError as error:
        flash_error(request, error)
    else:
        messages.success(request, _("The person is removed from the team."))
    return redirect("backoffice:team", team_id=team.pk)


@require_POST
@backoffice_page(admins_only=True)
def team_lead(request: SignedInRequest, team_id: int, user_id: int) -> HttpResponse:
    team = team_get_for_admin(team_id=team_id, user=request.user)
    is_lead = request.POST.get("is_lead") == "1"
    try:
        services.team_lead_set(actor=request.user, team=team, user_id=user_id, is_lead=is_lead)
    except EngagementError as error:
        flash_error(request, error)
    else:
        messages.success(
            request,
            _("The person is a lead of the team.")
            if is_lead
            else _("The person is no longer a lead."),
        )
    return redirect("backoffice:team", team_id=team.pk)
