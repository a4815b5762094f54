"""An organization writes to the participants of a mission or of one of its slots.

Each participant gets their own e-mail (their address alone in To, nothing in Cc: nobody sees
who else received it), from the tenant's sender name, answered to the organization's contact
address when it has one (else replies go nowhere: the volunteer contacts the organization from
the mission page). The message is plain text — markup is removed, links stay as text — of at
most BODY_MAX_LENGTH characters.

Messages are of the ORGANIZATION_MESSAGES category, and a person who turned that category off
receives none of them, practical details included: they chose so, and what changes their
commitment (a date moved or cancelled, a seat freed) comes through the transactional e-mails.

The recipients are fixed when the message is written (OrganizationMessage.recipient_ids), the
message is logged, audited and rate-limited per organization (settings
ORGANIZATION_MESSAGES_PER_HOUR and _PER_DAY), and the e-mails leave through the outbox in
batches of DELIVERY_BATCH, each e-mail keyed so that a batch run twice sends once.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from engagement.emails.delivery import EmailCategory, deliver_email
from engagement.errors import EngagementError, EngagementErrorCode
from engagement.links import language_for, mission_url
from engagement.missions.models import Mission, Slot
from engagement.organization_messages.models import OrganizationMessage
from engagement.organizations.access import ORGANIZER_ROLES
from engagement.organizations.models import Organization, OrganizationMembership
from engagement.participations.models import Participation
from engagement.sanitizing import sanitize_text
from tenants.audit.services import audit_record
from tenants.context import current_tenant
from tenants.outbox.services import outbox_enqueue

logger = logging.getLogger(__name__)

SUBJECT_MAX_LENGTH = 150
BODY_MAX_LENGTH = 5000
DELIVERY_BATCH = 200
DELIVER_TASK = "engagement.organization_message_deliver"

Audience = OrganizationMessage.Audience

AUDIENCE_STATUSES: dict[str, tuple[str, ...]] = {
    Audience.CONFIRMED: (Participation.Status.CONFIRMED,),
    Audience.WAITLISTED: (Participation.Status.WAITLISTED,),
    Audience.ACTIVE: tuple(Participation.ACTIVE_STATUSES),
}


def _invalid(field: str, message: str) -> EngagementError:
    return EngagementError(message, code=EngagementErrorCode.INVALID, fields={field: [message]})


def organization_message_recipient_ids(
    *, mission: Mission, slot: Slot | None, audience: str
) -> list[int]:
    """The active people with a participation of `audience` on the mission (or the slot)."""
    participations = Participation.objects.filter(
        slot__mission=mission,
        status__in=AUDIENCE_STATUSES[audience],
        volunteer__isnull=False,
        volunteer__is_active=True,
    )
    if slot is not None:
        participations = participations.filter(slot=slot)
    return sorted(set(participations.values_list("volunteer_id", flat=True)))


def _check_rate(organization: Organization) -> None:
    now = timezone.now()
    sent = OrganizationMessage.objects.filter(organization=organization)
    limits = (
        (timedelta(hours=1), settings.ORGANIZATION_MESSAGES_PER_HOUR, _("an hour")),
        (timedelta(days=1), settings.ORGANIZATION_MESSAGES_PER_DAY, _("a day")),
    )
    for window, limit, label in limits:
        if sent.filter(created_at__gt=now - window).count() >= limit:
            raise EngagementError(
                _(
                    "Your organization already sent %(limit)d messages in less than %(window)s: "
                    "try again later."
                )
                % {"limit": limit, "window": label},
                code=EngagementErrorCode.MESSAGE_RATE_LIMITED,
            )


def organization_message_send(
    *,
    mission: Mission,
    actor: User,
    audience: str,
    subject: str,
    body: str,
    slot: Slot | None = None,
) -> OrganizationMessage:
    """Write a message to the participants of `mission` (or of its `slot`) and schedule one
    e-mail to each. Refused: an actor who is not an admin or editor of the organization (403),
    a slot of another mission, an unknown audience, an empty or too long text (400), nobody to
    write to (409), too many messages of the organization lately (429)."""
    if not OrganizationMembership.objects.filter(
        organization_id=mission.organization_id, user_id=actor.pk, role__in=ORGANIZER_ROLES
    ).exists():
        raise EngagementError(
            _("Only the organization's admins and editors write to its participants."),
            code=EngagementErrorCode.NOT_ORGANIZATION_MEMBER,
        )
    if slot is not None and slot.mission_id != mission.pk:
        raise _invalid("slot_id", _("This date is not one of the mission's."))
    if audience not in AUDIENCE_STATUSES:
        raise _invalid("audience", _("Choose who receives the message."))
    subject = sanitize_text(subject, field="subject", max_length=SUBJECT_MAX_LENGTH)
    body = sanitize_text(body, field="body", max_length=BODY_MAX_LENGTH, multiline=True)
    errors = {}
    if not subject:
        errors["subject"] = [_("Give the message a subject.")]
    if not body.strip():
        errors["body"] = [_("Write the message.")]
    if errors:
        raise EngagementError(
            _("The message is incomplete."), code=EngagementErrorCode.INVALID, fields=errors
        )
    with transaction.atomic():
        # One writer at a time per organization, so the rate limit counts exactly.
        organization = Organization.objects.select_for_update().get(pk=mission.organization_id)
        _check_rate(organization)
        recipient_ids = organization_message_recipient_ids(
            mission=mission, slot=slot, audience=audience
        )
        if not recipient_ids:
            raise EngagementError(
                _("Nobody to write to: no participant matches."),
                code=EngagementErrorCode.NO_RECIPIENTS,
            )
        message = OrganizationMessage.objects.create(
            organization=organization,
            mission=mission,
            slot=slot,
            sender=actor,
            audience=audience,
            subject=subject,
            body=body,
            recipient_ids=recipient_ids,
            recipient_count=len(recipient_ids),
        )
        audit_record(
            actor=actor,
            action="organization_message.sent",
            target=message,
            data={
                "mission_id": mission.pk,
                "slot_id": slot.pk if slot is not None else None,
                "audience": audience,
                "recipient_count": len(recipient_ids),
            },
        )
        for start in range(0, len(recipient_ids), DELIVERY_BATCH):
            outbox_enqueue(DELIVER_TASK, message.pk, start)
    logger.info(
        "organization_message.sent",
        extra={"message_id": message.pk, "recipient_count": len(recipient_ids)},
    )
    return message


def organization_message_deliver(*, message_id: int, start: int) -> int:
    """E-mail the batch of recipients of a message that begins at `start`; returns the
    e-mails sent (people who left, or who turned these messages off, are skipped)."""
    message = (
        OrganizationMessage.objects.select_related("organization", "mission", "slot")
        .filter(pk=message_id)
        .first()
    )
    if message is None:
        return 0
    tenant = current_tenant()
    batch = message.recipient_ids[start : start + DELIVERY_BATCH]
    organization = message.organization
    reply_to = [organization.contact_email] if organization.contact_email else []
    sent = 0
    for recipient in User.objects.filter(pk__in=batch, is_active=True).order_by("pk"):
        sent += deliver_email(
            key=f"organization_message:{message.pk}:user:{recipient.pk}",
            tenant=tenant,
            template="organization_message",
            recipient=recipient,
            language=language_for(tenant, recipient),
            context={
                "message": message,
                "organization": organization,
                "mission": message.mission,
                "slot": message.slot,
                "is_ongoing": message.slot is not None and message.slot.is_ongoing,
                "mission_url": mission_url(tenant, message.mission),
            },
            category=EmailCategory.ORGANIZATION_MESSAGES,
            reply_to=reply_to,
        )
    return sent
