"""Calendar feeds and the notices of changed dates.

Feeds: a person makes a secret address for their participations, or (as an admin or editor)
for the dates of one of their organizations. The token is 256 random bits
(tenants.signing.stored_token, kind `calendar_feed`); only its SHA-256 is stored, so the address
is shown once, when it is made. Making a new address revokes the previous one; revoking stops it
at once (the feed answers 404). Both are audited.

Notices: when a date of a mission moves, or the mission's place changes, engagement.missions.
services raises the slot's SEQUENCE and schedules `slot_change_notices_send` through the outbox;
each active participant (confirmed, waitlisted, awaiting approval) gets one e-mail per change
with the updated event (METHOD:REQUEST). A cancelled date or mission is told by the cancellation
e-mail of engagement.emails.services, which carries the METHOD:CANCEL file: never twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from engagement.calendars.models import CalendarFeed
from engagement.emails.delivery import Attachment, EmailCategory, deliver_email
from engagement.links import MY_PARTICIPATIONS_PATH, language_for, mission_url, page_url
from engagement.missions.models import Slot
from engagement.notifications import SlotChange
from engagement.organizations.access import require_organization_role
from engagement.organizations.models import Organization
from engagement.participations.calendar import (
    ICS_FILENAME,
    Method,
    ics_mimetype,
    slot_ics,
)
from engagement.participations.models import Participation
from tenants.audit.services import audit_record
from tenants.context import current_tenant
from tenants.signing import stored_token

logger = logging.getLogger(__name__)

TOKEN_KIND = "calendar_feed"
HINT_LENGTH = 4


@dataclass(frozen=True)
class CreatedFeed:
    feed: CalendarFeed
    # The token, to build the address shown once; it is stored nowhere.
    token: str


def _lock_owner(owner: User) -> None:
    """One creation or revocation at a time per person (the unique constraint backs it)."""
    User.objects.select_for_update().filter(pk=owner.pk).values_list("pk").first()


def _revoke_active(
    *, owner: User, organization: Organization | None, now: datetime
) -> list[CalendarFeed]:
    active = list(
        CalendarFeed.objects.select_for_update().filter(
            owner=owner, organization=organization, revoked_at__isnull=True
        )
    )
    for feed in active:
        feed.revoked_at = now
        feed.save(update_fields=["revoked_at"])
    return active


def calendar_feed_create(
    *, owner: User, organization: Organization | None = None, now: datetime | None = None
) -> CreatedFeed:
    """A new secret address for the owner's participations, or for the dates of `organization`
    (its admins and editors only); the previous address of the same calendar stops working."""
    if organization is not None:
        require_organization_role(owner, organization)
    now = now or timezone.now()
    token = stored_token(TOKEN_KIND)
    with transaction.atomic():
        _lock_owner(owner)
        replaced = _revoke_active(owner=owner, organization=organization, now=now)
        feed = CalendarFeed(
            owner=owner,
            organization=organization,
            token_hash=CalendarFeed.hash_token(token),
            hint=token[-HINT_LENGTH:],
            created_at=now,
        )
        feed.full_clean()
        feed.save()
        audit_record(
            actor=owner,
            action="calendar_feed.created",
            target=feed,
            data={
                "organization_id": organization.pk if organization else None,
                "replaced": [old.pk for old in replaced],
            },
        )
    logger.info(
        "calendar_feed.created", extra={"feed_id": feed.pk, "organization": bool(organization)}
    )
    return CreatedFeed(feed=feed, token=token)


def calendar_feed_revoke(
    *, owner: User, organization: Organization | None = None, now: datetime | None = None
) -> int:
    """Stop the owner's address for this calendar at once; how many were working (0 or 1).
    Revoking when none works changes nothing."""
    if organization is not None:
        require_organization_role(owner, organization)
    now = now or timezone.now()
    with transaction.atomic():
        _lock_owner(owner)
        revoked = _revoke_active(owner=owner, organization=organization, now=now)
        for feed in revoked:
            audit_record(
                actor=owner,
                action="calendar_feed.revoked",
                target=feed,
                data={"organization_id": organization.pk if organization else None},
            )
    if revoked:
        logger.info("calendar_feed.revoked", extra={"feed_id": revoked[0].pk})
    return len(revoked)


# --- Notices of changed dates (called by the task) ----------------------------------------------


def _participants(slot: Slot) -> list[Participation]:
    return list(
        Participation.objects.filter(
            slot_id=slot.pk,
            status__in=Participation.ACTIVE_STATUSES,
            volunteer__isnull=False,
        )
        .select_related("volunteer")
        .order_by("id")
    )


def slot_change_notices_send(*, slot_id: int, sequence: int, change: str) -> int:
    """E-mail each active participant of a changed date its updated event; how many were sent.

    Nothing when the date changed again since (a later task sends the newer version), was
    cancelled (the cancellation e-mail tells them) or has no dates. Once per participant and
    sequence: a task run twice sends once.
    """
    slot = Slot.objects.select_related("mission__organization").filter(pk=slot_id).first()
    if (
        slot is None
        or slot.sequence != sequence
        or slot.status == Slot.Status.CANCELLED
        or slot.starts_at is None
    ):
        logger.info("slot_change.skipped", extra={"slot_id": slot_id, "sequence": sequence})
        return 0
    tenant = current_tenant()
    mission = slot.mission
    sent = 0
    for participation in _participants(slot):
        volunteer = participation.volunteer
        assert volunteer is not None
        participation.slot = slot
        content = slot_ics(
            tenant=tenant, participation=participation, method=Method.REQUEST, attendee=volunteer
        )
        attachments = (
            [Attachment(ICS_FILENAME, content, ics_mimetype(Method.REQUEST))] if content else []
        )
        sent += deliver_email(
            key=f"slot:{slot.pk}:sequence:{sequence}:participation:{participation.pk}",
            tenant=tenant,
            template="slot_changed",
            recipient=volunteer,
            language=language_for(tenant, volunteer),
            category=EmailCategory.TRANSACTIONAL,
            context={
                "slot": slot,
                "mission": mission,
                "organization": mission.organization,
                "participation": participation,
                "volunteer": volunteer,
                "change": str(SlotChange(change)),
                "location": mission.location_label,
                "mission_url": mission_url(tenant, mission),
                "participations_url": page_url(tenant, "my-engagements", MY_PARTICIPATIONS_PATH),
                "is_waiting": participation.status != Participation.Status.CONFIRMED,
            },
            attachments=attachments,
        )
    logger.info("slot_change.sent", extra={"slot_id": slot.pk, "sent": sent})
    return sent
