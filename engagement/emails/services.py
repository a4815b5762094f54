"""E-mails of engagement: what is sent, to whom, in which language, with which attachment.

Services call the `notify_*` functions (engagement/notifications.py) inside their transaction;
each schedules a Celery task (engagement/tasks.py) through the transactional outbox
(tenants/outbox/), so nothing is sent for a write that rolls back, and nothing is lost when the
broker is down at commit time. The tasks call the `send_*` functions below, which re-read the
rows, skip what is no longer true (a confirmation for a participation cancelled meanwhile), and
record each delivery under a unique key (EmailDelivery) in the sending transaction: a task run
twice sends once.

Templates live in engagement/emails/templates/emails/<language>/<name>{_subject.txt,.txt,.html}
in French and English; the language is the recipient's (if the tenant offers it) or the tenant's.
Messages carry the tenant's name and colours. A confirmation (or a waitlist promotion) of a dated
slot carries an .ics invitation built with `icalendar` (engagement/participations/calendar.py),
and a cancellation by the organization its METHOD:CANCEL counterpart; ongoing slots have none.
"""

from __future__ import annotations

import logging

from accounts.models import User
from engagement.emails.delivery import Attachment, deliver_email
from engagement.emails.rendering import _slot_context, _tenant
from engagement.links import (
    INVITATION_PATH,
    MY_PARTICIPATIONS_PATH,
    ORGANIZATION_PATH,
    language_for,
    mission_url,
    page_url,
)
from engagement.missions.models import Mission
from engagement.notifications import Event
from engagement.organizations.models import (
    Organization,
    OrganizationInvitation,
    OrganizationMembership,
)
from engagement.participations.calendar import ICS_FILENAME, Method, ics_mimetype, slot_ics
from engagement.participations.models import Participation
from engagement.volunteers.selectors import volunteer_display_name
from tenants.models import Tenant

logger = logging.getLogger(__name__)


# What a participation must still look like for its e-mail to make sense when the task runs.
VOLUNTEER_EVENT_STATUSES: dict[Event, tuple[str, ...]] = {
    Event.CONFIRMED: (Participation.Status.CONFIRMED,),
    Event.PROMOTED: (Participation.Status.CONFIRMED,),
    Event.REQUESTED: (Participation.Status.REQUESTED,),
    Event.WAITLISTED: (Participation.Status.WAITLISTED,),
    Event.DECLINED: (Participation.Status.DECLINED,),
    Event.CANCELLED_BY_ORGANIZER: (Participation.Status.CANCELLED,),
}
# The calendar file each e-mail carries: the invitation once confirmed, its cancellation when the
# organization cancels (the same UID, a higher SEQUENCE: calendars remove the event).
ICS_METHODS: dict[Event, Method] = {
    Event.CONFIRMED: Method.REQUEST,
    Event.PROMOTED: Method.REQUEST,
    Event.CANCELLED_BY_ORGANIZER: Method.CANCEL,
}


def _deliver(
    *,
    key: str,
    tenant: Tenant,
    template: str,
    recipient: str,
    language: str,
    context: dict[str, object],
    attachment: bytes | None = None,
    method: Method = Method.REQUEST,
) -> bool:
    """A transactional e-mail (always sent, once per key), with an optional .ics file."""
    return deliver_email(
        key=key,
        tenant=tenant,
        template=template,
        recipient=recipient,
        language=language,
        context=context,
        attachments=(
            [Attachment(ICS_FILENAME, attachment, ics_mimetype(method))]
            if attachment is not None
            else []
        ),
    )


def _participation(participation_id: int) -> Participation | None:
    return (
        Participation.objects.select_related(
            "slot__mission__organization", "volunteer__volunteer_profile"
        )
        .filter(pk=participation_id)
        .first()
    )


# --- Sending (called by tasks) ------------------------------------------------------------------


