"""The pages behind the links of reminder e-mails: no sign-in, the signed link is the proof.

A GET only shows where things stand and a button (mail scanners open links: opening one never
changes anything); the change is made by the POST of that page, then the page is shown again
(POST/redirect/GET), so clicking twice does it once. A link that is not one of this tenant's,
forged or altered answers a readable 404 page; an expired one a 410 page.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from engagement.errors import EngagementError
from engagement.organization_pages import show_service_error
from engagement.participations.models import Participation
from engagement.participations.services import slot_has_started, slot_max_hours
from engagement.reminders import services
from engagement.reminders.forms import DeclaredHoursForm
from engagement.reminders.models import Reminder
from engagement.reminders.selectors import reminder_for_answer
from tenants.signing import InvalidToken, TokenExpired


def _refused(request: HttpRequest, *, expired: bool) -> HttpResponse:
    return render(
        request,
        "reminders/link_refused.html",
        {"expired": expired},
        status=410 if expired else 404,
    )


@require_http_methods(["GET", "POST"])
def reminder_answer(request: HttpRequest, token: str) -> HttpResponse:
    try:
        reminder, action = reminder_for_answer(token)
    except TokenExpired:
        return _refused(request, expired=True)
    except InvalidToken:
        return _refused(request, expired=False)
    participation = reminder.participation
    slot = participation.slot
    form = None
    if action == services.Action.HOURS:
        initial = reminder.declared_hours or participation.hours or slot_max_hours(slot)
        form = DeclaredHoursForm(
            request.POST if request.method == "POST" else None, initial={"hours": initial}
        )
    if request.method == "POST":
        try:
            if action == services.Action.YES:
                services.reminder_confirm_coming(reminder=reminder)
                messages.success(request, _("Thank you: the organization knows you are coming."))
            elif action == services.Action.CANCEL:
                services.reminder_cannot_come(reminder=reminder)
                messages.success(
                    request, _("Your participation is cancelled. Thank you for letting us know.")
                )
            elif form is not None and form.is_valid():
                services.reminder_declare_hours(reminder=reminder, hours=form.cleaned_data["hours"])
                messages.success(request, _("Thank you: your hours are sent to the organization."))
            else:
                return _page(request, reminder, action, form, status=400)
        except EngagementError as error:
            if form is not None:
                show_service_error(form, error)
                return _page(request, reminder, action, form, status=400)
            messages.error(request, str(error.detail))
            return _page(request, reminder, action, form, status=409)
        return redirect("reminder-answer", token=token)
    return _page(request, reminder, action, form)


def _page(
    request: HttpRequest,
    reminder: Reminder,
    action: str,
    form: DeclaredHoursForm | None,
    *,
    status: int = 200,
) -> HttpResponse:
    participation = reminder.participation
    Status = Participation.Status
    is_active = participation.status in (Status.CONFIRMED, Status.REQUESTED, Status.WAITLISTED)
    started = slot_has_started(participation.slot)
    can_answer = {
        services.Action.YES: participation.status == Status.CONFIRMED
        and not started
        and reminder.answer != Reminder.Answer.COMING,
        services.Action.CANCEL: is_active and not started,
        services.Action.HOURS: started
        and participation.status in (Status.CONFIRMED, Status.ATTENDED, Status.NO_SHOW),
    }[services.Action(action)]
    return render(
        request,
        "reminders/answer.html",
        {
            "reminder": reminder,
            "participation": participation,
            "slot": participation.slot,
            "mission": participation.slot.mission,
            "action": action,
            "form": form,
            "can_answer": can_answer,
            "is_cancelled": participation.status == Status.CANCELLED,
        },
        status=status,
    )
