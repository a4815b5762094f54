"""Resident pages of group sign-up: "Go with friends" on a mission, and the page where a friend
claims or declines the seat held for them. Both work without JavaScript (plain forms)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.requests import SignedInRequest
from engagement.errors import EngagementError
from engagement.groups import services
from engagement.groups.access import seat_hold_get_for_friend
from engagement.groups.forms import GroupSignupForm
from engagement.groups.selectors import friend_choices, person_name
from engagement.missions.mission_page import viewable_mission
from engagement.organization_pages import show_service_error


@login_required
@require_http_methods(["GET", "POST"])
def group_signup(request: SignedInRequest, mission_id: int) -> HttpResponse:
    mission = viewable_mission(request, mission_id)
    slots = [slot for slot in mission.upcoming_slots if slot.seats_left > 0]
    friends = friend_choices(user=request.user)
    form = GroupSignupForm(
        request.POST if request.method == "POST" else None, slots=slots, friends=friends
    )
    if request.method == "POST" and form.is_valid():
        try:
            result = services.group_signup(
                volunteer=request.user,
                slot=form.chosen_slot(),
                friend_ids=form.cleaned_data["friends"],
            )
        except EngagementError as error:
            show_service_error(form, error)
        else:
            count = len(result.holds)
            messages.success(
                request,
                ngettext(
                    "You are in, and a seat is held for your friend for 24 hours: "
                    "we told them by e-mail.",
                    "You are in, and %(count)d seats are held for your friends for 24 hours: "
                    "we told them by e-mail.",
                    count,
                )
                % {"count": count},
            )
            return redirect("my-engagements")
    return render(
        request,
        "groups/group_signup.html",
        {
            "mission": mission,
            "form": form,
            "slots": slots,
            "friends": friends,
            "max_friends": services.GROUP_MAX_FRIENDS,
            "hold_hours": int(services.HOLD_DURATION.total_seconds() // 3600),
        },
    )


@login_required
@require_GET
def seat_hold_detail(request: SignedInRequest, hold_id: int) -> HttpResponse:
    hold = seat_hold_get_for_friend(hold_id=hold_id, user=request.user)
    return render(
        request,
        "groups/seat_hold.html",
        {
            "hold": hold,
            "slot": hold.slot,
            "mission": hold.slot.mission,
            "organizer_name": person_name(hold.held_by) if hold.held_by else "",
        },
    )


@login_required
@require_POST
def seat_hold_claim(request: SignedInRequest, hold_id: int) -> HttpResponse:
    hold = seat_hold_get_for_friend(hold_id=hold_id, user=request.user)
    try:
        services.seat_hold_claim(hold=hold, actor=request.user)
    except EngagementError as error:
        messages.error(request, error.detail)
        return redirect(reverse("seat-hold", args=[hold.pk]))
    messages.success(request, _("It's done: the seat is yours. See you there!"))
    return redirect("my-engagements")


@login_required
@require_POST
def seat_hold_decline(request: SignedInRequest, hold_id: int) -> HttpResponse:
    hold = seat_hold_get_for_friend(hold_id=hold_id, user=request.user)
    try:
        services.seat_hold_decline(hold=hold, actor=request.user)
    except EngagementError as error:
        messages.error(request, error.detail)
        return redirect(reverse("seat-hold", args=[hold.pk]))
    messages.success(request, _("Thank you for saying so: the seat goes to someone else."))
    return redirect("my-engagements")
