"""Scheduling of engagement e-mails.

Services call `notify_*`, which enqueue a named task through the outbox in the caller's
transaction (engagement/tasks.py runs it). Rendering and sending live in engagement/emails/.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from contextvars import ContextVar
from enum import StrEnum
from typing import TYPE_CHECKING

from tenants.outbox.services import outbox_enqueue

if TYPE_CHECKING:
    # For the annotations only: shared pieces import no domain (import-linter contract).
    from engagement.groups.models import SeatHold
    from engagement.missions.models import Mission, Slot
    from engagement.organizations.models import Organization, OrganizationInvitation
    from engagement.participations.models import Participation

logger = logging.getLogger(__name__)

_muted: ContextVar[bool] = ContextVar("engagement_notifications_muted", default=False)


class Event(StrEnum):
    # To the volunteer.
    CONFIRMED = "participation_confirmed"
    PROMOTED = "participation_promoted"
    REQUESTED = "participation_requested"
    WAITLISTED = "participation_waitlisted"
    DECLINED = "participation_declined"
    CANCELLED_BY_ORGANIZER = "participation_cancelled"
    # To the organization's admins and editors.
    ORGANIZER_NEW_PARTICIPATION = "organizer_new_participation"
    ORGANIZER_CANCELLATION = "organizer_cancellation"
    # To an invitee, and to an organization's admins about moderation.
    INVITATION = "organization_invitation"
    ORGANIZATION_VERIFIED = "organization_verified"
    ORGANIZATION_REJECTED = "organization_rejected"
    MISSION_PUBLISHED = "mission_published"
    MISSION_REJECTED = "mission_rejected"


class SlotChange(StrEnum):
    """What changed on a date that its participants must be told (and see in their calendar)."""

    DATES = "dates"
    PLACE = "place"


@contextlib.contextmanager
def notifications_muted() -> Iterator[None]:
    """Schedule no e-mail inside this block (demo seeding, bulk imports)."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def _schedule(task_name: str, *args: int | str) -> None:
    if _muted.get():
        return
    outbox_enqueue(f"engagement.{task_name}", *args)


# --- Scheduling (called by services, inside their transaction) ----------------------------------


def notify_volunteer(participation: Participation, event: Event) -> None:
    _schedule("participation_email_send", participation.pk, str(event))


def notify_organizers(participation: Participation, event: Event) -> None:
    _schedule("organizer_email_send", participation.pk, str(event))


def notify_seat_hold(hold: SeatHold) -> None:
    """Tell a friend that a seat is held for them (engagement.groups)."""
    _schedule("seat_hold_email_send", hold.pk)


def notify_invitation(invitation: OrganizationInvitation) -> None:
    _schedule("invitation_email_send", invitation.pk)


def notify_organization_verification(organization: Organization) -> None:
    _schedule("organization_email_send", organization.pk)


def notify_mission_moderation(mission: Mission, event: Event) -> None:
    _schedule("mission_email_send", mission.pk, str(event))


def notify_slot_changed(slot: Slot, change: SlotChange) -> None:
    """Tell the slot's participants its new version (`slot.sequence`, already raised)."""
    _schedule("slot_change_notices_send", slot.pk, slot.sequence, str(change))
