"""The organization writes to the participants of a mission or slot, from the mission page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.requests import SignedInRequest
from engagement.errors import EngagementError
from engagement.missions.access import mission_get_for_editor
from engagement.missions.selectors import slot_list_for_mission
from engagement.missions.views_organization import mission_manage_page
from engagement.organization_messages.forms import OrganizationMessageForm
from engagement.organization_messages.services import organization_message_send
from engagement.organization_pages import slot_label

# Service error fields → form fields.
ERROR_FIELDS = {"slot_id": "slot", "audience": "audience", "subject": "subject", "body": "body"}


@login_required
@require_POST
def organization_message_create(request: SignedInRequest, mission_id: int) -> HttpResponse:
    mission = mission_get_for_editor(mission_id=mission_id, user=request.user)
    slots = list(slot_list_for_mission(mission=mission, include_past=True))
    form = OrganizationMessageForm(request.POST, slots=[(slot, slot_label(slot)) for slot in slots])
    status = 400
    if form.is_valid():
        slot_id = form.cleaned_data["slot"]
        try:
            message = organization_message_send(
                mission=mission,
                actor=request.user,
                slot=next((slot for slot in slots if slot.pk == slot_id), None),
                audience=form.cleaned_data["audience"],
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
            )
        except EngagementError as error:
            status = error.status_code
            for field, errors in (error.fields or {}).items():
                for text in errors:
                    form.add_error(ERROR_FIELDS.get(field), text)
            if not error.fields:
                form.add_error(None, error.detail)
        else:
            messages.success(
                request,
                _("Your message is on its way to %(count)d people.")
                % {"count": message.recipient_count},
            )
            url = reverse("engagement:organization-mission", args=[mission.pk])
            return redirect(f"{url}#messages")
    return mission_manage_page(request, mission, message_form=form, status=status)
