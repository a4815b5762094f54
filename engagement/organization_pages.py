"""What the organization pages share: showing a refused service call, one-click actions, the
label and length of a date."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.permissions import user_is_moderator
from engagement.errors import EngagementError
from engagement.form_fields import SummarisedErrorsForm
from engagement.missions.models import Slot
from engagement.organizations.models import OrganizationMembership

ADMIN_ONLY = (OrganizationMembership.Role.ADMIN,)
# The billing entitlement that allows exporting participants.
CSV_EXPORT = "csv_export"


def show_service_error(
    form: SummarisedErrorsForm, error: EngagementError | ValidationError
) -> None:
    """Attach a refused service call to the form: to its fields when named, else on top."""
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            for field, field_messages in error.message_dict.items():
                form.add_error(field if field in form.fields else None, field_messages)
        else:
            form.add_error(None, error.messages)
        return
    placed = False
    for service_field, field_messages in (error.fields or {}).items():
        field = form.service_field_names.get(service_field, service_field)
        if field in form.fields:
            form.add_error(field, field_messages)
            placed = True
    if not placed:
        form.add_error(None, str(error.detail))


def flash_error(request: HttpRequest, error: EngagementError | ValidationError) -> None:
    detail = error.detail if isinstance(error, EngagementError) else " ".join(error.messages)
    messages.error(request, str(detail))


def run_action(request: HttpRequest, action: Callable[[], Any], success: str) -> bool:
    """Run a one-click service call; flash its outcome. True when it went through."""
    try:
        action()
    except (EngagementError, ValidationError) as error:
        flash_error(request, error)
        return False
    messages.success(request, success)
    return True


def mission_url(mission_id: int, anchor: str = "") -> str:
    url = reverse("engagement:organization-mission", args=[mission_id])
    return f"{url}#{anchor}" if anchor else url


def require_moderator(request: HttpRequest) -> None:
    if not user_is_moderator(request.user):
        raise PermissionDenied


def slot_label(slot: Slot) -> str:
    if slot.starts_at is None:
        return _("Ongoing")
    starts_at = timezone.localtime(slot.starts_at)
    ends_at = timezone.localtime(slot.ends_at)
    return f"{date_format(starts_at, 'DATETIME_FORMAT')} – {date_format(ends_at, 'TIME_FORMAT')}"


def slot_hours(slot: Slot) -> Decimal | None:
    """A slot's length in hours: the default hours of an attended volunteer."""
    if slot.starts_at is None or slot.ends_at is None:
        return None
    seconds = (slot.ends_at - slot.starts_at).total_seconds()
    return (Decimal(seconds) / Decimal(3600)).quantize(Decimal("0.25"))
