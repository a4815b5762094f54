"""Resident pages of missions: "Autour de moi" (list, map and filters) and the mission page.

Views parse the request (engagement/missions/forms.py), authorise through the domain's access
rules (engagement/missions/access.py: 404 for "missing" and "not yours" alike), call one selector
or service and present the result. Every page works without JavaScript; htmx only swaps the
results of "Autour de moi" in place.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from engagement.campaigns.selectors import running_campaign_banners
from engagement.friends.selectors import friends_going
from engagement.missions import selectors as missions_selectors
from engagement.missions.access import mission_get_for_viewer, mission_get_published
from engagement.missions.forms import MissionFilterForm, Origin
from engagement.missions.mission_page import (
    MISSION_PAGE_SECONDS,
    fill_seats,
    my_active_participations,
    slot_choice_context,
    viewable_mission,
)
from engagement.missions.search import MissionSearchFilters, SearchResult, mission_search_paginated
from engagement.missions.share_card import share_card_cached_png, share_card_for
from engagement.missions.short_links import mission_id_from_short_code, mission_short_code
from engagement.places.geocoding import area_labels, lookup
from engagement.places.messages import place_error_message
from engagement.sharing.selectors import shared_mission_list
from engagement.taxonomy.selectors import cause_list, skill_list
from engagement.volunteers.models import VolunteerProfile
from engagement.volunteers.selectors import profile_for_user
from tenants.models import Tenant
from tenants.page_cache import LISTS_SCOPE, anonymous_page_cache, mission_scope, page_changes_at

logger = logging.getLogger(__name__)

PAGE_SIZE = 20
# The cities' shared missions shown on a company's search page (the rest on their own page).
HOME_SHARED_MISSIONS = 6
# How long an anonymous visitor's copy of a page may be served (tenants/page_cache.py). Every
# write to what they show renews them; these bound what no write announces. The home page's
# lists show the seats left, which a sign-up does not renew there (only on the mission page):
# a few minutes. A mission page is renewed by any change of its own, its seats included
# (MISSION_PAGE_SECONDS, in engagement/missions/mission_page.py with the mission's copy).
HOME_PAGE_SECONDS = 180


# --- "Autour de moi" ----------------------------------------------------------------------------


def _origin(
    request: HttpRequest, form: MissionFilterForm, profile: VolunteerProfile | None
) -> Origin | None:
    """Where distances are measured from: the browser's position, the typed place, or (for
    "missions for me") the profile's home; None means "not located" (soonest first)."""
    lat, lng = form.value("lat"), form.value("lng")
    if lat is not None and lng is not None:
        return Origin(lat=lat, lng=lng, label=_("your position"))
    where = form.value("where")
    if where:
        found = lookup(where, tenant=request.tenant)
        if found.place is None:
            form.add_error("where", place_error_message(unavailable=found.is_unavailable))
            return None
        place = found.place
        return Origin(lat=place.lat, lng=place.lng, label=place.label)
    if form.value("for_me") and profile is not None and profile.home_point is not None:
        return Origin(
            lat=profile.home_point.y,
            lng=profile.home_point.x,
            label=profile.home_label or _("my area"),
        )
    return None


def _search_filters(
    form: MissionFilterForm,
    *,
    origin: Origin | None,
    profile: VolunteerProfile | None,
    user: Any,
) -> MissionSearchFilters:
    for_me = bool(form.value("for_me")) and profile is not None
    causes = tuple(form.value("cause") or ())
    if for_me and not causes:
        causes = tuple(cause.slug for cause in profile.causes.all())  # type: ignore[union-attr]
    radius = form.value("radius_km")
    if for_me and radius is None:
        radius = profile.radius_km  # type: ignore[union-attr]
    sort = form.value("sort") or None
    if origin is None:
        radius = None
        sort = None if sort == "distance" else sort
    wants_mine = form.value("availability") == "mine" or for_me
    availability_mine = bool(wants_mine and profile is not None and profile.availability_mask)
    return MissionSearchFilters(
        lat=origin.lat if origin else None,
        lng=origin.lng if origin else None,
        radius_km=radius,
        causes=causes,
        skills=tuple(form.value("skill") or ()),
        date_from=form.value("date_from"),
        date_to=form.value("date_to"),
        availability=None if availability_mine else form.availability_mask(),
        availability_mine=availability_mine,
        remote=form.remote_choice(),
        step_free=True if form.value("step_free") else None,
        open_to_minors=True if form.value("open_to_minors") else None,
        beginner_friendly=True if form.value("beginner_friendly") else None,
        q=form.value("q") or "",
        sort=sort,
        user=user if availability_mine else None,
    )


