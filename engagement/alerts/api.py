"""The signed-in volunteer's saved searches: /api/v1/saved-searches/.

The search part of a body is the query of GET /api/v1/missions/ (engagement.missions.filters),
validated by the same serializer, so a saved search finds what that search finds. Dates, a map
box and the sort are not kept (an alert is about new missions, newest first).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from accounts.requests import SignedInApiRequest
from engagement.alerts.access import saved_search_get_for_owner
from engagement.alerts.models import SavedSearch
from engagement.alerts.selectors import saved_search_list_for_user
from engagement.alerts.serializers import SavedSearchSerializer
from engagement.alerts.services import (
    saved_search_create,
    saved_search_delete,
    saved_search_update,
)
from engagement.api.base import (
    PAGE_PARAMETERS,
    AuthenticatedApiView,
    error_responses,
    paginated,
    paginated_serializer,
)
from engagement.missions.filters import MissionSearchInput

TAG = "me"
FILTER_FIELDS = (
    "lat",
    "lng",
    "radius_km",
    "cause",
    "skill",
    "availability",
    "q",
    "remote",
    "step_free",
    "open_to_minors",
    "beginner_friendly",
)


class SavedSearchInput(MissionSearchInput):
    """A search of GET /api/v1/missions/ (without dates, box or sort), a name and a frequency."""

    bbox = None
    date_from = None
    date_to = None
    sort = None
    name = serializers.CharField(max_length=100)
    frequency = serializers.ChoiceField(choices=SavedSearch.Frequency.choices)
    place_label = serializers.CharField(max_length=160, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)

    class Meta:
        ref_name = "SavedSearchInput"


class SavedSearchUpdateInput(SavedSearchInput):
    """Only what is given changes. Any search field given replaces the whole search with the
    fields given (a field left out is then no longer a filter)."""

    name = serializers.CharField(max_length=100, required=False)
    frequency = serializers.ChoiceField(choices=SavedSearch.Frequency.choices, required=False)

    class Meta:
        ref_name = "SavedSearchUpdateInput"


def _input(
    serializer_class: type[SavedSearchInput], request: SignedInApiRequest
) -> SavedSearchInput:
    if not isinstance(request.data, Mapping):
        raise exceptions.ValidationError({"non_field_errors": [_("A JSON object is expected.")]})
    serializer = serializer_class(data=request.data, context={"user": request.user})
    serializer.is_valid(raise_exception=True)
    return serializer


class SavedSearchListApi(AuthenticatedApiView):
    @extend_schema(
        tags=[TAG],
        operation_id="saved_searches_list",
        summary="My saved searches, newest first",
        parameters=PAGE_PARAMETERS,
        responses={
            200: paginated_serializer(SavedSearchSerializer, "SavedSearchPage"),
            **error_responses(400, 401),
        },
    )
    def get(self, request: SignedInApiRequest) -> Response:
        return paginated(self, saved_search_list_for_user(user=request.user), SavedSearchSerializer)

    @extend_schema(
        tags=[TAG],
        operation_id="saved_searches_create",
        summary="Save a search and get its alerts (daily or weekly)",
        request=SavedSearchInput,
        responses={201: SavedSearchSerializer, **error_responses(400, 401)},
    )
    def post(self, request: SignedInApiRequest) -> Response:
        serializer = _input(SavedSearchInput, request)
        data = serializer.validated_data
        saved_search = saved_search_create(
            user=request.user,
            name=data["name"],
            frequency=data["frequency"],
            filters=serializer.to_filters(),
            place_label=data.get("place_label", ""),
        )
        if data.get("is_active") is False:
            saved_search = saved_search_update(
                saved_search=saved_search, actor=request.user, is_active=False
            )
        return Response(SavedSearchSerializer(saved_search).data, status=status.HTTP_201_CREATED)


class SavedSearchDetailApi(AuthenticatedApiView):
    @extend_schema(
        tags=[TAG],
        operation_id="saved_searches_retrieve",
        summary="One of my saved searches",
        responses={200: SavedSearchSerializer, **error_responses(401, 404)},
    )
    def get(self, request: SignedInApiRequest, saved_search_id: int) -> Response:
        saved_search = saved_search_get_for_owner(
            saved_search_id=saved_search_id, user=request.user
        )
        return Response(SavedSearchSerializer(saved_search).data)

    @extend_schema(
        tags=[TAG],
        operation_id="saved_searches_update",
        summary="Change a saved search: name, frequency, pause, or its search",
        request=SavedSearchUpdateInput,
        responses={200: SavedSearchSerializer, **error_responses(400, 401, 404)},
    )
    def patch(self, request: SignedInApiRequest, saved_search_id: int) -> Response:
        saved_search = saved_search_get_for_owner(
            saved_search_id=saved_search_id, user=request.user
        )
        serializer = _input(SavedSearchUpdateInput, request)
        data: dict[str, Any] = dict(serializer.validated_data)
        if not data:
            raise exceptions.ValidationError({"non_field_errors": [_("Nothing to change.")]})
        replaces_search = any(name in data for name in FILTER_FIELDS)
        saved_search = saved_search_update(
            saved_search=saved_search,
            actor=request.user,
            name=data.get("name"),
            frequency=data.get("frequency"),
            is_active=data.get("is_active"),
            filters=serializer.to_filters() if replaces_search else None,
            place_label=data.get("place_label"),
        )
        return Response(SavedSearchSerializer(saved_search).data)

    @extend_schema(
        tags=[TAG],
        operation_id="saved_searches_delete",
        summary="Delete a saved search (its alerts stop)",
        responses={204: None, **error_responses(401, 404)},
    )
    def delete(self, request: SignedInApiRequest, saved_search_id: int) -> Response:
        saved_search = saved_search_get_for_owner(
            saved_search_id=saved_search_id, user=request.user
        )
        saved_search_delete(saved_search=saved_search, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
