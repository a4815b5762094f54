"""Missions and their dates: the editor (with the map pin picker), the mission's page with its
participants per date, submitting, closing and cancelling; adding, changing and cancelling dates."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.requests import SignedInRequest
from billing.entitlements import entitlement_has
from engagement.errors import EngagementError
from engagement.missions import services as missions_services
from engagement.missions.access import mission_get_for_editor, slot_get_for_editor
from engagement.missions.forms import MissionForm, SlotForm
from engagement.missions.models import Mission, Slot
from engagement.missions.selectors import slot_list_for_mission
from engagement.missions.services import mission_update, slot_update
from engagement.organization_messages.forms import OrganizationMessageForm
from engagement.organization_messages.selectors import organization_message_list_for_mission
from engagement.organization_pages import (
    CSV_EXPORT,
    flash_error,
    mission_url,
    run_action,
    show_service_error,
    slot_hours,
    slot_label,
)
from engagement.organizations.access import organization_get_for_member
from engagement.participations.forms import AttendanceForm, DeclineForm
from engagement.participations.models import Participation
from engagement.participations.selectors import participant_phone, participation_list_for_mission
from engagement.reminders.selectors import participations_with_answers
from engagement.taxonomy.selectors import cause_list, skill_list
from engagement.volunteers.selectors import volunteer_display_name


def _mission_form(request: HttpRequest, **kwargs: Any) -> MissionForm:
    # An edit offers the retired causes and skills the mission already has (it keeps them).
    initial = kwargs.get("initial") or {}
    return MissionForm(
        request.POST or None,
        tenant=request.tenant,
        causes=cause_list(including=initial.get("causes", ())),
        skills=skill_list(including=initial.get("skills", ())),
        **kwargs,
    )


def _mission_form_context(request: HttpRequest, form: MissionForm, **extra: Any) -> dict:
    tenant = request.tenant
    return {
        "form": form,
        "map_center": (tenant.map_center.y, tenant.map_center.x),
        "map_zoom": tenant.map_zoom,
        **extra,
    }


def _flash_geocoded(request: HttpRequest, form: MissionForm) -> None:
    if form.geocoded_label:
        messages.info(
            request,
            _("The pin was placed at %(place)s from the address; move it if needed.")
            % {"place": form.geocoded_label},
        )


@login_required
@require_http_methods(["GET", "POST"])
def mission_create(request: SignedInRequest, organization_id: int) -> HttpResponse:
    organization = organization_get_for_member(organization_id=organization_id, user=request.user)
    form = _mission_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            mission = missions_services.mission_create(
                organization=organization, actor=request.user, **form.service_kwargs()
            )
        except (EngagementError, ValidationError) as error:
            show_service_error(form, error)
        else:
            _flash_geocoded(request, form)
            messages.success(request, _("The mission is saved as a draft. Now add its dates."))
            return HttpResponseRedirect(mission_url(mission.pk, "slots"))
    return render(
        request,
        "missions/organization/mission_form.html",
        _mission_form_context(request, form, organization=organization, mission=None),
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def mission_edit(request: SignedInRequest, mission_id: int) -> HttpResponse:
    mission = mission_get_for_editor(mission_id=mission_id, user=request.user)
    form = _mission_form(request, initial=MissionForm.initial_from(mission))
    if request.method == "POST" and form.is_valid():
        try:
            mission_update(mission=mission, actor=request.user, **form.service_kwargs())
        except (EngagementError, ValidationError) as error:
            show_service_error(form, error)
        else:
            _flash_geocoded(request, form)
            messages.success(request, _("The mission is saved."))
            return redirect("engagement:organization-mission", mission.pk)
    return render(
        request,
        "missions/organization/mission_form.html",
        _mission_form_context(request, form, organization=mission.organization, mission=mission),
        status=400 if form.errors else 200,
    )


# The latest messages to participants listed on the mission page.
SENT_MESSAGES_SHOWN = 20


def _participant_rows(
    slots: Iterable[Slot], participations: Iterable[Participation]
) -> list[dict[str, Any]]:
    """Slots in order, each with its participations and what can be done with them now."""
    by_slot: dict[int, list[Participation]] = {}
    for participation in participations:
        by_slot.setdefault(participation.slot_id, []).append(participation)
    now = timezone.now()
    rows = []
    for slot in slots:
        # An ongoing slot has always started (attendance) and never closes to confirmations.
        has_started = slot.starts_at is None or slot.starts_at <= now
        accepts_confirmations = slot.starts_at is None or slot.starts_at > now
        default_hours = slot_hours(slot)
        rows.append(
            {
                "slot": slot,
                "label": slot_label(slot),
                "has_started": has_started,
                "participations": [
                    _participant_row(
                        participation,
                        has_started=has_started,
                        accepts_confirmations=accepts_confirmations,
                        default_hours=default_hours,
                    )
                    for participation in by_slot.get(slot.pk, [])
                ],
            }
        )
    return rows


def _participant_row(
    participation: Participation,
    *,
    has_started: bool,
    accepts_confirmations: bool,
    default_hours: Decimal | None,
) -> dict[str, Any]:
    status = participation.status
    Status = Participation.Status
    return {
        "participation": participation,
        "name": volunteer_display_name(participation.volunteer),
        "phone": participant_phone(participation),
        "can_confirm": status in (Status.REQUESTED, Status.WAITLISTED) and accepts_confirmations,
        "can_decline": status in (Status.REQUESTED, Status.WAITLISTED),
        # Attendance once the date has started; attended and no-show can be corrected.
        "can_mark_attended": has_started
        and status in (Status.CONFIRMED, Status.NO_SHOW, Status.ATTENDED),
        "can_mark_no_show": has_started and status == Status.CONFIRMED,
        "attendance_form": AttendanceForm(
            # The organization's figure, else the volunteer's (after "How was it?"), else the
            # slot's length.
            initial={
                "hours": participation.hours
                or getattr(participation, "declared_hours", None)
                or default_hours
            },
            prefix=f"p{participation.pk}",
        ),
    }


@login_required
@require_GET
def mission_manage(request: HttpRequest, mission_id: int) -> HttpResponse:
    mission = mission_get_for_editor(mission_id=mission_id, user=request.user)
    return mission_manage_page(request, mission)


def mission_manage_page(
    request: HttpRequest,
    mission: Mission,
    *,
    message_form: OrganizationMessageForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The organization's page of a mission (also shown again, with its errors, when writing
    to the participants failed)."""
    slots = list(slot_list_for_mission(mission=mission, include_past=True))
    # With each volunteer's answers to the reminders ("coming", hours declared): one query.
    participations = participations_with_answers(
        list(participation_list_for_mission(mission=mission))
    )
    if message_form is None:
        message_form = OrganizationMessageForm(slots=[(slot, slot_label(slot)) for slot in slots])
    return render(
        request,
        "missions/organization/mission_manage.html",
        {
            "mission": mission,
            "organization": mission.organization,
            "slot_rows": _participant_rows(slots, participations),
            "slot_form": SlotForm(tenant=request.tenant),
            "decline_form": DeclineForm(),
            "can_export": entitlement_has(request.tenant, CSV_EXPORT),
            "moderation_enabled": request.tenant.moderation_enabled,
            "message_form": message_form,
            "sent_messages": organization_message_list_for_mission(mission=mission)[
                :SENT_MESSAGES_SHOWN
            ],
        },
        status=status,
    )


