"""Slots: the dates of a mission (or an ongoing, undated period) and their seats.

Only the mission's organization admins and editors add, move, resize or cancel slots, and not
once the mission is closed or cancelled. A dated slot starts in the future and lasts at most
SLOT_MAX_DURATION; its `time_bit` (weekday × period in the tenant's time zone) is kept in step
with its start. Capacity never drops below the confirmed participations; raising it promotes the
waiting list. Cancelling a slot cancels its active participations and tells the volunteers.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from engagement.errors import EngagementError, EngagementErrorCode
from engagement.limits import SLOT_HORIZON
from engagement.models import Mission, Slot
from engagement.services.common import (
    audit_record,
    copy_fields,
    require_organization_role,
    validated,
)
from engagement.services.missions import (
    EDITABLE_STATUSES,
    lock_mission,
    mission_search_columns_refresh,
)
from engagement.services.participations import (
    lock_slot,
    participations_cancel_for_slot,
    promote_first_waitlisted,
)
from tenants.context import current_tenant

logger = logging.getLogger("engagement.services")

SLOT_MAX_CAPACITY = 10_000
SLOT_MAX_DURATION = timedelta(days=31)

_UNCHANGED: Any = object()


def _invalid(code: EngagementErrorCode, field: str, message: str) -> EngagementError:
    return EngagementError(message, code=code, fields={field: [message]})


def _checked_dates(
    starts_at: datetime | None, ends_at: datetime | None, *, now: datetime
) -> tuple[datetime | None, datetime | None]:
    if starts_at is None and ends_at is None:
        return None, None
    if starts_at is None or ends_at is None:
        raise _invalid(
            EngagementErrorCode.SLOT_DATES_INVALID,
            "starts_at",
            _("Give both a start and an end, or neither for an ongoing mission."),
        )
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise _invalid(
            EngagementErrorCode.SLOT_DATES_INVALID, "starts_at", _("Dates need a time zone.")
        )
    if ends_at <= starts_at:
        raise _invalid(
            EngagementErrorCode.SLOT_DATES_INVALID, "ends_at", _("The end must follow the start.")
        )
    if ends_at - starts_at > SLOT_MAX_DURATION:
        raise _invalid(
            EngagementErrorCode.SLOT_DATES_INVALID,
            "ends_at",
            _("A date lasts at most 31 days; use an ongoing mission for longer."),
        )
    if starts_at <= now:
        raise _invalid(
            EngagementErrorCode.SLOT_DATES_INVALID,
            "starts_at",
            _("The start must be in the future."),
        )
    if starts_at > now + SLOT_HORIZON:
        # Far dates are typing mistakes, and 9999-12-31 would be stored as year 10000.
        raise _invalid(
            EngagementErrorCode.SLOT_DATES_INVALID,
            "starts_at",
            _("A date can be planned at most five years ahead."),
        )
    return starts_at, ends_at


def _checked_capacity(capacity: Any) -> int:
    if isinstance(capacity, bool):
        capacity = 0
    elif not isinstance(capacity, int):
        try:
            capacity = int(capacity)
        except (TypeError, ValueError):
            capacity = 0
    if not 1 <= capacity <= SLOT_MAX_CAPACITY:
        raise _invalid(
            EngagementErrorCode.CAPACITY_INVALID,
            "capacity",
            _("Between 1 and %(max)d seats.") % {"max": SLOT_MAX_CAPACITY},
        )
    return capacity


def _require_slots_editable(mission: Mission) -> None:
    if mission.status not in EDITABLE_STATUSES:
        raise EngagementError(
            _("A closed or cancelled mission cannot be edited."),
            code=EngagementErrorCode.MISSION_NOT_EDITABLE,
        )


def slot_create(
    *,
    mission: Mission,
    actor: Any,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    capacity: int,
) -> Slot:
    """A date (or, without dates, an ongoing period) with a number of seats."""
    require_organization_role(actor, mission.organization)
    now = timezone.now()
    starts_at, ends_at = _checked_dates(starts_at, ends_at, now=now)
    capacity = _checked_capacity(capacity)
    with transaction.atomic():
        locked = lock_mission(mission.pk)
        _require_slots_editable(locked)
        slot = Slot(
            mission=locked,
            starts_at=starts_at,
            ends_at=ends_at,
            capacity=capacity,
            time_bit=Slot.time_bit_for(starts_at, current_tenant().timezone),
        )
        validated(slot)
        slot.save()
        mission_search_columns_refresh(mission_ids=[locked.pk])
        audit_record(
            actor=actor,
            action="slot.created",
            target=slot,
            data={"mission_id": locked.pk, "capacity": capacity},
        )
    logger.info("slot.created", extra={"slot_id": slot.pk, "mission_id": locked.pk})
    return slot


def slot_update(
    *,
    slot: Slot,
    actor: Any,
    starts_at: datetime | None = _UNCHANGED,
    ends_at: datetime | None = _UNCHANGED,
    capacity: int = _UNCHANGED,
) -> Slot:
    """Move a date or change its seats: never below the confirmed participations; more seats
    promote people from the waiting list."""
    require_organization_role(actor, slot.mission.organization)
    now = timezone.now()
    with transaction.atomic():
        # The mission first, then the slot (the order of slot_create and mission_cancel): the
        # search columns are rewritten under the mission's lock.
        lock_mission(slot.mission_id)
        locked = lock_slot(slot.pk)
        _require_slots_editable(locked.mission)
        if locked.status == Slot.Status.CANCELLED:
            raise EngagementError(
                _("This date was cancelled."), code=EngagementErrorCode.SLOT_CANCELLED
            )
        changes: dict[str, Any] = {}
        new_starts = locked.starts_at if starts_at is _UNCHANGED else starts_at
        new_ends = locked.ends_at if ends_at is _UNCHANGED else ends_at
        if (new_starts, new_ends) != (locked.starts_at, locked.ends_at):
            if locked.starts_at is not None and locked.starts_at <= now:
                raise EngagementError(
                    _("This date has already started; it cannot be moved."),
                    code=EngagementErrorCode.SLOT_STARTED,
                )
            new_starts, new_ends = _checked_dates(new_starts, new_ends, now=now)
            changes["starts_at"] = new_starts.isoformat() if new_starts else None
            changes["ends_at"] = new_ends.isoformat() if new_ends else None
            locked.starts_at, locked.ends_at = new_starts, new_ends
            locked.time_bit = Slot.time_bit_for(new_starts, current_tenant().timezone)
        if capacity is not _UNCHANGED:
            new_capacity = _checked_capacity(capacity)
            if new_capacity < locked.confirmed_count:
                raise _invalid(
                    EngagementErrorCode.CAPACITY_BELOW_CONFIRMED,
                    "capacity",
                    _("%(count)d volunteers are confirmed: keep at least that many seats.")
                    % {"count": locked.confirmed_count},
                )
            if new_capacity != locked.capacity:
                changes["capacity"] = new_capacity
                locked.capacity = new_capacity
        if changes:
            validated(locked)
            locked.save(update_fields=["starts_at", "ends_at", "time_bit", "capacity"])
            if "starts_at" in changes:
                mission_search_columns_refresh(mission_ids=[locked.mission_id])
            audit_record(actor=actor, action="slot.updated", target=locked, data=changes)
            promote_first_waitlisted(slot=locked, actor=actor)
    copy_fields(slot, locked)
    logger.info("slot.updated", extra={"slot_id": locked.pk})
    return locked


def slot_cancel(*, slot: Slot, actor: Any) -> Slot:
    """Cancel one date; its volunteers (confirmed, waiting or pending) are told."""
    require_organization_role(actor, slot.mission.organization)
    now = timezone.now()
    with transaction.atomic():
        lock_mission(slot.mission_id)
        locked = lock_slot(slot.pk)
        if locked.status == Slot.Status.CANCELLED:
            raise EngagementError(
                _("This date was already cancelled."), code=EngagementErrorCode.INVALID_TRANSITION
            )
        if locked.ends_at is not None and locked.ends_at <= now:
            raise EngagementError(_("This date is over."), code=EngagementErrorCode.SLOT_STARTED)
        count = participations_cancel_for_slot(slot=locked, actor=actor, now=now)
        locked.status = Slot.Status.CANCELLED
        locked.save(update_fields=["status"])
        mission_search_columns_refresh(mission_ids=[locked.mission_id])
        audit_record(
            actor=actor,
            action="slot.cancelled",
            target=locked,
            data={"mission_id": locked.mission_id, "participations_cancelled": count},
        )
    copy_fields(slot, locked)
    logger.info("slot.cancelled", extra={"slot_id": locked.pk, "participations": count})
    return locked
