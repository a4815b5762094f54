"""Participations and slots as iCalendar events: the file of one participation (download and
e-mail attachment) and the events of the calendar feeds (engagement/calendars/).

One participation is one event, whatever file carries it, so a calendar that got it by e-mail,
by download and by a feed keeps one copy:

- UID `participation-<id>@<tenant host>`, never changed;
- SEQUENCE is the slot's (`Slot.sequence`, raised by engagement.missions.services when the
  dates, the place or the status change), and DTSTAMP / LAST-MODIFIED the last change of the
  participation, its slot or its mission, so a newer copy always wins;
- STATUS says where the person stands: TENTATIVE while waitlisted or awaiting approval,
  CONFIRMED once confirmed (and after the date), CANCELLED when the participation ended
  (cancelled, declined) or the date or the mission was cancelled.

Times are written in UTC; X-WR-TIMEZONE names the tenant's time zone for calendars that show a
feed in it. The ORGANIZER is the organization by its name, with the tenant's sender address
(no person's address); an invitation sent by e-mail names its recipient as the one ATTENDEE
(RFC 5546 asks for one), and nothing else carries a personal address.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import parseaddr
from enum import StrEnum

import icalendar
from django.conf import settings
from django.urls import reverse

from accounts.models import User
from engagement.links import template_language
from engagement.missions.models import Mission, Slot
from engagement.participations.models import Participation
from tenants.models import Tenant

logger = logging.getLogger(__name__)

ICS_FILENAME = "mission.ics"


class Method(StrEnum):
    """The iTIP method of a file: PUBLISH for a download, REQUEST for an invitation or its
    update sent by e-mail, CANCEL when the participation or the date is cancelled."""

    PUBLISH = "PUBLISH"
    REQUEST = "REQUEST"
    CANCEL = "CANCEL"


def ics_mimetype(method: Method) -> str:
    return f"text/calendar; method={method.value}"


# Kept for the callers that attach a file without choosing its method.
ICS_MIMETYPE = ics_mimetype(Method.REQUEST)

TENTATIVE_STATUSES = frozenset({Participation.Status.REQUESTED, Participation.Status.WAITLISTED})
ENDED_STATUSES = frozenset({Participation.Status.CANCELLED, Participation.Status.DECLINED})
PARTSTAT = {"TENTATIVE": "TENTATIVE", "CONFIRMED": "ACCEPTED", "CANCELLED": "DECLINED"}


def participation_status(participation: Participation) -> str:
    """The event's STATUS for this participation (see the module's docstring). Cancelling a
    mission cancels its dates to come (engagement.missions.services.mission_cancel); the dates
    that took place stay as they were."""
    if participation.slot.status == Slot.Status.CANCELLED or participation.status in ENDED_STATUSES:
        return "CANCELLED"
    if participation.status in TENTATIVE_STATUSES:
        return "TENTATIVE"
    return "CONFIRMED"


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


def slot_changed_at(slot: Slot) -> datetime:
    """The last change of a slot its participants see: its dates, status, or mission."""
    moments = [slot.created_at, slot.mission.updated_at]
    if slot.changed_at is not None:
        moments.append(slot.changed_at)
    return max(moments)


def participation_changed_at(participation: Participation) -> datetime:
    return max(participation.updated_at, slot_changed_at(participation.slot))


def organizer_address(tenant: Tenant, name: str) -> icalendar.vCalAddress:
    """The organization, by name, at the tenant's sender address (never a member's)."""
    _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    organizer = icalendar.vCalAddress(f"mailto:{address or settings.DEFAULT_FROM_EMAIL}")
    organizer.params["CN"] = icalendar.vText(name or tenant.name)
    return organizer


def _place(event: icalendar.Event, tenant: Tenant, mission: Mission) -> None:
    if mission.is_remote:
        label = "Remote" if template_language(tenant.default_language) == "en" else "À distance"
        event.add("location", label)
        return
    if mission.location_label:
        event.add("location", mission.location_label)
    if mission.location is not None:
        event.add("geo", (round(mission.location.y, 6), round(mission.location.x, 6)))


def mission_link(base_url: str, mission: Mission) -> str:
    """The mission's page on `base_url` (the tenant's canonical origin, read once per file:
    it may cost a query)."""
    return f"{base_url}{reverse('mission-detail', kwargs={'mission_id': mission.pk})}"


def slot_event(
    *,
    tenant: Tenant,
    slot: Slot,
    uid: str,
    status: str,
    changed_at: datetime,
    base_url: str,
    summary: str = "",
    description: str = "",
) -> icalendar.Event:
    """What every event of a dated slot says: dates, place, links, organizer, versions."""
    assert slot.starts_at is not None and slot.ends_at is not None
    mission = slot.mission
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", _utc(changed_at))
    event.add("last-modified", _utc(changed_at))
    event.add("sequence", slot.sequence)
    event.add("dtstart", _utc(slot.starts_at))
    event.add("dtend", _utc(slot.ends_at))
    event.add("summary", summary or mission.title)
    _place(event, tenant, mission)
    event.add("url", mission_link(base_url, mission))
    event.add(
        "description",
        description or f"{mission.organization.name} — {mission.summary}".strip(" —"),
    )
    event.add("organizer", organizer_address(tenant, mission.organization.name))
    event.add("status", status)
    event.add("transp", "OPAQUE" if status == "CONFIRMED" else "TRANSPARENT")
    return event


def participation_uid(tenant: Tenant, participation: Participation) -> str:
    return f"participation-{participation.pk}@{tenant.primary_host}"


def participation_event(
    *,
    tenant: Tenant,
    participation: Participation,
    status: str | None = None,
    base_url: str | None = None,
) -> icalendar.Event | None:
    """The participation's event; None for an ongoing (undated) slot."""
    slot = participation.slot
    if slot.starts_at is None or slot.ends_at is None:
        return None
    return slot_event(
        tenant=tenant,
        slot=slot,
        uid=participation_uid(tenant, participation),
        status=status or participation_status(participation),
        changed_at=participation_changed_at(participation),
        base_url=base_url or tenant.base_url,
    )


