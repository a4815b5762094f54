"""Employees' pages of a company programme: the teams (mine and all), a team's page with its
members' activity (for those who show it) and totals, the team leaderboard where the company
turned it on, and the person's own choice of showing their activity to their teams.

A tenant without teams (a city) shows an empty list at /equipes/ and 404 for any team id; the
leaderboard is a 404 wherever leaderboards are off, and nothing links to it then.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.requests import SignedInRequest
from engagement.campaigns.selectors import campaign_team_standings, campaigns_running
from engagement.programmes import selectors, services
from engagement.programmes.access import team_get_for_member


@require_GET
@login_required
def team_list(request: SignedInRequest) -> HttpResponse:
    teams = list(selectors.team_list())
    mine = selectors.team_ids_of_user(request.user)
    settings_row = selectors.programme_settings()
    return render(
        request,
        "programmes/team_list.html",
        {
            "my_teams": [team for team in teams if team.pk in mine],
            "teams": teams,
            "leaderboards_enabled": settings_row.leaderboards_enabled and bool(teams),
        },
    )


@require_GET
@login_required
def team_detail(request: SignedInRequest, team_id: int) -> HttpResponse:
    team = team_get_for_member(team_id=team_id, user=request.user)
    settings_row = selectors.programme_settings()
    period = selectors.programme_year(starts_month=settings_row.year_starts_month)
    page = selectors.team_page(team=team, period=period)
    return render(
        request,
        "programmes/team_detail.html",
        {
            "page": page,
            "is_member": any(m.membership.user_id == request.user.pk for m in page.members),
            "leaderboards_enabled": settings_row.leaderboards_enabled,
        },
    )


@require_GET
@login_required
def team_leaderboard(request: SignedInRequest) -> HttpResponse:
    settings_row = selectors.programme_settings()
    if not settings_row.leaderboards_enabled:
        raise Http404
    period = selectors.programme_year(starts_month=settings_row.year_starts_month)
    campaign = campaigns_running().first()
    return render(
        request,
        "programmes/leaderboard.html",
        {
            "period": period,
            "year_standings": selectors.year_standings(period=period),
            "campaign": campaign,
            "campaign_standings": campaign_team_standings(campaign) if campaign else [],
            "my_teams": selectors.team_ids_of_user(request.user),
        },
    )


@require_POST
@login_required
def activity_visibility(request: SignedInRequest) -> HttpResponse:
    """The profile page's switch: my teams see (or no longer see) the missions I join."""
    shows = request.POST.get("shows_activity_to_team") == "on"
    services.employee_activity_visibility_set(user=request.user, shows_activity_to_team=shows)
    messages.success(
        request,
        _("Your teams see the missions you join.")
        if shows
        else _("Your teams no longer see the missions you join."),
    )
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "profile"
    return redirect(target)
