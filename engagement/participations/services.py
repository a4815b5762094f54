"""Participations: every transition of a volunteer on a slot, each under a lock on the slot row.

Rules (README "Participation rules"):
- one active participation (requested, confirmed, waitlisted) per volunteer and slot;
- `Slot.confirmed_count` is the number of *confirmed* participations of the slot and never
  exceeds its capacity: it is only written here, with the slot row locked (SELECT … FOR UPDATE),
  and a database check constraint backs it;
- a request on a full slot is waitlisted; on a mission that requires approval it is `requested`
  until an organization admin or editor confirms it (confirmed if a seat is free, else waitlisted:
  approved, and promoted like everyone on the list) or declines it;
- when a seat frees up (a cancellation, a raised capacity, a seat held for a friend released, or
  attendance recorded on an ongoing slot) the earliest waitlisted participation is promoted and
  told so;
- seats held for friends of a group sign-up (`Slot.held_count`, engagement.groups) are taken
  seats; when the volunteer who held them cancels, the seats still held go back (their friends'
  claimed seats stay), and a cancelled slot releases them all;
- nobody joins a slot that has started, ended or been cancelled, or a mission that is not
  published; volunteers cancel their own participations until the slot starts;
- organization admins and editors record attendance (hours > 0, at most the slot's duration, or
  ONGOING_MAX_HOURS for an ongoing slot) or a no-show, once the slot has started.
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from engagement.access import require_authenticated
from engagement.errors import EngagementError, EngagementErrorCode
from engagement.groups.seats import seat_holds_release_for_organizer, seat_holds_release_for_slot
from engagement.missions.models import Mission, Slot
from engagement.notifications import Event, notify_organizers, notify_volunteer
from engagement.organizations.access import require_organization_role
from engagement.organizations.models import Organization
from engagement.participations.models import Participation
from engagement.rows import Columns, fetch_all, joined
from engagement.sanitizing import sanitize_text
from engagement.validation import copy_fields
from tenants.audit.services import audit_record

logger = logging.getLogger("engagement.services")

MESSAGE_MAX_LENGTH = 2000
# Hours recordable at once for an ongoing (undated) slot.
ONGOING_MAX_HOURS = Decimal("200")
# Missions whose waiting lists still move when a seat frees up (closed: no new requests, but the
# people already waiting keep their place).
PROMOTING_MISSION_STATUSES = (Mission.Status.PUBLISHED, Mission.Status.CLOSED)

Status = Participation.Status
# Hours worked as given by a form, the API or a script: a number or its text ("2.5").
HoursInput = Decimal | int | str


# lock_slot's statement, written once (engagement/rows.py): every sign-up, cancellation and
# decision runs it, and the ORM's compile of this select_related query cost ~1 ms of CPU each.
_LOCKED = (Columns.of(Slot, "s"), Columns.of(Mission, "m"), Columns.of(Organization, "o"))
_LOCK_SLOT_SQL = (
    f"SELECT {', '.join(part.sql for part in _LOCKED)} "  # noqa: S608 - names from the models
    f"FROM {_LOCKED[0].table} JOIN {_LOCKED[1].table} ON m.id = s.mission_id "
    f"JOIN {_LOCKED[2].table} ON o.id = m.organization_id "
    "WHERE s.id = %s FOR UPDATE OF s"
)


def lock_slot(slot_id: int) -> Slot:
    """The slot row, locked until the transaction ends; the mission and organization joined."""
    rows = fetch_all(_LOCK_SLOT_SQL, [slot_id])
    if not rows:
        raise Slot.DoesNotExist(f"No slot {slot_id}.")
    slot: Slot = joined(rows[0], *_LOCKED)
    return slot


def _lock_participation(participation_id: int) -> Participation:
    return Participation.objects.select_for_update(of=("self",)).get(pk=participation_id)


def slot_has_started(slot: Slot, *, now: datetime | None = None) -> bool:
    """Ongoing slots count as started: attendance can be recorded at any time."""
    return slot.starts_at is None or slot.starts_at <= (now or timezone.now())


def _slot_accepts_requests(slot: Slot, *, now: datetime) -> None:
    if slot.mission.status != Mission.Status.PUBLISHED:
        raise EngagementError(
            _("This mission is not open for participation."),
            code=EngagementErrorCode.MISSION_NOT_PUBLISHED,
        )
    _slot_still_ahead(slot, now=now)


def _slot_still_ahead(slot: Slot, *, now: datetime) -> None:
    """Neither cancelled nor started: a place on it can still be given."""
    if slot.status == Slot.Status.CANCELLED:
        raise EngagementError(
            _("This date was cancelled."), code=EngagementErrorCode.SLOT_CANCELLED
        )
    if slot.starts_at is not None and slot.starts_at <= now:
        raise EngagementError(
            _("This date has already started or is over."), code=EngagementErrorCode.SLOT_STARTED
        )


def _slot_can_promote(slot: Slot, *, now: datetime) -> bool:
    return (
        slot.status == Slot.Status.OPEN
        and slot.mission.status in PROMOTING_MISSION_STATUSES
        and (slot.starts_at is None or slot.starts_at > now)
    )


# The slot row is locked by the caller, so its confirmed_count in memory is the current one.
def _take_seat(slot: Slot) -> None:
    slot.confirmed_count += 1
    slot.save(update_fields=["confirmed_count"])


def _free_seat(slot: Slot) -> None:
    slot.confirmed_count -= 1
    slot.save(update_fields=["confirmed_count"])


def promote_first_waitlisted(*, slot: Slot, actor: User | None = None) -> list[Participation]:
    """Fill the free seats of a locked slot from its waiting list, earliest first."""
    now = timezone.now()
    if not _slot_can_promote(slot, now=now):
        return []
    promoted: list[Participation] = []
    while slot.seats_left > 0:
        waiting = (
            Participation.objects.select_for_update(of=("self",))
            .filter(slot_id=slot.pk, status=Status.WAITLISTED)
            .order_by("waitlisted_at", "id")
            .first()
        )
        if waiting is None:
            break
        waiting.status = Status.CONFIRMED
        waiting.decided_at = now
        waiting.save(update_fields=["status", "decided_at", "updated_at"])
        _take_seat(slot)
        audit_record(
            actor=actor,
            action="participation.promoted",
            target=waiting,
            data={"slot_id": slot.pk},
        )
        notify_volunteer(waiting, Event.PROMOTED)
        logger.info(
            "participation.promoted", extra={"participation_id": waiting.pk, "slot_id": slot.pk}
        )
        promoted.append(waiting)
    return promoted


def participation_request(*, volunteer: User, slot: Slot, message: str = "") -> Participation:
    """ "Je participe": confirmed if a seat is free, waitlisted if not, requested if the mission
    requires approval."""
    require_authenticated(volunteer)
    message = sanitize_text(message, field="message", max_length=MESSAGE_MAX_LENGTH, multiline=True)
    now = timezone.now()
    try:
        with transaction.atomic():
            locked = lock_slot(slot.pk)
            _slot_accepts_requests(locked, now=now)
            if Participation.objects.filter(
                slot_id=locked.pk,
                volunteer_id=volunteer.pk,
                status__in=Participation.ACTIVE_STATUSES,
            ).exists():
                raise EngagementError(
                    _("You are already registered for this date."),
                    code=EngagementErrorCode.ALREADY_PARTICIPATING,
                )
            if locked.mission.requires_approval:
                status = Status.REQUESTED
            elif locked.seats_left > 0:
                status = Status.CONFIRMED
            else:
                status = Status.WAITLISTED
            participation = Participation.objects.create(
                volunteer=volunteer,
                slot=locked,
                status=status,
                message=message,
                waitlisted_at=now if status == Status.WAITLISTED else None,
                decided_at=now if status == Status.CONFIRMED else None,
            )
            if status == Status.CONFIRMED:
                _take_seat(locked)
            audit_record(
                actor=volunteer,
                action="participation.requested",
                target=participation,
                data={"slot_id": locked.pk, "status": status},
            )
            notify_volunteer(
                participation,
                {
                    Status.CONFIRMED: Event.CONFIRMED,
                    Status.WAITLISTED: Event.WAITLISTED,
                    Status.REQUESTED: Event.REQUESTED,
                }[status],
            )
            notify_organizers(participation, Event.ORGANIZER_NEW_PARTICIPATION)
    except IntegrityError:
        # The partial unique index caught a duplicate the lock did not (it cannot, but the
        # database has the last word).
        raise EngagementError(
            _("You are already registered for this date."),
            code=EngagementErrorCode.ALREADY_PARTICIPATING,
        ) from None
    copy_fields(slot, locked)
    logger.info(
        "participation.requested",
        extra={"participation_id": participation.pk, "slot_id": slot.pk, "status": status},
    )
    return participation


# What a volunteer may say when cancelling (Participation.cancel_reason).
CANCEL_REASON_MAX_LENGTH = 500


def participation_cancel(
    *, participation: Participation, actor: User, reason: str = ""
) -> Participation:
    """The volunteer withdraws (before the slot starts); a freed seat goes to the waiting list.
    The optional `reason` (plain text) is kept for the organization to read."""
    require_authenticated(actor)
    reason = sanitize_text(
        reason, field="reason", max_length=CANCEL_REASON_MAX_LENGTH, multiline=True
    )
    if participation.volunteer_id is None or participation.volunteer_id != actor.pk:
        raise EngagementError(
            _("You can only cancel your own participations."),
            code=EngagementErrorCode.NOT_OWN_PARTICIPATION,
        )
    now = timezone.now()
    with transaction.atomic():
        slot = lock_slot(participation.slot_id)
        current = _lock_participation(participation.pk)
        current.slot = slot
        if current.status not in Participation.ACTIVE_STATUSES:
            raise EngagementError(
                _("This participation is no longer active."),
                code=EngagementErrorCode.INVALID_TRANSITION,
            )
        if slot.starts_at is not None and slot.starts_at <= now:
            raise EngagementError(
                _("This date has already started; the organization records attendance."),
                code=EngagementErrorCode.SLOT_STARTED,
            )
        previous = current.status
        current.status = Status.CANCELLED
        current.cancelled_at = now
        current.cancel_reason = reason
        current.save(update_fields=["status", "cancelled_at", "cancel_reason", "updated_at"])
        if previous == Status.CONFIRMED:
            _free_seat(slot)
        released = seat_holds_release_for_organizer(
            slot=slot, organizer=actor, now=now, actor=actor
        )
        audit_record(
            actor=actor,
            action="participation.cancelled",
            target=current,
            # Whether a reason was given, not its words (the organization reads them).
            data={
                "slot_id": slot.pk,
                "previous_status": previous,
                "with_reason": bool(reason),
                "seats_released": released,
            },
        )
        notify_organizers(current, Event.ORGANIZER_CANCELLATION)
        if previous == Status.CONFIRMED or released:
            promote_first_waitlisted(slot=slot, actor=actor)
    copy_fields(participation, current)
    logger.info("participation.cancelled", extra={"participation_id": current.pk})
    return current


def participation_confirm(*, participation: Participation, actor: User) -> Participation:
    """An organizer approves a request: confirmed if a seat is free, else waitlisted. A waitlisted
    participation is confirmed only if a seat is free."""
    now = timezone.now()
    with transaction.atomic():
        slot = lock_slot(participation.slot_id)
        require_organization_role(actor, slot.mission.organization)
        current = _lock_participation(participation.pk)
        current.slot = slot
        if current.status not in (Status.REQUESTED, Status.WAITLISTED):
            raise EngagementError(
                _("Only pending or waitlisted participations can be confirmed."),
                code=EngagementErrorCode.INVALID_TRANSITION,
            )
        _slot_still_ahead(slot, now=now)
        previous = current.status
        if slot.seats_left > 0:
            current.status = Status.CONFIRMED
            _take_seat(slot)
        elif previous == Status.REQUESTED:
            current.status = Status.WAITLISTED
            current.waitlisted_at = now
        else:
            raise EngagementError(_("This date is full."), code=EngagementErrorCode.SLOT_FULL)
        current.decided_by = actor
        current.decided_at = now
        current.save(
            update_fields=["status", "waitlisted_at", "decided_by", "decided_at", "updated_at"]
        )
        audit_record(
            actor=actor,
            action="participation.confirmed",
            target=current,
            data={"slot_id": slot.pk, "previous_status": previous, "status": current.status},
        )
        notify_volunteer(
            current, Event.CONFIRMED if current.status == Status.CONFIRMED else Event.WAITLISTED
        )
    copy_fields(participation, current)
    logger.info(
        "participation.confirmed",
        extra={"participation_id": current.pk, "status": current.status},
    )
    return current


def participation_decline(
    *, participation: Participation, actor: User, reason: str = ""
) -> Participation:
    """An organizer turns down a pending or waitlisted participation."""
    reason = sanitize_text(reason, field="reason", max_length=500, multiline=True)
    now = timezone.now()
    with transaction.atomic():
        slot = lock_slot(participation.slot_id)
        require_organization_role(actor, slot.mission.organization)
        current = _lock_participation(participation.pk)
        current.slot = slot
        if current.status not in (Status.REQUESTED, Status.WAITLISTED):
            raise EngagementError(
                _("Only pending or waitlisted participations can be declined."),
                code=EngagementErrorCode.INVALID_TRANSITION,
            )
        previous = current.status
        current.status = Status.DECLINED
        current.decided_by = actor
        current.decided_at = now
        current.decision_note = reason
        current.save(
            update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"]
        )
        audit_record(
            actor=actor,
            action="participation.declined",
            target=current,
            data={"slot_id": slot.pk, "previous_status": previous},
        )
        notify_volunteer(current, Event.DECLINED)
    copy_fields(participation, current)
    logger.info("participation.declined", extra={"participation_id": current.pk})
    return current


def _max_hours(slot: Slot) -> Decimal:
    if slot.starts_at is None or slot.ends_at is None:
        return ONGOING_MAX_HOURS
    seconds = Decimal((slot.ends_at - slot.starts_at).total_seconds())
    return (seconds / Decimal(3600)).quantize(Decimal("0.01"))


def _hours(value: object, *, slot: Slot) -> Decimal:
    """Hours worked: more than zero, at most the slot's duration (ONGOING_MAX_HOURS if undated)."""
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError):
        hours = None
    maximum = _max_hours(slot)
    if hours is None or not hours.is_finite():
        message = _("Enter a number of hours.")
    elif hours <= 0:
        message = _("Hours must be more than zero.")
    elif hours > maximum:
        message = _("At most %(max)s hours for this date.") % {"max": maximum}
    else:
        return hours
    raise EngagementError(
        message, code=EngagementErrorCode.HOURS_INVALID, fields={"hours": [str(message)]}
    )


