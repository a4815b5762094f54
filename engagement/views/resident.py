"""Resident pages: "Autour de moi", the mission page, "Je participe", "Mes engagements" and the
volunteer profile.

Views parse the request (engagement/forms.py), authorise through accounts.permissions (404 for
"missing" and "not yours" alike), call one selector or service and present the result. Every page
works without JavaScript; htmx only swaps the results of "Autour de moi" in place.

"Je participe" for a visitor who is not signed in: the POST (CSRF-checked) stores the chosen slot
in the session and sends them to sign up, with `next` pointing back to the participate page. The
session survives sign-up and login (Django keeps its data when it cycles the key), so the GET that
follows finds the intent, makes the participation and lands on the mission page. A GET without a
stored intent never writes: it shows a one-click confirmation instead, so a link alone can never
sign anyone up.
"""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.contrib.gis.geos import Point
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import permissions
from engagement import selectors, services
from engagement.errors import EngagementError
from engagement.forms import MissionFilterForm, Origin, ParticipateForm, ProfileForm
from engagement.geocoding import area_labels, geocode
from engagement.models import Mission, Participation, Slot, VolunteerProfile
from engagement.notifications import slot_ics

logger = logging.getLogger(__name__)

PAGE_SIZE = 20
PAST_LIMIT = 50
INTENT_SESSION_KEY = "participation_intent"
# An intent older than this (seconds) is dropped: the visitor has moved on.
INTENT_MAX_AGE = 3600


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
        place = geocode(where, tenant=request.tenant)
        if place is None:
            form.add_error(
                "where", _("We could not find this place. Try a postcode or a district.")
            )
            return None
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
) -> selectors.MissionSearchFilters:
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
    return selectors.MissionSearchFilters(
        lat=origin.lat if origin else None,
        lng=origin.lng if origin else None,
        radius_km=radius,
        causes=causes,
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


def _map_data(
    missions: list[selectors.SearchResult], *, origin: Origin | None, centre: dict[str, float]
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


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    causes = list(selectors.cause_list())
    form = MissionFilterForm(request.GET, causes=causes)
    form.is_valid()
    profile = selectors.profile_for_user(user=user) if user.is_authenticated else None
    origin = _origin(request, form, profile)
    filters = _search_filters(form, origin=origin, profile=profile, user=user)
    page = selectors.mission_search_paginated(
        filters=filters, page=request.GET.get("page"), size=PAGE_SIZE
    )
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
    }
    if request.htmx and not request.htmx.history_restore_request:
        response = render(request, "engagement/_partials/results.html", context)
    else:
        response = render(request, "engagement/resident/home.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- Mission page and "Je participe" ------------------------------------------------------------


def _viewable_mission(request: HttpRequest, mission_id: int) -> Mission:
    mission = permissions.mission_get_for_viewer(mission_id=mission_id, user=request.user)
    return selectors.mission_detail(mission=mission)


def _requested_slot_id(request: HttpRequest) -> int | None:
    value = request.GET.get("slot", "")
    return int(value) if value.isdigit() else None


def _my_active_participations(request: HttpRequest, mission: Mission) -> list[Participation]:
    if not request.user.is_authenticated:
        return []
    return list(
        selectors.participation_list_for_volunteer(user=request.user, scope="upcoming").filter(
            slot__mission_id=mission.pk
        )
    )


def _slot_choice_context(
    request: HttpRequest, mission: Mission, mine: list[Participation]
) -> dict[str, Any]:
    """The slots to show, the ones already booked (shown, not offered) and the preselected one."""
    slots = list(mission.upcoming_slots)
    booked = {participation.slot_id for participation in mine}
    return {
        "slots": slots,
        "booked_slot_ids": booked,
        "choosable_count": sum(1 for slot in slots if slot.pk not in booked),
        "selected_slot_id": _requested_slot_id(request),
    }


@require_GET
def mission_detail(request: HttpRequest, mission_id: int) -> HttpResponse:
    mission = _viewable_mission(request, mission_id)
    mine = _my_active_participations(request, mission)
    share_url = request.build_absolute_uri(reverse("mission-detail", args=[mission.pk]))
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
        "engagement/resident/mission_detail.html",
        {
            "mission": mission,
            **_slot_choice_context(request, mission, mine),
            "my_participations": mine,
            "share_url": share_url,
            "map_data": {"points": point, "origin": None, "centre": None},
            # The "friends going" block renders nothing until that feature exists.
            "friends_going": [],
        },
    )


def _participation_message(participation: Participation) -> str:
    if participation.status == Participation.Status.CONFIRMED:
        return _("It's done: your participation is confirmed. See you there!")
    if participation.status == Participation.Status.REQUESTED:
        return _("Your request has been sent: the organization will confirm it.")
    return _("This date is full: you are on the waiting list, we will tell you if a seat frees up.")


def _participate(request: HttpRequest, mission: Mission, slot: Slot) -> HttpResponse:
    try:
        participation = services.participation_request(volunteer=request.user, slot=slot)
    except EngagementError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _participation_message(participation))
    return redirect(f"{reverse('mission-detail', args=[mission.pk])}#participer")


