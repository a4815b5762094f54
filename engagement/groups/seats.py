"""Releasing held seats of a slot whose row the caller has locked.

Kept apart from engagement.groups.services (which builds on the participation services) so that
the participation services can release a group's seats when its organizer cancels or when a slot
is cancelled, without importing the group services. The caller promotes the waiting list
afterwards if the slot can still take people.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from accounts.models import User
from engagement.groups.models import SeatHold
from engagement.missions.models import Slot
from tenants.audit.services import audit_record


def seat_holds_release_locked(
    *,
    slot: Slot,
    holds: Iterable[SeatHold],
    status: str,
    now: datetime,
    actor: User | None = None,
) -> int:
    """End held seats of a locked slot (`holds` locked too, all HELD) with `status`, give their
    seats back to the slot; returns how many."""
    released = 0
    for hold in holds:
        hold.status = status
        hold.ended_at = now
        hold.save(update_fields=["status", "ended_at"])
        audit_record(
            actor=actor,
            action=f"seat_hold.{status}",
            target=hold,
            data={"slot_id": slot.pk, "for_user_id": hold.for_user_id},
        )
        released += 1
    if released:
        slot.held_count -= released
        slot.save(update_fields=["held_count"])
    return released


def _held(slot: Slot, **filters: object) -> list[SeatHold]:
    return list(
        SeatHold.objects.select_for_update(of=("self",))
        .filter(slot_id=slot.pk, status=SeatHold.Status.HELD, **filters)
        .order_by("id")
    )


def seat_holds_release_for_organizer(
    *, slot: Slot, organizer: User, now: datetime, actor: User | None = None
) -> int:
    """The organizer of a group left the slot: the seats still held for their friends go back
    (claimed seats are the friends' own participations and stay)."""
    return seat_holds_release_locked(
        slot=slot,
        holds=_held(slot, held_by_id=organizer.pk),
        status=SeatHold.Status.RELEASED,
        now=now,
        actor=actor,
    )


def seat_holds_release_for_slot(*, slot: Slot, now: datetime, actor: User | None = None) -> int:
    """The slot is cancelled: every seat held on it is released."""
    return seat_holds_release_locked(
        slot=slot, holds=_held(slot), status=SeatHold.Status.RELEASED, now=now, actor=actor
    )
