"""E-mails of engagement: what is sent, to whom, in which language, with which attachment.

Services call the `notify_*` functions inside their transaction; each schedules a Celery task
(engagement/tasks.py) through the transactional outbox (tenants/outbox/), so nothing is sent for a
write that rolls back, and nothing is lost when the broker is down at commit time. The tasks
call the `send_*` functions below, which re-read the rows, skip what is no longer true (a
confirmation for a participation cancelled meanwhile), and record each delivery under a unique
key (EmailDelivery) in the sending transaction: a task run twice sends once.

Templates live in engagement/templates/engagement/email/<language>/<name>{_subject.txt,.txt,.html}
in French and English; the language is the recipient's (if the tenant offers it) or the tenant's.
Messages carry the tenant's name and colours. A confirmation (or a waitlist promotion) of a dated
slot carries an .ics invitation built with `icalendar`; ongoing slots have none.
"""

from __future__ import annotations

import contextlib
import logging
import re
import zoneinfo
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC
from enum import StrEnum
from typing import Any

import icalendar
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from engagement.models import (
    EmailDelivery,
    Mission,
    Organization,
    OrganizationInvitation,
    OrganizationMembership,
    Participation,
    Slot,
)
from tenants.outbox.services import outbox_enqueue

logger = logging.getLogger(__name__)

# Links in e-mails: the pages' URL patterns, or these paths if a pattern is missing.
MISSION_PATH = "/missions/{mission_id}/"
MY_PARTICIPATIONS_PATH = "/me/participations/"
ORGANIZATION_PATH = "/organisation/{organization_id}/"
INVITATION_PATH = "/organisation/invitation/{token}/"

_BLANK_LINES = re.compile(r"\n\s*\n(\s*\n)+")
_EMPTY_PARAGRAPH = re.compile(r"<p[^>]*>\s*</p>\s*")

ICS_FILENAME = "mission.ics"
ICS_MIMETYPE = "text/calendar; method=PUBLISH"


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


# What a participation must still look like for its e-mail to make sense when the task runs.
VOLUNTEER_EVENT_STATUSES: dict[Event, tuple[str, ...]] = {
    Event.CONFIRMED: (Participation.Status.CONFIRMED,),
    Event.PROMOTED: (Participation.Status.CONFIRMED,),
    Event.REQUESTED: (Participation.Status.REQUESTED,),
    Event.WAITLISTED: (Participation.Status.WAITLISTED,),
    Event.DECLINED: (Participation.Status.DECLINED,),
    Event.CANCELLED_BY_ORGANIZER: (Participation.Status.CANCELLED,),
}
ICS_EVENTS = frozenset({Event.CONFIRMED, Event.PROMOTED})

_muted: ContextVar[bool] = ContextVar("engagement_notifications_muted", default=False)


