"""What a geocoder answers, checked before anything uses it."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from enum import StrEnum

logger = logging.getLogger(__name__)

LABEL_MAX_LENGTH = 200


class Precision(StrEnum):
    """How precise the point is, from a house to a whole city."""

    ADDRESS = "address"
    STREET = "street"
    POSTCODE = "postcode"
    DISTRICT = "district"
    CITY = "city"


@dataclass(frozen=True)
class Place:
    lat: float
    lng: float
    label: str
    precision: str
    postcode: str = ""
    city: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "label": self.label,
            "lat": self.lat,
            "lng": self.lng,
            "precision": self.precision,
            "postcode": self.postcode,
            "city": self.city,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Place | None:
        return place_checked(
            lat=data.get("lat"),
            lng=data.get("lng"),
            label=data.get("label"),
            precision=str(data.get("precision") or Precision.CITY),
            postcode=str(data.get("postcode") or ""),
            city=str(data.get("city") or ""),
            source="cache",
        )


class Outcome(StrEnum):
    FOUND = "found"
    NOT_FOUND = "not_found"
    # The service did not answer (timeout, refused, 429, 5xx, unreadable answer).
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class Lookup:
    outcome: Outcome
    place: Place | None = None

    @property
    def is_unavailable(self) -> bool:
        return self.outcome is Outcome.UNAVAILABLE


NOT_FOUND = Lookup(Outcome.NOT_FOUND)
UNAVAILABLE = Lookup(Outcome.UNAVAILABLE)


def _coordinate(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def place_checked(
    *,
    lat: object,
    lng: object,
    label: object,
    precision: str,
    postcode: str = "",
    city: str = "",
    source: str,
) -> Place | None:
    """A Place when the answer is usable (coordinates in range, a label); None otherwise, with a
    warning: a geocoder that answers nonsense must not put a pin in the ocean."""
    latitude, longitude = _coordinate(lat), _coordinate(lng)
    text = " ".join(str(label or "").split())[:LABEL_MAX_LENGTH]
    if (
        latitude is None
        or longitude is None
        or not -90 <= latitude <= 90
        or not -180 <= longitude <= 180
        or not text
    ):
        logger.warning("places.answer_rejected", extra={"source": source})
        return None
    return Place(
        lat=latitude,
        lng=longitude,
        label=text,
        precision=precision,
        postcode=postcode[:20],
        city=city[:120],
    )