def hours_clean(value: object, *, slot: Slot) -> Decimal:
    """Hours worked on `slot` within the bounds attendance uses (also what a volunteer may
    declare after the slot); EngagementError (HOURS_INVALID) otherwise."""
    return _hours(value, slot=slot)


def slot_max_hours(slot: Slot) -> Decimal:
    """The most hours recordable on `slot`: its duration, or ONGOING_MAX_HOURS if undated."""
    return _max_hours(slot)


def _record_attendance(
    *, participation: Participation, actor: User, status: str, hours: HoursInput | None = None
) -> Participation:
    now = timezone.now()
    allowed_from = (
        (Status.CONFIRMED, Status.NO_SHOW, Status.ATTENDED)
        if status == Status.ATTENDED
        else (Status.CONFIRMED,)
    )
    with transaction.atomic():
        slot = lock_slot(participation.slot_id)
        require_organization_role(actor, slot.mission.organization)
        current = _lock_participation(participation.pk)
        current.slot = slot
        if current.status not in allowed_from:
            raise EngagementError(
                _("Attendance can only be recorded for confirmed participations."),
                code=EngagementErrorCode.INVALID_TRANSITION,
            )
        if not slot_has_started(slot, now=now):
            raise EngagementError(
                _("Attendance can be recorded once the date has started."),
                code=EngagementErrorCode.SLOT_NOT_STARTED,
            )
        recorded_hours = _hours(hours, slot=slot) if status == Status.ATTENDED else None
        previous = current.status
        current.status = status
        current.hours = recorded_hours
        current.decided_by = actor
        current.decided_at = now
        current.save(update_fields=["status", "hours", "decided_by", "decided_at", "updated_at"])
        if previous == Status.CONFIRMED:
            _free_seat(slot)
        audit_record(
            actor=actor,
            action=f"participation.{status}",
            target=current,
            data={
                "slot_id": slot.pk,
                "previous_status": previous,
                "hours": str(recorded_hours) if recorded_hours is not None else None,
            },
        )
        if previous == Status.CONFIRMED:
            # Only an ongoing slot can still take someone: its seat is free again.
            promote_first_waitlisted(slot=slot, actor=actor)
    copy_fields(participation, current)
    logger.info(
        "participation.attendance", extra={"participation_id": current.pk, "status": status}
    )
    return current


