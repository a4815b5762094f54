"""What a calendar feed serves, as an iCalendar document.

A person's feed: each of their participations is the same event as in their e-mails and
downloads (engagement.participations.calendar: same UID, STATUS and SEQUENCE). An
organization's feed: each of its dates (drafts left out) with its seats and counts — confirmed
of capacity, waiting, awaiting approval — and nobody's name or address: the people are on the
organization's pages, behind a sign-in. Texts are in the owner's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import icalendar
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from engagement.calendars.models import CalendarFeed
from engagement.calendars.selectors import feed_participations, feed_slots
from engagement.links import language_for, page_url
from engagement.missions.models import Mission, Slot
from engagement.participations.calendar import (
    events_ics,
    participation_event,
    slot_changed_at,
    slot_event,
)
from tenants.models import Tenant

FEED_PATH = "/agenda/{token}.ics"


@dataclass(frozen=True)
class FeedAddresses:
    """A feed's address on the tenant's canonical origin, and the same as webcal:// (which
    calendar apps open as a subscription)."""

    https: str
    webcal: str


def feed_addresses(*, tenant: Tenant, token: str) -> FeedAddresses:
    address = page_url(tenant, "calendar-feed", FEED_PATH, token=token)
    return FeedAddresses(https=address, webcal="webcal://" + address.split("://", 1)[1])


def _slot_status(slot: Slot) -> str:
    if slot.status == Slot.Status.CANCELLED:
        return "CANCELLED"
    if slot.mission.status == Mission.Status.IN_REVIEW:
        return "TENTATIVE"
    return "CONFIRMED"


def _slot_counts(slot: Slot) -> str:
    lines = [
        _("Confirmed: %(confirmed)d of %(capacity)d seats")
        % {"confirmed": slot.confirmed_count, "capacity": slot.capacity},
        _("Waiting list: %(count)d") % {"count": getattr(slot, "waitlisted_count", 0)},
        _("Awaiting approval: %(count)d") % {"count": getattr(slot, "requested_count", 0)},
    ]
    return "\n".join(lines)


def _organization_event(tenant: Tenant, slot: Slot, base_url: str) -> icalendar.Event:
    mission = slot.mission
    manage = base_url + reverse("engagement:organization-mission", args=[mission.pk])
    return slot_event(
        tenant=tenant,
        slot=slot,
        uid=f"slot-{slot.pk}@{tenant.primary_host}",
        status=_slot_status(slot),
        changed_at=slot_changed_at(slot),
        base_url=base_url,
        summary=f"{mission.title} ({slot.confirmed_count}/{slot.capacity})",
        description=f"{_slot_counts(slot)}\n\n{manage}",
    )


def feed_ics(*, tenant: Tenant, feed: CalendarFeed, now: datetime | None = None) -> bytes:
    """The feed's calendar now: one query for its events, one for the tenant's address."""
    base_url = tenant.base_url
    with translation.override(language_for(tenant, feed.owner)):
        if feed.organization is None:
            events = [
                event
                for participation in feed_participations(user_id=feed.owner_id, now=now)
                if (
                    event := participation_event(
                        tenant=tenant, participation=participation, base_url=base_url
                    )
                )
            ]
            name = _("%(site)s — my commitments") % {"site": tenant.name}
        else:
            events = [
                _organization_event(tenant, slot, base_url)
                for slot in feed_slots(organization_id=feed.organization.pk, now=now)
            ]
            name = f"{tenant.name} — {feed.organization.name}"
        return events_ics(tenant=tenant, name=name, events=events)