def _pop_intent(request: HttpRequest, mission: Mission) -> int | None:
    """The slot a visitor chose before signing in, if it was for this mission and is recent."""
    intent = request.session.pop(INTENT_SESSION_KEY, None)
    if not isinstance(intent, dict) or intent.get("mission") != mission.pk:
        return None
    if time.time() - float(intent.get("at", 0)) > INTENT_MAX_AGE:
        return None
    slot_id = intent.get("slot")
    return slot_id if isinstance(slot_id, int) else None


@require_http_methods(["GET", "POST"])
def mission_participate(request: HttpRequest, mission_id: int) -> HttpResponse:
    mission = _viewable_mission(request, mission_id)
    slots = list(mission.upcoming_slots)
    here = reverse("mission-participate", args=[mission.pk])
    if request.method == "POST":
        form = ParticipateForm(request.POST, slots=slots)
        if not form.is_valid():
            messages.error(request, _("Choose one of the dates below."))
            return redirect(f"{reverse('mission-detail', args=[mission.pk])}#participer")
        slot = form.chosen_slot()
        if not request.user.is_authenticated:
            request.session[INTENT_SESSION_KEY] = {
                "mission": mission.pk,
                "slot": slot.pk,
                "at": int(time.time()),
            }
            return redirect(f"{reverse('account_signup')}?{urlencode({'next': here})}")
        return _participate(request, mission, slot)

    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    intent_slot_id = _pop_intent(request, mission)
    by_id = {slot.pk: slot for slot in slots}
    if intent_slot_id in by_id:
        return _participate(request, mission, by_id[intent_slot_id])
    context = _slot_choice_context(request, mission, _my_active_participations(request, mission))
    return render(
        request,
        "engagement/resident/participate.html",
        {"mission": mission, **context, "form": ParticipateForm(slots=slots)},
    )


# --- "Mes engagements" --------------------------------------------------------------------------


@login_required
@require_GET
def my_engagements(request: HttpRequest) -> HttpResponse:
    upcoming = selectors.participation_list_for_volunteer(user=request.user, scope="upcoming")
    past = selectors.participation_list_for_volunteer(user=request.user, scope="past")
    sections = [
        {
            "id": "upcoming",
            "title": _("Upcoming"),
            "participations": list(upcoming),
            "empty": _("No commitment coming up."),
        },
        {
            "id": "past",
            "title": _("Past and cancelled"),
            "participations": list(past[:PAST_LIMIT]),
            "empty": _("Nothing here yet."),
        },
    ]
    return render(request, "engagement/resident/my_engagements.html", {"sections": sections})


@login_required
@require_POST
def participation_cancel(request: HttpRequest, participation_id: int) -> HttpResponse:
    participation = permissions.participation_get_for_volunteer(
        participation_id=participation_id, user=request.user
    )
    try:
        services.participation_cancel(participation=participation, actor=request.user)
    except EngagementError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("Your participation is cancelled."))
    return redirect("my-engagements")


