"""Serializer fields and helpers shared by the engagement API: coordinates, dates, optional URLs
and e-mails."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from django.utils import timezone
from rest_framework import serializers


class LatLngSerializer(serializers.Serializer):
    """A point as {"lat", "lng"} in degrees (WGS 84)."""

    lat = serializers.FloatField(min_value=-90, max_value=90)
    lng = serializers.FloatField(min_value=-180, max_value=180)

    class Meta:
        ref_name = "LatLng"


def _datetime(value: datetime | None, zone: tzinfo | None = None) -> str | None:
    """A datetime as DRF's DateTimeField presents it (ISO 8601 in the current time zone, the
    tenant's, "Z" for UTC), without its per-value settings lookups: the map presents hundreds."""
    if value is None:
        return None
    text = value.astimezone(zone or timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def point_as_lat_lng(point: Any) -> dict[str, float] | None:
    if point is None:
        return None
    return {"lat": point.y, "lng": point.x}


class _BlankAsNull:
    """An optional URL or e-mail: absent is null, not "" (which is no valid URI or address)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, allow_null=True, **kwargs)  # type: ignore[call-arg]

    def to_representation(self, value: Any) -> Any:
        return value or None


class OptionalURLField(_BlankAsNull, serializers.URLField):
    pass


class OptionalEmailField(_BlankAsNull, serializers.EmailField):
    pass