def send_participation_email(*, participation_id: int, event: str) -> bool:
    """Tell the volunteer what happened to their participation."""
    kind = Event(event)
    participation = _participation(participation_id)
    if participation is None or participation.volunteer is None:
        return False
    if participation.status not in VOLUNTEER_EVENT_STATUSES[kind]:
        logger.info("email.skipped_stale", extra={"event": kind.value})
        return False
    tenant = _tenant()
    volunteer = participation.volunteer
    mission = participation.slot.mission
    method = ICS_METHODS.get(kind)
    attachment = (
        slot_ics(tenant=tenant, participation=participation, method=method, attendee=volunteer)
        if method is not None
        else None
    )
    return _deliver(
        key=f"participation:{participation.pk}:{kind.value}",
        tenant=tenant,
        template=kind.value,
        recipient=volunteer.email,
        language=language_for(tenant, volunteer),
        context={
            **_slot_context(participation.slot),
            "participation": participation,
            "volunteer": volunteer,
            "mission_url": mission_url(tenant, mission),
            "location": mission.location_label,
            "participations_url": page_url(tenant, "my-engagements", MY_PARTICIPATIONS_PATH),
            "has_calendar": attachment is not None,
        },
        attachment=attachment,
        method=method or Method.REQUEST,
    )


def _organizers(organization_id: int) -> list[User]:
    return [
        membership.user
        for membership in OrganizationMembership.objects.select_related("user").filter(
            organization_id=organization_id, user__is_active=True
        )
    ]


def send_organizer_email(*, participation_id: int, event: str) -> int:
    """Tell the organization's admins and editors about a new participation or a cancellation."""
    kind = Event(event)
    participation = _participation(participation_id)
    if participation is None:
        return 0
    tenant = _tenant()
    mission = participation.slot.mission
    sent = 0
    for organizer in _organizers(mission.organization_id):
        if participation.volunteer_id == organizer.pk:
            continue
        sent += _deliver(
            key=f"participation:{participation.pk}:{kind.value}:user:{organizer.pk}",
            tenant=tenant,
            template=kind.value,
            recipient=organizer.email,
            language=language_for(tenant, organizer),
            context={
                **_slot_context(participation.slot),
                "participation": participation,
                "volunteer_name": volunteer_display_name(participation.volunteer),
                "mission_url": mission_url(tenant, mission),
            },
        )
    return sent


def send_invitation_email(*, invitation_id: int) -> bool:
    invitation = (
        OrganizationInvitation.objects.select_related("organization", "invited_by")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or not invitation.is_usable:
        return False
    tenant = _tenant()
    return _deliver(
        key=f"invitation:{invitation.pk}",
        tenant=tenant,
        template=Event.INVITATION.value,
        recipient=invitation.email,
        language=language_for(tenant),
        context={
            "invitation": invitation,
            "organization": invitation.organization,
            "inviter_name": invitation.invited_by.get_full_name() if invitation.invited_by else "",
            "accept_url": page_url(
                tenant, "engagement:invitation-accept", INVITATION_PATH, token=invitation.token
            ),
        },
    )


def send_organization_email(*, organization_id: int) -> int:
    """Tell an organization's admins that it was verified or rejected."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if (
        organization is None
        or organization.verification_status == Organization.Verification.PENDING
    ):
        return 0
    kind = Event.ORGANIZATION_VERIFIED if organization.is_verified else Event.ORGANIZATION_REJECTED
    tenant = _tenant()
    stamp = int((organization.verified_at or organization.updated_at).timestamp())
    sent = 0
    for admin in _organizers(organization.pk):
        sent += _deliver(
            key=f"organization:{organization.pk}:{kind.value}:{stamp}:user:{admin.pk}",
            tenant=tenant,
            template=kind.value,
            recipient=admin.email,
            language=language_for(tenant, admin),
            context={
                "organization": organization,
                "organization_url": page_url(
                    tenant,
                    "engagement:organization-detail",
                    ORGANIZATION_PATH,
                    organization_id=organization.pk,
                ),
            },
        )
    return sent


def send_mission_email(*, mission_id: int, event: str) -> int:
    """Tell a mission's organization that moderation published or sent back the mission."""
    kind = Event(event)
    mission = Mission.objects.select_related("organization").filter(pk=mission_id).first()
    expected = Mission.Status.PUBLISHED if kind == Event.MISSION_PUBLISHED else Mission.Status.DRAFT
    if mission is None or mission.status != expected:
        return 0
    tenant = _tenant()
    stamp = int(mission.updated_at.timestamp())
    sent = 0
    for organizer in _organizers(mission.organization_id):
        sent += _deliver(
            key=f"mission:{mission.pk}:{kind.value}:{stamp}:user:{organizer.pk}",
            tenant=tenant,
            template=kind.value,
            recipient=organizer.email,
            language=language_for(tenant, organizer),
            context={
                "mission": mission,
                "organization": mission.organization,
                "mission_url": mission_url(tenant, mission),
            },
        )
    return sent
