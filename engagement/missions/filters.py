"""Search parameters of `GET missions/` and `GET missions/map/`: parsed and validated here into an
engagement.missions.search.MissionSearchFilters; every mistake is a 400 with field errors.

Availability tokens are `<day>-<period>` (`sat-morning`, `sun-afternoon`, `mon-evening`) or a
whole day (`sat`), comma separated, or `mine` for the signed-in volunteer's profile grid.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from engagement.limits import SEARCH_MAX_YEAR, SEARCH_MIN_YEAR
from engagement.missions.search import MissionSearchFilters

MAX_RADIUS_KM = 100.0
# A map viewport larger than this (degrees) is a zoom level where pins are meaningless.
MAX_BBOX_DEGREES = 10.0
MAX_TERMS = 20
MAX_QUERY_LENGTH = 200
# Dates outside these years are typing mistakes (and would overflow date arithmetic).
MIN_YEAR, MAX_YEAR = SEARCH_MIN_YEAR, SEARCH_MAX_YEAR

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PERIODS = ("morning", "afternoon", "evening")
AVAILABILITY_MINE = "mine"
FULL_MASK = (1 << (len(WEEKDAYS) * len(PERIODS))) - 1


def availability_mask(tokens: Iterable[str]) -> int:
    """The 21-bit mask (Slot.time_bit) of tokens such as `sat-morning` or `sun`.

    Raises ValueError with the first token it does not understand.
    """
    mask = 0
    for raw in tokens:
        token = raw.strip().lower()
        day, _separator, period = token.partition("-")
        if day not in WEEKDAYS or (period and period not in PERIODS):
            raise ValueError(raw)
        weekday = WEEKDAYS.index(day)
        periods = [PERIODS.index(period)] if period else range(len(PERIODS))
        for index in periods:
            mask |= 1 << (weekday * len(PERIODS) + index)
    return mask


def availability_tokens(mask: int) -> list[str]:
    """The `<day>-<period>` tokens of a mask, Monday morning first."""
    return [
        f"{day}-{period}"
        for weekday, day in enumerate(WEEKDAYS)
        for index, period in enumerate(PERIODS)
        if mask >> (weekday * len(PERIODS) + index) & 1
    ]


class FiniteFloatField(serializers.FloatField):
    """A float that is a real number (no NaN, no infinity)."""

    default_error_messages = {"not_finite": gettext_lazy("A finite number is required.")}

    def to_internal_value(self, data: Any) -> float:
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            self.fail("not_finite")
        return value


class BoundedDateField(serializers.DateField):
    default_error_messages = {
        "out_of_range": gettext_lazy("A date between %(min)d and %(max)d.")
        % {"min": MIN_YEAR, "max": MAX_YEAR}
    }

    def to_internal_value(self, value: Any) -> date:
        parsed = super().to_internal_value(value)
        if not MIN_YEAR <= parsed.year <= MAX_YEAR:
            self.fail("out_of_range")
        return parsed


def _bindable_copies(
    declared: dict[str, serializers.Field], *, only: Iterable[str] | None = None
) -> dict[str, serializers.Field]:
    """The declared fields (those named in `only`, when given), copied for one serializer
    instance as DRF requires (bind() sets their name and parent), but shallowly: they keep no
    other per-instance state. DRF's deep copy of the search's fifteen fields took 0.26 ms of CPU
    per search request, as long as building the search's SQL (docs/benchmarks.md, "Broad
    search")."""
    return {
        name: copy.copy(field) for name, field in declared.items() if only is None or name in only
    }