def search_from_query(
    request: HttpRequest, query: QueryDict
) -> tuple[MissionFilterForm, Origin | None, MissionSearchFilters]:
    """The form, the origin and the filters "Autour de moi" reads from `query`: saving a search
    (engagement.alerts.views) reads it exactly as the page does."""
    user = request.user
    form = MissionFilterForm(query, causes=list(cause_list()))
    form.is_valid()
    profile = profile_for_user(user=user) if user.is_authenticated else None
    origin = _origin(request, form, profile)
    return form, origin, _search_filters(form, origin=origin, profile=profile, user=user)


def _map_data(
    missions: list[SearchResult], *, origin: Origin | None, centre: dict[str, float]
) -> dict[str, Any]:
    points = [
        {
            "id": mission.pk,
            "title": mission.title,
            "lat": mission.lat,
            "lng": mission.lng,
            "url": reverse("mission-detail", args=[mission.pk]),
            "detail": mission.organization["name"],
        }
        for mission in missions
        if mission.lat is not None
    ]
    return {
        "points": points,
        "origin": (
            {"lat": origin.lat, "lng": origin.lng, "label": origin.label} if origin else None
        ),
        "centre": centre,
    }


def _next_local_midnight() -> datetime:
    """When today's date labels and the day's campaigns change."""
    tomorrow = timezone.localdate() + timedelta(days=1)
    return datetime.combine(tomorrow, time.min, tzinfo=timezone.get_current_timezone())


def _first_start(starts: Iterable[datetime | None]) -> datetime | None:
    """The soonest of these dates (None without any): when a page offering them changes."""
    return min((start for start in starts if start is not None), default=None)


