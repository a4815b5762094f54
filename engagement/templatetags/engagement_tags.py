"""Presentation helpers for engagement pages: dates in the tenant's zone and locale, distances,
seats, the map's attribution, and the name organizations see of a person."""

from __future__ import annotations

import functools
from datetime import datetime
from decimal import Decimal
from typing import Any

import nh3
from django import template
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from engagement.volunteers.selectors import volunteer_display_name

register = template.Library()


@register.filter
def volunteer_name(user: Any) -> str:
    """The name organizations see (engagement.volunteers.selectors.volunteer_display_name)."""
    return volunteer_display_name(user)


@register.filter
def tile_attribution(html: str) -> SafeString:
    """The tenant's tile attribution: links and plain text only."""
    cleaned = nh3.clean(
        html or "",
        tags={"a"},
        attributes={"a": {"href"}},
        url_schemes={"https", "http"},
        link_rel="noopener noreferrer",
    )
    return mark_safe(cleaned)  # noqa: S308 - sanitized just above


def _local(value: datetime) -> datetime:
    return timezone.localtime(value)


def _time(value: datetime) -> str:
    # Québec's "10 h 00" comes from config/formats/fr_CA (Django's own prints the hour twice).
    return date_format(value, "TIME_FORMAT")


@register.filter
def when(starts_at: datetime | None, ends_at: datetime | None = None) -> str:
    """'samedi 14 juin 2025, 10:00 – 13:00' in the active language and the tenant's zone."""
    return _when(starts_at, ends_at, get_language(), timezone.get_current_timezone_name())


# The text depends only on the two moments, the language and the zone (its arguments; the
# language and zone are those active when it runs). Pages repeat the same dates (a mission's
# slots on its page, a list's next dates, "Mes engagements"), and Django's date formatting is
# the costliest part of rendering them (docs/benchmarks.md, "Throughput").
@functools.lru_cache(maxsize=8192)
def _when(
    starts_at: datetime | None, ends_at: datetime | None, language: str | None, zone: str
) -> str:
    if starts_at is None:
        return _("Ongoing, no fixed date")
    start = _local(starts_at)
    text = f"{date_format(start, 'l j F Y')}, {_time(start)}"
    if ends_at is None:
        return text
    end = _local(ends_at)
    if end.date() == start.date():
        return f"{text} – {_time(end)}"
    return f"{text} – {date_format(end, 'l j F Y')}, {_time(end)}"


@register.filter
def slot_when(slot: Any) -> str:
    return when(slot.starts_at, slot.ends_at)


@register.filter
def short_date(value: datetime | None) -> str:
    """'samedi 14 juin, 10:00' (a list's next date): as `when`, kept once made."""
    return _short_date(value, get_language(), timezone.get_current_timezone_name())


@functools.lru_cache(maxsize=8192)
def _short_date(value: datetime | None, language: str | None, zone: str) -> str:
    if value is None:
        return _("Ongoing")
    local = _local(value)
    return f"{date_format(local, 'l j F')}, {_time(local)}"


@register.filter
def distance(kilometres: float | None) -> str:
    """'350 m', '1,2 km' (the decimal mark of the active language)."""
    if kilometres is None:
        return ""
    value = float(kilometres)
    if value < 1:
        metres = max(int(round(value * 1000, -1)), 10)
        return _("%(metres)s m") % {"metres": number_format(metres)}
    decimals = 1 if value < 10 else 0
    return _("%(kilometres)s km") % {"kilometres": number_format(value, decimals)}


@register.filter
def hours(value: Decimal | float | None) -> str:
    """'2,5' for 2.50 hours: no trailing zeros, the active language's decimal mark."""
    if value is None:
        return ""
    number = Decimal(str(value)).normalize()
    decimals = max(-number.as_tuple().exponent, 0)  # type: ignore[operator]
    return number_format(number, decimals)


@register.filter
def seats_text(seats_left: int | None) -> str:
    if seats_left is None:
        return ""
    if seats_left <= 0:
        return _("Full — waiting list")
    return ngettext("%(count)s seat left", "%(count)s seats left", seats_left) % {
        "count": number_format(seats_left)
    }


def slot_seats_html(slot_id: int, seats_left: int) -> SafeString:
    """A date's seats left as its mission page shows them, marked with the date's id: a stored
    copy of the anonymous page gets them afresh on every view (engagement.missions.mission_page,
    SEATS_SPAN reads this markup)."""
    return format_html(
        '<span class="seats{}" data-slot-seats="{}">{}</span>',
        " full" if seats_left <= 0 else "",
        slot_id,
        seats_text(seats_left),
    )


@register.simple_tag
def slot_seats(slot: Any) -> SafeString:
    """`{% slot_seats slot %}`: the date's seats left (slot_seats_html)."""
    return slot_seats_html(slot.pk, slot.seats_left)
