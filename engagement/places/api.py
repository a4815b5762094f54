"""Place suggestions while typing: `GET /api/v1/places/?q=`, for the address fields' combobox
(static/js/place-combobox.js) and API clients.

Anyone may ask on a public instance (residents search before signing in); a private instance's
middleware (tenants/private_access.py) answers 401 to anonymous callers first. Each client IP gets
PLACES_SUGGEST_RATE_PER_MINUTE calls a minute (a counter in the tenant's cache); the answers
themselves are cached by engagement.places.geocoding.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from engagement.api.base import EngagementApiView, error_responses
from engagement.places.geocoding import QUERY_MAX_LENGTH, SUGGEST_MIN_LENGTH, suggest
from tenants.api_conventions import ApiError
from tenants.client_ip import client_ip
from tenants.context import current_tenant

TAG = "places"
RATE_WINDOW_SECONDS = 60


class PlaceSerializer(serializers.Serializer):
    # A field named like Field.label (a string there): the attribute is the field here.
    label = serializers.CharField()  # type: ignore[assignment]
    lat = serializers.FloatField()
    lng = serializers.FloatField()
    precision = serializers.ChoiceField(
        choices=["address", "street", "postcode", "district", "city"]
    )
    postcode = serializers.CharField(allow_blank=True)
    city = serializers.CharField(allow_blank=True)


class PlaceSuggestionsSerializer(serializers.Serializer):
    results = PlaceSerializer(many=True)
    unavailable = serializers.BooleanField(
        help_text="The tenant's geocoding service did not answer: suggestions come from the "
        "offline gazetteer only."
    )


class PlaceSuggestionsApi(EngagementApiView):
    class Input(serializers.Serializer):
        q = serializers.CharField(
            min_length=SUGGEST_MIN_LENGTH, max_length=QUERY_MAX_LENGTH, trim_whitespace=True
        )

        class Meta:
            ref_name = "PlaceSuggestionsInput"

    @extend_schema(
        tags=[TAG],
        operation_id="places_suggest",
        summary="Places completing what was typed (at least 3 characters), from the instance's "
        "geocoder",
        parameters=[OpenApiParameter("q", OpenApiTypes.STR, OpenApiParameter.QUERY, required=True)],
        responses={200: PlaceSuggestionsSerializer, **error_responses(400, 401, 429)},
    )
    def get(self, request: Request) -> Response:
        serializer = self.Input(data={"q": request.query_params.get("q", "")})
        if not serializer.is_valid():
            raise exceptions.ValidationError(serializer.errors)
        _check_rate(request)
        places, unavailable = suggest(serializer.validated_data["q"], tenant=current_tenant())
        return Response(
            {
                "results": PlaceSerializer([place.as_dict() for place in places], many=True).data,
                "unavailable": unavailable,
            }
        )


def _check_rate(request: Request) -> None:
    limit = int(settings.PLACES_SUGGEST_RATE_PER_MINUTE)
    window = int(time.time() // RATE_WINDOW_SECONDS)
    key = f"places:suggest-rate:{client_ip(request) or 'unknown'}:{window}"
    cache.add(key, 0, RATE_WINDOW_SECONDS * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr, or the cache is down: let it through
        return
    if count > limit:
        raise ApiError(
            _("Too many place searches; try again in a minute."),
            code="rate_limited",
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
        )