@contextlib.contextmanager
def notifications_muted() -> Iterator[None]:
    """Schedule no e-mail inside this block (demo seeding, bulk imports)."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def _schedule(task_name: str, *args: Any) -> None:
    if _muted.get():
        return
    outbox_enqueue(f"engagement.{task_name}", *args)


# --- Scheduling (called by services, inside their transaction) ----------------------------------


def notify_volunteer(participation: Participation, event: Event) -> None:
    _schedule("participation_email_send", participation.pk, str(event))


def notify_organizers(participation: Participation, event: Event) -> None:
    _schedule("organizer_email_send", participation.pk, str(event))


def notify_invitation(invitation: OrganizationInvitation) -> None:
    _schedule("invitation_email_send", invitation.pk)


def notify_organization_verification(organization: Organization) -> None:
    _schedule("organization_email_send", organization.pk)


def notify_mission_moderation(mission: Mission, event: Event) -> None:
    _schedule("mission_email_send", mission.pk, str(event))


# --- Building blocks ----------------------------------------------------------------------------


def _tenant() -> Any:
    from tenants.context import current_tenant

    return current_tenant()


def tenant_base_url(tenant: Any) -> str:
    from tenants.services import tenant_base_url as base_url

    return base_url(tenant)


def _url(tenant: Any, name: str, fallback: str, **kwargs: Any) -> str:
    try:
        path = reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        path = fallback.format(**kwargs)
    return f"{tenant_base_url(tenant)}{path}"


def mission_url(tenant: Any, mission: Mission) -> str:
    return _url(tenant, "mission-detail", MISSION_PATH, mission_id=mission.pk)


def language_for(tenant: Any, user: Any | None = None) -> str:
    """The recipient's language if the tenant offers it, else the tenant's default."""
    chosen = (getattr(user, "language", "") or "").lower()
    if chosen and chosen in tenant.offered_languages:
        return chosen
    return tenant.default_language or settings.LANGUAGE_CODE


def template_language(language: str) -> str:
    """The template folder for a language: French variants share `fr`, everything else `en`."""
    return "fr" if language.lower().startswith("fr") else "en"


def _branding(tenant: Any) -> dict[str, Any]:
    from tenants.branding import readable_link_colour, readable_text_on

    return {
        "tenant_name": tenant.name,
        "primary_color": tenant.primary_color,
        "on_primary": readable_text_on(tenant.primary_color),
        "link_color": readable_link_colour(tenant.primary_color),
        "site_url": tenant_base_url(tenant),
    }


def slot_ics(*, tenant: Any, participation: Participation) -> bytes | None:
    """An iCalendar event for a dated slot (None for an ongoing one), times in UTC."""
    slot = participation.slot
    if slot.starts_at is None or slot.ends_at is None:
        return None
    mission = slot.mission
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//Entraide//{tenant.slug}//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = icalendar.Event()
    event.add("uid", f"participation-{participation.pk}@{tenant.primary_host}")
    event.add("dtstamp", timezone.now().astimezone(UTC))
    event.add("dtstart", slot.starts_at.astimezone(UTC))
    event.add("dtend", slot.ends_at.astimezone(UTC))
    event.add("summary", mission.title)
    remote_label = "Remote" if template_language(tenant.default_language) == "en" else "À distance"
    event.add("location", remote_label if mission.is_remote else mission_location_label(mission))
    event.add("url", mission_url(tenant, mission))
    event.add("description", f"{mission.organization.name} — {mission.summary}".strip(" —"))
    event.add("status", "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()


def mission_location_label(mission: Mission) -> str:
    return ", ".join(
        part for part in (mission.address, f"{mission.postcode} {mission.city}".strip()) if part
    )


def _deliver(
    *,
    key: str,
    tenant: Any,
    template: str,
    recipient: str,
    language: str,
    context: dict[str, Any],
    attachment: bytes | None = None,
) -> bool:
    """Render and send one e-mail unless `key` was delivered already; True if sent now."""
    folder = template_language(language)
    base = f"engagement/email/{folder}/{template}"
    with translation.override(language), timezone.override(zoneinfo.ZoneInfo(tenant.timezone)):
        full_context = {**_branding(tenant), **context, "language": language}
        subject = " ".join(render_to_string(f"{base}_subject.txt", full_context).split())
        # Optional paragraphs render empty: drop the blank lines and empty <p> they leave.
        text = _BLANK_LINES.sub("\n\n", render_to_string(f"{base}.txt", full_context)).strip()
        html = _EMPTY_PARAGRAPH.sub("", render_to_string(f"{base}.html", full_context))
    message = EmailMultiAlternatives(
        subject=f"[{tenant.name}] {subject}",
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient],
        headers={"X-Entraide-Tenant": tenant.slug},
    )
    message.attach_alternative(html, "text/html")
    if attachment is not None:
        message.attach(ICS_FILENAME, attachment, ICS_MIMETYPE)
    try:
        with transaction.atomic():
            EmailDelivery.objects.create(key=key)
            message.send()
    except IntegrityError:
        logger.info("email.already_sent", extra={"template": template})
        return False
    logger.info("email.sent", extra={"template": template})
    return True


def _participation(participation_id: int) -> Participation | None:
    return (
        Participation.objects.select_related("slot__mission__organization", "volunteer")
        .filter(pk=participation_id)
        .first()
    )


def _slot_context(slot: Slot) -> dict[str, Any]:
    return {
        "slot": slot,
        "is_ongoing": slot.is_ongoing,
        "mission": slot.mission,
        "organization": slot.mission.organization,
    }


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
    attachment = (
        slot_ics(tenant=tenant, participation=participation) if kind in ICS_EVENTS else None
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
            "location": mission_location_label(mission),
            "participations_url": _url(tenant, "my-engagements", MY_PARTICIPATIONS_PATH),
            "has_calendar": attachment is not None,
        },
        attachment=attachment,
    )


def _organizers(organization_id: int) -> list[Any]:
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
                "volunteer_name": (
                    participation.volunteer.get_full_name() if participation.volunteer else "—"
                ),
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
            "accept_url": _url(
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
                "organization_url": _url(
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
