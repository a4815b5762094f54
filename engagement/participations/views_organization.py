"""Participants: confirm, decline, attendance and hours, and the CSV export (a billing
entitlement)."""

from __future__ import annotations

import csv
import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.requests import SignedInRequest
from billing.entitlements import entitlement_has
from engagement.missions.access import mission_get_for_editor
from engagement.organization_pages import CSV_EXPORT, mission_url, run_action, slot_label
from engagement.participations import services as participations_services
from engagement.participations.access import participation_get_for_organizer
from engagement.participations.forms import AttendanceForm, DeclineForm
from engagement.participations.models import Participation
from engagement.participations.selectors import participant_phone, participation_list_for_mission
from engagement.participations.services import (
    participation_mark_attended,
    participation_mark_no_show,
)
from engagement.spreadsheets import cell_text
from engagement.volunteers.selectors import volunteer_display_name

logger = logging.getLogger(__name__)


def _participation_redirect(participation: Participation) -> HttpResponse:
    return HttpResponseRedirect(
        mission_url(participation.slot.mission_id, f"slot-{participation.slot_id}")
    )


@login_required
@require_POST
def participation_confirm(request: SignedInRequest, participation_id: int) -> HttpResponse:
    participation = participation_get_for_organizer(
        participation_id=participation_id, user=request.user
    )
    run_action(
        request,
        lambda: participations_services.participation_confirm(
            participation=participation, actor=request.user
        ),
        _("The volunteer is confirmed."),
    )
    return _participation_redirect(participation)


@login_required
@require_POST
def participation_decline(request: SignedInRequest, participation_id: int) -> HttpResponse:
    participation = participation_get_for_organizer(
        participation_id=participation_id, user=request.user
    )
    form = DeclineForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    run_action(
        request,
        lambda: participations_services.participation_decline(
            participation=participation, actor=request.user, reason=reason
        ),
        _("The request is declined."),
    )
    return _participation_redirect(participation)


@login_required
@require_POST
def participation_attended(request: SignedInRequest, participation_id: int) -> HttpResponse:
    participation = participation_get_for_organizer(
        participation_id=participation_id, user=request.user
    )
    form = AttendanceForm(request.POST, prefix=f"p{participation.pk}")
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("hours", [_("Invalid hours.")])))
        return _participation_redirect(participation)
    run_action(
        request,
        lambda: participation_mark_attended(
            participation=participation, actor=request.user, hours=form.cleaned_data["hours"]
        ),
        _("Attendance recorded."),
    )
    return _participation_redirect(participation)


@login_required
@require_POST
def participation_no_show(request: SignedInRequest, participation_id: int) -> HttpResponse:
    participation = participation_get_for_organizer(
        participation_id=participation_id, user=request.user
    )
    run_action(
        request,
        lambda: participation_mark_no_show(participation=participation, actor=request.user),
        _("Marked as absent."),
    )
    return _participation_redirect(participation)


@login_required
@require_GET
def participants_csv(request: HttpRequest, mission_id: int) -> HttpResponse:
    mission = mission_get_for_editor(mission_id=mission_id, user=request.user)
    if not entitlement_has(request.tenant, CSV_EXPORT):
        raise PermissionDenied
    participations = participation_list_for_mission(mission=mission)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="participants-{mission.pk}.csv"'
    response["Cache-Control"] = "private, no-store"
    # A byte-order mark so spreadsheet programs read the accents as UTF-8.
    response.write("\ufeff")
    writer = csv.writer(response)
    # Names, never e-mail addresses; the phone of the people who joined (participant_phone).
    writer.writerow(
        [_("Name"), _("Phone"), _("Status"), _("Date"), _("Hours"), _("Reason for cancelling")]
    )
    for participation in participations:
        writer.writerow(
            [
                cell_text(volunteer_display_name(participation.volunteer)),
                cell_text(participant_phone(participation)),
                cell_text(participation.get_status_display()),
                cell_text(slot_label(participation.slot)),
                cell_text(participation.hours if participation.hours is not None else ""),
                cell_text(participation.cancel_reason),
            ]
        )
    logger.info(
        "participants.exported",
        extra={"mission_id": mission.pk, "rows": len(participations)},
    )
    return response