class MissionSearchInput(serializers.Serializer):
    lat = FiniteFloatField(required=False, min_value=-90, max_value=90)
    lng = FiniteFloatField(required=False, min_value=-180, max_value=180)
    radius_km = FiniteFloatField(required=False, max_value=MAX_RADIUS_KM)
    bbox = serializers.CharField(required=False, max_length=200)
    cause = serializers.ListField(
        child=serializers.SlugField(max_length=50), required=False, max_length=MAX_TERMS
    )
    skill = serializers.ListField(
        child=serializers.SlugField(max_length=50), required=False, max_length=MAX_TERMS
    )
    date_from = BoundedDateField(required=False, input_formats=["iso-8601"])
    date_to = BoundedDateField(required=False, input_formats=["iso-8601"])
    availability = serializers.CharField(required=False, max_length=300)
    remote = serializers.BooleanField(required=False)
    step_free = serializers.BooleanField(required=False)
    open_to_minors = serializers.BooleanField(required=False)
    beginner_friendly = serializers.BooleanField(required=False)
    q = serializers.CharField(required=False, allow_blank=True, max_length=MAX_QUERY_LENGTH)
    sort = serializers.ChoiceField(
        required=False, choices=["distance", "soonest", "newest", "relevance"]
    )

    class Meta:
        ref_name = "MissionSearchInput"

    def get_fields(self) -> dict[str, serializers.Field]:
        return _bindable_copies(self._declared_fields)

    def validate_radius_km(self, value: float) -> float:
        if value <= 0:
            raise serializers.ValidationError(
                _("A radius above 0 and at most %(max)d km.") % {"max": MAX_RADIUS_KM}
            )
        return value

    def validate_bbox(self, value: str) -> tuple[float, float, float, float]:
        message = _("Four numbers: west,south,east,north.")
        parts = value.split(",")
        if len(parts) != 4:
            raise serializers.ValidationError(message)
        try:
            west, south, east, north = (float(part) for part in parts)
        except ValueError:
            raise serializers.ValidationError(message) from None
        if not all(math.isfinite(number) for number in (west, south, east, north)):
            raise serializers.ValidationError(message)
        if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= 90):
            raise serializers.ValidationError(_("Coordinates out of range."))
        if not -90 <= north <= 90:
            raise serializers.ValidationError(_("Coordinates out of range."))
        if west >= east or south >= north:
            raise serializers.ValidationError(
                _("West must be less than east and south less than north.")
            )
        if east - west > MAX_BBOX_DEGREES or north - south > MAX_BBOX_DEGREES:
            raise serializers.ValidationError(
                _("The box is too large (at most %(max)d degrees a side); zoom in.")
                % {"max": MAX_BBOX_DEGREES}
            )
        return west, south, east, north

    def validate_availability(self, value: str) -> int | str:
        tokens = [token for token in value.split(",") if token.strip()]
        if [token.strip().lower() for token in tokens] == [AVAILABILITY_MINE]:
            user = self.context.get("user")
            if user is None or not user.is_authenticated:
                raise serializers.ValidationError(
                    _("Sign in to search with your own availability.")
                )
            return AVAILABILITY_MINE
        try:
            return availability_mask(tokens)
        except ValueError as error:
            raise serializers.ValidationError(
                _("Unknown availability %(token)s: use e.g. sat-morning, sun-afternoon or mine.")
                % {"token": str(error)[:40]}
            ) from None

    def validate_q(self, value: str) -> str:
        return " ".join(value.split())

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        has_lat, has_lng = "lat" in attrs, "lng" in attrs
        if has_lat != has_lng:
            errors["lng" if has_lat else "lat"] = [_("Give both lat and lng.")]
        has_point = has_lat and has_lng
        if "radius_km" in attrs and not has_point:
            errors["radius_km"] = [_("A radius needs lat and lng.")]
        if attrs.get("sort") == "distance" and not has_point:
            errors["sort"] = [_("Sorting by distance needs lat and lng.")]
        if attrs.get("sort") == "relevance" and not attrs.get("q"):
            errors["sort"] = [_("Sorting by relevance needs words to search (q).")]
        date_from, date_to = attrs.get("date_from"), attrs.get("date_to")
        if date_from and date_to and date_from > date_to:
            errors["date_to"] = [_("The end date must not be before the start date.")]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def to_filters(self) -> MissionSearchFilters:
        data = self.validated_data
        availability = data.get("availability")
        mine = availability == AVAILABILITY_MINE
        return MissionSearchFilters(
            lat=data.get("lat"),
            lng=data.get("lng"),
            radius_km=data.get("radius_km"),
            bbox=data.get("bbox"),
            causes=tuple(dict.fromkeys(data.get("cause", ()))),
            skills=tuple(dict.fromkeys(data.get("skill", ()))),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            availability=None if mine or availability is None else int(availability),
            availability_mine=mine,
            remote=data.get("remote"),
            step_free=data.get("step_free"),
            open_to_minors=data.get("open_to_minors"),
            beginner_friendly=data.get("beginner_friendly"),
            q=data.get("q", ""),
            sort=data.get("sort"),
            user=self.context.get("user") if mine else None,
        )