@require_GET
@anonymous_page_cache("home", scope=LISTS_SCOPE, seconds=HOME_PAGE_SECONDS)
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = MissionFilterForm(request.GET, causes=list(cause_list()), skills=list(skill_list()))
    form.is_valid()
    profile = profile_for_user(user=user) if user.is_authenticated else None
    origin = _origin(request, form, profile)
    filters = _search_filters(form, origin=origin, profile=profile, user=user)
    page = mission_search_paginated(filters=filters, page=request.GET.get("page"), size=PAGE_SIZE)
    # A date shown starts and leaves the list; at midnight the day's campaigns change.
    page_changes_at(
        request, _first_start(result.next_slot_starts_at for result in page.object_list)
    )
    page_changes_at(request, _next_local_midnight())
    tenant = request.tenant
    centre = {"lat": tenant.map_center.y, "lng": tenant.map_center.x, "zoom": tenant.map_zoom}
    context = {
        "form": form,
        "page": page,
        "origin": origin,
        "map_centre": centre,
        "map_data": _map_data(list(page.object_list), origin=origin, centre=centre),
        "known_areas": area_labels(tenant=tenant),
        "show_onboarding": user.is_authenticated and profile is None,
        # Anonymous visitors: nothing, and no query.
        "friends_going": (
            friends_going(viewer=user, mission_ids=[mission.pk for mission in page.object_list])
            if user.is_authenticated
            else {}
        ),
        # A company's own section "Near our offices, from the cities" (engagement.sharing): its
        # local copy, narrowed by the search's words and causes, one query; none on a city.
        "shared_missions": (
            list(
                shared_mission_list(
                    q=form.cleaned_data.get("q") or "",
                    causes=form.cleaned_data.get("cause") or (),
                )[:HOME_SHARED_MISSIONS]
            )
            if tenant.kind == Tenant.Kind.COMPANY and user.is_authenticated
            else []
        ),
    }
    if request.htmx and not request.htmx.history_restore_request:
        response = render(request, "engagement/_partials/results.html", context)
    else:
        # The running campaigns' banners: cached per tenant for a minute (no query on a hit).
        context["campaign_banners"] = running_campaign_banners()
        response = render(request, "missions/home.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- Mission page and "Je participe" ------------------------------------------------------------


@require_GET
@anonymous_page_cache("mission", scope=mission_scope, seconds=MISSION_PAGE_SECONDS, fill=fill_seats)
def mission_detail(request: HttpRequest, mission_id: int) -> HttpResponse:
    mission = viewable_mission(request, mission_id, keep_seats=not request.user.is_authenticated)
    # The first date offered starts and can no longer be chosen.
    page_changes_at(request, _first_start(slot.starts_at for slot in mission.upcoming_slots))
    mine = my_active_participations(request, mission)
    share_url = request.build_absolute_uri(reverse("mission-detail", args=[mission.pk]))
    card = share_card_for(mission=mission, tenant=request.tenant)
    image_path = reverse("mission-share-image", args=[mission.pk])
    point = (
        [
            {
                "id": mission.pk,
                "title": mission.title,
                "lat": mission.location.y,
                "lng": mission.location.x,
                "url": share_url,
                "detail": mission.address,
            }
        ]
        if mission.location is not None
        else []
    )
    return render(
        request,
        "missions/mission_detail.html",
        {
            "mission": mission,
            **slot_choice_context(request, mission, mine),
            "my_participations": mine,
            "share_url": share_url,
            "short_url": request.build_absolute_uri(
                reverse("mission-short-link", args=[mission_short_code(mission.pk)])
            ),
            "share_image_url": request.build_absolute_uri(f"{image_path}?v={card.version}"),
            "map_data": {"points": point, "origin": None, "centre": None},
            "friends_going": (
                friends_going(viewer=request.user, mission_ids=[mission.pk]).get(mission.pk, [])
                if request.user.is_authenticated
                else []
            ),
        },
    )


# --- Sharing ------------------------------------------------------------------------------------

# With the version it was drawn for, the picture's URL names one picture for ever.
SHARE_IMAGE_IMMUTABLE = "public, max-age=31536000, immutable"
SHARE_IMAGE_UNVERSIONED = "public, max-age=3600"


@require_GET
def mission_share_image(request: HttpRequest, mission_id: int) -> HttpResponse:
    """The link preview's picture of a published mission (engagement.missions.share_card): the
    same for everyone, so anything else is a 404 like the page for a visitor. Conditional
    requests are answered from the version alone (ETag), without drawing."""
    mission = missions_selectors.mission_detail(
        mission=mission_get_published(mission_id=mission_id)
    )
    card = share_card_for(mission=mission, tenant=request.tenant)
    etag = f'"{card.version}"'
    cache_control = (
        SHARE_IMAGE_IMMUTABLE if request.GET.get("v") == card.version else SHARE_IMAGE_UNVERSIONED
    )
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        not_modified["Cache-Control"] = cache_control
        return not_modified
    response = HttpResponse(
        share_card_cached_png(card, tenant=request.tenant), content_type="image/png"
    )
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    response["X-Content-Type-Options"] = "nosniff"
    # Nothing loads or runs; inline styles only for the browser's own picture viewer.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@require_GET
def mission_short_link(request: HttpRequest, code: str) -> HttpResponse:
    """/m/<code>/ → the mission page, when the visitor may see it (else the page's 404)."""
    mission_id = mission_id_from_short_code(code)
    if mission_id is None:
        raise Http404
    mission = mission_get_for_viewer(mission_id=mission_id, user=request.user)
    return HttpResponseRedirect(reverse("mission-detail", args=[mission.pk]))
