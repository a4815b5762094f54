"""The cities' shared missions near a company's offices: GET /api/v1/shared-missions/.

A list of its own beside /api/v1/missions/ (whose search reads the tenant's own missions): the
company's local copy (engagement.sharing.models.SharedMission), each marked with its city. Signed-
in members of a company only; on a city it answers an empty list (nothing is shared *to* a city).
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from accounts.requests import SignedInApiRequest
from engagement.api.base import (
    PAGE_PARAMETERS,
    AuthenticatedApiView,
    error_responses,
    paginated,
    paginated_serializer,
)
from engagement.sharing.models import SharedMission
from engagement.sharing.selectors import shared_mission_list
from tenants.models import Tenant


class SharedSlotSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The date's id on the city's site.")
    starts_at = serializers.DateTimeField(allow_null=True)
    ends_at = serializers.DateTimeField(allow_null=True)
    seats_left = serializers.IntegerField()


class SharedMissionSerializer(serializers.ModelSerializer):
    city = serializers.CharField(source="subscription.city_name")
    causes = serializers.SerializerMethodField()
    lat = serializers.SerializerMethodField()
    lng = serializers.SerializerMethodField()
    slots = SharedSlotSerializer(source="open_slots", many=True)

    class Meta:
        model = SharedMission
        fields = [
            "id",
            "title",
            "summary",
            "organization_name",
            "city",
            "causes",
            "address",
            "lat",
            "lng",
            "requires_approval",
            "slots",
            "url",
            "refreshed_at",
        ]

    def get_causes(self, obj: SharedMission) -> list[str]:
        return [cause["slug"] for cause in obj.causes]

    def get_lat(self, obj: SharedMission) -> float | None:
        return obj.point.y if obj.point is not None else None

    def get_lng(self, obj: SharedMission) -> float | None:
        return obj.point.x if obj.point is not None else None


class SharedMissionListApi(AuthenticatedApiView):
    @extend_schema(
        tags=["missions"],
        operation_id="shared_missions_list",
        summary="Missions of the cities near the company's offices, soonest first",
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, OpenApiParameter.QUERY),
            OpenApiParameter("cause", OpenApiTypes.STR, OpenApiParameter.QUERY),
            *PAGE_PARAMETERS,
        ],
        responses={
            200: paginated_serializer(SharedMissionSerializer, "SharedMissionPage"),
            **error_responses(400, 401),
        },
    )
    def get(self, request: SignedInApiRequest) -> Response:
        missions = shared_mission_list(
            q=str(request.query_params.get("q", ""))[:100],
            cause=str(request.query_params.get("cause", ""))[:50],
        )
        if request.tenant.kind != Tenant.Kind.COMPANY:
            missions = missions.none()
        return paginated(self, missions, SharedMissionSerializer)