class _QueryStringSearchInput(MissionSearchInput):
    """MissionSearchInput for the query string of a search: only the parameters given are bound
    and validated. Every field of MissionSearchInput is optional and has no default, so a field
    the data lacks adds nothing and no error; binding and running all fifteen for one or two
    parameters took ~0.3 ms of CPU per search request (docs/benchmarks.md, "Broad search")."""

    class Meta:
        ref_name = None

    def get_fields(self) -> dict[str, serializers.Field]:
        given = getattr(self, "initial_data", None)
        return _bindable_copies(self._declared_fields, only=given)


SINGLE_VALUE_PARAMS = tuple(
    name for name in MissionSearchInput().fields if name not in {"cause", "skill"}
)
LIST_PARAMS = ("cause", "skill")


def parse_search_params(query_params: QueryDict, *, user: Any) -> MissionSearchFilters:
    """Validate the query string; `cause` and `skill` may repeat or hold comma lists."""
    data: dict[str, Any] = {}
    for name in SINGLE_VALUE_PARAMS:
        if name in query_params:
            data[name] = query_params[name]
    for name in LIST_PARAMS:
        values = [
            value.strip()
            for raw in query_params.getlist(name)
            for value in raw.split(",")
            if value.strip()
        ]
        if values:
            data[name] = values
    serializer = _QueryStringSearchInput(data=data, context={"user": user})
    serializer.is_valid(raise_exception=True)
    return serializer.to_filters()


def _parameter(name: str, kind: Any, description: str, **extra: Any) -> OpenApiParameter:
    return OpenApiParameter(
        name, kind, location=OpenApiParameter.QUERY, description=description, **extra
    )


SEARCH_PARAMETERS = [
    _parameter("lat", OpenApiTypes.DOUBLE, "Latitude of the point, -90 to 90 (with lng)."),
    _parameter("lng", OpenApiTypes.DOUBLE, "Longitude of the point, -180 to 180 (with lat)."),
    _parameter(
        "radius_km",
        OpenApiTypes.DOUBLE,
        "Only missions within this distance of the point, above 0 and at most 100 km.",
    ),
    _parameter(
        "bbox",
        OpenApiTypes.STR,
        "Map viewport west,south,east,north in degrees (at most 10 degrees a side).",
    ),
    _parameter(
        "cause",
        {"type": "array", "items": {"type": "string"}},
        "Cause slugs (repeat the parameter or separate with commas); any of them matches.",
        explode=True,
    ),
    _parameter(
        "skill",
        {"type": "array", "items": {"type": "string"}},
        "Skill slugs (repeat or comma separated); any of them matches.",
        explode=True,
    ),
    _parameter(
        "date_from",
        OpenApiTypes.DATE,
        "First day (tenant's time zone) a date must overlap; ongoing missions always match.",
    ),
    _parameter("date_to", OpenApiTypes.DATE, "Last day (inclusive), not before date_from."),
    _parameter(
        "availability",
        OpenApiTypes.STR,
        "Comma-separated weekday/period tokens (sat-morning, sun-afternoon, mon-evening, or a "
        "whole day: sat), or `mine` for the signed-in volunteer's profile grid. A date matches "
        "when it starts in one of them; ongoing missions always match.",
    ),
    _parameter("remote", OpenApiTypes.BOOL, "true: only remote missions; false: only on site."),
    _parameter("step_free", OpenApiTypes.BOOL, "Step-free access."),
    _parameter("open_to_minors", OpenApiTypes.BOOL, "Open to volunteers under 18."),
    _parameter("beginner_friendly", OpenApiTypes.BOOL, "Suitable for beginners."),
    _parameter(
        "q",
        OpenApiTypes.STR,
        "Full-text words (French and English stemming, accents ignored; "
        '"quotes", OR and -word work as in web search engines).',
    ),
    _parameter(
        "sort",
        OpenApiTypes.STR,
        "distance (needs lat/lng; default with a point), relevance (needs q; default with words "
        "and no point), soonest (default otherwise) or newest.",
        enum=["distance", "soonest", "newest", "relevance"],
    ),
]
