"""Resident pages of participations: "Je participe", "Mes engagements", cancelling, and the
calendar file of a participation.

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
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from accounts.requests import SignedInRequest
from engagement.errors import EngagementError
from engagement.groups.selectors import seat_holds_current
from engagement.missions.mission_page import (
    my_active_participations,
    slot_choice_context,
    viewable_mission,
)
from engagement.missions.models import Mission, Slot
from engagement.participations import services as participations_services
from engagement.participations.access import participation_get_for_volunteer
from engagement.participations.calendar import slot_ics
from engagement.participations.forms import CancelForm, ParticipateForm
from engagement.participations.models import Participation
from engagement.participations.selectors import participations_of_volunteer
from engagement.participations.services import participation_request
from engagement.reminders.selectors import participations_with_answers

logger = logging.getLogger(__name__)
PAST_LIMIT = 50
INTENT_SESSION_KEY = "participation_intent"
# An intent older than this (seconds) is dropped: the visitor has moved on.
INTENT_MAX_AGE = 3600


def _participation_message(participation: Participation) -> str:
    if participation.status == Participation.Status.CONFIRMED:
        return _("It's done: your participation is confirmed. See you there!")
    if participation.status == Participation.Status.REQUESTED:
        return _("Your request has been sent: the organization will confirm it.")
    return _("This date is full: you are on the waiting list, we will tell you if a seat frees up.")


def _participate(
    request: HttpRequest, volunteer: User, mission: Mission, slot: Slot
) -> HttpResponse:
    try:
        participation = participation_request(volunteer=volunteer, slot=slot)
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


def _choose_date(request: HttpRequest, mission: Mission) -> HttpResponse:
    """The POST of "Je participe": the chosen date, for a signed-in person or, stored in the
    session, for one who signs up first."""
    slots = list(mission.upcoming_slots)
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
        here = reverse("mission-participate", args=[mission.pk])
        return redirect(f"{reverse('account_signup')}?{urlencode({'next': here})}")
    return _participate(request, request.user, mission, slot)


@require_http_methods(["GET", "POST"])
def mission_participate(request: HttpRequest, mission_id: int) -> HttpResponse:
    # The mission and its dates as its page has them (the tenant's cached copy when published):
    # the participation service reads the chosen date again, locked, before it writes.
    mission = viewable_mission(request, mission_id)
    if request.method == "POST":
        return _choose_date(request, mission)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    slots = list(mission.upcoming_slots)
    intent_slot_id = _pop_intent(request, mission)
    by_id = {slot.pk: slot for slot in slots}
    if intent_slot_id in by_id:
        return _participate(request, request.user, mission, by_id[intent_slot_id])
    context = slot_choice_context(request, mission, my_active_participations(request, mission))
    return render(
        request,
        "participations/participate.html",
        {"mission": mission, **context, "form": ParticipateForm(slots=slots)},
    )


# --- "Mes engagements" --------------------------------------------------------------------------


@login_required
@require_GET
def my_engagements(request: SignedInRequest) -> HttpResponse:
    upcoming = participations_of_volunteer(user=request.user, scope="upcoming")
    past = participations_of_volunteer(user=request.user, scope="past", limit=PAST_LIMIT)
    # "Yes, I'm coming" and the hours declared after a reminder, beside each (one query).
    participations_with_answers([*upcoming, *past])
    sections = [
        {
            "id": "upcoming",
            "title": _("Upcoming"),
            "participations": upcoming,
            "empty": _("No commitment coming up."),
        },
        {
            "id": "past",
            "title": _("Past and cancelled"),
            "participations": past,
            "empty": _("Nothing here yet."),
        },
    ]
    # Seats held for the volunteer by a friend, and the ones they hold for friends.
    held_for_me, held_by_me = seat_holds_current(user=request.user)
    return render(
        request,
        "participations/my_engagements.html",
        {"sections": sections, "held_for_me": held_for_me, "held_by_me": held_by_me},
    )


@login_required
@require_POST
def participation_cancel(request: SignedInRequest, participation_id: int) -> HttpResponse:
    participation = participation_get_for_volunteer(
        participation_id=participation_id, user=request.user
    )
    form = CancelForm(request.POST)
    if not form.is_valid():
        # Only the reason can be wrong (too long): nothing is cancelled, the page says why.
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("my-engagements")
    try:
        participations_services.participation_cancel(
            participation=participation,
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
    except EngagementError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("Your participation is cancelled."))
    return redirect("my-engagements")


@login_required
@require_GET
def participation_calendar(request: HttpRequest, participation_id: int) -> HttpResponse:
    """The participation's date as an .ics file (the same event as the confirmation e-mail)."""
    participation = participation_get_for_volunteer(
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