def participation_mark_attended(
    *, participation: Participation, actor: User, hours: HoursInput
) -> Participation:
    """Record that the volunteer came, and for how long (also corrects a no-show or the hours)."""
    return _record_attendance(
        participation=participation, actor=actor, status=Status.ATTENDED, hours=hours
    )


def participation_mark_no_show(*, participation: Participation, actor: User) -> Participation:
    """Record that a confirmed volunteer did not come."""
    return _record_attendance(participation=participation, actor=actor, status=Status.NO_SHOW)


def participations_cancel_for_slot(*, slot: Slot, actor: User, now: datetime) -> int:
    """Cancel the active participations of a locked slot (the organizer cancelled the date or the
    mission) and tell each volunteer; returns how many."""
    cancelled = 0
    for participation in Participation.objects.select_for_update(of=("self",)).filter(
        slot_id=slot.pk, status__in=Participation.ACTIVE_STATUSES
    ):
        participation.status = Status.CANCELLED
        participation.cancelled_at = now
        participation.decided_by = actor
        participation.save(update_fields=["status", "cancelled_at", "decided_by", "updated_at"])
        audit_record(
            actor=actor,
            action="participation.cancelled_by_organizer",
            target=participation,
            data={"slot_id": slot.pk},
        )
        notify_volunteer(participation, Event.CANCELLED_BY_ORGANIZER)
        cancelled += 1
    seat_holds_release_for_slot(slot=slot, now=now, actor=actor)
    if slot.confirmed_count:
        slot.confirmed_count = 0
        slot.save(update_fields=["confirmed_count"])
    return cancelled
