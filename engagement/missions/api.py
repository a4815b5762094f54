"""Missions: search, map, detail, joining, and the organization and moderation operations.

Anonymous visitors search and read published missions. Members (admin/editor) of a mission's
organization edit and submit it; moderators and tenant admins publish, reject, close and cancel.
Every lookup goes through accounts/permissions.py: "missing" and "not yours" are the same 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib.gis.geos import Point
from django.http import HttpResponse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import user_is_moderator
from accounts.requests import SignedInApiRequest
from engagement.api.base import (
    MODERATION_TAG,
    ORGANIZER_TAG,
    PAGE_PARAMETERS,
    AuthenticatedApiView,
    EngagementApiView,
    IdField,
    counted_page_json_response,
    error_responses,
    json_text_response,
    page_params,
    paginated,
    paginated_serializer,
    require_moderator,
    validated_data,
)
from engagement.api.fields import LatLngSerializer
from engagement.friends.selectors import friends_going
from engagement.friends.serializers import friends_going_data
from engagement.missions.access import (
    mission_get_for_editor,
    mission_get_for_viewer,
    slot_get_for_editor,
)
from engagement.missions.filters import SEARCH_PARAMETERS, parse_search_params
from engagement.missions.models import Mission
from engagement.missions.search import (
    MAP_POINTS_LIMIT,
    SEARCH_EXACT_TOTAL_LIMIT,
    SEARCH_RESULT_WINDOW,
    mission_map_features,
    mission_search_page_json,
    search_window_reaches,
)
from engagement.missions.selectors import (
    mission_detail,
    mission_list_for_moderation,
    mission_list_for_organization,
    mission_slot_get,
    slot_list_for_mission,
)
from engagement.missions.serializers import (
    MapFeatureCollectionSerializer,
    MissionDetailSerializer,
    MissionListItemSerializer,
    MissionManagedItemSerializer,
    SlotSerializer,
    map_feature_collection_json,
    search_result_format,
)
from engagement.missions.services import (
    mission_cancel,
    mission_close,
    mission_create,
    mission_publish,
    mission_reject,
    mission_submit,
    mission_update,
    slot_cancel,
    slot_create,
    slot_update,
)
from engagement.organizations.access import organization_get_for_member, user_organization_role
from engagement.participations.models import Participation
from engagement.participations.selectors import participation_list_for_mission
from engagement.participations.serializers import (
    OrganizerParticipationSerializer,
    ParticipationSerializer,
)
from engagement.participations.services import participation_request

TAG = "missions"


def _detail_response(request: Request, mission: Mission, *, code: int = 200) -> Response:
    mission = mission_detail(mission=mission)
    can_manage = user_is_moderator(request.user) or (
        user_organization_role(request.user, mission.organization_id) is not None
    )
    going = (
        friends_going_data(
            friends_going(viewer=request.user, mission_ids=[mission.pk]).get(mission.pk, [])
        )
        if request.user.is_authenticated
        else None
    )
    serializer = MissionDetailSerializer(
        mission, context={"can_manage": can_manage, "friends_going": going}
    )
    return Response(serializer.data, status=code)


class MissionInput(serializers.Serializer):
    """Writable fields of a mission; the description is sanitized by the service."""

    title = serializers.CharField(max_length=160)
    summary = serializers.CharField(max_length=300, required=False, allow_blank=True)
    description = serializers.CharField(
        max_length=30_000, required=False, allow_blank=True, trim_whitespace=False
    )
    cause_ids = serializers.ListField(child=IdField(), required=False, max_length=20)
    skill_ids = serializers.ListField(child=IdField(), required=False, max_length=20)
    location = LatLngSerializer(required=False, allow_null=True)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    postcode = serializers.CharField(max_length=16, required=False, allow_blank=True)
    city = serializers.CharField(max_length=120, required=False, allow_blank=True)
    is_remote = serializers.BooleanField(required=False)
    is_step_free = serializers.BooleanField(required=False)
    is_open_to_minors = serializers.BooleanField(required=False)
    is_beginner_friendly = serializers.BooleanField(required=False)
    requires_approval = serializers.BooleanField(required=False)

    class Meta:
        ref_name = "MissionInput"


def _mission_fields(data: dict[str, Any]) -> dict[str, Any]:
    fields = dict(data)
    if "location" in fields:
        location = fields["location"]
        fields["location"] = (
            None if location is None else Point(location["lng"], location["lat"], srid=4326)
        )
    return fields


# --- Search, map, detail ------------------------------------------------------------------------


class MissionSearchApi(EngagementApiView):
    @extend_schema(
        tags=[TAG],
        operation_id="missions_search",
        summary="Search published missions",
        description=(
            "Published missions that can still be joined, filtered and sorted; each carries its "
            "distance (with a point), its next matching date and the seats left on it. A radius "
            "or a box only matches missions with a location. `count` is exact up to "
            f"{SEARCH_EXACT_TOTAL_LIMIT:,} results; beyond, it is {SEARCH_EXACT_TOTAL_LIMIT:,} "
            "and `count_is_exact` is false. The pages reach the first "
            f"{SEARCH_RESULT_WINDOW:,} results: the page holding the last of them has no "
            "`next`, and a `page` beyond them is a 400 (narrow the search to see others)."
        ),
        parameters=SEARCH_PARAMETERS + PAGE_PARAMETERS,
        responses={
            200: paginated_serializer(
                MissionListItemSerializer,
                "PaginatedMissionList",
                exact_count_limit=SEARCH_EXACT_TOTAL_LIMIT,
            ),
            **error_responses(400, 401),
        },
    )
    def get(self, request: Request) -> HttpResponse | Response:
        filters = parse_search_params(request.query_params, user=request.user)
        page, size = page_params(request)
        if not search_window_reaches((page - 1) * size):
            raise exceptions.ValidationError(
                {
                    "page": [
                        _(
                            "Only the first %(count)s results can be paged through: narrow the "
                            "search to see others."
                        )
                        % {"count": number_format(SEARCH_RESULT_WINDOW, force_grouping=True)}
                    ]
                }
            )
        found = mission_search_page_json(
            filters=filters,
            offset=(page - 1) * size,
            limit=size,
            result_format=search_result_format(),
        )
        return counted_page_json_response(
            request,
            found.results,
            total=found.total,
            page=page,
            size=size,
            total_is_exact=found.total_is_exact,
            has_next=found.has_next,
        )


class MissionMapApi(EngagementApiView):
    @extend_schema(
        tags=[TAG],
        operation_id="missions_map",
        summary="Map pins of the matching missions (GeoJSON)",
        description=(
            "Same filters as the search, no pagination: a GeoJSON FeatureCollection of at most "
            f"{MAP_POINTS_LIMIT} pins in search order; `truncated` tells whether there were more "
            "(zoom in or filter)."
        ),
        parameters=SEARCH_PARAMETERS,
        responses={200: MapFeatureCollectionSerializer, **error_responses(400, 401)},
    )
    def get(self, request: Request) -> HttpResponse | Response:
        filters = parse_search_params(request.query_params, user=request.user)
        features = mission_map_features(
            filters=filters, zone=timezone.get_current_timezone(), limit=MAP_POINTS_LIMIT + 1
        )
        return json_text_response(
            request, map_feature_collection_json(features, limit=MAP_POINTS_LIMIT)
        )


class MissionDetailApi(EngagementApiView):
    def get_permissions(self) -> list[Any]:
        if self.request.method == "PATCH":
            return [IsAuthenticated()]
        return super().get_permissions()

    @extend_schema(
        tags=[TAG],
        operation_id="missions_retrieve",
        summary="A mission with its next dates",
        description="Published missions for everyone; any status for its organization's "
        "members and for moderators.",
        responses={200: MissionDetailSerializer, **error_responses(401, 404)},
    )
    def get(self, request: Request, mission_id: int) -> Response:
        mission = mission_get_for_viewer(mission_id=mission_id, user=request.user)
        return _detail_response(request, mission)

    @extend_schema(
        tags=[ORGANIZER_TAG],
        operation_id="missions_update",
        summary="Edit a mission (organization admins and editors)",
        request=MissionInput(partial=True),
        responses={200: MissionDetailSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def patch(self, request: SignedInApiRequest, mission_id: int) -> Response:
        mission = mission_get_for_editor(mission_id=mission_id, user=request.user)
        data = validated_data(MissionInput, request.data, partial=True)
        if not data:
            raise exceptions.ValidationError({"non_field_errors": [_("Nothing to change.")]})
        mission = mission_update(mission=mission, actor=request.user, **_mission_fields(data))
        return _detail_response(request, mission)


# --- Joining and organizer lists of participations ----------------------------------------------


class MissionParticipationsApi(AuthenticatedApiView):
    class ParticipateInput(serializers.Serializer):
        slot = IdField()
        message = serializers.CharField(max_length=2000, required=False, allow_blank=True)

        class Meta:
            ref_name = "ParticipateInput"

    @extend_schema(
        tags=[TAG],
        operation_id="missions_participate",
        summary="Join a date of a mission (Je participe)",
        description=(
            "Confirmed while seats are left, waitlisted when full, or requested when the "
            "mission needs the organization's approval."
        ),
        request=ParticipateInput,
        responses={201: ParticipationSerializer, **error_responses(400, 401, 404, 409)},
    )
    def post(self, request: SignedInApiRequest, mission_id: int) -> Response:
        mission = mission_get_for_viewer(mission_id=mission_id, user=request.user)
        data = validated_data(self.ParticipateInput, request.data)
        slot = mission_slot_get(mission=mission, slot_id=data["slot"])
        if slot is None:
            raise exceptions.ValidationError({"slot": [_("This date is not one of the mission.")]})
        participation = participation_request(
            volunteer=request.user, slot=slot, message=data.get("message", "")
        )
        return Response(ParticipationSerializer(participation).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=[ORGANIZER_TAG],
        operation_id="missions_participations_list",
        summary="Participants of a mission, by date (organization admins and editors)",
        parameters=[
            OpenApiParameter(
                "status",
                str,
                OpenApiParameter.QUERY,
                description="Only these statuses (repeat or comma separated).",
            ),
            *PAGE_PARAMETERS,
        ],
        responses={
            200: paginated_serializer(
                OrganizerParticipationSerializer, "PaginatedOrganizerParticipationList"
            ),
            **error_responses(400, 401, 404),
        },
    )
    def get(self, request: Request, mission_id: int) -> Response:
        mission = mission_get_for_editor(mission_id=mission_id, user=request.user)
        statuses = parse_statuses(request)
        return paginated(
            self,
            participation_list_for_mission(mission=mission, statuses=statuses),
            OrganizerParticipationSerializer,
        )


def parse_statuses(request: Request) -> list[str]:
    statuses = [
        value.strip()
        for raw in request.query_params.getlist("status")
        for value in raw.split(",")
        if value.strip()
    ]
    unknown = sorted(set(statuses) - set(Participation.Status.values))
    if unknown:
        raise exceptions.ValidationError(
            {"status": [_("Unknown status: %(status)s.") % {"status": unknown[0][:40]}]}
        )
    return statuses


# --- Organization side: create, list, transitions -----------------------------------------------


class OrganizationMissionsApi(AuthenticatedApiView):
    @extend_schema(
        tags=[ORGANIZER_TAG],
        operation_id="organizations_missions_list",
        summary="Every mission of an organization, any status (its members)",
        parameters=PAGE_PARAMETERS,
        responses={
            200: paginated_serializer(MissionManagedItemSerializer, "PaginatedManagedMissionList"),
            **error_responses(400, 401, 404),
        },
    )
    def get(self, request: Request, organization_id: int) -> Response:
        organization = organization_get_for_member(
            organization_id=organization_id, user=request.user
        )
        return paginated(
            self,
            mission_list_for_organization(organization=organization),
            MissionManagedItemSerializer,
        )

    @extend_schema(
        tags=[ORGANIZER_TAG],
        operation_id="organizations_missions_create",
        summary="Create a draft mission (organization admins and editors)",
        request=MissionInput,
        responses={201: MissionDetailSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request: SignedInApiRequest, organization_id: int) -> Response:
        organization = organization_get_for_member(
            organization_id=organization_id, user=request.user
        )
        data = validated_data(MissionInput, request.data)
        mission = mission_create(
            organization=organization, actor=request.user, **_mission_fields(data)
        )
        return _detail_response(request, mission, code=status.HTTP_201_CREATED)


class MissionSubmitApi(AuthenticatedApiView):
    @extend_schema(
        tags=[ORGANIZER_TAG],
        operation_id="missions_submit",
        summary="Submit a draft: in review, or published when the site does not moderate",
        description="The draft needs an open date that has not started, or an open ongoing "
        "period: otherwise 409 `mission_without_dates` and nothing changes.",
        request=None,
        responses={200: MissionDetailSerializer, **error_responses(401, 403, 404, 409)},
    )
    def post(self, request: SignedInApiRequest, mission_id: int) -> Response:
        mission = mission_get_for_editor(mission_id=mission_id, user=request.user)
        return _detail_response(request, mission_submit(mission=mission, actor=request.user))


class MissionCloseApi(AuthenticatedApiView):
    @extend_schema(
        tags=[ORGANIZER_TAG],
        operation_id="missions_close",
        summary="Close a published mission (no new participants)",
        request=None,
        responses={200: MissionDetailSerializer, **error_responses(401, 403, 404, 409)},
    )
    def post(self, request: SignedInApiRequest, mission_id: int) -> Response:
        mission = mission_get_for_viewer(mission_id=mission_id, user=request.user)
        return _detail_response(request, mission_close(mission=mission, actor=request.user))


class MissionCancelApi(AuthenticatedApiView):
    @extend_schema(
        tags=[ORGANIZER_TAG],
        operation_id="missions_cancel",
        summary="Cancel a mission; its volunteers are told",
        request=None,
        responses={200: MissionDetailSerializer, **error_responses(401, 403, 404, 409)},
    )
    def post(self, request: SignedInApiRequest, mission_id: int) -> Response:
        mission = mission_get_for_viewer(mission_id=mission_id, user=request.user)
        return _detail_response(request, mission_cancel(mission=mission, actor=request.user))


# --- Moderation ---------------------------------------------------------------------------------


class ModerationMissionListApi(AuthenticatedApiView):
    @extend_schema(
        tags=[MODERATION_TAG],
        operation_id="moderation_missions_list",
        summary="Missions waiting for review, oldest first (moderators)",
        parameters=PAGE_PARAMETERS,
        responses={
            200: paginated_serializer(MissionManagedItemSerializer, "PaginatedManagedMissionList"),
            **error_responses(400, 401, 403),
        },
    )
    def get(self, request: Request) -> Response:
        require_moderator(request)
        return paginated(self, mission_list_for_moderation(), MissionManagedItemSerializer)


class MissionPublishApi(AuthenticatedApiView):
    @extend_schema(
        tags=[MODERATION_TAG],
        operation_id="missions_publish",
        summary="Publish a mission in review (moderators)",
        request=None,
        responses={200: MissionDetailSerializer, **error_responses(401, 403, 404, 409)},
    )
    def post(self, request: SignedInApiRequest, mission_id: int) -> Response:
        mission = mission_get_for_viewer(mission_id=mission_id, user=request.user)
        return _detail_response(request, mission_publish(mission=mission, actor=request.user))


class MissionRejectApi(AuthenticatedApiView):
    class RejectInput(serializers.Serializer):
        note = serializers.CharField(max_length=500)

        class Meta:
            ref_name = "MissionRejectInput"

    @extend_schema(
        tags=[MODERATION_TAG],
        operation_id="missions_reject",
        summary="Send a mission in review back to draft with a note (moderators)",
        request=RejectInput,
        responses={200: MissionDetailSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request: SignedInApiRequest, mission_id: int) -> Response:
        mission = mission_get_for_viewer(mission_id=mission_id, user=request.user)
        data = validated_data(self.RejectInput, request.data)
        mission = mission_reject(mission=mission, actor=request.user, note=data["note"])
        return _detail_response(request, mission)


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
    def post(self, request: SignedInApiRequest, mission_id: int) -> Response:
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
    def patch(self, request: SignedInApiRequest, slot_id: int) -> Response:
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
    def post(self, request: SignedInApiRequest, slot_id: int) -> Response:
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