def calendar_new(
    *, tenant: Tenant, method: Method | None = None, name: str = ""
) -> icalendar.Calendar:
    """An empty calendar of the tenant; `name` for a feed (X-WR-CALNAME)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//Entraide//{tenant.slug}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method is not None:
        calendar.add("method", method.value)
    if name:
        calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", tenant.timezone)
    return calendar


def slot_ics(
    *,
    tenant: Tenant,
    participation: Participation,
    method: Method = Method.PUBLISH,
    attendee: User | None = None,
) -> bytes | None:
    """The file of one participation (None for an ongoing slot), times in UTC.

    CANCEL always says CANCELLED; an e-mail (REQUEST or CANCEL) names its `attendee`, the
    recipient, as RFC 5546 asks.
    """
    status = "CANCELLED" if method == Method.CANCEL else None
    event = participation_event(tenant=tenant, participation=participation, status=status)
    if event is None:
        return None
    if attendee is not None and method != Method.PUBLISH:
        address = icalendar.vCalAddress(f"mailto:{attendee.email}")
        address.params["CN"] = icalendar.vText(attendee.get_full_name() or attendee.email)
        address.params["ROLE"] = icalendar.vText("REQ-PARTICIPANT")
        address.params["PARTSTAT"] = icalendar.vText(PARTSTAT[str(event["STATUS"])])
        address.params["RSVP"] = icalendar.vText("FALSE")
        event.add("attendee", address)
    calendar = calendar_new(tenant=tenant, method=method)
    calendar.add_component(event)
    return calendar.to_ical()


def events_ics(
    *, tenant: Tenant, name: str, events: Iterable[icalendar.Event], refresh_hours: int = 1
) -> bytes:
    """A feed: the events in one calendar without METHOD (a subscription, not a message)."""
    calendar = calendar_new(tenant=tenant, name=name)
    calendar.add("refresh-interval", f"PT{refresh_hours}H", parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", f"PT{refresh_hours}H")
    for event in events:
        calendar.add_component(event)
    return calendar.to_ical()
