"""Volunteer profiles: interests, skills, weekly availability, home point and radius, and how
organizations see the person (display name, phone).

A profile is personal data that only its owner changes, so no audit record is written.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils.translation import gettext as _
from phonenumber_field.phonenumber import PhoneNumber, to_python

from accounts.models import User
from engagement.access import require_authenticated
from engagement.errors import EngagementError, EngagementErrorCode
from engagement.taxonomy.services import taxonomy_resolve
from engagement.validation import checked_point, clean_texts, validated
from engagement.volunteers.models import VolunteerProfile

logger = logging.getLogger("engagement.services")

AVAILABILITY_BITS = 21
RADIUS_RANGE = (1, 200)


def _invalid(field: str, message: str) -> EngagementError:
    return EngagementError(message, code=EngagementErrorCode.INVALID, fields={field: [message]})


def profile_update(
    *,
    user: User,
    cause_ids: Iterable[int] | None = None,
    skill_ids: Iterable[int] | None = None,
    availability_mask: int | None = None,
    home_point: Point | None = None,
    home_label: str | None = None,
    radius_km: int | None = None,
    clear_home: bool = False,
    display_name: str | None = None,
    phone: str | None = None,
    phone_region: str = "FR",
) -> VolunteerProfile:
    """Change what is given (None leaves a field as it is); creates the profile if missing.

    `clear_home=True` forgets the home point and its label. `phone` is read as a number of
    `phone_region` (the tenant's country) unless it starts with +; "" forgets it.
    """
    require_authenticated(user)
    if availability_mask is not None and (
        isinstance(availability_mask, bool)
        or not isinstance(availability_mask, int)
        or not 0 <= availability_mask < (1 << AVAILABILITY_BITS)
    ):
        raise _invalid("availability_mask", _("Choose days and times from the weekly grid."))
    if radius_km is not None and (
        isinstance(radius_km, bool)
        or not isinstance(radius_km, int)
        or not RADIUS_RANGE[0] <= radius_km <= RADIUS_RANGE[1]
    ):
        raise _invalid(
            "radius_km",
            _("Between %(min)d and %(max)d km.") % {"min": RADIUS_RANGE[0], "max": RADIUS_RANGE[1]},
        )
    point = checked_point(home_point, field="home_point") if home_point is not None else None
    label = (
        clean_texts({"home_label": home_label}, html_fields={}, text_fields={"home_label": 160})[
            "home_label"
        ]
        if home_label is not None
        else None
    )
    name = (
        clean_texts(
            {"display_name": display_name}, html_fields={}, text_fields={"display_name": 80}
        )["display_name"]
        if display_name is not None
        else None
    )
    number = _phone_number(phone, region=phone_region) if phone is not None else None
    causes, skills = taxonomy_resolve(
        cause_ids=list(cause_ids) if cause_ids is not None else None,
        skill_ids=list(skill_ids) if skill_ids is not None else None,
    )
    with transaction.atomic():
        VolunteerProfile.objects.get_or_create(user=user)
        profile = VolunteerProfile.objects.select_for_update().get(user=user)
        if availability_mask is not None:
            profile.availability_mask = availability_mask
        if radius_km is not None:
            profile.radius_km = radius_km
        if clear_home:
            profile.home_point = None
            profile.home_label = ""
        if point is not None:
            profile.home_point = point
        if label is not None:
            profile.home_label = label
        if name is not None:
            profile.display_name = name
        if number is not None:
            profile.phone = number or ""
        validated(profile)
        profile.save()
        if causes is not None:
            profile.causes.set(causes)
        if skills is not None:
            profile.skills.set(skills)
    logger.info("profile.updated", extra={"user_id": user.pk})
    return profile


def _phone_number(value: str, *, region: str) -> PhoneNumber | str:
    """The number as a PhoneNumber, "" for none, or an EngagementError for the phone field."""
    value = value.strip()
    if not value:
        return ""
    number = to_python(value, region=region or None)
    if not isinstance(number, PhoneNumber) or not number.is_valid():
        raise _invalid(
            "phone",
            _("Enter a valid phone number (for another country, start with + and its code)."),
        )
    return number
