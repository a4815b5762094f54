"""A participation's slot as an iCalendar event (download and e-mail attachment)."""

from __future__ import annotations

import logging
from datetime import UTC
from typing import Any

import icalendar
from django.utils import timezone

from engagement.links import mission_url, template_language
from engagement.participations.models import Participation

logger = logging.getLogger(__name__)

ICS_FILENAME = "mission.ics"
ICS_MIMETYPE = "text/calendar; method=PUBLISH"


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
    event.add("location", remote_label if mission.is_remote else mission.location_label)
    event.add("url", mission_url(tenant, mission))
    event.add("description", f"{mission.organization.name} — {mission.summary}".strip(" —"))
    event.add("status", "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()
