"""What every engagement service shares: the audit trail, model validation mapped to
EngagementError, text cleaning of a whole set of fields, and the actor checks."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from engagement.errors import EngagementError, EngagementErrorCode
from engagement.sanitizing import sanitize_html, sanitize_text

logger = logging.getLogger("engagement.services")


def checked_point(location: object, *, field: str = "location") -> Point | None:
    """A WGS 84 point with real coordinates, or None; anything else is a 400 on `field`."""
    if location is None:
        return None
    if not isinstance(location, Point):
        message = _("Give a point (longitude, latitude).")
        raise EngagementError(message, code=EngagementErrorCode.INVALID, fields={field: [message]})
    if location.srid not in (None, 4326):
        # A transformed copy, in place (transform(clone=True) is typed as any geometry).
        location = location.clone()
        location.transform(4326)
    longitude, latitude = location.x, location.y
    if not (-180 <= longitude <= 180 and -90 <= latitude <= 90):
        message = _("These coordinates are not on Earth.")
        raise EngagementError(message, code=EngagementErrorCode.INVALID, fields={field: [message]})
    return Point(longitude, latitude, srid=4326)


def copy_fields(target: models.Model, source: models.Model) -> None:
    """Refresh the caller's instance with what a service just wrote (no extra query)."""
    for field in source._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
        if isinstance(field, models.ForeignKey) and field.is_cached(source):
            field.set_cached_value(target, field.get_cached_value(source))


def validated(instance: models.Model, *, exclude: Iterable[str] = ()) -> None:
    """`full_clean()` with Django's errors turned into a 400 EngagementError with field errors."""
    try:
        instance.full_clean(exclude=list(exclude))
    except ValidationError as error:
        fields = (
            {
                key: [str(message) for message in messages]
                for key, messages in error.message_dict.items()
            }
            if hasattr(error, "error_dict")
            else {"non_field_errors": [str(message) for message in error.messages]}
        )
        raise EngagementError(
            _("Some fields are not valid."), code=EngagementErrorCode.INVALID, fields=fields
        ) from None


def clean_texts(
    values: Mapping[str, Any], *, html_fields: Mapping[str, int], text_fields: Mapping[str, int]
) -> dict[str, Any]:
    """Sanitize the text fields present in `values` (HTML subset or plain text, with limits)."""
    cleaned = dict(values)
    for name, limit in html_fields.items():
        if name in cleaned:
            cleaned[name] = sanitize_html(cleaned[name], field=name, max_length=limit)
    for name, limit in text_fields.items():
        if name in cleaned:
            cleaned[name] = sanitize_text(cleaned[name], field=name, max_length=limit)
    return cleaned
