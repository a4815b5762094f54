"""Dates (slots) of a mission: listed for its readers, created, moved, resized and cancelled by
its organization, with the participants of each date."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import (
    mission_get_for_editor,
    mission_get_for_viewer,
    slot_get_for_editor,
    user_organization_role,
)
from engagement.api.base import (
    PAGE_PARAMETERS,
    AuthenticatedApiView,
    EngagementApiView,
    error_responses,
    paginated,
    paginated_serializer,
    validated_data,
)
from engagement.api.missions import ORGANIZER_TAG, TAG, parse_statuses
from engagement.api.serializers import OrganizerParticipationSerializer, SlotSerializer
from engagement.selectors import participation_list_for_mission, slot_list_for_mission
from engagement.services import slot_cancel, slot_create, slot_update


class SlotInput(serializers.Serializer):
    """Both dates, or neither for an ongoing period; times without an offset are read in the
    site's time zone."""

    starts_at = serializers.DateTimeField(required=False, allow_null=True)
    ends_at = serializers.DateTimeField(required=False, allow_null=True)
    capacity = serializers.IntegerField(min_value=1, max_value=10_000)

    class Meta:
        ref_name = "SlotInput"

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("starts_at" in attrs) != ("ends_at" in attrs):
            missing = "ends_at" if "starts_at" in attrs else "starts_at"
            raise serializers.ValidationError({missing: [_("Give both dates, or neither.")]})
        return attrs


class MissionSlotsApi(EngagementApiView):
    def get_permissions(self) -> list[Any]:
        if self.request.method == "POST":
            return [IsAuthenticated()]
        return super().get_permissions()

    @extend_schema(
        tags=[TAG],
        operation_id="missions_slots_list",
        summary="Dates of a mission",
        description="Upcoming open dates for everyone; every date (past and cancelled ones "
        "too) for the organization's members.",
        parameters=PAGE_PARAMETERS,
        responses={
            200: paginated_serializer(SlotSerializer, "PaginatedSlotList"),
            **error_responses(400, 401, 404),
        },
    )
    def get(self, request: Request, mission_id: int) -> Response:
        mission = mission_get_for_viewer(mission_id=mission_id, user=request.user)
        is_member = user_organization_role(request.user, mission.organization_id) is not None
        return paginated(
            self, slot_list_for_mission(mission=mission, include_past=is_member), SlotSerializer
        )

    @extend_schema(
        tags=[ORGANIZER_TAG],
        operation_id="missions_slots_create",
        summary="Add a date (organization admins and editors)",
        request=SlotInput,
        responses={201: SlotSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, mission_id: int) -> Response:
        mission = mission_get_for_editor(mission_id=mission_id, user=request.user)
        data = validated_data(SlotInput, request.data)
        slot = slot_create(
            mission=mission,
            actor=request.user,
            starts_at=data.get("starts_at"),
            ends_at=data.get("ends_at"),
            capacity=data["capacity"],
        )
        return Response(SlotSerializer(slot).data, status=status.HTTP_201_CREATED)


class SlotDetailApi(AuthenticatedApiView):
    @extend_schema(
        tags=[ORGANIZER_TAG],
        operation_id="slots_update",
        summary="Move a date or change its seats (organization admins and editors)",
        description="Seats never drop below the confirmed volunteers; more seats promote "
        "people from the waiting list.",
        request=SlotInput(partial=True),
        responses={200: SlotSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def patch(self, request: Request, slot_id: int) -> Response:
        slot = slot_get_for_editor(slot_id=slot_id, user=request.user)
        data = validated_data(SlotInput, request.data, partial=True)
        if not data:
            raise exceptions.ValidationError({"non_field_errors": [_("Nothing to change.")]})
        slot = slot_update(slot=slot, actor=request.user, **data)
        return Response(SlotSerializer(slot).data)


class SlotCancelApi(AuthenticatedApiView):
    @extend_schema(
        tags=[ORGANIZER_TAG],
        operation_id="slots_cancel",
        summary="Cancel a date; its volunteers are told",
        request=None,
        responses={200: SlotSerializer, **error_responses(401, 403, 404, 409)},
    )
    def post(self, request: Request, slot_id: int) -> Response:
        slot = slot_get_for_editor(slot_id=slot_id, user=request.user)
        return Response(SlotSerializer(slot_cancel(slot=slot, actor=request.user)).data)


class SlotParticipationsApi(AuthenticatedApiView):
    @extend_schema(
        tags=[ORGANIZER_TAG],
        operation_id="slots_participations_list",
        summary="Participants of one date (organization admins and editors)",
        parameters=PAGE_PARAMETERS,
        responses={
            200: paginated_serializer(
                OrganizerParticipationSerializer, "PaginatedOrganizerParticipationList"
            ),
            **error_responses(400, 401, 404),
        },
    )
    def get(self, request: Request, slot_id: int) -> Response:
        slot = slot_get_for_editor(slot_id=slot_id, user=request.user)
        participations = participation_list_for_mission(
            mission=slot.mission, slot=slot, statuses=parse_statuses(request)
        )
        return paginated(self, participations, OrganizerParticipationSerializer)
