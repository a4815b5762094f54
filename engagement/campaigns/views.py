"""A campaign's page: its description, dates, goal and progress, featured missions, partner
organizations and (where the company turned leaderboards on, for signed-in members) the team
standings. Drafts are a 404 for everyone but the site's admins, who see a "draft" notice.
Campaigns exist on any tenant (a city can run one too)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.permissions import user_is_signed_in
from engagement.campaigns.access import campaign_get_for_viewer
from engagement.campaigns.selectors import (
    campaign_featured_cards,
    campaign_is_running,
    campaign_progress,
    campaign_team_standings,
)
from engagement.programmes.selectors import programme_settings, team_ids_of_user


@require_GET
def campaign_detail(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = campaign_get_for_viewer(slug=slug, user=request.user)
    show_standings = user_is_signed_in(request.user) and programme_settings().leaderboards_enabled
    return render(
        request,
        "campaigns/detail.html",
        {
            "campaign": campaign,
            "is_running": campaign_is_running(campaign),
            "progress": campaign_progress(campaign),
            "featured": campaign_featured_cards(campaign),
            "partners": list(campaign.partner_organizations.order_by("name")),
            "standings": campaign_team_standings(campaign) if show_standings else None,
            "my_teams": team_ids_of_user(request.user) if show_standings else set(),  # type: ignore[arg-type]
            "friends_going": {},
        },
    )
