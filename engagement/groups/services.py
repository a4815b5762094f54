"""Group sign-up: a volunteer joins a slot and holds one seat per named friend.

Rules:
- only accepted friends (engagement.friends.selectors.friend_ids: no pending request, no block
  either way), each named once, at most GROUP_MAX_FRIENDS, none already on the slot (taking part,
  waiting, or with a seat held for them);
- the organizer of the group gets a confirmed participation as with "Je participe" (or keeps the
  confirmed one they have); the group needs a free seat for everyone in it, else nothing is
  written: a group is never split between the slot and its waiting list;
- not on missions that require approval: the organization approves each person, and a held seat
  would promise a place it has not granted;
- a seat is held until HOLD_DURATION after the sign-up (24 hours), or the slot's start if that is
  sooner; counted in `Slot.held_count`, so capacity stays exact (check constraint
  `confirmed_count + held_count <= capacity`);
- the friend claims it (it becomes their confirmed participation: the seat moves from
  `held_count` to `confirmed_count`, seats left unchanged) or declines it; a declined, expired or
  released seat goes to the waiting list at once, earliest first;
- when the organizer cancels their own participation, the seats still held for their friends are
  released (a group outing without its organizer is not what the friends were asked to); seats
  already claimed are the friends' own participations and stay. A cancelled slot releases all
  its held seats (engagement.groups.seats);
- every change of a hold happens with the slot row locked (engagement.participations.services
  .lock_slot), in the same order as the participation services: slot first, then rows.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tenants.utils import get_public_schema_name

from accounts.models import User
from engagement.access import require_authenticated
from engagement.emails.delivery import EmailCategory, deliver_email
from engagement.emails.rendering import _slot_context, _tenant
from engagement.errors import EngagementError, EngagementErrorCode
from engagement.friends.selectors import friend_ids as accepted_friend_ids
from engagement.groups.models import SeatHold
from engagement.groups.seats import seat_holds_release_locked
from engagement.groups.selectors import person_name
from engagement.links import MY_PARTICIPATIONS_PATH, language_for, mission_url, page_url
from engagement.missions.models import Mission, Slot
from engagement.notifications import Event, notify_organizers, notify_seat_hold, notify_volunteer
from engagement.participations.models import Participation
from engagement.participations.services import (
    PROMOTING_MISSION_STATUSES,
    lock_slot,
    participation_request,
    promote_first_waitlisted,
)
from tenants.audit.services import audit_record
from tenants.context import tenant_context
from tenants.models import Tenant

logger = logging.getLogger("engagement.services")

# How long a seat stays held for a friend (the same for every tenant for now).
HOLD_DURATION = timedelta(hours=24)
# Friends one volunteer may bring to one slot at once.
GROUP_MAX_FRIENDS = 8
# Held seats released per transaction by the expiry sweep (one slot locked at a time).
EXPIRY_BATCH = 200
SEAT_HOLD_PATH = "/places-reservees/{hold_id}/"

Status = SeatHold.Status


@dataclass(frozen=True)
class GroupSignup:
    participation: Participation
    holds: list[SeatHold]


def _friends_error(code: EngagementErrorCode, message: str) -> EngagementError:
    return EngagementError(message, code=code, fields={"friend_ids": [message]})


def _checked_friends(volunteer: User, ids: Sequence[int]) -> list[User]:
    """The named friends, in the order given; raises before anything is locked."""
    if not ids:
        raise _friends_error(EngagementErrorCode.INVALID, _("Choose at least one friend."))
    if len(set(ids)) != len(ids):
        raise _friends_error(EngagementErrorCode.INVALID, _("Each friend can be named only once."))
    if len(ids) > GROUP_MAX_FRIENDS:
        raise _friends_error(
            EngagementErrorCode.GROUP_TOO_LARGE,
            ngettext(
                "You can hold seats for at most %(count)d friend.",
                "You can hold seats for at most %(count)d friends.",
                GROUP_MAX_FRIENDS,
            )
            % {"count": GROUP_MAX_FRIENDS},
        )
    friends_of_volunteer = accepted_friend_ids(volunteer.pk)
    users = {
        user.pk: user
        for user in User.objects.filter(pk__in=ids, is_active=True).select_related(
            "volunteer_profile"
        )
    }
    # A block, a pending request and a stranger read the same: nothing is revealed.
    if any(pk not in friends_of_volunteer or pk not in users for pk in ids):
        raise _friends_error(
            EngagementErrorCode.NOT_A_FRIEND, _("You can only hold seats for your friends.")
        )
    return [users[pk] for pk in ids]


def _require_group_joinable(slot: Slot, *, now: datetime) -> None:
    if slot.mission.status != Mission.Status.PUBLISHED:
        raise EngagementError(
            _("This mission is not open for participation."),
            code=EngagementErrorCode.MISSION_NOT_PUBLISHED,
        )
    if slot.status == Slot.Status.CANCELLED:
        raise EngagementError(
            _("This date was cancelled."), code=EngagementErrorCode.SLOT_CANCELLED
        )
    if slot.starts_at is not None and slot.starts_at <= now:
        raise EngagementError(
            _("This date has already started or is over."), code=EngagementErrorCode.SLOT_STARTED
        )
    if slot.mission.requires_approval:
        raise EngagementError(
            _(
                "The organization approves each volunteer of this mission: "
                "your friends sign up themselves."
            ),
            code=EngagementErrorCode.GROUP_SIGNUP_UNAVAILABLE,
        )


def hold_expiry(slot: Slot, *, now: datetime) -> datetime:
    """When a seat held now on `slot` is released if unclaimed."""
    expiry = now + HOLD_DURATION
    if slot.starts_at is not None and slot.starts_at < expiry:
        return slot.starts_at
    return expiry


def group_signup(*, volunteer: User, slot: Slot, friend_ids: Sequence[int]) -> GroupSignup:
    """Join `slot` and hold one seat for each named friend, or change nothing."""
    require_authenticated(volunteer)
    ids = [int(pk) for pk in friend_ids]
    friends = _checked_friends(volunteer, ids)
    now = timezone.now()
    try:
        with transaction.atomic():
            locked = lock_slot(slot.pk)
            _require_group_joinable(locked, now=now)
            own = (
                Participation.objects.filter(
                    slot_id=locked.pk,
                    volunteer_id=volunteer.pk,
                    status__in=Participation.ACTIVE_STATUSES,
                )
                .order_by("id")
                .first()
            )
            if own is not None and own.status != Participation.Status.CONFIRMED:
                raise EngagementError(
                    _("You are on the waiting list for this date: a group needs a seat for you."),
                    code=EngagementErrorCode.ALREADY_PARTICIPATING,
                )
            taken = set(
                Participation.objects.filter(
                    slot_id=locked.pk,
                    volunteer_id__in=ids,
                    status__in=Participation.ACTIVE_STATUSES,
                ).values_list("volunteer_id", flat=True)
            ) | set(
                SeatHold.objects.filter(
                    slot_id=locked.pk, for_user_id__in=ids, status=Status.HELD
                ).values_list("for_user_id", flat=True)
            )
            if taken:
                names = ", ".join(person_name(friend) for friend in friends if friend.pk in taken)
                raise _friends_error(
                    EngagementErrorCode.FRIEND_ALREADY_PARTICIPATING,
                    _("Already signed up for this date, or a seat is held for them: %(names)s.")
                    % {"names": names},
                )
            needed = len(friends) + (0 if own is not None else 1)
            if locked.seats_left < needed:
                raise _friends_error(
                    EngagementErrorCode.GROUP_TOO_LARGE,
                    ngettext(
                        "Only %(count)d seat is left on this date for your group of %(group)d.",
                        "Only %(count)d seats are left on this date for your group of %(group)d.",
                        locked.seats_left,
                    )
                    % {"count": locked.seats_left, "group": needed},
                )
            if own is None:
                own = participation_request(volunteer=volunteer, slot=locked)
            expires_at = hold_expiry(locked, now=now)
            holds = SeatHold.objects.bulk_create(
                [
                    SeatHold(
                        slot=locked,
                        held_by=volunteer,
                        for_user=friend,
                        status=Status.HELD,
                        expires_at=expires_at,
                    )
                    for friend in friends
                ]
            )
            locked.held_count += len(holds)
            locked.save(update_fields=["held_count"])
            audit_record(
                actor=volunteer,
                action="seat_hold.group_signup",
                target=own,
                data={
                    "slot_id": locked.pk,
                    "seat_hold_ids": [hold.pk for hold in holds],
                    "expires_at": expires_at.isoformat(),
                },
            )
            for hold in holds:
                notify_seat_hold(hold)
    except IntegrityError:
        # Two group sign-ups naming the same friend at once: the unique index has the last word.
        raise _friends_error(
            EngagementErrorCode.FRIEND_ALREADY_PARTICIPATING,
            _("A seat is already held for one of these friends."),
        ) from None
    slot.confirmed_count, slot.held_count = locked.confirmed_count, locked.held_count
    logger.info(
        "seat_hold.group_signup",
        extra={"slot_id": locked.pk, "holds": len(holds), "participation_id": own.pk},
    )
    return GroupSignup(participation=own, holds=holds)


def _lock_hold(hold_id: int) -> SeatHold:
    return SeatHold.objects.select_for_update(of=("self",)).get(pk=hold_id)


def _require_own_hold(hold: SeatHold, actor: User) -> None:
    require_authenticated(actor)
    if hold.for_user_id is None or hold.for_user_id != actor.pk:
        raise EngagementError(
            _("This seat is held for someone else."), code=EngagementErrorCode.NOT_ALLOWED
        )


def _require_still_held(hold: SeatHold, *, now: datetime) -> None:
    if hold.status != Status.HELD or hold.expires_at <= now:
        raise EngagementError(
            _("This seat is no longer held for you."), code=EngagementErrorCode.SEAT_HOLD_ENDED
        )


def seat_hold_claim(*, hold: SeatHold, actor: User) -> Participation:
    """The friend takes the seat held for them: a confirmed participation, seats left unchanged."""
    _require_own_hold(hold, actor)
    now = timezone.now()
    try:
        with transaction.atomic():
            slot = lock_slot(hold.slot_id)
            current = _lock_hold(hold.pk)
            _require_still_held(current, now=now)
            if slot.status == Slot.Status.CANCELLED or (
                slot.starts_at is not None and slot.starts_at <= now
            ):
                raise EngagementError(
                    _("This date was cancelled or has started."),
                    code=EngagementErrorCode.SEAT_HOLD_ENDED,
                )
            if slot.mission.status not in PROMOTING_MISSION_STATUSES:
                raise EngagementError(
                    _("This mission is not open for participation."),
                    code=EngagementErrorCode.MISSION_NOT_PUBLISHED,
                )
            participation = Participation.objects.create(
                volunteer=actor,
                slot=slot,
                status=Participation.Status.CONFIRMED,
                decided_at=now,
            )
            # The held seat becomes a confirmed one: one update, the constraint never strained.
            slot.held_count -= 1
            slot.confirmed_count += 1
            slot.save(update_fields=["held_count", "confirmed_count"])
            current.status = Status.CLAIMED
            current.ended_at = now
            current.participation = participation
            current.save(update_fields=["status", "ended_at", "participation"])
            audit_record(
                actor=actor,
                action="seat_hold.claimed",
                target=current,
                data={"slot_id": slot.pk, "participation_id": participation.pk},
            )
            notify_volunteer(participation, Event.CONFIRMED)
            notify_organizers(participation, Event.ORGANIZER_NEW_PARTICIPATION)
    except IntegrityError:
        raise EngagementError(
            _("You are already registered for this date."),
            code=EngagementErrorCode.ALREADY_PARTICIPATING,
        ) from None
    hold.status, hold.ended_at, hold.participation = current.status, now, participation
    logger.info(
        "seat_hold.claimed", extra={"seat_hold_id": hold.pk, "participation_id": participation.pk}
    )
    return participation


def seat_hold_decline(*, hold: SeatHold, actor: User) -> SeatHold:
    """The friend will not come: the seat goes to the waiting list at once."""
    _require_own_hold(hold, actor)
    now = timezone.now()
    with transaction.atomic():
        slot = lock_slot(hold.slot_id)
        current = _lock_hold(hold.pk)
        _require_still_held(current, now=now)
        seat_holds_release_locked(
            slot=slot, holds=[current], status=Status.DECLINED, now=now, actor=actor
        )
        promote_first_waitlisted(slot=slot, actor=actor)
    hold.status, hold.ended_at = current.status, now
    logger.info("seat_hold.declined", extra={"seat_hold_id": hold.pk})
    return current


# --- Expiry (the beat task) ---------------------------------------------------------------------


def seat_holds_expire(*, now: datetime | None = None, batch_size: int = EXPIRY_BATCH) -> int:
    """Release the held seats whose time is up, in this tenant; returns how many.

    Each slot is handled in its own short transaction (slot locked, its due holds locked with
    SKIP LOCKED so a claim in progress is left for the next run), and its waiting list promoted
    there, so no lock outlives one slot.
    """
    now = now or timezone.now()
    expired = 0
    while True:
        due = list(
            SeatHold.objects.filter(status=Status.HELD, expires_at__lte=now)
            .order_by("expires_at", "id")
            .values_list("slot_id", flat=True)[:batch_size]
        )
        if not due:
            return expired
        released_in_batch = 0
        for slot_id in dict.fromkeys(due):
            with transaction.atomic():
                slot = lock_slot(slot_id)
                holds = list(
                    SeatHold.objects.select_for_update(of=("self",), skip_locked=True).filter(
                        slot_id=slot_id, status=Status.HELD, expires_at__lte=now
                    )
                )
                released = seat_holds_release_locked(
                    slot=slot, holds=holds, status=Status.EXPIRED, now=now
                )
                if released:
                    promote_first_waitlisted(slot=slot)
            released_in_batch += released
        expired += released_in_batch
        if released_in_batch == 0:
            # Only rows locked by claims in progress are left: the next run takes them.
            return expired


def seat_holds_expire_everywhere(*, now: datetime | None = None) -> int:
    """seat_holds_expire in every tenant (the beat task: one indexed query per tenant when
    nothing is due); a tenant that fails is logged and skipped."""
    expired = 0
    for tenant in Tenant.objects.exclude(schema_name=get_public_schema_name()).order_by("pk"):
        try:
            with tenant_context(tenant):
                expired += seat_holds_expire(now=now)
        except DatabaseError:
            logger.exception("seat_hold.expire_failed", extra={"schema": tenant.schema_name})
    return expired


# --- E-mail (called by the task) ----------------------------------------------------------------


def send_seat_hold_email(*, hold_id: int) -> bool:
    """Tell the friend a seat is held for them, with a link to claim or decline it."""
    hold = (
        SeatHold.objects.select_related(
            "slot__mission__organization",
            "held_by__volunteer_profile",
            "for_user",
        )
        .filter(pk=hold_id)
        .first()
    )
    if hold is None or hold.for_user is None or not hold.is_held:
        return False
    tenant = _tenant()
    friend = hold.for_user
    return deliver_email(
        key=f"seat_hold:{hold.pk}",
        tenant=tenant,
        template="seat_hold_offered",
        recipient=friend,
        language=language_for(tenant, friend),
        category=EmailCategory.FRIENDS,
        context={
            **_slot_context(hold.slot),
            "friend": friend,
            "organizer_name": person_name(hold.held_by) if hold.held_by else "",
            "expires_at": hold.expires_at,
            "claim_url": page_url(tenant, "seat-hold", SEAT_HOLD_PATH, hold_id=hold.pk),
            "mission_url": mission_url(tenant, hold.slot.mission),
            "participations_url": page_url(tenant, "my-engagements", MY_PARTICIPATIONS_PATH),
            "location": hold.slot.mission.location_label,
        },
    )