@login_required
@require_GET
def participation_calendar(request: HttpRequest, participation_id: int) -> HttpResponse:
    """The participation's date as an .ics file (the same event as the confirmation e-mail)."""
    participation = permissions.participation_get_for_volunteer(
        participation_id=participation_id, user=request.user
    )
    if not participation.is_active:
        raise Http404
    calendar = slot_ics(tenant=request.tenant, participation=participation)
    if calendar is None:
        raise Http404
    response = HttpResponse(calendar, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="mission-{participation.pk}.ics"'
    return response


@require_GET
def organization_logo(request: HttpRequest, organization_id: int) -> HttpResponse:
    """The organization's logo (a PNG we wrote, engagement.images): public for verified
    organizations, else for their members and the moderators. The URL carries the file's
    version (Organization.logo_url), so it may be cached for long, privately unless public."""
    organization = permissions.organization_get_for_viewer(
        organization_id=organization_id, user=request.user
    )
    if not organization.logo:
        raise Http404
    try:
        file = organization.logo.open("rb")
    except OSError:  # gone, unreadable, or a directory where the file should be
        raise Http404 from None
    response = FileResponse(file, content_type="image/png")
    visibility = "public" if organization.is_verified else "private"
    response["Cache-Control"] = f"{visibility}, max-age=86400"
    response["Content-Security-Policy"] = "default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Profile ------------------------------------------------------------------------------------

# Service error fields → form fields.
PROFILE_ERROR_FIELDS = {
    "cause_ids": "causes",
    "skill_ids": "skills",
    "availability_mask": "availability",
    "home_point": "home_label",
    "home_label": "home_label",
    "radius_km": "radius_km",
}


def _home_area(
    request: HttpRequest, form: ProfileForm, profile: VolunteerProfile | None
) -> tuple[Point | None, str | None, bool] | None:
    """(point, label, clear) for the service; None when the typed place is unknown."""
    label = form.cleaned_data.get("home_label") or ""
    lat, lng = form.cleaned_data.get("lat"), form.cleaned_data.get("lng")
    if lat is not None and lng is not None:
        return Point(lng, lat, srid=4326), label or _("My position"), False
    if not label:
        return None, None, bool(profile and profile.home_point is not None)
    if profile is not None and profile.home_point is not None and label == profile.home_label:
        return None, None, False
    place = geocode(label, tenant=request.tenant)
    if place is None:
        form.add_error(
            "home_label", _("We could not find this place. Try a postcode or a district.")
        )
        return None
    return Point(place.lng, place.lat, srid=4326), label, False


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    causes = list(selectors.cause_list())
    skills = list(selectors.skill_list())
    current = selectors.profile_for_user(user=request.user)
    if request.method == "POST":
        form = ProfileForm(request.POST, causes=causes, skills=skills)
        home = _home_area(request, form, current) if form.is_valid() else None
        if home is not None:
            point, label, clear = home
            try:
                services.profile_update(
                    user=request.user,
                    cause_ids=form.cleaned_data["causes"],
                    skill_ids=form.cleaned_data["skills"],
                    availability_mask=form.availability_mask(),
                    home_point=point,
                    home_label=label,
                    radius_km=form.cleaned_data["radius_km"],
                    clear_home=clear,
                )
            except EngagementError as error:
                for field, errors in (error.fields or {}).items():
                    for message in errors:
                        form.add_error(PROFILE_ERROR_FIELDS.get(field), message)
                if not error.fields:
                    form.add_error(None, error.detail)
            else:
                messages.success(request, _("Your profile is saved."))
                return redirect("profile")
    else:
        form = ProfileForm(causes=causes, skills=skills, profile=current)
    return render(
        request,
        "engagement/resident/profile.html",
        {"form": form, "known_areas": area_labels(tenant=request.tenant)},
    )