@login_required
@require_POST
def mission_submit(request: SignedInRequest, mission_id: int) -> HttpResponse:
    mission = mission_get_for_editor(mission_id=mission_id, user=request.user)
    try:
        mission = missions_services.mission_submit(mission=mission, actor=request.user)
    except (EngagementError, ValidationError) as error:
        flash_error(request, error)
        return redirect("engagement:organization-mission", mission_id)
    if mission.status == Mission.Status.PUBLISHED:
        messages.success(request, _("The mission is published."))
    else:
        messages.success(
            request, _("The mission was sent to the moderators. You will hear back by e-mail.")
        )
    return redirect("engagement:organization-mission", mission.pk)


@login_required
@require_POST
def mission_close(request: SignedInRequest, mission_id: int) -> HttpResponse:
    mission = mission_get_for_editor(mission_id=mission_id, user=request.user)
    run_action(
        request,
        lambda: missions_services.mission_close(mission=mission, actor=request.user),
        _("The mission is closed: it no longer accepts volunteers."),
    )
    return redirect("engagement:organization-mission", mission.pk)


@login_required
@require_POST
def mission_cancel(request: SignedInRequest, mission_id: int) -> HttpResponse:
    mission = mission_get_for_editor(mission_id=mission_id, user=request.user)
    run_action(
        request,
        lambda: missions_services.mission_cancel(mission=mission, actor=request.user),
        _("The mission is cancelled; its volunteers are told by e-mail."),
    )
    return redirect("engagement:organization-mission", mission.pk)


# --- slots --------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def slot_create(request: SignedInRequest, mission_id: int) -> HttpResponse:
    mission = mission_get_for_editor(mission_id=mission_id, user=request.user)
    form = SlotForm(request.POST or None, tenant=request.tenant)
    if request.method == "POST" and form.is_valid():
        try:
            missions_services.slot_create(
                mission=mission, actor=request.user, **form.service_kwargs()
            )
        except (EngagementError, ValidationError) as error:
            show_service_error(form, error)
        else:
            messages.success(request, _("The date is added."))
            return HttpResponseRedirect(mission_url(mission.pk, "slots"))
    return render(
        request,
        "missions/organization/slot_form.html",
        {"form": form, "mission": mission, "slot": None},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def slot_edit(request: SignedInRequest, slot_id: int) -> HttpResponse:
    slot = slot_get_for_editor(slot_id=slot_id, user=request.user)
    form = SlotForm(
        request.POST or None,
        tenant=request.tenant,
        initial=SlotForm.initial_from(slot, tenant=request.tenant),
    )
    if request.method == "POST" and form.is_valid():
        try:
            slot_update(slot=slot, actor=request.user, **form.service_kwargs())
        except (EngagementError, ValidationError) as error:
            show_service_error(form, error)
        else:
            messages.success(request, _("The date is saved."))
            return HttpResponseRedirect(mission_url(slot.mission_id, f"slot-{slot.pk}"))
    return render(
        request,
        "missions/organization/slot_form.html",
        {"form": form, "mission": slot.mission, "slot": slot},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def slot_cancel(request: SignedInRequest, slot_id: int) -> HttpResponse:
    slot = slot_get_for_editor(slot_id=slot_id, user=request.user)
    run_action(
        request,
        lambda: missions_services.slot_cancel(slot=slot, actor=request.user),
        _("The date is cancelled; its volunteers are told by e-mail."),
    )
    return HttpResponseRedirect(mission_url(slot.mission_id, "slots"))
